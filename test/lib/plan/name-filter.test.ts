import type { Settings } from '../../../lib/config/settings';
import { type NameFilter, outsideView } from '../../../lib/plan/name-filter';
import { reconcileOrFail } from '../../../lib/reconcile/reconcile';
import { processEventBatch } from '../../../lib/sync/process-batch';
import { FakeWorld, OTHER_ZONE_ID, ZONE_ID } from '../../../testkit/fake-world';

/**
 * Issue 13, zone and domain filters: a name outside the stack's view is never written nor deleted, on the event path
 * and by the reconciler (one implementation: plan.ts asks name-filter.ts).
 */
describe('outsideView', () => {
  const filter: NameFilter = {
    zoneIds: [ZONE_ID, OTHER_ZONE_ID],
    excludeZoneIds: [OTHER_ZONE_ID],
    domains: ['team-a.example.com.'],
    excludeDomains: ['legacy.team-a.example.com.'],
  };

  it.each([
    ['the included domain itself', ZONE_ID, 'team-a.example.com.', undefined],
    ['a name under the included domain', ZONE_ID, 'API.team-a.example.com', undefined],
    [
      'a name that only ends like the domain',
      ZONE_ID,
      'xteam-a.example.com.',
      'xteam-a.example.com. is outside REGISTRAR_DOMAIN_FILTER (team-a.example.com)',
    ],
    [
      'a name under an excluded domain (exclusion wins)',
      ZONE_ID,
      'old.legacy.team-a.example.com.',
      'old.legacy.team-a.example.com. is excluded by REGISTRAR_EXCLUDE_DOMAINS (legacy.team-a.example.com)',
    ],
    [
      'a name in an excluded zone',
      OTHER_ZONE_ID,
      'api.team-a.example.com.',
      `api.team-a.example.com. is in zone ${OTHER_ZONE_ID}, excluded by REGISTRAR_EXCLUDE_ZONE_IDS`,
    ],
    [
      'a name in a zone outside the zone filter',
      'ZTHIRD',
      'api.team-a.example.com.',
      `api.team-a.example.com. is in zone ZTHIRD, outside REGISTRAR_ZONE_ID_FILTER (${ZONE_ID}, ${OTHER_ZONE_ID})`,
    ],
  ])('%s', (_what, zoneId, name, expected) => {
    // Act
    const why = outsideView(filter, zoneId, name);

    // Assess
    expect(why).toBe(expected);
  });

  it('without a filter, every name is inside', () => {
    expect(outsideView(undefined, ZONE_ID, 'payments.example.com.')).toBeUndefined();
    expect(outsideView({}, ZONE_ID, 'payments.example.com.')).toBeUndefined();
  });
});

const world = new FakeWorld();
beforeEach(() => world.reset());

const TEAM_A_ONLY: Partial<Settings> = {
  namePolicy: { rules: [], foreignSets: 'refuse', filter: { domains: ['team-a.example.com.'] } },
};
const id = (arn: string) => arn.split('/').pop()!;
const names = () => [...new Set(world.ownedRecords().map((r) => r.Name ?? ''))].sort();

describe('filters on the event path', () => {
  test('a label outside the domain filter is not written, with a conflict naming the filter; one inside is', async () => {
    // Prepare
    const outside = world.runningTask(world.webTaskDefinition('pay', { 'ecs-registrar.name': 'payments' }), '10.0.0.1');
    world.runningTask(world.webTaskDefinition('api', { 'ecs-registrar.name': 'api.team-a' }), '10.0.0.2', 'api');

    // Act
    const report = await processEventBatch(world.takeInputs(), world.deps(TEAM_A_ONLY));

    // Assess
    expect(names().filter((n) => !/^[0-9a-f]{32}\./.test(n))).toEqual([
      '_api._tcp.team-a.example.com.',
      'api.team-a._ecs-registrar.example.com.',
      'api.team-a.example.com.',
    ]);
    expect(names().some((n) => n.includes('payments'))).toBe(false);
    expect(report.conflicts.length).toBeGreaterThan(0);
    expect(report.conflicts.every((c) => c.subject === `task:${id(outside)}`)).toBe(true);
    expect(report.conflicts[0]!.reason).toBe(
      'payments.example.com. is outside REGISTRAR_DOMAIN_FILTER (team-a.example.com): not written (the registrar never writes outside its view)',
    );
    expect(report.retry).toEqual([]);
  });

  test('an excluded zone is not written', async () => {
    // Prepare
    const settings: Partial<Settings> = {
      namePolicy: { rules: [], foreignSets: 'refuse', filter: { excludeZoneIds: [OTHER_ZONE_ID] } },
    };
    world.runningTask(
      world.webTaskDefinition('web', { 'ecs-registrar.name': 'web', 'ecs-registrar.zone': OTHER_ZONE_ID }),
      '10.0.0.1',
    );

    // Act
    const report = await processEventBatch(world.takeInputs(), world.deps(settings));

    // Assess
    expect(world.ownedRecords(OTHER_ZONE_ID)).toEqual([]);
    expect(report.conflicts[0]!.reason).toBe(
      `web.example.org. is in zone ${OTHER_ZONE_ID}, excluded by REGISTRAR_EXCLUDE_ZONE_IDS: not written (the registrar never writes outside its view)`,
    );
  });

  test('a stopping task whose records are outside the filter keeps them, and the batch says why', async () => {
    // Prepare: registered before the filter was set
    const arn = world.runningTask(world.webTaskDefinition('pay', { 'ecs-registrar.name': 'payments' }), '10.0.0.1');
    await processEventBatch(world.takeInputs(), world.deps());
    const before = world.route53.snapshot(ZONE_ID);

    // Act
    world.ecs.stopTask(arn, { until: 'STOPPED' });
    const report = await processEventBatch(world.takeInputs(), world.deps(TEAM_A_ONLY));

    // Assess
    expect(world.route53.snapshot(ZONE_ID)).toEqual(before);
    expect(report.changes).toEqual([]);
    expect(report.retry).toEqual([]);
    expect(report.problems.length).toBeGreaterThan(0);
    expect(
      report.problems.every(
        (p) =>
          p.subject === `task:${id(arn)}` &&
          p.message ===
            'payments.example.com. is outside REGISTRAR_DOMAIN_FILTER (team-a.example.com): kept as it is (the registrar never deletes outside its view)',
      ),
    ).toBe(true);
  });
});

describe('filters in the reconciler', () => {
  test('owned records outside the filter are never deleted: reported outside the view, never gone', async () => {
    // Prepare: two tasks registered; both stop with their events lost (drift: sync would delete everything)
    const def = world.webTaskDefinition('pay', { 'ecs-registrar.name': 'payments' });
    const apiDef = world.webTaskDefinition('api', { 'ecs-registrar.name': 'api.team-a' });
    const pay = world.runningTask(def, '10.0.0.1');
    const api = world.runningTask(apiDef, '10.0.0.2', 'api');
    world.runningTask(apiDef, '10.0.0.3', 'api');
    await processEventBatch(world.takeInputs(), world.deps());
    const payments = world.ownedRecords().filter((r) => r.SetIdentifier?.includes(id(pay)));
    world.ecs.stopTask(pay, { until: 'STOPPED' });
    world.ecs.stopTask(api, { until: 'STOPPED' });
    world.ecs.takeEvents();

    // Act
    const report = await reconcileOrFail({}, world.deps(TEAM_A_ONLY));

    // Assess: the stopped api task (inside) is deleted, the stopped payments task (outside) kept and reported
    expect(world.ownedRecords().filter((r) => r.SetIdentifier?.includes(id(pay)))).toEqual(payments);
    expect(world.ownedRecords().some((r) => r.SetIdentifier?.includes(id(api)))).toBe(false);
    expect(report.changes.every((c) => c.action === 'DELETE' && c.subject === `task:${id(api)}`)).toBe(true);
    expect(report.changes.length).toBeGreaterThan(0);
    expect(report.outsideView).toEqual([
      {
        subject: `task:${id(pay)}`,
        entries: payments.length,
        where: 'outside the zone and domain filters',
        hint: 'payments.example.com. is outside REGISTRAR_DOMAIN_FILTER (team-a.example.com): kept as it is (the registrar never deletes outside its view)',
      },
    ]);

    // Act: a second run has nothing left to do inside the view
    const again = await reconcileOrFail({}, world.deps(TEAM_A_ONLY));

    // Assess
    expect(again.outcome).toBe('converged');
    expect(again.outsideView.map((o) => o.subject)).toEqual([`task:${id(pay)}`]);
  });

  test('the reconciler writes nothing outside the filter for a running task, and says so', async () => {
    // Prepare: events lost
    const arn = world.runningTask(world.webTaskDefinition('pay', { 'ecs-registrar.name': 'payments' }), '10.0.0.1');
    world.ecs.takeEvents();

    // Act
    const report = await reconcileOrFail({}, world.deps(TEAM_A_ONLY));

    // Assess
    expect(world.ownedRecords()).toEqual([]);
    expect(report.changes).toEqual([]);
    expect(report.conflicts.length).toBeGreaterThan(0);
    expect(
      report.conflicts.every((c) => c.subject === `task:${id(arn)}` && /REGISTRAR_DOMAIN_FILTER/.test(c.reason)),
    ).toBe(true);
  });
});
