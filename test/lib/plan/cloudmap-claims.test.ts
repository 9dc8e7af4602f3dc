import { type Env, loadSettings, SettingsError } from '../../../lib/config/settings';
import { instanceClaimant, refusedInstances } from '../../../lib/plan/cloudmap-claims';
import { DEFAULT_NAME_POLICY, type NamePolicy } from '../../../lib/plan/name-policy';
import { reconcileOrFail } from '../../../lib/reconcile/reconcile';
import { processEventBatch } from '../../../lib/sync/process-batch';
import { CLOUDMAP_SERVICE, FakeWorld } from '../../../testkit/fake-world';
import { thrownBy } from '../fixtures';

/**
 * Issue 13, claims on Cloud Map services: a Cloud Map service registered into by one claimant is refused to another
 * unless a sharing rule naming the service covers both. Claims are read from the instances' own attributes.
 */
describe('instanceClaimant', () => {
  it('names the service, else the family, in the cluster; nothing without a cluster', () => {
    expect(
      instanceClaimant({ ECS_CLUSTER_NAME: 'prod', ECS_SERVICE_NAME: 'payments', ECS_TASK_DEFINITION_FAMILY: 'pay' }),
    ).toBe('service:prod/payments');
    expect(instanceClaimant({ ECS_CLUSTER_NAME: 'prod', ECS_TASK_DEFINITION_FAMILY: 'pay' })).toBe('family:prod/pay');
    expect(instanceClaimant({ ECS_SERVICE_NAME: 'payments' })).toBeUndefined();
  });
});

describe('refusedInstances', () => {
  const owned = (id: string, cluster: string, owner = 'test-owner') => ({
    serviceId: 'srv-a',
    instanceId: id,
    attributes: { ECS_REGISTRAR_OWNER: owner, ECS_CLUSTER_NAME: cluster, ECS_SERVICE_NAME: 'payments' },
  });

  it('ignores instances of another owner and instances without a claimant', () => {
    // Prepare
    const foreign = owned('t1', 'prod', 'other-owner');
    const unnamed = { serviceId: 'srv-a', instanceId: 't2', attributes: { ECS_REGISTRAR_OWNER: 'test-owner' } };

    // Act
    const { refused, withdrawn } = refusedInstances(
      'test-owner',
      [owned('t3', 'team-b')],
      [foreign, unnamed],
      DEFAULT_NAME_POLICY,
    );

    // Assess
    expect(refused.size).toBe(0);
    expect(withdrawn.size).toBe(0);
  });

  it('of two newcomers, the first holds the service; a sharing rule for another service does not help', () => {
    // Prepare
    const policy: NamePolicy = {
      rules: [{ clusters: ['*'], cloudMapServices: ['srv-other'], share: true }],
      foreignSets: 'refuse',
    };

    // Act
    const { refused } = refusedInstances('test-owner', [owned('t1', 'prod'), owned('t2', 'team-b')], [], policy);

    // Assess
    expect([...refused]).toEqual([
      [
        'srv-a|t2',
        'Cloud Map service srv-a is held by service:prod/payments; service:team-b/payments may not register into it unless a name policy rule with "share": true and "cloudMapServices" naming it covers both',
      ],
    ]);
  });

  it('two claimants that both hold the service: the first in claimant order keeps it, the other withdraws', () => {
    // Prepare: both hold it (two first registrations at once); both still want their instances
    const both = [owned('t1', 'team-b'), owned('t2', 'prod')];

    // Act
    const { refused, withdrawn } = refusedInstances('test-owner', both, both, DEFAULT_NAME_POLICY);

    // Assess
    expect(refused.size).toBe(0);
    expect([...withdrawn]).toEqual([
      [
        'srv-a|t1',
        'Cloud Map service srv-a is held by both service:prod/payments and service:team-b/payments, and no name policy rule with "share": true and "cloudMapServices" covers both; service:prod/payments comes first in claimant order and keeps it, service:team-b/payments withdraws',
      ],
    ]);
  });
});

describe('sharing rules for Cloud Map services in REGISTRAR_NAME_POLICY', () => {
  const base: Env = {
    REGISTRAR_HOSTED_ZONE_IDS: 'Z0PRIVATE123',
    REGISTRAR_OWNER_ID: 'prod-registrar',
    REGISTRAR_CLOUDMAP_SERVICE_IDS: 'srv-abc123',
  };

  it('reads a rule with cloudMapServices and no names', () => {
    // Act
    const settings = loadSettings({
      ...base,
      REGISTRAR_NAME_POLICY: '{"rules":[{"clusters":["*"],"cloudMapServices":["srv-abc123"],"share":true}]}',
    });

    // Assess
    expect(settings.namePolicy?.rules).toEqual([{ clusters: ['*'], cloudMapServices: ['srv-abc123'], share: true }]);
  });

  it.each([
    ['a Cloud Map service the stack does not list', '["srv-other"]', /"srv-other" is not one of REGISTRAR_CLOUDMAP/],
    ['a namespace id', '["ns-abc"]', /"ns-abc" is not a Cloud Map service id/],
  ])('rejects %s, naming the field', (_what, ids, reason) => {
    // Act
    const err = thrownBy(SettingsError, () =>
      loadSettings({
        ...base,
        REGISTRAR_NAME_POLICY: `{"rules":[{"clusters":["*"],"cloudMapServices":${ids},"share":true}]}`,
      }),
    );

    // Assess
    expect(err.variable).toBe('REGISTRAR_NAME_POLICY.rules[0].cloudMapServices');
    expect(err.reason).toMatch(reason);
  });
});

const world = new FakeWorld();
beforeEach(() => {
  world.reset();
  world.ecs.addCluster('team-b');
});

const LABELS = { 'ecs-registrar.name': 'payments', 'ecs-registrar.cloudmap-service': CLOUDMAP_SERVICE };
/** The name payments is shared, so only the Cloud Map claim can refuse. */
const SHARE_NAME: NamePolicy = {
  rules: [{ clusters: ['*'], names: ['payments'], share: true }],
  foreignSets: 'refuse',
};
const SHARE_SERVICE: NamePolicy = {
  rules: [{ clusters: ['prod', 'team-b'], cloudMapServices: [CLOUDMAP_SERVICE], share: true }, ...SHARE_NAME.rules],
  foreignSets: 'refuse',
};
const id = (arn: string) => arn.split('/').pop()!;
const instanceIds = () =>
  world.cloudMap
    .instances(CLOUDMAP_SERVICE)
    .map((i) => i.Id)
    .sort();

const run = (cluster: string, def: string, ip: string, group = 'service:payments') =>
  world.runningTaskIn(cluster, def, ip, group);

describe('claims on Cloud Map services', () => {
  test('two claimants holding the service without a rule: the next reconcile deregisters the later in order', async () => {
    // Prepare: both registered under a sharing rule, which is then removed
    const def = world.webTaskDefinition('payments', LABELS);
    const teamB = run('team-b', def, '10.1.0.1');
    const prod = run('prod', def, '10.0.0.1');
    await processEventBatch(world.takeInputs(), world.deps({ namePolicy: SHARE_SERVICE }));
    world.cloudMap.settle();
    const before = instanceIds();

    // Act
    const report = await reconcileOrFail({}, world.deps({ namePolicy: SHARE_NAME }));
    world.cloudMap.settle();

    // Assess: prod comes first in claimant order; team-b's instance goes, its DNS records (a shared name) stay
    expect(before).toEqual([id(prod), id(teamB)].sort());
    expect(report.refusal).toBeUndefined();
    expect(instanceIds()).toEqual([id(prod)]);
    expect(report.changes.map((c) => [c.action, c.subject])).toEqual([['DEREGISTER', `task:${id(teamB)}`]]);
    expect(report.conflicts.map((c) => [c.subject, /comes first in claimant order/.test(c.reason)])).toEqual([
      [`task:${id(teamB)}`, true],
    ]);
    expect(world.ownedRecords().some((r) => r.SetIdentifier?.includes(id(teamB)))).toBe(true);

    // Act: converged (team-b stays refused, nothing to do)
    const again = await reconcileOrFail({}, world.deps({ namePolicy: SHARE_NAME }));

    // Assess
    expect(again.changes).toEqual([]);
  });

  test('a second claimant is refused the Cloud Map service with a conflict naming the first', async () => {
    // Prepare
    const def = world.webTaskDefinition('payments', LABELS);
    const prod = run('prod', def, '10.0.0.1');
    await processEventBatch(world.takeInputs(), world.deps({ namePolicy: SHARE_NAME }));
    world.cloudMap.settle();

    // Act
    const teamB = run('team-b', def, '10.1.0.1');
    const report = await processEventBatch(world.takeInputs(), world.deps({ namePolicy: SHARE_NAME }));
    world.cloudMap.settle();

    // Assess
    expect(instanceIds()).toEqual([id(prod)]);
    const cloudMap = report.conflicts.filter((c) => c.provider === 'cloudmap');
    expect(cloudMap).toEqual([
      {
        provider: 'cloudmap',
        key: `${CLOUDMAP_SERVICE}|${id(teamB)}`,
        subject: `task:${id(teamB)}`,
        reason: `Cloud Map service ${CLOUDMAP_SERVICE} is held by service:prod/payments; service:team-b/payments may not register into it unless a name policy rule with "share": true and "cloudMapServices" naming it covers both`,
      },
    ]);
  });

  test('with a sharing rule naming the service, both register', async () => {
    // Prepare
    const def = world.webTaskDefinition('payments', LABELS);
    const prod = run('prod', def, '10.0.0.1');
    await processEventBatch(world.takeInputs(), world.deps({ namePolicy: SHARE_SERVICE }));
    world.cloudMap.settle();

    // Act
    const teamB = run('team-b', def, '10.1.0.1');
    const report = await processEventBatch(world.takeInputs(), world.deps({ namePolicy: SHARE_SERVICE }));
    world.cloudMap.settle();

    // Assess
    expect(report.conflicts).toEqual([]);
    expect(instanceIds()).toEqual([id(prod), id(teamB)].sort());
  });

  test('the reconciler enforces the same claim, and the claim is released with the holder’s last instance', async () => {
    // Prepare: prod registered; team-b's events are lost
    const names = { namePolicy: SHARE_NAME };
    const def = world.webTaskDefinition('payments', LABELS);
    const prod = run('prod', def, '10.0.0.1');
    await processEventBatch(world.takeInputs(), world.deps(names));
    world.cloudMap.settle();
    const teamB = run('team-b', def, '10.1.0.1');
    world.ecs.takeEvents();

    // Act
    const first = await reconcileOrFail({}, world.deps(names));
    world.cloudMap.settle();

    // Assess
    expect(instanceIds()).toEqual([id(prod)]);
    expect(
      first.conflicts.filter((c) => c.provider === 'cloudmap').map((c) => [c.subject, c.reason.split(';')[0]]),
    ).toEqual([[`task:${id(teamB)}`, `Cloud Map service ${CLOUDMAP_SERVICE} is held by service:prod/payments`]]);

    // Act: prod's task stops; the next reconcile (fresh container) lets team-b in
    world.ecs.stopTask(prod, { until: 'STOPPED' });
    await processEventBatch(world.takeInputs(), world.deps(names));
    world.cloudMap.settle();
    const second = await reconcileOrFail({}, world.deps(names));
    world.cloudMap.settle();

    // Assess
    expect(second.conflicts.filter((c) => c.provider === 'cloudmap')).toEqual([]);
    expect(instanceIds()).toEqual([id(teamB)]);
  });
});
