import type { Task } from '@aws-sdk/client-ecs';
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import { CallCounter } from '../../lib/aws/clients';
import { createEngineDeps } from '../../lib/engine/deps';
import { silentLog } from '../../lib/observability/log';
import { processEventBatch } from '../../lib/sync/process-batch';
import { coldSyncHandler, lambdaContext, sqsBatch, taskStateChange } from '../../testkit/ecs-events';
import { type MotoServer, startMoto } from '../../testkit/moto';
import {
  createCloudMapService,
  createEcsWorld,
  createZone,
  describe as describeTasks,
  type EcsWorld,
  listInstances,
  listRecords,
  type MotoClients,
  motoClients,
  putRecord,
  registerTaskDefinition,
  runBridgeTask,
  runFargateTasks,
  stopTasks,
} from '../../testkit/moto-world';

jest.setTimeout(120_000);

const taskId = (t: Task) => t.taskArn!.split('/').pop()!;
const byName = (records: ResourceRecordSet[], name: string, type: string) =>
  records.filter((r) => r.Name === name && r.Type === type);

describe('task path on moto: Task State Change events -> Route 53 records and Cloud Map instances', () => {
  let moto: MotoServer;
  let c: MotoClients;
  let zoneId: string;
  let otherZoneId: string;
  let serviceId: string;
  let world: EcsWorld;
  const foreign: ResourceRecordSet = {
    Name: 'web.example.com.',
    Type: 'A',
    SetIdentifier: 'someone-else',
    MultiValueAnswer: true,
    TTL: 300,
    ResourceRecords: [{ Value: '192.0.2.99' }],
  };
  const foreignTxt: ResourceRecordSet = {
    Name: 'web.example.com.',
    Type: 'TXT',
    TTL: 300,
    ResourceRecords: [{ Value: '"owned by the web team"' }],
  };

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
    otherZoneId = await createZone(c, 'internal.example.org');
    serviceId = await createCloudMapService(c, 'svc.local', 'web');
    world = await createEcsWorld(c, 'prod', true);
    await putRecord(c, zoneId, foreign);
    await putRecord(c, zoneId, foreignTxt);
    Object.assign(process.env, {
      REGISTRAR_HOSTED_ZONE_IDS: `${zoneId},${otherZoneId}`,
      REGISTRAR_OWNER_ID: 'it-stack',
      REGISTRAR_DEFAULT_TTL: '30',
      REGISTRAR_CLOUDMAP_SERVICE_IDS: serviceId,
      // The foreign multivalue record above shares web's set: these tests register beside it and prove it is left
      // alone, so they allow joining foreign sets (the default refuses since issue 13; test/lib/plan covers that).
      REGISTRAR_NAME_POLICY: '{"foreignSets":"join"}',
    });
  });

  async function scenarioTasks() {
    const webDef = await registerTaskDefinition(c, 'web', 'awsvpc', [
      {
        name: 'web',
        labels: {
          'ecs-registrar.name': 'web',
          'ecs-registrar.cloudmap-service': serviceId,
          'ecs-registrar.attr.tier': 'frontend',
        },
        ports: [{ containerPort: 8080, name: 'http' }],
      },
    ]);
    const apiDef = await registerTaskDefinition(c, 'api', 'bridge', [
      {
        name: 'api',
        labels: { 'ecs-registrar.name': 'api', 'ecs-registrar.zone': otherZoneId },
        ports: [{ containerPort: 8080, hostPort: 0 }],
      },
    ]);
    const web = await runFargateTasks(c, world, webDef, 'web', 3);
    const api = await runBridgeTask(c, world, apiDef, 'service:api');
    // moto reports no networkBindings for bridge tasks; ECS reports the dynamic host port (and an IPv6 duplicate).
    const apiPatch = {
      containerInstanceArn: world.containerInstanceArn,
      containers: [
        {
          name: 'api',
          lastStatus: 'RUNNING',
          networkBindings: [
            { bindIP: '0.0.0.0', containerPort: 8080, hostPort: 32768, protocol: 'tcp' },
            { bindIP: '::', containerPort: 8080, hostPort: 32768, protocol: 'tcp' },
          ],
        },
      ],
    };
    return { web, api, apiPatch };
  }

  test('one batch registers three Fargate tasks and a bridge task; their stops remove everything; foreign records survive', async () => {
    // Prepare
    const { web, api, apiPatch } = await scenarioTasks();
    const running = [
      ...web.map((t) => taskStateChange(t, { version: 3 })),
      taskStateChange(api, { version: 4, patch: apiPatch }),
    ];
    const handler = coldSyncHandler();

    // Act
    const result = await handler(sqsBatch(running), lambdaContext);

    // Assess: records in the default zone
    expect(result.batchItemFailures).toEqual([]);
    const records = await listRecords(c, zoneId);
    const a = byName(records, 'web.example.com.', 'A');
    const ours = a.filter((r) => r.SetIdentifier?.startsWith('ecs-registrar:it-stack:'));
    expect(ours).toHaveLength(3);
    expect(ours.every((r) => r.MultiValueAnswer === true && r.TTL === 30)).toBe(true);
    const ips = web.map((t) => t.attachments![0]!.details!.find((d) => d.name === 'privateIPv4Address')!.value!);
    expect(ours.map((r) => r.ResourceRecords![0]!.Value).sort()).toEqual([...ips].sort());
    const srv = byName(records, '_web._tcp.example.com.', 'SRV');
    expect(srv.map((r) => r.ResourceRecords![0]!.Value).sort()).toEqual(
      web.map((t) => `1 1 8080 ${taskId(t)}.web.example.com.`).sort(),
    );
    for (const t of web) {
      const target = byName(records, `${taskId(t)}.web.example.com.`, 'A');
      expect(target.map((r) => r.ResourceRecords![0]!.Value)).toEqual([ips[web.indexOf(t)]]);
    }
    // the bridge task: in the other zone, on the EC2 host's IP, SRV on the dynamic host port
    const other = await listRecords(c, otherZoneId);
    expect(byName(other, 'api.internal.example.org.', 'A').map((r) => r.ResourceRecords![0]!.Value)).toEqual([
      world.hostPrivateIp,
    ]);
    expect(byName(other, '_api._tcp.internal.example.org.', 'SRV').map((r) => r.ResourceRecords![0]!.Value)).toEqual([
      `1 1 32768 ${taskId(api)}.api.internal.example.org.`,
    ]);
    // Cloud Map
    const instances = await listInstances(c, serviceId);
    expect(instances.map((i) => i.Id).sort()).toEqual(web.map(taskId).sort());
    for (const i of instances) {
      const t = web.find((w) => taskId(w) === i.Id)!;
      expect(i.Attributes).toMatchObject({
        AWS_INSTANCE_IPV4: ips[web.indexOf(t)],
        AWS_INSTANCE_PORT: '8080',
        ECS_CLUSTER_NAME: 'prod',
        ECS_SERVICE_NAME: 'web',
        ECS_TASK_DEFINITION_FAMILY: 'web',
        ECS_REGISTRAR_OWNER: 'it-stack',
        tier: 'frontend',
      });
    }
    expect(byName(records, 'web.example.com.', 'A')).toContainEqual(foreign);
    expect(byName(records, 'web.example.com.', 'TXT')).toEqual([foreignTxt]);

    // Act: two tasks get desired STOPPED while still RUNNING (the drain window), the others reach STOPPED
    const [w1, w2, w3] = web as [Task, Task, Task];
    const draining = [w1, w2].map((t) =>
      taskStateChange(t, { version: 5, lastStatus: 'RUNNING', desiredStatus: 'STOPPED' }),
    );
    // First the drain events alone, while ECS still runs both tasks: a stop ECS does not confirm is a forged one, and it
    // deletes nothing (moto reports no version, so the events are retried until ECS shows the stop)
    const forged = await handler(sqsBatch(draining), lambdaContext);
    expect(forged.batchItemFailures).toHaveLength(2);
    const stillThere = await listRecords(c, zoneId);
    for (const t of [w1, w2]) {
      expect(stillThere.some((r) => r.SetIdentifier?.startsWith(`ecs-registrar:it-stack:${taskId(t)}:`))).toBe(true);
    }
    // Then ECS stops them all: the same drain events are confirmed and applied
    const stopped = await stopTasks(c, world.cluster, [w1.taskArn!, w2.taskArn!, w3.taskArn!, api.taskArn!]);
    const stopEvents = stopped.slice(2).map((t) => taskStateChange(t, { version: 9 }));
    const stopResult = await handler(sqsBatch([...draining, ...stopEvents]), lambdaContext);

    // Assess: everything the registrar wrote is gone, foreign records are byte-identical
    expect(stopResult.batchItemFailures).toEqual([]);
    const after = await listRecords(c, zoneId);
    expect(after).toEqual(expect.arrayContaining([foreign, foreignTxt]));
    expect(after.filter((r) => r.SetIdentifier?.startsWith('ecs-registrar:'))).toEqual([]);
    expect(after).toHaveLength(2);
    expect((await listRecords(c, otherZoneId)).filter((r) => r.SetIdentifier?.startsWith('ecs-registrar:'))).toEqual(
      [],
    );
    expect(await listInstances(c, serviceId)).toEqual([]);
  });

  test('one ChangeResourceRecordSets per zone per batch; duplicates and stale events add no write', async () => {
    // Prepare
    const { web, api, apiPatch } = await scenarioTasks();
    const counter = new CallCounter();
    const deps = createEngineDeps({ log: silentLog, counter });
    const running = [
      ...web.map((t) => taskStateChange(t, { version: 3 })),
      taskStateChange(api, { version: 4, patch: apiPatch }),
    ];
    const inputs = (events: unknown[]) => events.map((body, i) => ({ id: `e${i}`, body }));

    // Act: first batch, two zones
    await processEventBatch(inputs(running), deps);

    // Assess
    expect(counter.counts.get('route53:ChangeResourceRecordSets')).toBe(2);

    // Act: the same events again, plus older versions of them, in a warm container
    counter.reset();
    const stale = web.map((t) => taskStateChange(t, { version: 2 }));
    const warm = await processEventBatch(inputs([...running, ...stale]), deps);

    // Assess: no AWS call at all
    expect(counter.total()).toBe(0);
    expect(warm.items.every((i) => i.status === 'stale')).toBe(true);

    // Act: a cold container sees the duplicates: it reads, but writes nothing
    counter.reset();
    const cold = createEngineDeps({ log: silentLog, counter });
    const coldReport = await processEventBatch(inputs(running), cold);

    // Assess
    expect(counter.counts.get('route53:ChangeResourceRecordSets')).toBeUndefined();
    expect(counter.counts.get('servicediscovery:RegisterInstance')).toBeUndefined();
    expect(coldReport.items.map((i) => i.status)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged']);
  });

  test('a late RUNNING event for a task whose stop was applied never re-creates its records, even in a new container', async () => {
    // Prepare: register, then stop
    const { web } = await scenarioTasks();
    const [t] = web as [Task];
    await coldSyncHandler()(sqsBatch([taskStateChange(t, { version: 3 })]), lambdaContext);
    const [stoppedTask] = await stopTasks(c, world.cluster, [t.taskArn!]);
    await coldSyncHandler()(sqsBatch([taskStateChange(stoppedTask!, { version: 7 })]), lambdaContext);
    expect((await listRecords(c, zoneId)).filter((r) => r.SetIdentifier?.includes(taskId(t)))).toEqual([]);

    // Act: the RUNNING event is redelivered late to a fresh container
    const result = await coldSyncHandler()(sqsBatch([taskStateChange(t, { version: 3 })]), lambdaContext);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect((await listRecords(c, zoneId)).filter((r) => r.SetIdentifier?.includes(taskId(t)))).toEqual([]);
    expect(await listInstances(c, serviceId)).toEqual([]);
    expect(await describeTasks(c, world.cluster, [t.taskArn!])).toHaveLength(1);
  });
});
