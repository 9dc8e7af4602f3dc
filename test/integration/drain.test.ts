import { UpdateContainerInstancesStateCommand } from '@aws-sdk/client-ecs';
import { createEngineDeps } from '../../lib/engine/deps';
import { silentLog } from '../../lib/observability/log';
import { processEventBatch } from '../../lib/sync/process-batch';
import { taskStateChange } from '../../testkit/ecs-events';
import { type MotoServer, startMoto } from '../../testkit/moto';
import {
  createEcsWorld,
  createZone,
  type EcsWorld,
  listRecords,
  type MotoClients,
  motoClients,
  registerTaskDefinition,
  runBridgeTask,
  setRegistrarEnv,
} from '../../testkit/moto-world';

jest.setTimeout(120_000);

/**
 * Drain on moto (issue 15): UpdateContainerInstancesState DRAINING, its Container Instance State Change event through
 * the event path: ListTasks on the instance, DescribeTasks and DescribeContainerInstances against moto's wire format.
 */
describe('drain on moto', () => {
  let moto: MotoServer;
  let c: MotoClients;
  let zoneId: string;
  let world: EcsWorld;

  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto?.stop();
  });

  beforeEach(async () => {
    await moto.reset();
    await moto.freezeEcsTasks();
    c = motoClients();
    zoneId = await createZone(c, 'example.com');
    world = await createEcsWorld(c, 'prod', true);
    setRegistrarEnv(zoneId);
  });

  test('a container instance set to DRAINING: its event withdraws the task on it in one batch', async () => {
    // Prepare
    const def = await registerTaskDefinition(c, 'api', 'bridge', [
      {
        name: 'api',
        labels: { 'ecs-registrar.name': 'api', 'ecs-registrar.records': 'A' },
        ports: [{ containerPort: 8080, hostPort: 8080 }],
      },
    ]);
    const task = await runBridgeTask(c, world, def, 'service:api');
    const deps = createEngineDeps({ log: silentLog });
    const patch = { containerInstanceArn: world.containerInstanceArn };
    const registered = await processEventBatch(
      [{ id: 'run', body: taskStateChange(task, { version: 3, patch }) }],
      deps,
    );
    const before = (await listRecords(c, zoneId)).filter((r) => r.Name === 'api.example.com.' && r.Type === 'A');
    await c.ecs.send(
      new UpdateContainerInstancesStateCommand({
        cluster: world.cluster,
        containerInstances: [world.containerInstanceArn!],
        status: 'DRAINING',
      }),
    );
    const event = {
      version: '0',
      id: 'drain-1',
      'detail-type': 'ECS Container Instance State Change',
      source: 'aws.ecs',
      account: '123456789012',
      time: new Date().toISOString(),
      region: 'us-east-1',
      resources: [world.containerInstanceArn],
      detail: {
        clusterArn: `arn:aws:ecs:us-east-1:123456789012:cluster/${world.cluster}`,
        containerInstanceArn: world.containerInstanceArn,
        ec2InstanceId: 'i-0123456789abcdef0',
        status: 'DRAINING',
        version: 2,
      },
    };

    // Act
    const report = await processEventBatch([{ id: 'drain', body: JSON.stringify(event) }], deps);

    // Assess
    expect(registered.items[0]?.status).toBe('applied');
    expect(before.map((r) => r.ResourceRecords?.[0]?.Value)).toEqual([world.hostPrivateIp]);
    expect(report.items).toEqual([expect.objectContaining({ id: 'drain', status: 'applied' })]);
    expect((await listRecords(c, zoneId)).filter((r) => r.SetIdentifier?.startsWith('ecs-registrar:'))).toEqual([]);
  });
});
