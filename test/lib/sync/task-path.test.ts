import { processEventBatch } from '../../../lib/sync/process-batch';
import { FakeWorld, ZONE_ID } from '../../../testkit/fake-world';

/** The event path for task events, on the semantics-faithful fakes: ordering, duplicates, verdicts. */
const world = new FakeWorld();
beforeEach(() => world.reset());

const id = (arn: string) => arn.split('/').pop()!;
const inputs = (events: unknown[]) => events.map((e, i) => ({ id: `m${i + 1}`, body: JSON.stringify(e) }));
const ownedBy = (arn: string) =>
  world.route53.records(ZONE_ID).filter((r) => r.SetIdentifier?.startsWith(`ecs-registrar:test-owner:${id(arn)}:`));

describe('ordering within and across batches', () => {
  test('duplicates and older versions in one batch collapse to the newest: one write, the rest stale', async () => {
    // Prepare
    const arn = world.runningTask(world.webTaskDefinition(), '10.0.0.1');
    const events = world.ecs.takeEvents();
    const running = events.find((e) => e.detail.lastStatus === 'RUNNING')!;
    const older = events.filter((e) => e.detail.lastStatus !== 'RUNNING');
    const writesBefore = world.route53.callCount('ChangeResourceRecordSets');

    // Act
    const report = await processEventBatch(inputs([running, ...older, running]), world.deps());

    // Assess
    expect(report.items.map((i) => i.status).sort()).toEqual(['applied', ...older.map(() => 'stale'), 'stale'].sort());
    expect(world.route53.callCount('ChangeResourceRecordSets') - writesBefore).toBe(1);
    expect(ownedBy(arn)).toHaveLength(4); // A, SRV, SRV target A and the claim TXT (issue 13)
  });

  test('a stop and an older RUNNING event in one batch, in either order, register nothing', async () => {
    // Prepare
    const arn = world.runningTask(world.webTaskDefinition(), '10.0.0.1');
    const running = world.ecs.takeEvents().find((e) => e.detail.lastStatus === 'RUNNING')!;
    world.ecs.stopTask(arn, { until: 'STOPPED' });
    const stopped = world.ecs.takeEvents().at(-1)!;

    // Act
    const report = await processEventBatch(inputs([stopped, running]), world.deps());

    // Assess
    expect(report.items.find((i) => i.id === 'm2')?.status).toBe('stale');
    expect(ownedBy(arn)).toEqual([]);
    expect(world.route53.callCount('ChangeResourceRecordSets')).toBe(0);
  });

  test('a stop applied, then the RUNNING event redelivered to a new container: ECS is asked, nothing is re-created', async () => {
    // Prepare
    const arn = world.runningTask(world.webTaskDefinition(), '10.0.0.1');
    const running = world.ecs.takeEvents().find((e) => e.detail.lastStatus === 'RUNNING')!;
    await processEventBatch(inputs([running]), world.deps());
    world.ecs.stopTask(arn);
    const stopping = world.ecs.takeEvents();
    await processEventBatch(inputs(stopping), world.deps());
    expect(ownedBy(arn)).toEqual([]);

    // Act
    const report = await processEventBatch(inputs([running]), world.deps());

    // Assess
    expect(ownedBy(arn)).toEqual([]);
    expect(report.items[0]).toMatchObject({ status: 'unchanged' });
  });

  test('deregisters as soon as ECS sets desired STOPPED, before the task leaves RUNNING (the drain window)', async () => {
    // Prepare
    const arn = world.runningTask(world.webTaskDefinition(), '10.0.0.1');
    await processEventBatch(world.takeInputs(), world.deps());
    world.ecs.stopTask(arn, { until: 'RUNNING' });
    const drain = world.ecs.takeEvents();
    expect(drain.at(-1)?.detail).toMatchObject({ lastStatus: 'RUNNING', desiredStatus: 'STOPPED' });

    // Act
    await processEventBatch(inputs(drain), world.deps());

    // Assess
    expect(ownedBy(arn)).toEqual([]);
  });
});

describe('verdicts', () => {
  test('an invalid event beside good ones is reported with its field and reason; the good ones are applied', async () => {
    // Prepare
    const arn = world.runningTask(world.webTaskDefinition(), '10.0.0.1');
    const running = world.ecs.takeEvents().find((e) => e.detail.lastStatus === 'RUNNING')!;
    const broken = { ...running, detail: { ...running.detail, lastStatus: 'EXPLODED' } };

    // Act
    const report = await processEventBatch(inputs([broken, running]), world.deps());

    // Assess
    expect(report.items.find((i) => i.id === 'm1')).toMatchObject({
      status: 'invalid',
      reason: expect.stringContaining('detail.lastStatus: unknown value "EXPLODED"'),
    });
    expect(report.retry).toEqual([]);
    expect(ownedBy(arn)).toHaveLength(4); // A, SRV, SRV target A and the claim TXT (issue 13)
  });

  test('a bad label skips that registration only, with the label and reason; the good one beside it registers', async () => {
    // Prepare: one container with a bad TTL, one good container in the same task definition
    const def = world.ecs.registerTaskDefinition({
      family: 'two',
      networkMode: 'awsvpc',
      containerDefinitions: [
        {
          name: 'bad',
          image: 'x',
          dockerLabels: { 'ecs-registrar.name': 'bad', 'ecs-registrar.ttl': 'soon' },
          portMappings: [{ containerPort: 81 }],
        },
        {
          name: 'good',
          image: 'x',
          dockerLabels: { 'ecs-registrar.name': 'good' },
          portMappings: [{ containerPort: 80 }],
        },
      ],
    }).taskDefinitionArn!;
    const arn = world.runningTask(def, '10.0.0.2');

    // Act
    const report = await processEventBatch(world.takeInputs(), world.deps());

    // Assess
    expect(report.problems).toEqual([
      {
        subject: `task:${id(arn)}`,
        message: expect.stringContaining('container "bad": label ecs-registrar.ttl="soon"'),
      },
    ]);
    expect(ownedBy(arn).map((r) => r.Name)).toEqual(expect.arrayContaining(['good.example.com.']));
    expect(ownedBy(arn).some((r) => r.Name!.includes('bad'))).toBe(false);
    expect(report.retry).toEqual([]);
  });

  test('tasks not running yet, not opted in, or in a cluster not served are ignored without writes', async () => {
    // Prepare
    world.ecs.runTask({
      cluster: 'prod',
      taskDefinition: world.webTaskDefinition(),
      networking: { privateIpv4: '10.0.0.3' },
    });
    const plain = world.ecs.registerTaskDefinition({
      family: 'plain',
      networkMode: 'awsvpc',
      containerDefinitions: [{ name: 'c', image: 'x' }],
    }).taskDefinitionArn!;
    world.runningTask(plain, '10.0.0.4');
    world.ecs.addCluster('staging');
    const other = world.ecs.runTask({
      cluster: 'staging',
      taskDefinition: world.webTaskDefinition('s'),
      networking: { privateIpv4: '10.0.0.5' },
    });
    world.ecs.setStatus(other, 'RUNNING');

    // Act
    const report = await processEventBatch(world.takeInputs(), world.deps({ clusters: ['prod'] }));

    // Assess
    const reasons = report.items.filter((i) => i.status === 'ignored').map((i) => i.reason);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/not running yet/),
        'no ecs-registrar labels',
        'cluster staging is not in REGISTRAR_CLUSTERS',
      ]),
    );
    expect(world.route53.callCount('ChangeResourceRecordSets')).toBe(0);
  });

  test('a RUNNING event ECS does not know yet is retried while fresh, and dropped as stale once old', async () => {
    // Prepare: an event for a task id ECS has never seen
    const arn = world.runningTask(world.webTaskDefinition(), '10.0.0.1');
    const running = world.ecs.takeEvents().find((e) => e.detail.lastStatus === 'RUNNING')!;
    const ghost = { ...running, detail: { ...running.detail, taskArn: arn.replace(id(arn), 'f'.repeat(32)) } };
    const fresh = { ...ghost, time: new Date(world.timing.now()).toISOString() };
    const old = { ...ghost, time: new Date(world.timing.now() - 3_600_000).toISOString() };

    // Act
    const a = await processEventBatch(inputs([fresh]), world.deps());
    const b = await processEventBatch(inputs([old]), world.deps());

    // Assess
    expect(a.items[0]).toMatchObject({ status: 'retry', reason: 'DescribeTasks does not know the task yet' });
    expect(a.retry).toEqual(['m1']);
    expect(b.items[0]).toMatchObject({ status: 'stale' });
  });
});

describe('what the event leaves out, ECS supplies', () => {
  test.each([
    ['no attachments at all', (d: Record<string, unknown>) => ({ ...d, attachments: undefined, containers: [] })],
    [
      'only a Service Connect attachment',
      (d: Record<string, unknown>) => ({
        ...d,
        attachments: [{ id: 'sc-1', type: 'Service Connect', status: 'ATTACHED', details: [] }],
        containers: [],
      }),
    ],
  ])('a RUNNING event with %s is registered with the ENI address DescribeTasks reports', async (_name, strip) => {
    // Prepare
    const arn = world.runningTask(world.webTaskDefinition(), '10.0.0.9');
    const running = world.ecs.takeEvents().find((e) => e.detail.lastStatus === 'RUNNING')!;
    const event = { ...running, detail: strip(running.detail as unknown as Record<string, unknown>) };

    // Act
    const report = await processEventBatch(inputs([event]), world.deps());

    // Assess
    expect(report.items[0]!.status).toBe('applied');
    expect(ownedBy(arn).find((r) => r.Name === 'web.example.com.')?.ResourceRecords).toEqual([{ Value: '10.0.0.9' }]);
  });
});
