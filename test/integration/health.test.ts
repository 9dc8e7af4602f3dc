import type { Task } from '@aws-sdk/client-ecs';
import { createAwsClients } from '../../lib/aws/clients';
import { createEngineDeps } from '../../lib/engine/deps';
import { silentLog } from '../../lib/observability/log';
import { MetricName } from '../../lib/observability/metric-names';
import { recordBatchMetrics } from '../../lib/observability/telemetry';
import { processEventBatch } from '../../lib/sync/process-batch';
import { taskStateChange } from '../../testkit/ecs-events';
import { type MotoServer, startMoto } from '../../testkit/moto';
import {
  type ContainerHealth,
  createEcsWorld,
  createZone,
  type EcsWorld,
  listRecords,
  type MotoClients,
  motoClients,
  registerTaskDefinition,
  runFargateTasks,
  setRegistrarEnv,
  withContainerHealth,
} from '../../testkit/moto-world';

jest.setTimeout(120_000);

/**
 * Issue 15 "Must show" on moto: the real SDK calls, Route 53 wire format and the event path end to end. moto cannot
 * run health checks (it describes every container HEALTHY), so the registrar's ECS client is given the container
 * health the test sets (moto-world.ts withContainerHealth); everything else is moto's.
 */
const taskId = (t: Task) => t.taskArn!.split('/').pop()!;

describe('health gate on moto', () => {
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
    world = await createEcsWorld(c, 'prod', false);
    setRegistrarEnv(zoneId, { REGISTRAR_HEALTH: 'require-healthy' });
  });
  afterEach(() => {
    delete process.env.REGISTRAR_HEALTH;
  });

  /** A warm sync container whose ECS client reports the health in the returned map. */
  function container() {
    const clients = createAwsClients();
    const health = withContainerHealth(clients.ecs);
    const deps = createEngineDeps({ log: silentLog, clients });
    let n = 0;
    const batch = (tasks: Task[], version: number) =>
      processEventBatch(
        tasks.map((t) => ({ id: `m${n++}`, body: JSON.stringify(taskStateChange(t, { version })) })),
        deps,
      );
    return { health, batch };
  }

  async function webTasks(count: number): Promise<Task[]> {
    const def = await registerTaskDefinition(c, 'web', 'awsvpc', [
      { name: 'web', labels: { 'ecs-registrar.name': 'web' }, ports: [{ containerPort: 8080 }], healthCheck: true },
    ]);
    return runFargateTasks(c, world, def, 'web', count);
  }

  const answering = async () =>
    (await listRecords(c, zoneId))
      .filter((r) => r.Name === 'web.example.com.' && r.Type === 'A')
      .map((r) => r.SetIdentifier!.split(':')[2])
      .sort();
  const set = (health: Map<string, ContainerHealth>, t: Task, status: ContainerHealth) =>
    health.set(`${taskId(t)}/web`, status);

  test('a task that turns UNHEALTHY leaves DNS within one batch and comes back when HEALTHY', async () => {
    // Prepare
    const tasks = await webTasks(2);
    const [sick, well] = tasks as [Task, Task];
    const { health, batch } = container();
    // moto describes every container HEALTHY; a fresh task's check has not passed yet: UNKNOWN.
    for (const t of tasks) set(health, t, 'UNKNOWN');
    const notYet = await batch(tasks, 3);
    const beforeHealthy = await answering();
    for (const t of tasks) set(health, t, 'HEALTHY');
    await batch(tasks, 4);
    const registered = await answering();

    // Act
    set(health, sick, 'UNHEALTHY');
    const withdrawn = await batch([sick], 5);
    const afterUnhealthy = await answering();
    set(health, sick, 'HEALTHY');
    const back = await batch([sick], 6);

    // Assess
    expect(notYet.retry).toEqual([]);
    expect(beforeHealthy).toEqual([]);
    expect(registered).toEqual([taskId(sick), taskId(well)].sort());
    expect(withdrawn.retry).toEqual([]);
    expect(withdrawn.health.withdrawn).toEqual([`task:${taskId(sick)}|${zoneId}|web.example.com.`]);
    expect(afterUnhealthy).toEqual([taskId(well)]);
    expect(back.retry).toEqual([]);
    expect(await answering()).toEqual([taskId(sick), taskId(well)].sort());
    const sickRecords = (await listRecords(c, zoneId)).filter((r) => r.SetIdentifier?.includes(`:${taskId(sick)}:`));
    expect(sickRecords.map((r) => `${r.Type} ${r.Name}`).sort()).toEqual(
      [
        'A web.example.com.',
        `A ${taskId(sick)}.web.example.com.`,
        'SRV _web._tcp.example.com.',
        'TXT web._ecs-registrar.example.com.',
      ].sort(),
    );
  });

  test('with every task UNHEALTHY the name keeps its records, and the FailOpenNames metric says so', async () => {
    // Prepare
    const tasks = await webTasks(2);
    const { health, batch } = container();
    for (const t of tasks) set(health, t, 'HEALTHY');
    await batch(tasks, 3);
    const before = await listRecords(c, zoneId);
    for (const t of tasks) set(health, t, 'UNHEALTHY');
    const metrics: Record<string, number> = {};
    const sink = { addMetric: (name: string, _unit: unknown, value: number) => (metrics[name] = value) };

    // Act
    const report = await batch(tasks, 4);
    recordBatchMetrics(sink, report);

    // Assess
    expect(report.retry).toEqual([]);
    expect(await answering()).toEqual(tasks.map(taskId).sort());
    expect(await listRecords(c, zoneId)).toEqual(before);
    expect(report.health.failOpen).toEqual([`${zoneId}|web.example.com.`]);
    expect(metrics[MetricName.FailOpenNames]).toBe(1);
    expect(metrics[MetricName.UnhealthyWithdrawn]).toBe(0);
  });
});
