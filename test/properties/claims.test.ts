import fc from 'fast-check';
import { DEFAULT_NAME_POLICY, type NamePolicy } from '../../lib/plan/name-policy';
import { reconcileOrFail } from '../../lib/reconcile/reconcile';
import { CLOUDMAP_SERVICE, OTHER_ZONE_ID, ZONE_ID } from '../../testkit/fake-world';
import { finalReconcile } from './checks';
import {
  containerDeps,
  expectedLines,
  expectedState,
  fcOptions,
  freshWorld,
  NUM_RUNS,
  OWNER,
  ownedInstanceLines,
  ownedRecordLines,
  PROPERTY_TIMEOUT_MS,
  type Scenario,
  SET_ID_PREFIX,
  Sim,
  scenarioArb,
  type TaskHandle,
  ZONE_IDS,
} from './harness';

/**
 * Property 6, claims (issue 13): families named web, api or db run in two clusters, as services or standalone tasks,
 * so two or three claimants want each name; the policy shares a random subset of the names. Whatever the history:
 * - after every Route 53 change, a name no rule shares has records of one claimant at most (no record of one
 *   claimant joins or replaces another's);
 * - after one reconcile, each wanted name is held, and what is registered is exactly the holders' desired records;
 * - the Cloud Map service likewise: without a sharing rule for it, instances of one claimant at most, at the end of the
 *   history and after the reconcile, and then exactly the holder's desired instances;
 * - a second reconcile changes nothing;
 * - zone and domain filters: a name excluded from the start is never written; when every task stops and more names
 *   leave the view, a forced reconcile deletes every owned record inside the view and none outside it.
 * The oracle computes claimants from the generated scenario, not from the registrar's code.
 */
const NAMES = ['web', 'api', 'db'] as const;

interface Policy {
  policy: NamePolicy;
  shared: Set<string>;
  /** Whether a rule lets every claimant register into the Cloud Map service together. */
  shareCloudMap: boolean;
  /** Names outside the stack's view from the start (REGISTRAR_EXCLUDE_DOMAINS), in both zones. */
  excluded: Set<string>;
  /** Names taken out of the view after the history, before a last reconcile with every task stopped. */
  frozen: Set<string>;
}

const excludeNames = (names: Iterable<string>): string[] =>
  [...names].flatMap((n) => [`${n}.example.com.`, `${n}.example.org.`]);

const policyArb = fc
  .tuple(fc.subarray([...NAMES]), fc.boolean(), fc.subarray([...NAMES], { maxLength: 1 }), fc.subarray([...NAMES]))
  .map(([shared, shareCloudMap, excluded, frozen]): Policy => {
    const rules: NamePolicy['rules'] = [];
    if (shared.length > 0)
      rules.push({ clusters: ['*'], names: shared, share: true }, { clusters: ['*'], names: ['*'] });
    if (shareCloudMap) {
      rules.push({ clusters: ['*'], cloudMapServices: [CLOUDMAP_SERVICE], share: true });
      // With rules, unmatched names are refused: keep every name open as by default.
      if (shared.length === 0) rules.push({ clusters: ['*'], names: ['*'] });
    }
    const policy: NamePolicy = rules.length === 0 ? { ...DEFAULT_NAME_POLICY } : { rules, foreignSets: 'refuse' };
    if (excluded.length > 0) policy.filter = { excludeDomains: excludeNames(excluded) };
    return { shared: new Set(shared), shareCloudMap, policy, excluded: new Set(excluded), frozen: new Set(frozen) };
  });

function claimantOf(sim: Sim, t: TaskHandle): string {
  const familyIndex = t.spec.family % sim.scenario.families.length;
  return t.spec.service ? `service:${t.cluster}/svc-${familyIndex}` : `family:${t.cluster}/${t.familyName}`;
}
const nameOf = (t: TaskHandle) => `${t.family.zone === 'other' ? OTHER_ZONE_ID : ZONE_ID}|${t.family.name}`;

/** Claimants with records at each name, from the records in Route 53 and the scenario's tasks. */
function holders(sim: Sim): Map<string, Set<string>> {
  const byId = new Map(sim.tasks.map((t) => [t.id, t]));
  const out = new Map<string, Set<string>>();
  for (const z of ZONE_IDS) {
    for (const r of sim.world.route53.records(z)) {
      if (!r.SetIdentifier?.startsWith(SET_ID_PREFIX)) continue;
      const task = byId.get(r.SetIdentifier.slice(SET_ID_PREFIX.length).split(':')[0]!);
      if (!task) throw new Error(`a record of no task of the scenario: ${r.Name} ${r.SetIdentifier}`);
      const key = nameOf(task);
      out.set(key, (out.get(key) ?? new Set()).add(claimantOf(sim, task)));
    }
  }
  return out;
}

/** Claimants with instances in the Cloud Map service, from the instances and the scenario's tasks. */
function instanceHolders(sim: Sim): Set<string> {
  const byId = new Map(sim.tasks.map((t) => [t.id, t]));
  const out = new Set<string>();
  for (const i of sim.world.cloudMap.instances(CLOUDMAP_SERVICE)) {
    if (i.Attributes?.ECS_REGISTRAR_OWNER !== OWNER) continue;
    const task = byId.get(i.Id ?? '');
    if (!task) throw new Error(`an instance of no task of the scenario: ${i.Id}`);
    out.add(claimantOf(sim, task));
  }
  return out;
}

function assertOneClaimantPerName(sim: Sim, { shared, excluded }: Policy, when: string): void {
  for (const [name, claimants] of holders(sim)) {
    if (excluded.has(name.split('|')[1]!)) throw new Error(`${when}: ${name} is outside the filter, and was written`);
    if (claimants.size > 1 && !shared.has(name.split('|')[1]!)) {
      throw new Error(`${when}: ${name} has records of ${[...claimants].join(' and ')}, and no rule shares it`);
    }
  }
}

async function claims(scenario: Scenario, rules: Policy): Promise<void> {
  const { policy, shareCloudMap } = rules;
  const world = freshWorld();
  const sim = new Sim(world, scenario, policy);
  const route53 = world.route53;
  const change = route53.changeResourceRecordSets.bind(route53);
  let changes = 0;
  route53.changeResourceRecordSets = async (input) => {
    try {
      return await change(input);
    } finally {
      assertOneClaimantPerName(sim, rules, `after Route 53 change ${++changes}`);
    }
  };
  sim.injectFaults();
  await sim.run();
  sim.clearFaults();
  world.cloudMap.settle();
  // Cloud Map claims: without a sharing rule, one claimant's instances never join another's.
  if (!shareCloudMap) expect(instanceHolders(sim).size).toBeLessThanOrEqual(1);

  const report = await finalReconcile(sim.coldDeps());
  world.cloudMap.settle();
  expect(report.rejected).toEqual([]);

  const held = holders(sim);
  const byId = new Map(sim.tasks.map((t) => [t.id, t]));
  const taskOf = (setIdentifier: string) => byId.get(setIdentifier.slice(SET_ID_PREFIX.length).split(':')[0]!)!;
  // Names outside the filter are never written: they are not wanted.
  const wanted = expectedState(sim).records.filter((r) => !rules.excluded.has(taskOf(r.setIdentifier).family.name));
  for (const r of wanted) {
    // Every wanted name is held by someone after the reconcile.
    expect([nameOf(taskOf(r.setIdentifier)), held.has(nameOf(taskOf(r.setIdentifier)))]).toEqual([
      nameOf(taskOf(r.setIdentifier)),
      true,
    ]);
  }
  const ofHolders = wanted.filter((r) => {
    const t = taskOf(r.setIdentifier);
    return held.get(nameOf(t))?.has(claimantOf(sim, t));
  });
  expect(ownedRecordLines(world)).toEqual(expectedLines({ records: ofHolders, instances: [] }).records);

  // The Cloud Map service: held by one claimant (or shared), and exactly the holders' desired instances.
  const instanceHeld = instanceHolders(sim);
  const wantedInstances = expectedState(sim).instances;
  if (!shareCloudMap) expect(instanceHeld.size).toBeLessThanOrEqual(1);
  if (wantedInstances.length > 0) expect(instanceHeld.size).toBeGreaterThan(0);
  const instancesOfHolders = wantedInstances.filter((i) => instanceHeld.has(claimantOf(sim, byId.get(i.id)!)));
  expect(ownedInstanceLines(world)).toEqual(expectedLines({ records: [], instances: instancesOfHolders }).instances);

  const again = await reconcileOrFail({}, sim.coldDeps());
  expect(again.changes).toEqual([]);

  await frozenNamesAreKept(sim, rules);
}

/**
 * Every task stops (events lost) and the frozen names leave the view: the reconcile deletes every owned record inside
 * the view and none outside it, and reports the kept ones' tasks as outside its view.
 */
async function frozenNamesAreKept(sim: Sim, rules: Policy): Promise<void> {
  const { world } = sim;
  const byId = new Map(sim.tasks.map((t) => [t.id, t]));
  const taskOfLine = (line: string) => {
    const setId = line.split(' ').find((w) => w.startsWith(SET_ID_PREFIX));
    return setId === undefined ? undefined : byId.get(setId.slice(SET_ID_PREFIX.length).split(':')[0]!);
  };
  const isFrozen = (line: string) => rules.frozen.has(taskOfLine(line)?.family.name ?? '');
  const before = ownedRecordLines(world);
  for (const t of sim.tasks) {
    try {
      world.ecs.stopTask(t.arn, { until: 'STOPPED' });
    } catch {
      // A task the scenario never launched.
    }
  }
  world.ecs.takeEvents();
  const filter = { excludeDomains: excludeNames([...rules.excluded, ...rules.frozen]) };

  const report = await reconcileOrFail({ force: true }, containerDeps(world, { ...rules.policy, filter }));

  expect(report.rejected).toEqual([]);
  expect(ownedRecordLines(world)).toEqual(before.filter(isFrozen));
  const reported = new Set(report.outsideView.map((o) => o.subject));
  for (const line of before.filter(isFrozen)) {
    const subject = `task:${taskOfLine(line)!.id}`;
    expect([subject, reported.has(subject)]).toEqual([subject, true]);
  }
}

describe('property 6: claims', () => {
  test(
    `two or three claimants per name and per Cloud Map service, random sharing rules: no record or instance of one claimant joins another's without a rule; convergence holds (${NUM_RUNS} runs)`,
    async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb(), policyArb, (scenario, policy) => claims(scenario, policy)),
        fcOptions(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
