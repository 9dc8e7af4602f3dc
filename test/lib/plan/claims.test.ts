import { ChangeResourceRecordSetsCommand, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import type { Settings } from '../../../lib/config/settings';
import { reconcileOrFail } from '../../../lib/reconcile/reconcile';
import { processEventBatch } from '../../../lib/sync/process-batch';
import { FakeWorld, ZONE_ID } from '../../../testkit/fake-world';

/**
 * Issue 13 "Must show": who may claim a name, through the event path and the reconciler as they run (the fake world
 * answers with AWS's shapes). Claims are read back from Route 53 only: nothing else remembers them.
 */
const world = new FakeWorld();
beforeEach(() => world.reset());

const PAYMENTS = { 'ecs-registrar.name': 'payments' };
const SHARE_PAYMENTS: Partial<Settings> = {
  namePolicy: { rules: [{ clusters: ['*'], names: ['payments'], share: true }], foreignSets: 'refuse' },
};
const id = (arn: string) => arn.split('/').pop()!;

/** Deletes a record by hand, through the Route 53 API as an operator would. */
async function deleteByHand(record: ResourceRecordSet): Promise<void> {
  await world.clients().route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: ZONE_ID,
      ChangeBatch: { Changes: [{ Action: 'DELETE', ResourceRecordSet: record }] },
    }),
  );
}

const run = (cluster: string, def: string, ip: string, group = 'service:payments') =>
  world.runningTaskIn(cluster, def, ip, group);

const at = (name: string) => world.ownedRecords().filter((r) => r.Name === name);
const addresses = (name: string) => at(name).flatMap((r) => r.ResourceRecords?.map((v) => v.Value) ?? []);

describe('claims: a name held by one claimant is refused to another', () => {
  beforeEach(() => world.ecs.addCluster('team-b'));

  test('two clusters whose task definitions both say name=payments: the second gets a conflict naming the first', async () => {
    // Prepare: team A's service holds payments
    const def = world.webTaskDefinition('payments', PAYMENTS);
    const a = run('prod', def, '10.0.0.1');
    await processEventBatch(world.takeInputs(), world.deps());
    const before = world.route53.snapshot(ZONE_ID);

    // Act: team B runs the same labels in its own cluster
    const b = run('team-b', def, '10.1.0.1');
    const report = await processEventBatch(world.takeInputs(), world.deps());

    // Assess: refused, naming the holder; the payments records are exactly team A's
    expect(report.conflicts.length).toBeGreaterThan(0);
    expect(report.conflicts.every((c) => c.subject === `task:${id(b)}`)).toBe(true);
    expect(report.conflicts[0]!.reason).toBe(
      'payments.example.com. is held by service:prod/payments; service:team-b/payments may not register it unless a name policy rule with "share": true covers both',
    );
    expect(world.route53.snapshot(ZONE_ID)).toEqual(before);
    expect(addresses('payments.example.com.')).toEqual(['10.0.0.1']);
    expect(world.ownedRecords().every((r) => r.SetIdentifier?.includes(id(a)))).toBe(true);
  });

  test('with a sharing rule, both register', async () => {
    // Prepare
    const def = world.webTaskDefinition('payments', PAYMENTS);
    run('prod', def, '10.0.0.1');
    await processEventBatch(world.takeInputs(), world.deps(SHARE_PAYMENTS));

    // Act
    run('team-b', def, '10.1.0.1');
    const report = await processEventBatch(world.takeInputs(), world.deps(SHARE_PAYMENTS));

    // Assess
    expect(report.conflicts).toEqual([]);
    expect(addresses('payments.example.com.').sort()).toEqual(['10.0.0.1', '10.1.0.1']);
    expect(addresses('payments._ecs-registrar.example.com.').sort()).toEqual([
      '"heritage=ecs-registrar,owner=test-owner,claimant=service:prod/payments"',
      '"heritage=ecs-registrar,owner=test-owner,claimant=service:team-b/payments"',
    ]);
  });

  test('two services of one cluster are two claimants; tasks of one service are one', async () => {
    // Prepare
    const def = world.webTaskDefinition('payments', PAYMENTS);
    run('prod', def, '10.0.0.1');
    run('prod', def, '10.0.0.2');
    const first = await processEventBatch(world.takeInputs(), world.deps());

    // Act: a second service, and a standalone task of the family, in the same cluster
    run('prod', def, '10.0.0.3', 'service:payments-canary');
    run('prod', def, '10.0.0.4', 'family:payments');
    const second = await processEventBatch(world.takeInputs(), world.deps());

    // Assess
    expect(first.conflicts).toEqual([]);
    expect(addresses('payments.example.com.').sort()).toEqual(['10.0.0.1', '10.0.0.2']);
    const reasons = new Set(second.conflicts.map((c) => c.reason.replace(/; .*/, '')));
    expect(reasons).toEqual(new Set(['payments.example.com. is held by service:prod/payments']));
    expect(new Set(second.conflicts.map((c) => c.reason.split('; ')[1]!.split(' ')[0]))).toEqual(
      new Set(['service:prod/payments-canary', 'family:prod/payments']),
    );
  });

  test('the claim survives a restart and is released when the holder’s last task goes', async () => {
    // Prepare: A holds payments, B is refused
    const def = world.webTaskDefinition('payments', PAYMENTS);
    const a = run('prod', def, '10.0.0.1');
    await processEventBatch(world.takeInputs(), world.deps());
    run('team-b', def, '10.1.0.1');
    await processEventBatch(world.takeInputs(), world.deps());

    // Act: A's task stops; then B's next look (a reconcile, fresh deps: nothing kept in memory)
    world.ecs.stopTask(a, { until: 'STOPPED' });
    await processEventBatch(world.takeInputs(), world.deps());
    const afterStop = world.ownedRecords().length;
    const report = await reconcileOrFail({}, world.deps());

    // Assess: A's claim went with its records; B now holds the name
    expect(afterStop).toBe(0);
    expect(report.conflicts).toEqual([]);
    expect(addresses('payments.example.com.')).toEqual(['10.1.0.1']);
    expect(addresses('payments._ecs-registrar.example.com.')).toEqual([
      '"heritage=ecs-registrar,owner=test-owner,claimant=service:team-b/payments"',
    ]);
  });

  test('the reconciler enforces the same claims: an intruder found running is refused and the holder kept', async () => {
    // Prepare: A registered; B starts with its events lost
    const def = world.webTaskDefinition('payments', PAYMENTS);
    run('prod', def, '10.0.0.1');
    await processEventBatch(world.takeInputs(), world.deps());
    const b = run('team-b', def, '10.1.0.1');
    world.ecs.takeEvents();

    // Act
    const report = await reconcileOrFail({}, world.deps());

    // Assess
    expect(report.conflicts.length).toBeGreaterThan(0);
    expect(
      report.conflicts.every((c) => c.subject === `task:${id(b)}` && /held by service:prod\/payments/.test(c.reason)),
    ).toBe(true);
    expect(addresses('payments.example.com.')).toEqual(['10.0.0.1']);
  });

  test('records written before claims were recorded hold the name for their cluster', async () => {
    // Prepare: A's records without its claim TXT (an earlier version wrote none)
    const def = world.webTaskDefinition('payments', PAYMENTS);
    run('prod', def, '10.0.0.1');
    await processEventBatch(world.takeInputs(), world.deps());
    await deleteByHand(at('payments._ecs-registrar.example.com.')[0]!);

    // Act: another cluster, then another service of the same cluster
    run('team-b', def, '10.1.0.1');
    const other = await processEventBatch(world.takeInputs(), world.deps());
    run('prod', def, '10.0.0.2', 'service:payments-v2');
    const same = await processEventBatch(world.takeInputs(), world.deps());

    // Assess: the old mark says only the cluster: another cluster is refused, the same cluster is not told apart
    expect(other.conflicts[0]?.reason).toMatch(
      /^payments\.example\.com\. is held by cluster:prod \(records written before claims were recorded\)/,
    );
    expect(same.conflicts).toEqual([]);
    expect(addresses('payments.example.com.').sort()).toEqual(['10.0.0.1', '10.0.0.2']);
  });
});

describe('name policy rules', () => {
  test('with rules, only a matching claimant may register a name, and the refusal names the rule set', async () => {
    // Prepare
    const settings: Partial<Settings> = {
      namePolicy: { rules: [{ clusters: ['prod'], services: ['pay*'], names: ['pay*'] }], foreignSets: 'refuse' },
    };
    run('prod', world.webTaskDefinition('payments', PAYMENTS), '10.0.0.1');
    run('prod', world.webTaskDefinition('web', { 'ecs-registrar.name': 'login' }), '10.0.0.2', 'service:web');

    // Act
    const report = await processEventBatch(world.takeInputs(), world.deps(settings));

    // Assess
    expect(addresses('payments.example.com.')).toEqual(['10.0.0.1']);
    expect(at('login.example.com.')).toEqual([]);
    expect(report.conflicts[0]?.reason).toBe(
      `login.example.com. no rule of the name policy (REGISTRAR_NAME_POLICY) lets service:prod/web register login in zone ${ZONE_ID}`,
    );
  });

  test('TTL bounds: a label asking for more than the policy allows is refused, naming the bound', async () => {
    // Prepare
    const settings: Partial<Settings> = { namePolicy: { rules: [], foreignSets: 'refuse', ttl: { min: 5, max: 300 } } };
    run('prod', world.webTaskDefinition('payments', { ...PAYMENTS, 'ecs-registrar.ttl': '3600' }), '10.0.0.1');

    // Act
    const report = await processEventBatch(world.takeInputs(), world.deps(settings));

    // Assess
    expect(world.ownedRecords()).toEqual([]);
    expect(report.conflicts[0]?.reason).toBe(
      "TTL 3600 is outside the name policy's bounds 5-300 (REGISTRAR_NAME_POLICY.ttl)",
    );
  });
});

describe('modes (REGISTRAR_POLICY)', () => {
  test('upsert-only: a reconcile with drift deletes nothing and reports the deletions it skipped', async () => {
    // Prepare: a registered task stops with its events lost (drift: its records should go); another task is missing
    const def = world.webTaskDefinition('payments', PAYMENTS);
    const gone = run('prod', def, '10.0.0.1');
    run('prod', def, '10.0.0.2');
    await processEventBatch(world.takeInputs(), world.deps());
    world.ecs.stopTask(gone, { until: 'STOPPED' });
    const late = run('prod', def, '10.0.0.3');
    world.ecs.takeEvents();

    // Act
    const report = await reconcileOrFail({}, world.deps({ mode: 'upsert-only' }));

    // Assess: the new task is registered, the stopped one's records stay, each skipped deletion is reported
    expect(addresses('payments.example.com.').sort()).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    expect(report.changes.every((c) => c.action === 'CREATE')).toBe(true);
    expect(report.changes.some((c) => c.subject === `task:${id(late)}`)).toBe(true);
    expect(report.skipped).toHaveLength(4);
    expect(report.skipped!.every((s) => s.action === 'DELETE' && s.subject === `task:${id(gone)}`)).toBe(true);
    expect(report.skipped![0]!.reason).toBe('REGISTRAR_POLICY=upsert-only: delete not applied');

    // Act: the same run in sync mode deletes them
    const sync = await reconcileOrFail({}, world.deps());

    // Assess
    expect(sync.skipped).toBeUndefined();
    expect(addresses('payments.example.com.').sort()).toEqual(['10.0.0.2', '10.0.0.3']);
  });

  test('create-only: drifted records are neither updated nor deleted; missing ones are created', async () => {
    // Prepare: a registered task's TTL drifts by hand
    const def = world.webTaskDefinition('payments', PAYMENTS);
    run('prod', def, '10.0.0.1');
    await processEventBatch(world.takeInputs(), world.deps());
    const record = at('payments.example.com.')[0]!;
    await deleteByHand(record);
    world.route53.putRecordDirect(ZONE_ID, { ...record, TTL: 999 });
    run('prod', def, '10.0.0.2');
    world.ecs.takeEvents();

    // Act
    const report = await reconcileOrFail({}, world.deps({ mode: 'create-only' }));

    // Assess
    expect(
      at('payments.example.com.')
        .map((r) => r.TTL)
        .sort(),
    ).toEqual([60, 999]);
    expect(report.skipped?.map((s) => s.action)).toEqual(['UPDATE']);
    expect(report.skipped![0]!.reason).toBe('REGISTRAR_POLICY=create-only: update not applied');
  });
});
