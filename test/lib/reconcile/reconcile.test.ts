import { ListTasksCommand, type ListTasksCommandInput } from '@aws-sdk/client-ecs';
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import { CallCounter } from '../../../lib/aws/clients';
import { ReconcileError, reconcileOrFail } from '../../../lib/reconcile/reconcile';
import { processEventBatch } from '../../../lib/sync/process-batch';
import { ecsErrors } from '../../../testkit/aws-errors';
import { CLOUDMAP_SERVICE, FakeWorld, ZONE_ID } from '../../../testkit/fake-world';

const world = new FakeWorld();
beforeEach(() => world.reset());

const id = (arn: string) => arn.split('/').pop()!;
const owned = (taskArn: string) => `ecs-registrar:test-owner:${id(taskArn)}:us-east-1/prod`;
const keys = (changes: { action: string; key: string }[]) => changes.map((c) => `${c.action} ${c.key}`).sort();

/** Registers `n` running tasks through the event path, as the sync function would have. */
async function registered(n: number, labels?: Record<string, string>) {
  const def = world.webTaskDefinition('web', labels);
  const arns = Array.from({ length: n }, (_, i) =>
    world.runningTask(def, `10.0.${Math.floor(i / 200)}.${(i % 200) + 1}`),
  );
  const report = await processEventBatch(world.takeInputs(), world.deps());
  expect(report.retry).toEqual([]);
  return arns;
}

/** Removes a record behind the registrar's back (as a person with console access would). */
async function deleteByHand(r: ResourceRecordSet): Promise<void> {
  await world.deps().route53Writer.apply([
    {
      provider: 'route53',
      action: 'DELETE',
      subject: 'by-hand',
      record: {
        zoneId: ZONE_ID,
        name: r.Name!,
        type: r.Type!,
        setIdentifier: r.SetIdentifier,
        multiValue: r.MultiValueAnswer,
        ttl: r.TTL,
        values: r.ResourceRecords!.map((v) => v.Value!),
      },
    },
  ]);
}

function recordOf(taskArn: string, name = 'web.example.com.', type = 'A'): ResourceRecordSet {
  return world.route53
    .records(ZONE_ID)
    .find((r) => r.Name === name && r.Type === type && r.SetIdentifier === owned(taskArn))!;
}

describe('reconcile: drift cases', () => {
  test('converged state plans nothing', async () => {
    // Prepare
    await registered(3);

    // Act
    const report = await reconcileOrFail({ dryRun: true }, world.deps());

    // Assess
    expect(report.outcome).toBe('converged');
    expect(report.drift).toBe(0);
  });

  test('a missing owned record is created', async () => {
    // Prepare
    const [t1] = await registered(2);
    const before = recordOf(t1!);
    await deleteByHand(before);
    expect(recordOf(t1!)).toBeUndefined();

    // Act
    const report = await reconcileOrFail({}, world.deps());

    // Assess
    expect(keys(report.changes)).toEqual([`CREATE ${ZONE_ID}|web.example.com.|A|${owned(t1!)}`]);
    expect(recordOf(t1!)).toEqual(before);
  });

  test('an extra owned record of a task that no longer exists is deleted; foreign records beside it are not', async () => {
    // Prepare
    await registered(2);
    const stale = {
      Name: 'web.example.com.',
      Type: 'A' as const,
      SetIdentifier: 'ecs-registrar:test-owner:0123456789abcdef0123456789abcdef:us-east-1/prod',
      MultiValueAnswer: true,
      TTL: 60,
      ResourceRecords: [{ Value: '10.9.9.9' }],
    };
    const foreignSameNameType = { ...stale, SetIdentifier: 'other-team-1', ResourceRecords: [{ Value: '10.8.8.8' }] };
    const otherOwner = { ...stale, SetIdentifier: 'ecs-registrar:other-owner:0123456789abcdef0123456789abcdef' };
    const foreignTxt = {
      Name: 'web.example.com.',
      Type: 'TXT' as const,
      TTL: 300,
      ResourceRecords: [{ Value: '"hello"' }],
    };
    for (const r of [stale, foreignSameNameType, otherOwner, foreignTxt]) world.route53.putRecordDirect(ZONE_ID, r);

    // Act
    const report = await reconcileOrFail({}, world.deps());

    // Assess
    expect(keys(report.changes)).toEqual([`DELETE ${ZONE_ID}|web.example.com.|A|${stale.SetIdentifier}`]);
    const after = world.route53.records(ZONE_ID);
    expect(after).toEqual(expect.arrayContaining([foreignSameNameType, otherOwner, foreignTxt]));
    expect(after.find((r) => r.SetIdentifier === stale.SetIdentifier)).toBeUndefined();
  });

  test('an edited value and an edited TTL are put back with an exact DELETE and an UPSERT', async () => {
    // Prepare
    const [t1, t2] = await registered(2);
    const r1 = recordOf(t1!);
    const r2 = recordOf(t2!);
    world.route53.putRecordDirect(ZONE_ID, { ...r1, ResourceRecords: [{ Value: '10.99.99.99' }] });
    world.route53.putRecordDirect(ZONE_ID, { ...r2, TTL: 3600 });

    // Act
    const report = await reconcileOrFail({}, world.deps());

    // Assess
    expect(keys(report.changes)).toEqual(
      [
        `UPDATE ${ZONE_ID}|web.example.com.|A|${owned(t1!)}`,
        `UPDATE ${ZONE_ID}|web.example.com.|A|${owned(t2!)}`,
      ].sort(),
    );
    expect(recordOf(t1!)).toEqual(r1);
    expect(recordOf(t2!)).toEqual(r2);
  });

  test('an unowned simple record at our name and type is reported as a conflict and left alone', async () => {
    // Prepare: a task whose records were never written, and someone else's simple A at the name
    const def = world.webTaskDefinition('api', { 'ecs-registrar.name': 'api', 'ecs-registrar.records': 'A' });
    world.runningTask(def, '10.0.0.7', 'api');
    world.ecs.takeEvents();
    const foreign = {
      Name: 'api.example.com.',
      Type: 'A' as const,
      TTL: 300,
      ResourceRecords: [{ Value: '192.0.2.1' }],
    };
    world.route53.putRecordDirect(ZONE_ID, foreign);

    // Act
    const report = await reconcileOrFail({}, world.deps());

    // Assess
    expect(report.conflicts).toEqual([
      expect.objectContaining({
        provider: 'route53',
        reason: expect.stringContaining('unowned A record with simple routing'),
      }),
    ]);
    expect(report.changes).toEqual([]);
    expect(world.route53.records(ZONE_ID)).toContainEqual(foreign);
  });

  test("records at a name the task's labels no longer give are replaced by the labelled name", async () => {
    // Prepare: the task is labelled `web`, but its records sit at `old` (labels changed in a new revision, events lost)
    const [t1] = await registered(1, { 'ecs-registrar.name': 'web', 'ecs-registrar.records': 'A' });
    const current = recordOf(t1!);
    world.route53.putRecordDirect(ZONE_ID, { ...current, Name: 'old.example.com.' });
    await deleteByHand(current);

    // Act
    const report = await reconcileOrFail({}, world.deps());

    // Assess
    expect(keys(report.changes)).toEqual([
      `CREATE ${ZONE_ID}|web.example.com.|A|${owned(t1!)}`,
      `DELETE ${ZONE_ID}|old.example.com.|A|${owned(t1!)}`,
    ]);
    expect(world.ownedRecords().map((r) => r.Name)).toEqual(['web._ecs-registrar.example.com.', 'web.example.com.']);
  });

  test('a deregistered Cloud Map instance is registered again; a foreign instance is never touched', async () => {
    // Prepare
    const [t1] = await registered(2, {
      'ecs-registrar.name': 'web',
      'ecs-registrar.cloudmap-service': CLOUDMAP_SERVICE,
    });
    world.cloudMap.settle();
    world.cloudMap.deleteInstanceDirect(CLOUDMAP_SERVICE, id(t1!));
    world.cloudMap.putInstanceDirect(CLOUDMAP_SERVICE, {
      Id: 'someone-else',
      Attributes: { AWS_INSTANCE_IPV4: '10.5.5.5' },
    });

    // Act
    const report = await reconcileOrFail({}, world.deps());
    world.cloudMap.settle();

    // Assess
    expect(keys(report.changes)).toEqual([`REGISTER ${CLOUDMAP_SERVICE}|${id(t1!)}`]);
    expect(world.cloudMap.instances(CLOUDMAP_SERVICE).map((i) => i.Id)).toEqual(
      expect.arrayContaining([id(t1!), 'someone-else']),
    );
    expect(world.cloudMap.instances(CLOUDMAP_SERVICE)).toHaveLength(3);
    expect(world.cloudMap.instances(CLOUDMAP_SERVICE).find((i) => i.Id === 'someone-else')?.Attributes).toEqual({
      AWS_INSTANCE_IPV4: '10.5.5.5',
    });
  });
});

describe('reconcile: scale and pagination', () => {
  test('more than 300 records and 100 tasks: every page read, every task registered, then converged', async () => {
    // Prepare: 130 running tasks whose events were all lost (390 records to create: A, SRV, SRV target), under two
    // names (Route 53 allows at most 100 multivalue records per name and type)
    const web = world.webTaskDefinition();
    const api = world.webTaskDefinition('api', { 'ecs-registrar.name': 'api' });
    for (let i = 0; i < 130; i++) world.runningTask(i % 2 ? web : api, `10.1.${Math.floor(i / 200)}.${(i % 200) + 1}`);
    world.ecs.takeEvents();
    const counter = new CallCounter();
    const calls = () => ({
      listTasks: world.ecs.callCount('ListTasks'),
      describeTasks: world.ecs.callCount('DescribeTasks'),
      list: world.route53.callCount('ListResourceRecordSets'),
    });

    // Act
    const first = await reconcileOrFail({}, world.deps(), counter);
    const afterFirst = calls();
    const second = await reconcileOrFail({}, world.deps());

    // Assess
    expect(first.outcome).toBe('applied');
    expect(first.totalChanges).toBe(520); // 130 tasks x (3 records + the claim TXT of issue 13)
    expect(first.changes).toHaveLength(200);
    expect(world.ownedRecords()).toHaveLength(520);
    expect(afterFirst.listTasks).toBe(2);
    // 130 tasks: 2 DescribeTasks to read them, 2 more for the second look after writing (recheck.ts)
    expect(afterFirst.describeTasks).toBe(4);
    expect(second.outcome).toBe('converged');
    // The second run read each zone whole: 390 owned + SOA + NS = 392 records -> 2 pages of 300, plus the other
    // zone's single page.
    expect(calls().list - afterFirst.list).toBe(3);
  });
});

describe('reconcile: guards', () => {
  test('refuses to delete more than REGISTRAR_MAX_DELETE_PERCENT of owned entries unless forced', async () => {
    // Prepare: 10 registered tasks, 8 of them stop with their events lost
    const arns = await registered(10, { 'ecs-registrar.name': 'web', 'ecs-registrar.records': 'A' });
    for (const arn of arns.slice(0, 8)) world.ecs.stopTask(arn, { until: 'STOPPED' });
    world.ecs.takeEvents();
    const before = world.route53.snapshot(ZONE_ID);

    // Act
    const refused = await reconcileOrFail({}, world.deps());

    // Assess: nothing written, the reason is given
    expect(refused.outcome).toBe('refused');
    expect(refused.refusal).toMatch(/deletes 8 of 10 owned entries \(80%\), more than REGISTRAR_MAX_DELETE_PERCENT=50/);
    expect(world.route53.snapshot(ZONE_ID)).toEqual(before);

    // Act: forced
    const forced = await reconcileOrFail({ force: true }, world.deps());

    // Assess
    expect(forced.outcome).toBe('applied');
    expect(world.ownedRecords()).toHaveLength(4); // 2 tasks x (A + claim TXT)
  });

  test('a dry run past the guard reports the refusal but never fails, and writes nothing', async () => {
    // Prepare
    const arns = await registered(6, { 'ecs-registrar.name': 'web', 'ecs-registrar.records': 'A' });
    for (const arn of arns) world.ecs.stopTask(arn, { until: 'STOPPED' });
    const before = world.route53.snapshot(ZONE_ID);

    // Act
    const report = await reconcileOrFail({ dryRun: true }, world.deps());

    // Assess
    expect(report.outcome).toBe('planned');
    expect(report.refusal).toBeDefined();
    expect(world.route53.snapshot(ZONE_ID)).toEqual(before);
  });

  test.each([
    ['access denied', () => ecsErrors.accessDenied()],
    [
      'a missing cluster',
      () =>
        Object.assign(new Error('Cluster not found.'), {
          name: 'ClusterNotFoundException',
          $metadata: { httpStatusCode: 400 },
        }),
    ],
    [
      'throttling after retries',
      () =>
        Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }),
    ],
  ])('an ECS read error (%s) fails the run and nothing is written: never read as "no tasks"', async (_name, error) => {
    // Prepare
    await registered(3);
    const before = world.route53.snapshot(ZONE_ID);
    world.ecs.injectFault((op) => (op === 'ListTasks' ? error() : undefined));

    // Act
    const run = reconcileOrFail({}, world.deps());

    // Assess
    await expect(run).rejects.toBeInstanceOf(ReconcileError);
    await expect(run).rejects.toThrow(/ecs ListTasks failed/);
    expect(world.route53.snapshot(ZONE_ID)).toEqual(before);
  });
});

describe('reconcile beside the event path', () => {
  /** Runs `during` when the reconciler makes its first ECS ListTasks call, i.e. after it has read Route 53. */
  function duringReconcileEcsRead(during: () => Promise<void>) {
    let fired = false;
    world.mocks.ecs.on(ListTasksCommand).callsFake(async (input: ListTasksCommandInput) => {
      if (!fired) {
        fired = true;
        await during();
      }
      return world.ecs.listTasks(input);
    });
  }

  test('cannot delete a fresh record: one the sync function writes after the reconcile read Route 53 survives', async () => {
    // Prepare: one registered task; a second task starts, its event processed while the reconcile is reading ECS
    const [t1] = await registered(1);
    const def = world.webTaskDefinition();
    const t2 = world.runningTask(def, '10.0.0.50');
    const sync = world.deps();
    duringReconcileEcsRead(async () => {
      await processEventBatch(world.takeInputs(), sync);
    });

    // Act
    const report = await reconcileOrFail({}, world.deps());

    // Assess
    expect(report.changes.filter((c) => c.action === 'DELETE' || c.action === 'DEREGISTER')).toEqual([]);
    expect(recordOf(t2)).toBeDefined();
    expect(recordOf(t1!)).toBeDefined();
  });

  test('cannot resurrect: a stop the sync function applies after the reconcile read Route 53 is not undone', async () => {
    // Prepare: a registered task stops; its stop is processed while the reconcile is reading ECS
    const [t1, t2] = await registered(2);
    world.ecs.stopTask(t1!, { until: 'STOPPED' });
    const sync = world.deps();
    duringReconcileEcsRead(async () => {
      const stop = await processEventBatch(world.takeInputs(), sync);
      expect(stop.items.some((i) => i.status === 'applied')).toBe(true);
    });

    // Act
    const report = await reconcileOrFail({}, world.deps());

    // Assess: the reconcile's exact deletes of records already gone are rejected, nothing is re-created
    expect(report.changes.filter((c) => c.action === 'CREATE' || c.action === 'UPDATE')).toEqual([]);
    expect(report.rejected.every((r) => r.action === 'DELETE')).toBe(true);
    expect(world.route53.records(ZONE_ID).filter((r) => r.SetIdentifier === owned(t1!))).toEqual([]);
    expect(recordOf(t2!)).toBeDefined();
    const next = await reconcileOrFail({}, world.deps());
    expect(next.outcome).toBe('converged');
  });
});

describe('reconcile: service aliases', () => {
  const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/6d0ecf831eec9f09';
  const LB = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188';

  function taggedService(name: string, alias: string) {
    world.elbv2.addLoadBalancer({
      arn: LB,
      dnsName: 'internal-web-1234567890.us-east-1.elb.amazonaws.com',
      canonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
      type: 'application',
      ipAddressType: 'ipv4',
    });
    world.elbv2.addTargetGroup({ arn: TG, loadBalancerArns: [LB] });
    world.ecs.createService({
      cluster: 'prod',
      name,
      tags: [{ key: 'ecs-registrar:alias', value: alias }],
      loadBalancers: [{ targetGroupArn: TG, containerName: 'web', containerPort: 8080 }],
    });
  }

  test("creates a missing alias with its ownership record, plans nothing once converged, and removes a deleted service's records", async () => {
    // Prepare: a tagged service whose CreateService event was lost
    taggedService('web', 'shop');

    // Act
    const first = await reconcileOrFail({}, world.deps());
    const second = await reconcileOrFail({}, world.deps());

    // Assess: alias to the load balancer's DNS name with its canonical zone id, plus the ownership TXT
    const alias = world.route53.records(ZONE_ID).find((r) => r.Name === 'shop.example.com.' && r.Type === 'A');
    expect(alias?.AliasTarget).toMatchObject({
      DNSName: 'internal-web-1234567890.us-east-1.elb.amazonaws.com.',
      HostedZoneId: 'Z35SXDOTRQ7X7K',
    });
    expect(
      world.route53
        .records(ZONE_ID)
        .some((r) => r.Type === 'TXT' && r.SetIdentifier === 'ecs-registrar:test-owner:service/prod/web'),
    ).toBe(true);
    expect(first.outcome).toBe('applied');
    expect(second.outcome).toBe('converged');

    // Act: the service is deleted and its DeleteService event lost
    world.ecs.deleteService('prod', 'web');
    const third = await reconcileOrFail({}, world.deps());

    // Assess: that would empty cluster prod, so the guard asks for force, however few the entries
    expect(third.outcome).toBe('refused');
    expect(third.refusal).toMatch(/every owned entry of cluster prod/);
    expect(world.route53.records(ZONE_ID).some((r) => r.Name === 'shop.example.com.')).toBe(true);

    // Act: forced
    const fourth = await reconcileOrFail({ force: true }, world.deps());

    // Assess
    expect(fourth.outcome).toBe('applied');
    expect(
      world.route53.records(ZONE_ID).filter((r) => r.Name!.includes('shop') || r.SetIdentifier?.includes('service/')),
    ).toEqual([]);
  });

  test("a service of a cluster outside the run's --cluster scope keeps its records", async () => {
    // Prepare: an alias owned by a service of cluster "other"
    world.ecs.addCluster('other');
    taggedService('web', 'shop');
    await reconcileOrFail({}, world.deps());
    world.ecs.deleteService('prod', 'web');
    const before = world.route53.snapshot(ZONE_ID);

    // Act: a run limited to another cluster
    const report = await reconcileOrFail({ clusters: ['other'] }, world.deps());

    // Assess
    expect(report.changes).toEqual([]);
    expect(world.route53.snapshot(ZONE_ID)).toEqual(before);
  });
});
