import { DescribeTasksCommand, type DescribeTasksCommandInput, ECSClient } from '@aws-sdk/client-ecs';
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import type { Settings } from '../../../lib/config/settings';
import { createEngineDeps } from '../../../lib/engine/deps';
import { silentLog } from '../../../lib/observability/log';
import { reconcileOrFail } from '../../../lib/reconcile/reconcile';
import { processEventBatch } from '../../../lib/sync/process-batch';
import { FakeEcs } from '../../../testkit/fake-ecs';
import { FakeWorld, ZONE_ID } from '../../../testkit/fake-world';

/**
 * A misconfigured reconcile must never read "I cannot see it" as "it is gone" (issue 9): the wrong Region, a
 * cluster filter naming no cluster, an unreadable task, a cluster outside the run, old marks without a location.
 */
const world = new FakeWorld();
beforeEach(() => world.reset());

const id = (arn: string) => arn.split('/').pop()!;

/** Both clusters' `web` tasks may hold the name together (issue 13: without it, the second cluster is refused). */
const SHARED_WEB: Partial<Settings> = {
  namePolicy: { rules: [{ clusters: ['*'], names: ['web'], share: true }], foreignSets: 'refuse' },
};

async function registered(n: number, cluster = 'prod', settings: Partial<Settings> = {}): Promise<string[]> {
  const def = world.webTaskDefinition();
  const arns = Array.from({ length: n }, (_, i) =>
    world.runningTaskIn(cluster, def, `10.0.${cluster === 'prod' ? 0 : 1}.${i + 1}`, 'service:web'),
  );
  const report = await processEventBatch(world.takeInputs(), world.deps(settings));
  expect(report.retry).toEqual([]);
  expect(report.conflicts).toEqual([]);
  return arns;
}

/** DescribeTasks answers through `edit` (the fake's real answer, changed). */
function describeTasksAnswers(edit: (out: Awaited<ReturnType<FakeEcs['describeTasks']>>) => void): void {
  world.mocks.ecs.on(DescribeTasksCommand).callsFake(async (input: DescribeTasksCommandInput) => {
    const out = await world.ecs.describeTasks(input);
    edit(out);
    return out;
  });
}

describe('reconcile refuses to destroy what it cannot see', () => {
  test('the wrong AWS_REGION: entries recorded in us-east-1, run in eu-west-1, is refused and deletes nothing', async () => {
    // Prepare: tasks registered in us-east-1; eu-west-1 has a cluster of its own, with nothing opted in
    await registered(3);
    const before = world.route53.snapshot(ZONE_ID);
    world.mocks.ecs.reset();
    const elsewhere = new FakeEcs({ region: 'eu-west-1' });
    elsewhere.install(world.mocks.ecs);
    elsewhere.addCluster('prod');
    const deps = createEngineDeps({
      settings: world.settings(),
      clients: { ...world.clients(), ecs: new ECSClient({ region: 'eu-west-1' }) },
      log: silentLog,
      timing: world.timing,
      route53RequestsPerSecond: 1000,
    });

    // Act
    const report = await reconcileOrFail({}, deps);

    // Assess
    expect(report.outcome).toBe('refused');
    expect(report.region).toBe('eu-west-1');
    expect(report.refusal).toMatch(/another Region than this run's \(eu-west-1\): 9 in us-east-1/);
    expect(report.refusal).toMatch(/AWS_REGION/);
    expect(report.changes).toEqual([]);
    expect(world.route53.snapshot(ZONE_ID)).toEqual(before);
    expect(world.route53.callCount('ChangeResourceRecordSets')).toBe(1);
  });

  test('a cluster filter naming a cluster ECS does not have is refused before anything is read or planned', async () => {
    // Prepare
    await registered(2);
    const before = world.route53.snapshot(ZONE_ID);
    const reads = world.route53.callCount('ListResourceRecordSets');

    // Act
    const report = await reconcileOrFail({}, world.deps({ clusters: ['prdo'] }));

    // Assess
    expect(report.outcome).toBe('refused');
    expect(report.refusal).toMatch(/clusters ECS does not have in us-east-1: prdo \(MISSING\)/);
    expect(report.refusal).toMatch(/REGISTRAR_CLUSTERS/);
    expect(world.route53.snapshot(ZONE_ID)).toEqual(before);
    expect(world.route53.callCount('ListResourceRecordSets')).toBe(reads);
  });

  test('a task DescribeTasks returns with an unknown lastStatus is kept and reported; the run is partial', async () => {
    // Prepare: t1 is no longer listed (its ListTasks answer lags), and DescribeTasks returns it in a new status
    const [t1, t2] = await registered(2);
    world.ecs.stopTask(t2!, { until: 'STOPPED' });
    describeTasksAnswers((out) => {
      for (const t of out.tasks ?? []) if (t.taskArn === t1) t.lastStatus = 'HIBERNATING';
    });
    world.ecs.setStatus(t1!, 'RUNNING', 'STOPPED');
    world.ecs.takeEvents();

    // Act
    const report = await reconcileOrFail({ force: true }, world.deps());

    // Assess: t2 (positively stopped) is deleted, t1 (unreadable) is kept
    expect(report.outcome).toBe('partial');
    expect(report.held).toEqual([
      { subject: `task:${id(t1!)}`, reason: expect.stringMatching(/lastStatus.*HIBERNATING/) },
    ]);
    const left = world.ownedRecords().map((r) => r.SetIdentifier);
    expect(left.filter((s) => s?.includes(id(t1!)))).toHaveLength(4); // A, SRV, SRV target A, claim TXT (issue 13)
    expect(left.filter((s) => s?.includes(id(t2!)))).toHaveLength(0);
  });

  test('a DescribeTasks failure other than MISSING (INTERNAL_ERROR) keeps the task; MISSING in its cluster deletes', async () => {
    // Prepare: both tasks stop and ECS forgets them; DescribeTasks says INTERNAL_ERROR for t1 and MISSING for t2
    const [t1, t2] = await registered(2);
    for (const t of [t1!, t2!]) world.ecs.stopTask(t, { until: 'STOPPED' });
    world.ecs.forgetStoppedTasks();
    describeTasksAnswers((out) => {
      for (const f of out.failures ?? []) if (f.arn?.endsWith(id(t1!))) f.reason = 'INTERNAL_ERROR';
    });

    // Act
    const report = await reconcileOrFail({ force: true }, world.deps());

    // Assess
    expect(report.outcome).toBe('partial');
    expect(report.held).toEqual([{ subject: `task:${id(t1!)}`, reason: 'DescribeTasks in prod: INTERNAL_ERROR' }]);
    const left = world.ownedRecords().map((r) => r.SetIdentifier ?? '');
    expect(left.filter((s) => s.includes(id(t1!)))).toHaveLength(4); // A, SRV, SRV target A, claim TXT (issue 13)
    expect(left.filter((s) => s.includes(id(t2!)))).toHaveLength(0);
  });

  test('silence (a task DescribeTasks neither returns nor fails) is no evidence: kept and reported', async () => {
    // Prepare
    const [t1, t2] = await registered(2);
    world.ecs.stopTask(t1!, { until: 'STOPPED' });
    world.ecs.forgetStoppedTasks();
    describeTasksAnswers((out) => {
      out.failures = (out.failures ?? []).filter((f) => !f.arn?.endsWith(id(t1!)));
    });

    // Act
    const report = await reconcileOrFail({ force: true }, world.deps());

    // Assess
    expect(report.outcome).toBe('partial');
    expect(report.held).toEqual([
      { subject: `task:${id(t1!)}`, reason: expect.stringMatching(/neither the task nor a failure/) },
    ]);
    expect(world.ownedRecords().filter((r) => r.SetIdentifier?.includes(id(t1!)))).toHaveLength(4); // A, SRV, SRV target A, claim TXT (issue 13)
    expect(world.ownedRecords().filter((r) => r.SetIdentifier?.includes(id(t2!)))).toHaveLength(4); // A, SRV, SRV target A, claim TXT (issue 13)
  });

  test('entries of a cluster the stack no longer serves are kept and reported as outside the run, with a hint', async () => {
    // Prepare: tasks in prod and in batch registered; then the stack is narrowed to prod, and batch's tasks stop
    world.ecs.addCluster('batch');
    await registered(1, 'prod', SHARED_WEB);
    const [b1] = await registered(1, 'batch', SHARED_WEB);
    world.ecs.stopTask(b1!, { until: 'STOPPED' });
    world.ecs.forgetStoppedTasks();
    world.ecs.takeEvents();
    const before = world.route53.snapshot(ZONE_ID);

    // Act
    const report = await reconcileOrFail({}, world.deps({ ...SHARED_WEB, clusters: ['prod'] }));

    // Assess
    expect(report.outcome).toBe('converged');
    expect(report.outsideView).toEqual([
      {
        subject: `task:${id(b1!)}`,
        entries: 3,
        where: 'cluster batch in us-east-1',
        hint: expect.stringMatching(/does not serve that cluster/),
      },
    ]);
    expect(world.route53.snapshot(ZONE_ID)).toEqual(before);
  });

  test('a run that would delete every owned entry of a cluster is refused however few; forced, it applies', async () => {
    // Prepare: one task; it stops and its stop event is lost
    const [t1] = await registered(1);
    world.ecs.stopTask(t1!, { until: 'STOPPED' });
    const before = world.route53.snapshot(ZONE_ID);

    // Act
    const refused = await reconcileOrFail({}, world.deps());

    // Assess
    expect(refused.outcome).toBe('refused');
    expect(refused.refusal).toMatch(/every owned entry of cluster prod \(3\)/);
    expect(world.route53.snapshot(ZONE_ID)).toEqual(before);

    // Act
    const forced = await reconcileOrFail({ force: true }, world.deps());

    // Assess
    expect(forced.outcome).toBe('applied');
    expect(world.ownedRecords()).toEqual([]);
  });

  test('a cluster whose tasks were all replaced is not "emptied": the old entries go, the new ones come', async () => {
    // Prepare: t1 registered; it is replaced by t2 while every event is lost
    const [t1] = await registered(1);
    world.ecs.stopTask(t1!, { until: 'STOPPED' });
    const t2 = world.runningTask(world.webTaskDefinition(), '10.0.0.99');
    world.ecs.takeEvents();

    // Act
    const report = await reconcileOrFail({}, world.deps());

    // Assess
    expect(report.outcome).toBe('applied');
    expect(world.ownedRecords().every((r) => r.SetIdentifier?.includes(id(t2)))).toBe(true);
    expect(world.ownedRecords()).toHaveLength(4); // A, SRV, SRV target A, claim TXT (issue 13)
  });

  test('an owned record with an old mark (no cluster) whose task no cluster knows is kept unless forced', async () => {
    // Prepare
    world.route53.putRecordDirect(ZONE_ID, {
      Name: 'web.example.com.',
      Type: 'A',
      SetIdentifier: 'ecs-registrar:test-owner:0123456789abcdef0123456789abcdef',
      MultiValueAnswer: true,
      TTL: 60,
      ResourceRecords: [{ Value: '10.9.9.9' }],
    });

    // Act
    const kept = await reconcileOrFail({}, world.deps());

    // Assess
    expect(kept.outcome).toBe('converged');
    expect(kept.outsideView).toEqual([
      expect.objectContaining({ subject: 'task:0123456789abcdef0123456789abcdef', entries: 1 }),
    ]);
    expect(world.ownedRecords()).toHaveLength(1);

    // Act
    const forced = await reconcileOrFail({ force: true }, world.deps());

    // Assess
    expect(forced.outcome).toBe('applied');
    expect(world.ownedRecords()).toEqual([]);
  });

  test('an old-format mark of a running task is rewritten with its location, in one batch', async () => {
    // Prepare: a task registered by an earlier version (3-part marks)
    const [t1] = await registered(1);
    const route53 = world.clients().route53;
    for (const r of world.ownedRecords()) {
      await route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: ZONE_ID,
          ChangeBatch: { Changes: [{ Action: 'DELETE', ResourceRecordSet: r }] },
        }),
      );
      world.route53.putRecordDirect(ZONE_ID, { ...r, SetIdentifier: `ecs-registrar:test-owner:${id(t1!)}` });
    }

    // Act
    const report = await reconcileOrFail({}, world.deps());

    // Assess
    expect(report.outcome).toBe('applied');
    expect(world.ownedRecords().map((r) => r.SetIdentifier)).toEqual(
      Array(4).fill(`ecs-registrar:test-owner:${id(t1!)}:us-east-1/prod`), // with the claim TXT (issue 13)
    );
  });

  test('an unreadable task definition holds that task only; the rest of the run goes ahead', async () => {
    // Prepare: t1 of a definition ECS cannot describe right now, its records drifted; t2 of another, also drifted
    const [t1] = await registered(1);
    const other = world.webTaskDefinition('api', { 'ecs-registrar.name': 'api' });
    const t2 = world.runningTask(other, '10.0.0.77');
    world.ecs.takeEvents();
    world.ecs.injectFault((op, input) =>
      op === 'DescribeTaskDefinition' && String((input as { taskDefinition?: string }).taskDefinition).includes('web:')
        ? Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } })
        : undefined,
    );

    // Act
    const report = await reconcileOrFail({}, world.deps());

    // Assess
    expect(report.outcome).toBe('partial');
    expect(report.held).toEqual([
      { subject: `task:${id(t1!)}`, reason: expect.stringMatching(/cannot read task definition .*web:1/) },
    ]);
    expect(world.ownedRecords().filter((r) => r.SetIdentifier?.includes(id(t1!)))).toHaveLength(4); // A, SRV, SRV target A, claim TXT (issue 13)
    expect(world.ownedRecords().filter((r) => r.SetIdentifier?.includes(id(t2)))).toHaveLength(4); // A, SRV, SRV target A, claim TXT (issue 13)
  });
});
