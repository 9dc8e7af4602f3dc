import fc from 'fast-check';
import { reconcileOrFail } from '../../lib/reconcile/reconcile';
import { processEventBatch } from '../../lib/sync/process-batch';
import { ecsErrors } from '../../testkit/aws-errors';
import type { FakeWorld } from '../../testkit/fake-world';
import { type ConcurrentPhase, concurrency } from './checks';
import {
  containerDeps,
  type EcsOp,
  familyArb,
  fcOptions,
  foreignSeedsArb,
  freshWorld,
  NUM_RUNS,
  PROPERTY_TIMEOUT_MS,
  scenarioArb,
} from './harness';

/**
 * Short warm-ups of opted-in tasks, so that the race phase often holds RUNNING events whose records do not exist yet:
 * the interleavings that matter (measured: with the second look of lib/sync/recheck.ts disabled, about 3% of the runs
 * find the two-container race, so 200 runs find it with a probability above 99%).
 */
const scenario = scenarioArb({
  maxSteps: 6,
  maxTasks: 4,
  families: familyArb.map((f) => ({ ...f, kind: 'opted-in' as const })),
  delivery: fc.record({
    loss: fc.constantFrom(0, 0.1, 0.3),
    duplicate: fc.constantFrom(0, 0.2),
    window: fc.nat(4),
    faults: fc.constantFrom(0, 0, 0.1),
  }),
});

const phase: fc.Arbitrary<ConcurrentPhase> = fc.record({
  batchA: fc.integer({ min: 1, max: 10 }),
  ecs: fc.array(
    fc.record({
      task: fc.nat(5),
      op: fc.constantFrom<EcsOp>('stop', 'stop', 'finish', 'run', 'advance'),
      after: fc.nat(12),
    }),
    { minLength: 1, maxLength: 2 },
  ),
  latency: fc.nat(3),
});

describe('property 5: concurrency', () => {
  test(
    `two sync invocations and a reconcile, interleaved at their await points, converge after a final reconcile (${NUM_RUNS} runs)`,
    async () => {
      await fc.assert(
        fc.asyncProperty(scenario, foreignSeedsArb, phase, fc.scheduler(), (sc, seeds, ph, s) =>
          concurrency(sc, seeds, ph, s),
        ),
        fcOptions({ timeout: 20_000 }),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

/** Holds the first `command` an SDK client sends until released: one actor paused at an exact await point. */
function holdFirst(client: object, command: string): { reached: Promise<void>; release: () => void } {
  const c = client as { send(cmd: object): Promise<unknown> };
  const send = c.send.bind(c);
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let arrive = () => {};
  const reached = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  let held = false;
  c.send = async (cmd: object) => {
    if (!held && cmd.constructor.name === command) {
      held = true;
      arrive();
      await gate;
    }
    return send(cmd);
  };
  return { reached, release };
}

/**
 * Counterexamples of property 5, as exact interleavings. The first was found by the property (seed 820717020, shrunk
 * to one task): before lib/sync/recheck.ts, it left the stopped task registered until the next reconcile.
 */
describe('property 5: regressions', () => {
  let world: FakeWorld;
  beforeEach(() => {
    world = freshWorld();
  });

  test('a task that stops after DescribeTasks confirmed it, its stop applied by another container before the write, is withdrawn', async () => {
    // Prepare: container A holds a RUNNING event and is about to write (DescribeTasks said RUNNING, Route 53 was
    // read and holds nothing yet)
    const arn = world.runningTask(world.webTaskDefinition(), '10.0.0.1');
    const running = world.takeInputs();
    const a = containerDeps(world);
    const b = containerDeps(world);
    const hold = holdFirst(a.clients.route53, 'ChangeResourceRecordSetsCommand');
    const syncA = processEventBatch(running, a);
    await hold.reached;
    // ECS stops the task; container B applies the stop and finds nothing to delete
    world.ecs.stopTask(arn, { until: 'RUNNING' });
    const stop = await processEventBatch(world.takeInputs(), b);
    expect(stop.items.map((i) => i.status)).toEqual(['unchanged']);

    // Act: A's write lands after the stop was applied
    hold.release();
    const report = await syncA;

    // Assess: A's second look saw the stop and withdrew what it had just written
    expect(world.ownedRecords()).toEqual([]);
    expect(report.changes.filter((c) => c.action === 'DELETE' && c.status === 'applied')).toHaveLength(4); // with the claim TXT (issue 13)
    expect(report.retry).toEqual([]);
  });

  test('when the second look cannot read ECS, the event is retried, and its redelivery withdraws the stopped task', async () => {
    // Prepare: the same race, and the second look's DescribeTasks is throttled
    const arn = world.runningTask(world.webTaskDefinition(), '10.0.0.1');
    const running = world.takeInputs();
    const a = containerDeps(world);
    const hold = holdFirst(a.clients.route53, 'ChangeResourceRecordSetsCommand');
    const syncA = processEventBatch(running, a);
    await hold.reached;
    world.ecs.stopTask(arn, { until: 'RUNNING' });
    await processEventBatch(world.takeInputs(), containerDeps(world));
    const clear = world.ecs.injectFault((op) => (op === 'DescribeTasks' ? ecsErrors.throttling() : undefined));
    hold.release();
    const first = await syncA;
    clear();
    expect(first.retry).toHaveLength(1);
    expect(world.ownedRecords()).toHaveLength(4); // A, SRV, SRV target A, claim TXT (issue 13)

    // Act: SQS redelivers the retried event to the same container
    const again = await processEventBatch(
      running.filter((r) => first.retry.includes(r.id)),
      a,
    );

    // Assess
    expect(again.retry).toEqual([]);
    expect(world.ownedRecords()).toEqual([]);
  });

  test('a reconcile racing a stop: a task stopped between its ECS read and its write is withdrawn by its second look', async () => {
    // Prepare: a running task whose RUNNING event was lost; the reconcile has read Route 53 (nothing) and ECS (running)
    // and is about to write
    const arn = world.runningTask(world.webTaskDefinition(), '10.0.0.1');
    world.takeInputs();
    const r = containerDeps(world);
    const hold = holdFirst(r.clients.route53, 'ChangeResourceRecordSetsCommand');
    const reconciling = reconcileOrFail({}, r);
    await hold.reached;
    // The task stops; the sync function applies the stop: nothing to delete yet
    world.ecs.stopTask(arn, { until: 'RUNNING' });
    await processEventBatch(world.takeInputs(), containerDeps(world));

    // Act
    hold.release();
    const report = await reconciling;

    // Assess: found by property 5 as the window the README described; the reconcile's second look now closes it
    expect(world.ownedRecords()).toEqual([]);
    expect(report.changes.filter((c) => c.action === 'DELETE' && c.status === 'applied')).toHaveLength(4); // with the claim TXT (issue 13)
    expect((await reconcileOrFail({}, containerDeps(world))).outcome).toBe('converged');
  });
});
