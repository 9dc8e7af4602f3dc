import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Task } from '@aws-sdk/client-ecs';
import { ChangeResourceRecordSetsCommand, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import { DeregisterInstanceCommand } from '@aws-sdk/client-servicediscovery';
import type { ReconcileReport } from '../../lib/reconcile/reconcile';
import { taskStateChange } from '../../testkit/ecs-events';
import { type MotoServer, startMoto } from '../../testkit/moto';
import {
  createCloudMapService,
  createEcsWorld,
  createZone,
  listInstances,
  listRecords,
  type MotoClients,
  motoClients,
  putRecord,
  registerTaskDefinition,
  runFargateTasks,
  stopTasks,
} from '../../testkit/moto-world';

jest.setTimeout(180_000);

const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'cli', 'ecs-registrar.js');

/** Runs the built CLI as a user would, with the environment pointed at moto. */
function runCli(args: string[], env: Record<string, string>): { code: number; stdout: string; stderr: string } {
  const out = spawnSync(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return { code: out.status ?? -1, stdout: out.stdout, stderr: out.stderr };
}

const taskId = (t: Task) => t.taskArn!.split('/').pop()!;
const ip = (t: Task) => t.attachments![0]!.details!.find((d) => d.name === 'privateIPv4Address')!.value!;
const sort = (rs: ResourceRecordSet[]) => [...rs].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('reconcile on moto, through the CLI', () => {
  let moto: MotoServer;
  let c: MotoClients;

  beforeAll(async () => {
    if (!existsSync(cli)) {
      const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { encoding: 'utf8' });
      if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
    }
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto?.stop();
  });

  test('dry run lists exactly the fixes and writes nothing; a real run repairs the drift; a second run plans nothing', async () => {
    // Prepare: a registered state, made by the CLI's sync from events
    await moto.reset();
    await moto.freezeEcsTasks();
    c = motoClients();
    const zoneId = await createZone(c, 'example.com');
    const serviceId = await createCloudMapService(c, 'svc.local', 'web');
    const world = await createEcsWorld(c, 'prod');
    // records=A: moto deletes every record sharing a SetIdentifier across names (moto.md), so one record per task
    // keeps this test on behaviour real Route 53 shares.
    const def = await registerTaskDefinition(c, 'web', 'awsvpc', [
      {
        name: 'web',
        labels: {
          'ecs-registrar.name': 'web',
          'ecs-registrar.records': 'A',
          'ecs-registrar.cloudmap-service': serviceId,
        },
        ports: [{ containerPort: 8080 }],
      },
    ]);
    const tasks = await runFargateTasks(c, world, def, 'web', 4);
    const env = {
      AWS_ENDPOINT_URL: moto.endpoint,
      REGISTRAR_HOSTED_ZONE_IDS: zoneId,
      REGISTRAR_OWNER_ID: 'it-stack',
      REGISTRAR_CLOUDMAP_SERVICE_IDS: serviceId,
      // A foreign record joins web's set below: this test repairs drift beside it, so it allows joining foreign sets
      // (refused by default since issue 13, covered in test/lib/plan).
      REGISTRAR_NAME_POLICY: '{"foreignSets":"join"}',
    };
    const dir = mkdtempSync(join(tmpdir(), 'ecs-registrar-'));
    const eventsFile = join(dir, 'events.jsonl');
    writeFileSync(eventsFile, tasks.map((t) => JSON.stringify(taskStateChange(t, { version: 3 }))).join('\n'));
    const sync = runCli(['sync', '--events', eventsFile], env);
    expect(sync.stderr).toBe('');
    expect(sync.code).toBe(0);
    expect(sync.stdout).toMatch(/4 events: 4 applied; 12 changes/); // with each task's claim TXT (issue 13)

    // Drift it by hand
    const [t1, t2, t3] = tasks as [Task, Task, Task];
    const records = await listRecords(c, zoneId);
    const recordOf = (t: Task) =>
      // The task's A record, not its claim TXT (issue 13) beside it
      records.find((r) => r.Type === 'A' && r.SetIdentifier?.startsWith(`ecs-registrar:it-stack:${taskId(t)}:`))!;
    const change = (Action: 'CREATE' | 'DELETE', ResourceRecordSet: ResourceRecordSet) =>
      c.route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          ChangeBatch: { Changes: [{ Action, ResourceRecordSet }] },
        }),
      );
    await change('DELETE', recordOf(t1));
    await change('DELETE', recordOf(t2));
    await change('CREATE', { ...recordOf(t2), ResourceRecords: [{ Value: '10.99.99.99' }] });
    // t4 stops and its stop event is lost: its records stay behind, and ECS says it is stopped
    const t4 = tasks[3]!;
    await stopTasks(c, world.cluster, [t4.taskArn!]);
    const foreign: ResourceRecordSet = {
      Name: 'web.example.com.',
      Type: 'A',
      SetIdentifier: 'other-team',
      MultiValueAnswer: true,
      TTL: 60,
      ResourceRecords: [{ Value: '10.2.2.2' }],
    };
    await putRecord(c, zoneId, foreign);
    await c.sd.send(new DeregisterInstanceCommand({ ServiceId: serviceId, InstanceId: taskId(t3) }));
    const drifted = sort(await listRecords(c, zoneId));
    const driftedInstances = await listInstances(c, serviceId);

    // Act: dry run
    const dry = runCli(['reconcile', '--dry-run', '--json'], env);

    // Assess: exactly the fixes, nothing written. Claim TXTs (issue 13): moto's DELETE of t1's and t2's A removed
    // every record with their SetIdentifier (moto.md), so their claims are recreated too; t4's goes with its A.
    const claim = (t: Task) =>
      `${zoneId}|web._ecs-registrar.example.com.|TXT|ecs-registrar:it-stack:${taskId(t)}:us-east-1/prod`;
    expect(dry.code).toBe(0);
    const plan = JSON.parse(dry.stdout) as ReconcileReport;
    expect(plan.outcome).toBe('planned');
    expect(plan.changes.map((ch) => `${ch.action} ${ch.key}`).sort()).toEqual(
      [
        `CREATE ${zoneId}|web.example.com.|A|ecs-registrar:it-stack:${taskId(t1)}:us-east-1/prod`,
        `CREATE ${claim(t1)}`,
        `CREATE ${claim(t2)}`,
        `DELETE ${claim(t4)}`,
        `DELETE ${zoneId}|web.example.com.|A|ecs-registrar:it-stack:${taskId(t4)}:us-east-1/prod`,
        `DEREGISTER ${serviceId}|${taskId(t4)}`,
        `REGISTER ${serviceId}|${taskId(t3)}`,
        `UPDATE ${zoneId}|web.example.com.|A|ecs-registrar:it-stack:${taskId(t2)}:us-east-1/prod`,
      ].sort(),
    );
    expect(plan.changes.every((ch) => ch.status === 'planned')).toBe(true);
    expect(sort(await listRecords(c, zoneId))).toEqual(drifted);
    expect(await listInstances(c, serviceId)).toEqual(driftedInstances);

    // Act: real run
    const real = runCli(['reconcile'], env);

    // Assess: repaired, foreign untouched
    expect(real.stderr).toBe('');
    expect(real.code).toBe(0);
    expect(real.stdout).toMatch(/outcome: applied; drift 8/);
    const after = await listRecords(c, zoneId);
    const ours = after.filter((r) => r.SetIdentifier?.startsWith('ecs-registrar:') && r.Type === 'A');
    expect(
      after
        .filter((r) => r.Type === 'TXT')
        .map((r) => r.SetIdentifier)
        .sort(),
    ).toEqual([t1, t2, t3].map((t) => `ecs-registrar:it-stack:${taskId(t)}:us-east-1/prod`).sort());
    expect(ours.map((r) => `${r.SetIdentifier} ${r.ResourceRecords![0]!.Value}`).sort()).toEqual(
      [...[t1, t2, t3].map((t) => `ecs-registrar:it-stack:${taskId(t)}:us-east-1/prod ${ip(t)}`)].sort(),
    );
    expect(after).toContainEqual(foreign);
    expect((await listInstances(c, serviceId)).map((i) => i.Id).sort()).toEqual([t1, t2, t3].map(taskId).sort());

    // Act: second run
    const again = runCli(['reconcile', '--json'], env);

    // Assess
    const second = JSON.parse(again.stdout) as ReconcileReport;
    expect(second.outcome).toBe('converged');
    expect(second.drift).toBe(0);
    expect(second.awsCalls['route53:ChangeResourceRecordSets']).toBeUndefined();
  });

  test('a cluster the stack does not serve is refused with a clear error and a non-zero exit', async () => {
    // Prepare
    await moto.reset();
    c = motoClients();
    const zoneId = await createZone(c, 'example.com');
    await createEcsWorld(c, 'prod');

    // Act
    const out = runCli(['reconcile', '--cluster', 'staging'], {
      AWS_ENDPOINT_URL: moto.endpoint,
      REGISTRAR_HOSTED_ZONE_IDS: zoneId,
      REGISTRAR_OWNER_ID: 'it-stack',
      REGISTRAR_CLUSTERS: 'prod',
    });

    // Assess
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('staging not served by this stack (served: prod)');
  });
});
