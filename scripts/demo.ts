/**
 * `npm run demo`: every promise of the registrar, locally, against moto (no AWS account needed), narrated.
 *
 * It builds a private hosted zone, a Cloud Map service, an ECS cluster and an ALB on a moto_server of its own, then
 * plays what a platform team meets: an opted-in service scaled out, a rolling update, a standalone task, a service
 * alias created by CreateService, a label mistake, a zone drifted by hand and repaired by the reconciler. Every step
 * runs the real CLI (bin/ecs-registrar.js, as `npx ecs-registrar` does) and prints the zone as `dig` would show it,
 * with what changed (+ added, - removed, ~ changed), and the AWS calls the step made.
 *
 * ECS events come from `ecs-registrar events` (built from DescribeTasks, as a user would get them); moto returns no
 * task version, hence --assume-version. CloudTrail's CreateService event, which nothing can fetch, is built the way
 * CloudTrail shapes it (testkit/cloudtrail-events.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateVpcCommand } from '@aws-sdk/client-ec2';
import { CreateServiceCommand, DescribeTaskDefinitionCommand, RunTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand } from '@aws-sdk/client-route-53';
import { serviceApiCall } from '../testkit/cloudtrail-events';
import { type MotoServer, motoAvailable, startMoto } from '../testkit/moto';
import {
  createAlbWithTargetGroup,
  createCloudMapService,
  createEcsWorld,
  listInstances,
  listRecords,
  type MotoClients,
  motoClients,
  registerTaskDefinition,
  runFargateTasks,
  stopTasks,
} from '../testkit/moto-world';

const ipOf = (t: Task) => t.attachments![0]!.details!.find((d) => d.name === 'privateIPv4Address')!.value!;

const root = join(__dirname, '..', '..');
const bin = join(root, 'bin', 'ecs-registrar.js');
const out = join(root, 'dist', 'demo');
const OWNER = 'demo';

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
let stepNo = 0;
function step(title: string, why: string): void {
  stepNo++;
  console.log(`\n${bold(`== ${stepNo}. ${title}`)}`);
  console.log(why.replace(/^/gm, '   '));
}

class DemoError extends Error {
  override readonly name = 'DemoError';
}

async function main(): Promise<number> {
  // The CLI runs on Node 20 (engines); the SDK's multi-line warning about its 2027 releases is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  if (!motoAvailable()) {
    console.error(
      "The demo runs against moto, a local AWS emulator, and moto_server is not on PATH.\nInstall it with: pip install 'moto[server]'   (then rerun: npm run demo)",
    );
    return 1;
  }
  const started = Date.now();
  const moto = await startMoto();
  try {
    await play(moto);
  } finally {
    await moto.stop();
  }
  console.log(`\n${bold(`demo finished in ${((Date.now() - started) / 1000).toFixed(1)} s`)}`);
  return 0;
}

async function play(moto: MotoServer): Promise<void> {
  await moto.freezeEcsTasks();
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const c = motoClients();
  const elb = new ElasticLoadBalancingV2Client({ region: 'us-east-1' });

  // ------------------------------------------------------------------ the world
  step(
    'The world',
    'A private hosted zone example.com, a Cloud Map service, an ECS cluster "prod" and an internal ALB, on moto.',
  );
  const vpc = (await c.ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
  const zoneId = (
    await c.route53.send(
      new CreateHostedZoneCommand({
        Name: 'example.com',
        CallerReference: `demo-${Date.now()}`,
        HostedZoneConfig: { PrivateZone: true, Comment: 'demo' },
        VPC: { VPCRegion: 'us-east-1', VPCId: vpc },
      }),
    )
  ).HostedZone!.Id!.replace('/hostedzone/', '');
  const serviceId = await createCloudMapService(c, 'svc.local', 'web');
  const world = await createEcsWorld(c, 'prod');
  const { alb, targetGroupArn } = await createAlbWithTargetGroup(elb, c.ec2, { alb: 'api-alb', targetGroup: 'api' });
  const env = {
    AWS_ENDPOINT_URL: moto.endpoint,
    REGISTRAR_HOSTED_ZONE_IDS: zoneId,
    REGISTRAR_OWNER_ID: OWNER,
    REGISTRAR_CLOUDMAP_SERVICE_IDS: serviceId,
  };
  console.log(
    `   zone ${zoneId} (private), Cloud Map ${serviceId}, cluster prod, ALB ${alb.DNSName}\n   settings: ${Object.entries(
      env,
    )
      .filter(([k]) => k.startsWith('REGISTRAR_'))
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  );
  const zone = new ZoneView(c, zoneId, serviceId);
  await zone.snapshot();

  const cli = (args: string[], expect = 0): string => {
    console.log(`\n   $ ecs-registrar ${args.join(' ')}`);
    const res = spawnSync(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
    const text = `${res.stdout}${res.stderr}`.trimEnd();
    if (text) console.log(text.replace(/^/gm, '   '));
    if (res.status !== expect) {
      throw new DemoError(`ecs-registrar ${args.join(' ')} exited with ${res.status}, expected ${expect}`);
    }
    return res.stdout;
  };
  /** Task State Change events for these tasks, from `ecs-registrar events`, then applied by `sync`. */
  let version = 1;
  const syncTasks = (name: string, tasks: Task[]) => {
    version++;
    const file = join(out, `${name}.jsonl`);
    cli([
      'events',
      '--cluster',
      'prod',
      ...tasks.flatMap((t) => ['--task', t.taskArn!.split('/').pop()!]),
      '--assume-version',
      String(version),
      '--out',
      file,
    ]);
    cli(['sync', '--events', file]);
  };

  // ------------------------------------------------------------------ a service scaled out
  step(
    'An opted-in service starts',
    'Task definition web:1 labels its container ecs-registrar.name=web (+ a Cloud Map service and a port).\nTwo tasks of service "web" start: each gets an A and an SRV record, and a Cloud Map instance.',
  );
  const webLabels = {
    'ecs-registrar.name': 'web',
    'ecs-registrar.cloudmap-service': serviceId,
    'ecs-registrar.attr.team': 'storefront',
  };
  const web1 = await registerTaskDefinition(c, 'web', 'awsvpc', [
    { name: 'web', labels: webLabels, ports: [{ containerPort: 8080, name: 'http' }] },
  ]);
  const first = await runFargateTasks(c, world, web1, 'web', 2);
  syncTasks('web-started', first);
  await zone.show();

  step('Scaled out', 'The service scales to three tasks: one more record of each kind, nothing else touched.');
  const third = await runFargateTasks(c, world, web1, 'web', 1);
  syncTasks('web-scaled', third);
  await zone.show();

  // ------------------------------------------------------------------ rolling update
  step(
    'A rolling update',
    'web:2 is deployed: its new tasks are registered first (both revisions answer for a moment),\nthen the old tasks stop and their records go. Nobody is left with an empty name.',
  );
  const web2 = await registerTaskDefinition(c, 'web', 'awsvpc', [
    {
      name: 'web',
      labels: { ...webLabels, 'ecs-registrar.attr.release': '2' },
      ports: [{ containerPort: 8080, name: 'http' }],
    },
  ]);
  const fresh = await runFargateTasks(c, world, web2, 'web', 3);
  syncTasks('web2-started', fresh);
  await zone.show('new tasks registered, old ones still answering');
  const old = [...first, ...third];
  await stopTasks(
    c,
    'prod',
    old.map((t) => t.taskArn!),
  );
  syncTasks('web1-stopped', old);
  await zone.show('old tasks gone');

  // ------------------------------------------------------------------ standalone task
  step(
    'A standalone task',
    'A one-off task (no service) with ecs-registrar.name=batch and records=A gets its own name.',
  );
  const batchDef = await registerTaskDefinition(c, 'batch', 'awsvpc', [
    { name: 'batch', labels: { 'ecs-registrar.name': 'batch', 'ecs-registrar.records': 'A' }, ports: [] },
  ]);
  const batch = await runTask(c, world, batchDef);
  syncTasks('batch-started', [batch]);
  await zone.show();

  // ------------------------------------------------------------------ service alias
  step(
    'A service alias, from CreateService',
    'Service "api" is created behind the ALB with the tag ecs-registrar:alias=api. The CreateService call\n(delivered by CloudTrail) makes an alias A record to the ALB, and an ownership TXT under _ecs-registrar.',
  );
  const apiDef = await registerTaskDefinition(c, 'api', 'awsvpc', [
    { name: 'api', labels: {}, ports: [{ containerPort: 8080 }] },
  ]);
  const request = {
    cluster: 'prod',
    serviceName: 'api',
    taskDefinition: apiDef,
    desiredCount: 2,
    loadBalancers: [{ targetGroupArn, containerName: 'api', containerPort: 8080 }],
    tags: [{ key: 'ecs-registrar:alias', value: 'api' }],
  };
  const service = (await c.ecs.send(new CreateServiceCommand(request))).service!;
  const createService = join(out, 'create-service.jsonl');
  writeFileSync(createService, JSON.stringify(serviceApiCall('CreateService', request, service)));
  cli(['sync', '--events', createService]);
  await zone.show();

  // ------------------------------------------------------------------ label error
  step(
    'A label mistake, as the user sees it',
    'Task definition worker:1 has two mistakes: ecs-registrar.ttl=soon and a misspelled ecs-registrar.recrods.\n`validate` finds both before deploying; deployed anyway, sync reports the task and registers nothing for it.',
  );
  const workerDef = await registerTaskDefinition(c, 'worker', 'awsvpc', [
    {
      name: 'worker',
      labels: { 'ecs-registrar.name': 'worker', 'ecs-registrar.ttl': 'soon', 'ecs-registrar.recrods': 'A' },
      ports: [],
    },
  ]);
  const described = await c.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: workerDef }));
  const tdFile = join(out, 'worker.task-definition.json');
  writeFileSync(tdFile, JSON.stringify(described, null, 2));
  cli(['validate', '--task-definition', tdFile], 1);
  const worker = await runTask(c, world, workerDef);
  version++;
  const workerEvents = join(out, 'worker-started.jsonl');
  cli([
    'events',
    '--cluster',
    'prod',
    '--task',
    worker.taskArn!,
    '--assume-version',
    String(version),
    '--out',
    workerEvents,
  ]);
  cli(['sync', '--events', workerEvents], 1);
  await zone.show('nothing registered for worker');

  // ------------------------------------------------------------------ drift
  step(
    'The zone drifts by hand',
    "Someone deletes one task's records, alters batch's record, restores a stale one (a task that stopped\nwhile its stop event was lost) and adds their own record at web.example.com. The registrar must repair\nours and leave theirs alone.",
  );
  const records = await listRecords(c, zoneId);
  const mark = (t: Task) => `ecs-registrar:${OWNER}:${t.taskArn!.split('/').pop()}:`;
  const recordOf = (t: Task, name: string) =>
    records.find((r) => r.Name === name && r.SetIdentifier?.startsWith(mark(t)))!;
  // moto deletes every record sharing a SetIdentifier (moto.md): deleting one web record drops that task's SRV and
  // per-task A too, so the "lost" entries are one task's three records; the altered one is batch's only record.
  const lost = recordOf(fresh[0]!, 'web.example.com.');
  const altered = recordOf(batch, 'batch.example.com.');
  const gone = old[0]!;
  const changes = [
    { Action: 'DELETE' as const, ResourceRecordSet: lost },
    { Action: 'UPSERT' as const, ResourceRecordSet: { ...altered, ResourceRecords: [{ Value: '10.99.99.99' }] } },
    {
      // A record of a task that stopped while its stop event was lost: ECS says STOPPED.
      Action: 'CREATE' as const,
      ResourceRecordSet: {
        Name: 'web.example.com.',
        Type: 'A' as const,
        SetIdentifier: `${mark(gone)}us-east-1/prod`,
        MultiValueAnswer: true,
        TTL: 60,
        ResourceRecords: [{ Value: ipOf(gone) }],
      },
    },
    {
      Action: 'CREATE' as const,
      ResourceRecordSet: {
        Name: 'web.example.com.',
        Type: 'A' as const,
        SetIdentifier: 'payments-team',
        MultiValueAnswer: true,
        TTL: 300,
        ResourceRecords: [{ Value: '192.0.2.10' }],
      },
    },
  ];
  for (const change of changes) {
    await c.route53.send(
      new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [change] } }),
    );
  }
  await zone.show('drifted');

  step('reconcile --dry-run', 'The reconciler compares the zone with ECS and prints its plan. Nothing is written.');
  cli(['reconcile', '--dry-run']);
  await zone.show('unchanged by the dry run');

  step(
    'reconcile',
    "The same plan, applied: the lost records are back, the altered one corrected, the stale one deleted\n(ECS says its task stopped), and the payments team's record untouched. The worker's label error is\nstill reported: only a new task definition revision can fix it.",
  );
  cli(['reconcile']);
  await zone.show('repaired');

  step('status', 'What this owner has registered, per zone, name and task; and the whole zone, as dig shows it.');
  cli(['status']);
  zone.full = true;
  await zone.show('final');
}

async function runTask(c: MotoClients, world: Awaited<ReturnType<typeof createEcsWorld>>, def: string): Promise<Task> {
  const run = await c.ecs.send(
    new RunTaskCommand({
      cluster: world.cluster,
      taskDefinition: def,
      launchType: 'FARGATE',
      networkConfiguration: {
        awsvpcConfiguration: { subnets: [world.subnet], securityGroups: [world.securityGroup] },
      },
    }),
  );
  return run.tasks![0]!;
}

/** The zone and the Cloud Map service, printed like `dig` answers, with what changed since the last look. */
class ZoneView {
  private last = new Map<string, string>();
  /** Print unchanged entries too (the final view). */
  full = false;
  constructor(
    private readonly c: MotoClients,
    private readonly zoneId: string,
    private readonly serviceId: string,
  ) {}

  private async read(): Promise<Map<string, string>> {
    const lines = new Map<string, string>();
    for (const r of await listRecords(this.c, this.zoneId)) {
      const value = r.AliasTarget
        ? `ALIAS ${r.AliasTarget.DNSName}`
        : (r.ResourceRecords ?? []).map((v) => v.Value).join(' ');
      const who = r.SetIdentifier?.startsWith(`ecs-registrar:${OWNER}:`)
        ? `; ${r.SetIdentifier.split(':')[2]!.slice(0, 8)}…`
        : r.SetIdentifier
          ? `; ${r.SetIdentifier} (not ours)`
          : r.Type === 'TXT' || r.AliasTarget
            ? ''
            : '; (not ours)';
      const key = `${r.Name} ${r.Type} ${r.SetIdentifier ?? ''}`;
      lines.set(
        key,
        `${r.Name!.padEnd(38)} ${String(r.AliasTarget ? '-' : (r.TTL ?? '')).padStart(3)} IN ${r.Type!.padEnd(5)} ${value} ${who}`.trimEnd(),
      );
    }
    for (const i of await listInstances(this.c, this.serviceId)) {
      const a = i.Attributes ?? {};
      lines.set(
        `cloudmap ${i.Id}`,
        `cloudmap web.svc.local ${i.Id!.slice(0, 8)}…  ${a.AWS_INSTANCE_IPV4}:${a.AWS_INSTANCE_PORT ?? ''} ${a.release ? `release=${a.release}` : ''}`.trimEnd(),
      );
    }
    return lines;
  }

  async snapshot(): Promise<void> {
    this.last = await this.read();
  }

  async show(title = ''): Promise<void> {
    const now = await this.read();
    console.log(`\n   ;; example.com${title ? ` (${title})` : ''}`);
    const keys = [...new Set([...this.last.keys(), ...now.keys()])].sort();
    let same = 0;
    for (const key of keys) {
      const before = this.last.get(key);
      const after = now.get(key);
      if (after === undefined) console.log(`   - ${before}`);
      else if (before === undefined) console.log(`   + ${after}`);
      else if (before !== after) console.log(`   ~ ${after}   (was: ${before.split(/\s+IN\s+\S+\s+/)[1] ?? before})`);
      else if (this.full) console.log(`     ${after}`);
      else same++;
    }
    if (same > 0 && same === keys.length) console.log(`     (no change: ${same} entries)`);
    else if (same > 0) console.log(`     ... ${same} entries unchanged`);
    this.last = now;
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`\ndemo failed: ${err instanceof DemoError ? err.message : ((err as Error).stack ?? err)}`);
    process.exit(1);
  },
);
