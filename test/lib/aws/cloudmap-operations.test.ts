import { MetricName } from '../../../lib/observability/metric-names';
import { recordBatchMetrics } from '../../../lib/observability/telemetry';
import { processEventBatch } from '../../../lib/sync/process-batch';
import { CLOUDMAP_SERVICE, FakeWorld } from '../../../testkit/fake-world';

/**
 * Cloud Map operations followed to their end on the event path, on the faithful fake (whose RegisterInstance and
 * DeregisterInstance are asynchronous operations that may end in FAIL, aws-facts.md §4).
 */
const world = new FakeWorld();
beforeEach(() => world.reset());

const inputs = (events: unknown[]) => events.map((e, i) => ({ id: `m${i + 1}`, body: JSON.stringify(e) }));
const labels = { 'ecs-registrar.name': 'web', 'ecs-registrar.cloudmap-service': CLOUDMAP_SERVICE };

function metricsOf(report: Parameters<typeof recordBatchMetrics>[1]): Map<string, number> {
  const added = new Map<string, number>();
  recordBatchMetrics({ addMetric: (name: string, _unit: unknown, value: number) => added.set(name, value) }, report);
  return added;
}

describe('Cloud Map operations on the event path', () => {
  test('a registration whose operation ends in FAIL is reported, counted as rejected and retried; the retry registers', async () => {
    // Prepare: Cloud Map accepts the request, then its operation fails (its own Route 53 call was throttled)
    world.runningTask(world.webTaskDefinition('web', labels), '10.0.0.1');
    const events = world.ecs.takeEvents().filter((e) => e.detail.lastStatus === 'RUNNING');
    world.cloudMap.setOperationOutcome(() => ({ ErrorCode: 'THROTTLED_REQUEST', ErrorMessage: 'Rate exceeded' }));
    const deps = world.deps();

    // Act
    const first = await processEventBatch(inputs(events), deps);
    world.cloudMap.setOperationOutcome(undefined);
    const second = await processEventBatch(inputs(events), deps);

    // Assess
    expect(first.retry).toEqual(['m1']);
    const rejected = first.changes.filter((c) => c.provider === 'cloudmap');
    expect(rejected.map((c) => [c.action, c.status, c.code])).toEqual([['REGISTER', 'rejected', 'THROTTLED_REQUEST']]);
    expect(rejected[0]?.message).toContain('Rate exceeded');
    expect(metricsOf(first).get(MetricName.ChangesRejected)).toBe(1);
    expect(world.cloudMap.callCount('GetOperation')).toBeGreaterThanOrEqual(2);
    expect(second.retry).toEqual([]);
    expect(second.items.map((i) => i.status)).toEqual(['applied']);
    expect(world.cloudMap.instances(CLOUDMAP_SERVICE).map((i) => i.Id)).toHaveLength(1);
  });

  test('an operation still running when the writer stops waiting is retried, and the redelivery finds it done', async () => {
    // Prepare: operations end only after many further calls (slower than the writer's polling rounds)
    world.runningTask(world.webTaskDefinition('web', labels), '10.0.0.2');
    const events = world.ecs.takeEvents().filter((e) => e.detail.lastStatus === 'RUNNING');
    world.cloudMap.autoSettleAfterCalls = 1_000;
    const deps = world.deps();

    // Act
    const first = await processEventBatch(inputs(events), deps);
    const polls = world.cloudMap.callCount('GetOperation');
    world.cloudMap.settle();
    const second = await processEventBatch(inputs(events), deps);

    // Assess: a bounded number of polls (one per round), then a retry; the redelivery writes nothing to Cloud Map
    expect(first.retry).toEqual(['m1']);
    expect(first.changes.find((c) => c.provider === 'cloudmap')).toMatchObject({
      status: 'failed',
      code: 'OperationPending',
    });
    expect(polls).toBe(5);
    expect(second.retry).toEqual([]);
    expect(second.changes.filter((c) => c.provider === 'cloudmap')).toEqual([]);
    expect(world.cloudMap.callCount('RegisterInstance')).toBe(1);
  });
});
