// The bodies of the properties, shared by the fast-check runs and the named regression tests that replay the
// counterexamples found while developing them.

import type fc from 'fast-check';
import type { EngineDeps } from '../../lib/engine/deps';
import { type ReconcileReport, reconcileOrFail } from '../../lib/reconcile/reconcile';
import type { BatchReport } from '../../lib/sync/process-batch';
import {
  type Container,
  type EcsOp,
  expectedLines,
  expectedState,
  type ForeignSeeds,
  foreignSnapshot,
  freshWorld,
  type Message,
  ownedInstanceLines,
  ownedRecordLines,
  registeredTaskIds,
  type Scenario,
  Sim,
  scheduleCalls,
  seedForeign,
  trackWriters,
} from './harness';

/**
 * Property 1, convergence (DESIGN.md invariant 2): any ECS history, its events delivered with duplicates, reordering,
 * loss, random batch boundaries, throttling and transient faults (retried items redelivered, as SQS does); after the
 * queue drains and one reconcile, the registered state equals the desired state computed from ECS, exactly.
 */
export async function convergence(scenario: Scenario): Promise<void> {
  const world = freshWorld();
  const sim = new Sim(world, scenario);
  sim.injectFaults();
  await sim.run();
  sim.clearFaults();
  world.cloudMap.settle();

  const report = await finalReconcile(sim.coldDeps());
  world.cloudMap.settle();

  expect(report.rejected).toEqual([]);
  const expected = expectedLines(expectedState(sim));
  expect(ownedRecordLines(world)).toEqual(expected.records);
  expect(ownedInstanceLines(world)).toEqual(expected.instances);
}

/**
 * Property 2, ownership (DESIGN.md invariant 1): records and instances someone else owns, seeded before anything runs
 * (same names with other set identifiers, other types, look-alike marks, records that keep the registrar out, an
 * instance with a task's id, an ECS-managed service), are byte-identical after the event path and after the reconcile;
 * everything they do not block converges.
 */
export async function ownership(scenario: Scenario, seeds: ForeignSeeds): Promise<void> {
  const world = freshWorld();
  const sim = new Sim(world, scenario);
  const blocks = seedForeign(sim, seeds);
  const before = foreignSnapshot(world);
  sim.injectFaults();
  await sim.run();
  sim.clearFaults();
  world.cloudMap.settle();
  expect(foreignSnapshot(world)).toEqual(before);

  await finalReconcile(sim.coldDeps());
  world.cloudMap.settle();

  expect(foreignSnapshot(world)).toEqual(before);
  const expected = expectedLines(expectedState(sim, blocks));
  expect(ownedRecordLines(world)).toEqual(expected.records);
  expect(ownedInstanceLines(world)).toEqual(expected.instances);
}

/**
 * Property 3, no resurrection (DESIGN.md invariant 3), on the event path alone: whatever the delivery order,
 * duplicates, batch boundaries, containers and faults, once a batch reports a task's stopping event applied (or
 * unchanged), no record or instance of that task exists at any later point: checked after every Route 53 change,
 * every Cloud Map registration and every batch.
 */
export async function noResurrection(scenario: Scenario): Promise<void> {
  const world = freshWorld();
  const sim = new Sim(world, scenario);
  const stopApplied = new Map<string, string>();
  const check = (when: string) => {
    const present = registeredTaskIds(world);
    for (const [id, where] of stopApplied) {
      if (present.has(id)) {
        throw new Error(`task ${id}: its stop was applied (${where}), but ${when} it is registered again`);
      }
    }
  };
  const route53 = world.route53;
  const change = route53.changeResourceRecordSets.bind(route53);
  route53.changeResourceRecordSets = async (input) => {
    try {
      return await change(input);
    } finally {
      check('after a ChangeResourceRecordSets');
    }
  };
  const cloudMap = world.cloudMap;
  const register = cloudMap.registerInstance.bind(cloudMap);
  cloudMap.registerInstance = async (input) => {
    try {
      return await register(input);
    } finally {
      check('after a RegisterInstance');
    }
  };
  let batch = 0;
  sim.afterBatch = (inputs: Message[], report) => {
    batch += 1;
    for (const item of report.items) {
      const m = inputs.find((i) => i.id === item.id);
      if (m?.stopping && (item.status === 'applied' || item.status === 'unchanged')) {
        const id = m.taskArn.split('/').pop()!;
        if (!stopApplied.has(id)) stopApplied.set(id, `batch ${batch}, message ${m.id} version ${m.version}`);
      }
    }
    check(`after batch ${batch}`);
  };
  sim.injectFaults();
  await sim.run();
  check('at the end');
}

/**
 * Property 4, economy (DESIGN.md invariant 5): duplicate and stale events add no write call. The same history is
 * delivered twice: once as generated, once with extra copies of events already seen (duplicates, and older versions:
 * stale) mixed into the batches, for tasks whose newest event has been delivered (so the extra copies carry nothing
 * new). Every batch makes exactly as many writes (ChangeResourceRecordSets, RegisterInstance, DeregisterInstance) in
 * both runs, the end states are equal, and replaying every event once more, to warm and cold containers, writes
 * nothing.
 *
 * With `cached` containers (the sync function's view of the zone: lib/aws/route53-cache.ts), a duplicate reaching a
 * warm container whose view predates another container's writes may cost a request per zone and batch: a view that does
 * not show a running task's records UPSERTs them again (the same records), one that still shows a stopped task's
 * records sends their exact DELETE and Route 53 answers `not found` (counted applied). That is the documented price
 * of not listing the names again (README, Rate budget). So with the cache the end states with and without the extra
 * copies are still equal, and the replay changes nothing, retries nothing and sends at most two requests per zone and
 * batch; the write counts of the two runs may differ.
 */
export async function economy(scenario: Scenario, extras: number[], cached = false): Promise<void> {
  const writes = async (withExtras: boolean) => {
    const world = freshWorld();
    const sim = new Sim(world, scenario, undefined, cached);
    const perBatch: number[] = [];
    const seen: Message[] = [];
    let pick = 0;
    const deliver = async (size: number, container: number) => {
      const batch = sim.queue.splice(0, size);
      if (batch.length === 0) return;
      seen.push(...batch);
      if (withExtras) {
        const pending = new Set(sim.queue.map((m) => m.taskArn));
        const eligible = seen.filter((m) => !pending.has(m.taskArn));
        const n = eligible.length === 0 ? 0 : (extras[pick % extras.length] ?? 0);
        for (let i = 0; i < n; i++) {
          const original = eligible[(extras[(pick + i + 1) % extras.length] ?? 0) % eligible.length]!;
          const copy: Message = { ...original, id: `${original.id}-copy${pick}-${i}`, receives: 0 };
          batch.splice((extras[(pick + i) % extras.length] ?? 0) % (batch.length + 1), 0, copy);
        }
        pick += n + 1;
      }
      const before = sim.writeCalls();
      await sim.process(batch, sim.containers[container % sim.containers.length]!);
      perBatch.push(sim.writeCalls() - before);
    };
    for (const step of scenario.steps) {
      if (step.kind === 'ecs') sim.ecs(step.task, step.op);
      else await deliver(step.size, step.container);
    }
    let turn = 0;
    while (sim.queue.length > 0) await deliver(10, turn++);
    return { sim, perBatch, state: { records: ownedRecordLines(world), instances: ownedInstanceLines(world) } };
  };

  const plain = await writes(false);
  const noisy = await writes(true);
  // A cached container's extra copies may cost a write that changes nothing (see above): the counts may differ.
  if (!cached) expect(noisy.perBatch).toEqual(plain.perBatch);
  expect(noisy.state).toEqual(plain.state);

  // Replay every message once more, shuffled, in batches of up to 10, to the warm containers and a cold one.
  const sim = noisy.sim;
  const all = [...sim.delivered].sort(() => sim.rng() - 0.5).map((m, i) => ({ ...m, id: `${m.id}-replay${i}` }));
  const cold = sim.addContainer('cold');
  const before = sim.writeCalls();
  const reportsBefore = sim.reports.length;
  const state = { records: ownedRecordLines(sim.world), instances: ownedInstanceLines(sim.world) };
  let batches = 0;
  for (let i = 0; i < all.length; i += 10) {
    const container = sim.containers[Math.floor(sim.rng() * sim.containers.length)] ?? cold;
    await sim.process(all.slice(i, i + 10), container);
    batches += 1;
  }
  if (!cached) {
    expect(sim.writeCalls() - before).toBe(0);
    return;
  }
  expect({ records: ownedRecordLines(sim.world), instances: ownedInstanceLines(sim.world) }).toEqual(state);
  // Nothing changed, and no retry: what the replay sent were UPSERTs of records already there and DELETEs Route 53
  // found nothing for, at most one request per zone and batch, two when a refusal set some aside.
  const reports = sim.reports.slice(reportsBefore).map((r) => r.report);
  expect(reports.flatMap((r) => r.retry)).toEqual([]);
  const zones = new Set(scenario.families.map((f) => f.zone)).size;
  expect(sim.writeCalls() - before).toBeLessThanOrEqual(2 * zones * batches);
}

export interface ConcurrentPhase {
  /** How many queued messages the first sync invocation takes. */
  batchA: number;
  /**
   * ECS changes made while the invocations run, each at a point the scheduler chooses after `after` scheduler steps
   * of its own (so that changes land early, midway or late in the race rather than mostly at its start).
   */
  ecs: { task: number; op: EcsOp; after: number }[];
  /** Up to this many extra scheduler steps before each AWS call (its latency). */
  latency: number;
}

/**
 * Property 5, concurrency: after a warm-up history (adverse delivery), two sync invocations on separate containers
 * (A: messages already queued; B: the events of ECS changes made meanwhile) and one reconcile run interleaved at
 * every await point, in an order fast-check's scheduler picks; ECS changes happen at scheduled points too. Then:
 * - a task whose stop a sync invocation applied during the race and that is registered again afterwards may only have
 *   been written back by the reconcile: the README's window (records missing at the reconcile's read, task running at
 *   its ECS read, stop applied before its write). Anything else is a race beyond the stated window;
 * - after the queue drains and a final reconcile, properties 1 and 2 hold and every such leftover is gone.
 */
export async function concurrency(
  scenario: Scenario,
  seeds: ForeignSeeds,
  phase: ConcurrentPhase,
  s: fc.Scheduler,
): Promise<void> {
  const world = freshWorld();
  const sim = new Sim(world, { ...scenario, containers: 2 });
  const blocks = seedForeign(sim, seeds);
  const foreign = foreignSnapshot(world);
  const writers = trackWriters(world);
  sim.injectFaults();
  for (const step of scenario.steps) {
    if (step.kind === 'ecs') sim.ecs(step.task, step.op);
    else await sim.deliver(step.size, step.container);
  }

  // The race.
  const [a, b] = sim.containers as [Container, Container];
  const reconcileDeps = sim.coldDeps();
  const latency = () => Math.floor(sim.rng() * (phase.latency + 1));
  const stopScheduling = [
    scheduleCalls(a.deps.clients, s, 'sync-A', writers, latency),
    scheduleCalls(b.deps.clients, s, 'sync-B', writers, latency),
    scheduleCalls(reconcileDeps.clients, s, 'reconcile', writers, latency),
  ];
  const stopApplied = new Map<string, string>();
  const noteStops = (actor: string, inputs: Message[], report: BatchReport) => {
    for (const item of report.items) {
      const m = inputs.find((i) => i.id === item.id);
      if (m?.stopping && (item.status === 'applied' || item.status === 'unchanged')) {
        stopApplied.set(m.taskArn.split('/').pop()!, actor);
      }
    }
  };
  const batchA = sim.queue.splice(0, phase.batchA);
  const ecsDone = phase.ecs.map(async ({ task, op, after }) => {
    for (let i = 0; i < after; i++) await s.schedule(Promise.resolve(`ecs wait ${i + 1}/${after}`));
    await s.schedule(Promise.resolve(`ecs ${op} task ${task % sim.tasks.length}`));
    sim.ecs(task, op);
  });
  const syncA =
    batchA.length > 0 ? sim.process(batchA, a).then((r) => noteStops('sync-A', batchA, r)) : Promise.resolve();
  const syncB = Promise.all(ecsDone).then(async () => {
    const batchB = sim.queue.splice(0, 10);
    if (batchB.length > 0) noteStops('sync-B', batchB, await sim.process(batchB, b));
  });
  const reconciled = reconcileOrFail({}, reconcileDeps).catch((err: Error) => err);
  const [, , reconcileOutcome] = await s.waitFor(Promise.all([syncA, syncB, reconciled]));
  // Calls still in flight when their caller gave up (a Promise.all that rejected early) complete too, as on AWS.
  await s.waitIdle();
  for (const stop of stopScheduling) stop();
  // A reconcile that fails on a (fault-injected) read has applied nothing: that is its documented behaviour.
  if (reconcileOutcome instanceof Error && !/failed|throttl|unavailable|internal/i.test(reconcileOutcome.message)) {
    throw reconcileOutcome;
  }

  // The items the race returned for retry are redelivered (AWS has calmed down: no more injected faults).
  sim.clearFaults();
  await sim.drain();

  // Leftovers of tasks whose stop was applied during the race, once the redeliveries are done:
  // only the README's window (a reconcile writing back) may leave them.
  const present = registeredTaskIds(world);
  const leftovers = [...stopApplied.keys()].filter((id) => present.has(id));
  for (const id of leftovers) {
    const writes = [...writers.last.entries()].filter(([key]) => key.includes(id));
    const beyond = writes.filter(
      ([, w]) => w.actor !== 'reconcile' && !w.action.startsWith('DELETE') && w.action !== 'deregisterInstance',
    );
    if (beyond.length > 0) {
      throw new Error(
        `task ${id}: its stop was applied by ${stopApplied.get(id)} during the race, but ${beyond
          .map(([key, w]) => `${key} was written back by ${w.actor} (${w.action})`)
          .join('; ')}: a race beyond the README's window`,
      );
    }
  }

  // The final reconcile.
  world.cloudMap.settle();
  await finalReconcile(sim.coldDeps());
  world.cloudMap.settle();

  const after = registeredTaskIds(world);
  for (const id of leftovers) expect(after.has(id)).toBe(false);
  expect(foreignSnapshot(world)).toEqual(foreign);
  const expected = expectedLines(expectedState(sim, blocks));
  expect(ownedRecordLines(world)).toEqual(expected.records);
  expect(ownedInstanceLines(world)).toEqual(expected.instances);
}

/**
 * The reconcile that ends a history. The deletion guard refuses a plan that empties a cluster however few its entries
 * (or deletes more than the allowed share); the documented answer of an operator who knows those tasks are gone is to
 * rerun with force, so the property checks convergence through that answer, and that nothing else was refused.
 */
export async function finalReconcile(deps: EngineDeps): Promise<ReconcileReport> {
  const first = await reconcileOrFail({}, deps);
  if (first.outcome !== 'refused') return first;
  expect(first.refusal).toMatch(/deletes every owned entry of cluster|more than REGISTRAR_MAX_DELETE_PERCENT/);
  return reconcileOrFail({ force: true }, deps);
}
