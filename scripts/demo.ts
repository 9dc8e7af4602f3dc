/**
 * `npm run demo`: the registrar's main job, locally, against moto (no AWS account needed).
 * Starts moto_server, creates a hosted zone, a Cloud Map service, an ECS cluster and three opted-in Fargate tasks,
 * writes their Task State Change events to a file, then runs the real CLI on it, exactly as a user would:
 *   ecs-registrar sync --events <file>       (as the sync Lambda function does for an SQS batch)
 *   ecs-registrar reconcile --dry-run        (as the reconcile function does, plan only)
 * and prints the zone after each step.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { taskStateChange } from '../test/support/ecs-events';
import { startMoto } from '../test/support/moto';
import {
  createCloudMapService,
  createEcsWorld,
  createZone,
  listInstances,
  listRecords,
  motoClients,
  registerTaskDefinition,
  runFargateTasks,
  stopTasks,
} from '../test/support/moto-world';

const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'cli', 'ecs-registrar.js');
const out = join(root, 'dist', 'demo');

async function main(): Promise<void> {
  const moto = await startMoto();
  try {
    await moto.freezeEcsTasks();
    const c = motoClients();
    const zoneId = await createZone(c, 'example.com');
    const serviceId = await createCloudMapService(c, 'svc.local', 'web');
    const world = await createEcsWorld(c, 'prod');
    const def = await registerTaskDefinition(c, 'web', 'awsvpc', [
      {
        name: 'web',
        labels: {
          'ecs-registrar.name': 'web',
          'ecs-registrar.cloudmap-service': serviceId,
          'ecs-registrar.attr.team': 'storefront',
        },
        ports: [{ containerPort: 8080, name: 'http' }],
      },
    ]);
    const tasks = await runFargateTasks(c, world, def, 'web', 3);
    const env = {
      AWS_ENDPOINT_URL: moto.endpoint,
      REGISTRAR_HOSTED_ZONE_IDS: zoneId,
      REGISTRAR_OWNER_ID: 'demo',
      REGISTRAR_CLOUDMAP_SERVICE_IDS: serviceId,
    };
    mkdirSync(out, { recursive: true });

    const show = async (title: string) => {
      console.log(`\n--- ${title}: zone example.com (${zoneId}) ---`);
      for (const r of await listRecords(c, zoneId)) {
        console.log(
          `${r.Name!.padEnd(52)} ${r.Type!.padEnd(4)} ${(r.SetIdentifier ?? '').padEnd(58)} ${r.ResourceRecords?.map((v) => v.Value).join(',')}`,
        );
      }
      console.log(
        `Cloud Map ${serviceId}: ${(await listInstances(c, serviceId)).map((i) => `${i.Id} ${i.Attributes?.AWS_INSTANCE_IPV4}`).join('; ') || 'no instances'}`,
      );
    };
    const run = (args: string[]) => {
      console.log(`\n$ ecs-registrar ${args.join(' ')}`);
      const res = spawnSync(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
      process.stdout.write(res.stdout);
      process.stderr.write(res.stderr);
      if (res.status !== 0) throw new Error(`ecs-registrar exited with ${res.status}`);
    };

    console.log(
      `moto_server on ${moto.endpoint}; settings: ${Object.entries(env)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
    const running = join(out, 'running.jsonl');
    writeFileSync(running, tasks.map((t) => JSON.stringify(taskStateChange(t, { version: 3 }))).join('\n'));
    run(['sync', '--events', running]);
    await show('after the RUNNING events');

    const [first] = await stopTasks(c, world.cluster, [tasks[0]!.taskArn!]);
    const stopped = join(out, 'stopped.jsonl');
    // The stop event arrives twice, plus a stale RUNNING copy: at-least-once, out-of-order delivery.
    writeFileSync(
      stopped,
      [
        taskStateChange(first!, { version: 7 }),
        taskStateChange(first!, { version: 7 }),
        taskStateChange(tasks[0]!, { version: 3 }),
      ]
        .map((e) => JSON.stringify(e))
        .join('\n'),
    );
    run(['sync', '--events', stopped]);
    await show('after one task stopped');

    run(['reconcile', '--dry-run']);
  } finally {
    await moto.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
