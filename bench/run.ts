/**
 * `npm run bench`: what the registrar costs, measured on the semantics-faithful fakes (no AWS account needed) and on
 * the built bundles. The figures that matter most are AWS API calls per unit of work: Route 53 allows five requests
 * per second per account, shared with everything else. Results are written to BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CallCounter } from '../lib/aws/clients';
import { reconcileOrFail } from '../lib/reconcile/reconcile';
import { processEventBatch } from '../lib/sync/process-batch';
import { FakeWorld } from '../test/support/fake-world';

const root = join(__dirname, '..', '..');
const world = new FakeWorld();
interface Row {
  scenario: string;
  units: number;
  calls: Record<string, number>;
  ms: number;
}
const rows: Row[] = [];

function callsOf(w: FakeWorld): Record<string, number> {
  const out: Record<string, number> = {};
  for (const fake of [w.ecs, w.ec2, w.route53, w.cloudMap, w.elbv2]) {
    for (const c of fake.calls)
      out[`${fake.constructor.name.replace('Fake', '').toLowerCase()}:${c.operation}`] =
        (out[`${fake.constructor.name.replace('Fake', '').toLowerCase()}:${c.operation}`] ?? 0) + 1;
  }
  return out;
}
function resetCalls(w: FakeWorld): void {
  for (const fake of [w.ecs, w.ec2, w.route53, w.cloudMap, w.elbv2]) fake.calls.length = 0;
}
async function measure(scenario: string, units: number, fn: () => Promise<unknown>): Promise<void> {
  resetCalls(world);
  const t = performance.now();
  await fn();
  rows.push({ scenario, units, calls: callsOf(world), ms: performance.now() - t });
}

async function eventPath(n: number): Promise<void> {
  world.reset();
  const def = world.webTaskDefinition('web', {
    'ecs-registrar.name': 'web',
    'ecs-registrar.cloudmap-service': 'srv-web0000000000001',
  });
  const arns = Array.from({ length: n }, (_, i) =>
    world.runningTask(def, `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`, i < n / 2 ? 'web' : 'web'),
  );
  const running = world.takeInputs().filter((i) => i.body.includes('"lastStatus":"RUNNING"'));
  const deps = world.deps();
  await measure(`deployment: ${n} RUNNING events in one batch`, n, () => processEventBatch(running, deps));
  await measure(`the same ${n} events redelivered (warm container)`, n, () => processEventBatch(running, deps));
  await measure(`the same ${n} events redelivered (cold container)`, n, () => processEventBatch(running, world.deps()));
  for (const arn of arns) world.ecs.stopTask(arn, { until: 'STOPPED' });
  const stops = world.takeInputs();
  await measure(`scale-in: ${n} tasks stop (${stops.length} events, every lifecycle step)`, n, () =>
    processEventBatch(stops, deps),
  );
}

async function reconcileCost(n: number): Promise<void> {
  world.reset();
  const def = world.webTaskDefinition('web', { 'ecs-registrar.name': 'web', 'ecs-registrar.records': 'A,SRV' });
  const def2 = world.webTaskDefinition('api', { 'ecs-registrar.name': 'api', 'ecs-registrar.records': 'A,SRV' });
  for (let i = 0; i < n; i++) world.runningTask(i % 2 ? def : def2, `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`);
  world.ecs.takeEvents();
  await measure(`reconcile from empty: ${n} tasks (events lost)`, n, () =>
    reconcileOrFail({}, world.deps(), new CallCounter()),
  );
  await measure(`reconcile, converged: ${n} tasks`, n, () => reconcileOrFail({}, world.deps()));
}

async function throttled(n: number): Promise<void> {
  world.reset();
  const def = world.webTaskDefinition();
  for (let i = 0; i < n; i++) world.runningTask(def, `10.2.0.${i + 1}`);
  const inputs = world.takeInputs().filter((i) => i.body.includes('"lastStatus":"RUNNING"'));
  let k = 0;
  world.route53.injectFault((op) =>
    op === 'ChangeResourceRecordSets' && k++ % 2 === 0
      ? Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } })
      : undefined,
  );
  await measure(`${n} RUNNING events, every other Route 53 write throttled`, n, () =>
    processEventBatch(inputs, world.deps()),
  );
}

function coldStart(): { file: string; kib: number; importMs: number }[] {
  const sizes = JSON.parse(readFileSync(join(root, 'dist', 'sizes.json'), 'utf8')) as Record<string, number>;
  return Object.entries(sizes).map(([file, bytes]) => {
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      const out = execFileSync(
        process.execPath,
        [
          '-e',
          `const t=process.hrtime.bigint();try{require(${JSON.stringify(join(root, file))})}catch(e){};console.log(Number(process.hrtime.bigint()-t)/1e6)`,
        ],
        {
          env: {
            ...process.env,
            REGISTRAR_HOSTED_ZONE_IDS: 'Z1',
            REGISTRAR_OWNER_ID: 'bench',
            AWS_REGION: 'us-east-1',
            POWERTOOLS_METRICS_DISABLED: 'true',
          },
          encoding: 'utf8',
        },
      );
      samples.push(Number(out.trim().split('\n').pop()));
    }
    samples.sort((a, b) => a - b);
    return { file, kib: Math.round(bytes / 1024), importMs: samples[2]! };
  });
}

async function main(): Promise<void> {
  for (const n of [10, 100]) await eventPath(n);
  for (const n of [50, 150]) await reconcileCost(n);
  await throttled(20);
  const sum = (c: Record<string, number>, prefix: string) =>
    Object.entries(c)
      .filter(([k]) => k.startsWith(prefix))
      .reduce((a, [, v]) => a + v, 0);
  const fmt = (c: Record<string, number>) =>
    Object.entries(c)
      .sort()
      .map(([k, v]) => `${k.split(':')[1]} ${v}`)
      .join(', ');
  const lines = [
    '# Benchmarks',
    '',
    `Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${process.platform}/${process.arch}, on the`,
    'semantics-faithful fakes in `test/support/` (AWS calls are counted at the SDK client, exactly as sent). Time is wall-clock',
    "time of the registrar's own code against in-memory fakes, so it measures CPU cost, not AWS latency.",
    '',
    '## AWS calls per unit of work',
    '',
    'A naive registrar writes one `ChangeResourceRecordSets` per event (per task, per lifecycle step); the column "naive R53 writes" is that',
    'number for the same input.',
    '',
    '| scenario | Route 53 writes | naive R53 writes | Route 53 reads | ECS | Cloud Map | all calls | ms |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const naive = r.scenario.startsWith('reconcile') ? '-' : String(r.units);
      return `| ${r.scenario} | ${r.calls['route53:ChangeResourceRecordSets'] ?? 0} | ${naive} | ${(r.calls['route53:ListResourceRecordSets'] ?? 0) + (r.calls['route53:GetHostedZone'] ?? 0)} | ${sum(r.calls, 'ecs:')} | ${sum(r.calls, 'cloudmap:')} | ${sum(r.calls, '')} | ${r.ms.toFixed(0)} |`;
    }),
    '',
    'Calls by operation:',
    '',
    ...rows.map((r) => `- ${r.scenario}: ${fmt(r.calls)}`),
    '',
    '## Bundles and cold start',
    '',
    'esbuild, minified, CommonJS, AWS SDK v3 bundled. Import time: median of 5 fresh `node` processes requiring the bundle',
    '(settings parsed and clients built, no AWS call).',
    '',
    '| bundle | size (KiB) | import (ms) |',
    '|---|---|---|',
    ...coldStart().map((b) => `| ${b.file} | ${b.kib} | ${b.importMs.toFixed(0)} |`),
    '',
  ];
  writeFileSync(join(root, 'BENCHMARKS.md'), `${lines.join('\n')}`);
  console.log(lines.join('\n'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
