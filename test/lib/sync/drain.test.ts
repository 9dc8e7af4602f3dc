import { reconcileOrFail } from '../../../lib/reconcile/reconcile';
import { processEventBatch } from '../../../lib/sync/process-batch';
import { FakeWorld, ZONE_ID } from '../../../testkit/fake-world';

/** Drain (issue 15): a task on a DRAINING container instance leaves DNS like a stopping one. */
const world = new FakeWorld();
beforeEach(() => world.reset());

const id = (arn: string) => arn.split('/').pop()!;
const ownedBy = (arn: string) => world.ownedRecords().filter((r) => r.SetIdentifier?.includes(`:${id(arn)}:`));

/** A bridge task on an EC2 container instance of cluster prod, opted in as `api`. */
function ec2World() {
  const instance = world.ecs.addContainerInstance({ cluster: 'prod', ec2InstanceId: 'i-0123456789abcdef0' });
  world.ec2.addInstance({ instanceId: 'i-0123456789abcdef0', privateIp: '10.1.0.5' });
  const def = world.ecs.registerTaskDefinition({
    family: 'api',
    networkMode: 'bridge',
    containerDefinitions: [
      {
        name: 'api',
        image: 'api:1',
        memory: 256,
        dockerLabels: { 'ecs-registrar.name': 'api' },
        portMappings: [{ containerPort: 8080, hostPort: 0 }],
      },
    ],
  }).taskDefinitionArn!;
  const run = () => {
    const arn = world.ecs.runTask({
      cluster: 'prod',
      taskDefinition: def,
      group: 'service:api',
      networking: {
        containerInstanceArn: instance,
        networkBindings: [{ containerPort: 8080, hostPort: 32768, protocol: 'tcp' }],
      },
    });
    world.ecs.setStatus(arn, 'RUNNING');
    return arn;
  };
  return { instance, run };
}

describe('drain: tasks on a DRAINING container instance', () => {
  test('the next event of a task on a DRAINING instance withdraws it, though ECS still runs it', async () => {
    // Prepare
    const { instance, run } = ec2World();
    const arn = run();
    await processEventBatch(world.takeInputs(), world.deps());
    const before = ownedBy(arn).length;
    world.ecs.setContainerInstanceStatus(instance, 'DRAINING');
    world.ecs.setHealth(arn, 'HEALTHY'); // any task event: here the health check passing

    // Act
    const report = await processEventBatch(world.takeInputs(), world.deps());

    // Assess
    expect(before).toBe(4);
    expect(report.retry).toEqual([]);
    expect(ownedBy(arn)).toEqual([]);
  });

  test('a Container Instance State Change to DRAINING withdraws every task on the instance in one batch, one verdict', async () => {
    // Prepare
    const { instance, run } = ec2World();
    const arns = [run(), run()];
    const elsewhere = world.runningTask(world.webTaskDefinition(), '10.0.0.1');
    await processEventBatch(world.takeInputs(), world.deps());
    const event = world.ecs.setContainerInstanceStatus(instance, 'DRAINING');

    // Act: a warm container (its ledger has the tasks' versions) gets the instance's event alone
    const deps = world.deps();
    await processEventBatch(
      arns.map((a, i) => ({
        id: `r${i}`,
        body: JSON.stringify(world.ecs.events.find((e) => e.detail.taskArn === a && e.detail.lastStatus === 'RUNNING')),
      })),
      deps,
    );
    const report = await processEventBatch([{ id: 'drain', body: JSON.stringify(event) }], deps);

    // Assess
    expect(report.items).toEqual([expect.objectContaining({ id: 'drain', status: 'applied' })]);
    expect(arns.map((a) => ownedBy(a).length)).toEqual([0, 0]);
    expect(ownedBy(elsewhere)).toHaveLength(4);
  });

  test('an instance back to ACTIVE, or an instance of an unserved cluster, is ignored; a failed ListTasks is retried', async () => {
    // Prepare
    const { instance, run } = ec2World();
    run();
    await processEventBatch(world.takeInputs(), world.deps());
    const active = world.ecs.setContainerInstanceStatus(instance, 'ACTIVE');
    const draining = world.ecs.setContainerInstanceStatus(instance, 'DRAINING');
    const body = (e: unknown) => JSON.stringify(e);

    // Act
    const ignored = await processEventBatch([{ id: 'a', body: body(active) }], world.deps());
    const unserved = await processEventBatch([{ id: 'd', body: body(draining) }], world.deps({ clusters: ['batch'] }));
    world.ecs.injectFault((op) => (op === 'ListTasks' ? new Error('boom') : undefined));
    const failed = await processEventBatch([{ id: 'd', body: body(draining) }], world.deps());

    // Assess
    expect(ignored.items[0]).toMatchObject({
      status: 'ignored',
      reason: expect.stringMatching(/ACTIVE; only DRAINING/),
    });
    expect(unserved.items[0]?.status).toBe('ignored');
    expect(failed.items[0]?.status).toBe('retry');
    expect(failed.retry).toEqual(['d']);
  });

  test('the reconciler withdraws tasks of a DRAINING instance, and registers them again when it is ACTIVE again', async () => {
    // Prepare
    const { instance, run } = ec2World();
    const arns = [run(), run()];
    // Fargate tasks of the cluster keep the deletion guard quiet (it refuses to empty a cluster unless forced).
    const def = world.webTaskDefinition();
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) world.runningTask(def, ip);
    await processEventBatch(world.takeInputs(), world.deps());
    world.ecs.setContainerInstanceStatus(instance, 'DRAINING');

    // Act
    const drained = await reconcileOrFail({}, world.deps());
    const whileDraining = arns.map((a) => ownedBy(a).length);
    world.ecs.setContainerInstanceStatus(instance, 'ACTIVE');
    await reconcileOrFail({}, world.deps());

    // Assess
    expect(drained.outcome).toBe('applied');
    expect(whileDraining).toEqual([0, 0]);
    expect(arns.map((a) => ownedBy(a).length)).toEqual([4, 4]);
  });

  test('a Fargate task (no container instance) is not affected, and costs no DescribeContainerInstances', async () => {
    // Prepare
    const arn = world.runningTask(world.webTaskDefinition(), '10.0.0.1');

    // Act
    await processEventBatch(world.takeInputs(), world.deps());

    // Assess
    expect(world.ownedRecords(ZONE_ID).filter((r) => r.SetIdentifier?.includes(id(arn)))).toHaveLength(4);
    expect(world.ecs.callCount('DescribeContainerInstances')).toBe(0);
  });
});
