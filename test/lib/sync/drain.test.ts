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
