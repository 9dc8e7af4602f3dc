import { createEngineDeps } from '../../../lib/engine/deps';
import { silentLog } from '../../../lib/observability/log';
import { processEventBatch } from '../../../lib/sync/process-batch';
import { FakeWorld, ZONE_ID } from '../../../testkit/fake-world';

/**
 * Two sync containers, each with its view of the zone (REGISTRAR_ROUTE53_CACHE_SECONDS), on the faithful fakes: what
 * one container writes the other's view does not show until it expires, and that must never cost a needed delete.
 */
const world = new FakeWorld();
beforeEach(() => world.reset());

const id = (arn: string) => arn.split('/').pop()!;
let seq = 0;
const inputs = (events: unknown[]) => events.map((e) => ({ id: `m${++seq}`, body: JSON.stringify(e) }));
const ownedBy = (arn: string) =>
  world.route53.records(ZONE_ID).filter((r) => r.SetIdentifier?.startsWith(`ecs-registrar:test-owner:${id(arn)}:`));
const container = () =>
  createEngineDeps({
    settings: world.settings(),
    clients: world.clients(),
    log: silentLog,
    timing: world.timing,
    route53RequestsPerSecond: 1000,
    cacheRoute53: true,
    env: {},
  });
const route53Calls = () =>
  world.route53.callCount('ListResourceRecordSets') + world.route53.callCount('ChangeResourceRecordSets');

describe('two containers with cached views', () => {
  test("a stop reaching the container whose view predates the task's registration still deletes its records", async () => {
    const a = container();
    const b = container();
    const definition = world.webTaskDefinition();
    // Container B reads the service's names (registering another task of it): its view now holds them.
    world.runningTask(definition, '10.0.0.1');
    await processEventBatch(world.takeInputs(), b);
    // Container A registers task T afterwards: B's view does not show T.
    const t = world.runningTask(definition, '10.0.0.2');
    await processEventBatch(world.takeInputs(), a);
    expect(ownedBy(t)).toHaveLength(4);

    // T stops; the stop reaches B, whose cached view shows none of T's records.
    world.ecs.stopTask(t, { until: 'RUNNING' });
    const listsBefore = world.route53.callCount('ListResourceRecordSets');
    const report = await processEventBatch(inputs(world.ecs.takeEvents()), b);

    // B listed T's names again (after ECS confirmed the stop) and deleted every record of T.
    expect(world.route53.callCount('ListResourceRecordSets')).toBeGreaterThan(listsBefore);
    expect(report.items.every((i) => i.status === 'applied')).toBe(true);
    expect(ownedBy(t)).toEqual([]);
  });

  test('lifecycle events after a stop another container applied cost one shared refused request, then nothing', async () => {
    const a = container();
    const b = container();
    const definition = world.webTaskDefinition();
    const t = world.runningTask(definition, '10.0.0.2');
    const u = world.runningTask(definition, '10.0.0.3');
    // A registers both tasks (its view holds them, as its own writes); B reads the same names.
    await processEventBatch(world.takeInputs(), a);
    world.runningTask(definition, '10.0.0.4');
    await processEventBatch(world.takeInputs(), b);

    // Both stop; B applies the stops.
    world.ecs.stopTask(t, { until: 'RUNNING' });
    world.ecs.stopTask(u, { until: 'RUNNING' });
    await processEventBatch(inputs(world.ecs.takeEvents()), b);
    expect([...ownedBy(t), ...ownedBy(u)]).toEqual([]);

    // Their next lifecycle events reach A, whose view still shows both: one request, refused as not found for all
    // their records, settles them (no listing, no SQS retry).
    world.ecs.advance(t);
    world.ecs.advance(u);
    const before = { lists: world.route53.callCount('ListResourceRecordSets'), calls: route53Calls() };
    const first = await processEventBatch(inputs(world.ecs.takeEvents()), a);
    expect(first.retry).toEqual([]);
    expect(world.route53.callCount('ListResourceRecordSets')).toBe(before.lists);
    expect(route53Calls() - before.calls).toBe(1);

    // From then on, in either container, their events cost no Route 53 call at all.
    world.ecs.advance(t);
    world.ecs.advance(u);
    const later = world.ecs.takeEvents();
    const calls = route53Calls();
    await processEventBatch(inputs(later), a);
    await processEventBatch(inputs(later), b);
    expect(route53Calls()).toBe(calls);
  });
});
