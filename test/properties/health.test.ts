import fc from 'fast-check';
import { finalReconcile } from './checks';
import {
  expectedLines,
  expectedState,
  fcOptions,
  freshWorld,
  healthFamilyArb,
  healthOpArb,
  isOwnedSetId,
  markedTaskId,
  NUM_RUNS,
  noBlocks,
  ownedInstanceLines,
  ownedRecordLines,
  PROPERTY_TIMEOUT_MS,
  registeredNow,
  type Scenario,
  Sim,
  scenarioArb,
  ZONE_IDS,
} from './harness';

/**
 * Issue 15: the properties with health transitions. Some families gate on health (require-healthy with a health
 * check); steps turn containers HEALTHY, UNHEALTHY and back to UNKNOWN, each an ECS event that may be lost, duplicated
 * or reordered like any other.
 * - convergence still holds: after the queue drains and one reconcile, the registered state is the oracle's (the
 *   README's gate: pending keeps what it had, unhealthy leaves unless its name would be left without a task not known
 *   to be unhealthy);
 * - no task is registered while UNHEALTHY unless fail-open: a name that holds an unhealthy task holds only unhealthy
 *   tasks.
 */
async function healthConvergence(scenario: Scenario): Promise<void> {
  const world = freshWorld();
  const sim = new Sim(world, scenario);
  sim.injectFaults();
  await sim.run();
  sim.clearFaults();
  world.cloudMap.settle();
  const before = registeredNow(world);

  const report = await finalReconcile(sim.coldDeps());
  world.cloudMap.settle();

  expect(report.rejected).toEqual([]);
  const expected = expectedLines(expectedState(sim, noBlocks(), before));
  expect(ownedRecordLines(world)).toEqual(expected.records);
  expect(ownedInstanceLines(world)).toEqual(expected.instances);
  expect(unhealthyBesideOthers(sim)).toEqual([]);
}

/** Names where a task whose container is UNHEALTHY is registered beside a task that is not: must be none. */
function unhealthyBesideOthers(sim: Sim): string[] {
  const byName = new Map<string, { unhealthy: string[]; others: string[] }>();
  for (const z of ZONE_IDS) {
    for (const r of sim.world.route53.records(z)) {
      if (!isOwnedSetId(r.SetIdentifier) || r.Type === 'TXT') continue;
      const id = markedTaskId(r.SetIdentifier);
      const task = sim.tasks.find((t) => t.id === id);
      if (!task) continue;
      const name = `${z}|${task.family.name}|${task.family.zone}`;
      const entry = byName.get(name) ?? { unhealthy: [], others: [] };
      const unhealthy = task.family.health && sim.status(task).health === 'UNHEALTHY';
      (unhealthy ? entry.unhealthy : entry.others).push(id);
      byName.set(name, entry);
    }
  }
  return [...byName]
    .filter(([, e]) => e.unhealthy.length > 0 && e.others.length > 0)
    .map(([name, e]) => `${name}: unhealthy ${[...new Set(e.unhealthy)]} beside ${[...new Set(e.others)]}`);
}

describe('health transitions (issue 15)', () => {
  test(
    `any history with health transitions, adverse delivery and faults, plus one reconcile, converges to the gated state; no unhealthy task beside a healthy one (${NUM_RUNS} runs)`,
    async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb({ families: healthFamilyArb, ops: healthOpArb }), (scenario) =>
          healthConvergence(scenario),
        ),
        fcOptions(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  test('a generated history reaches every gate: healthy, unhealthy kept (fail-open), unhealthy withdrawn, pending', async () => {
    // Prepare: two tasks of one gated family; one turns unhealthy, then the other; a third never passes its check.
    const scenario: Scenario = {
      families: [
        {
          kind: 'opted-in',
          name: 'web',
          zone: 'default',
          cloudMap: false,
          ip: 'private',
          mode: 'awsvpc',
          records: 'A',
          health: true,
        },
      ],
      tasks: [0, 1, 2].map(() => ({ family: 0, cluster: 0, ipv6: false, service: true, start: 'running' as const })),
      steps: [
        { kind: 'ecs', task: 0, op: 'healthy' },
        { kind: 'ecs', task: 1, op: 'healthy' },
        { kind: 'deliver', size: 10, container: 0 },
        { kind: 'ecs', task: 0, op: 'unhealthy' },
        { kind: 'deliver', size: 10, container: 0 },
      ],
      containers: 1,
      delivery: { loss: 0, duplicate: 0, window: 0, faults: 0 },
      seed: 1,
    };
    const world = freshWorld();
    const sim = new Sim(world, scenario);

    // Act
    await sim.run();
    const afterWithdrawal = registeredNow(world).records;
    sim.ecs(1, 'unhealthy');
    await sim.drain();
    const failOpen = registeredNow(world).records;

    // Assess
    const [t0, t1, t2] = sim.tasks.map((t) => t.id);
    expect([...afterWithdrawal].sort()).toEqual([t1]);
    expect([...failOpen].sort()).toEqual([t1]);
    expect(failOpen.has(t2!)).toBe(false);
    expect(t0).toBeDefined();
    await healthConvergence(scenario);
  });
});
