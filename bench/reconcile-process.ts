/**
 * Bench (d), the measuring process: one reconcile by the production code, with the SDK clients it builds in Lambda
 * (createAwsClients, from the environment), on virtual time and the service models, against fakes served by another
 * process (remote-world.ts). Only the registrar, the models and the clock live here, so this process's peak RSS and
 * CPU are the reconcile's, as in the reconcile function. Prints a ReconcileResult as JSON.
 *
 * Usage: node reconcile-process.js <tasks> <bench bundle (serves the fakes: `world` mode)> <records file>
 */
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { Route53Client } from '@aws-sdk/client-route-53';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { createEngineDeps } from '../lib/engine/deps';
import { silentLog } from '../lib/observability/log';
import { reconcileOrFail } from '../lib/reconcile/reconcile';
import { AwsModel, type ModelledClient } from './models';
import { planProfiler, type RunProbe } from './profile';
import { peakRssMiB, RemoteWorld, type WorldReady } from './remote-world';
import { benchSettings, START, timingOf } from './setup';
import { VirtualTime } from './virtual-time';

export interface ReconcileResult {
  tasks: number;
  ownedRecords: number;
  drifted: number;
  requests: Record<string, number>;
  throttled: number;
  /** CPU of the measuring process during the run: the registrar, the models and the requests' serialisation. */
  cpuMs: number;
  /** Peak resident set of the measuring process (the registrar's; the fakes are in their own process). */
  peakRssMiB: number;
  /** Resident set of the measuring process when the run starts. */
  rssBeforeMiB: number;
  /** Peak resident set of the fakes' process, for reference. */
  fakesPeakRssMiB: number;
  virtualMs: number;
  repaired: boolean;
  /** CPU ms sampled inside planChanges during the run (profile.ts). */
  planCpuMs?: number;
}

/**
 * The clients the reconcile builds at once; EC2 is not among them: createAwsClients loads it on first use, and this
 * bench's tasks (awsvpc) never need it. A request to an unmodelled client would go to AWS_ENDPOINT_URL, which
 * bench/run.ts points at a closed port, so it fails the run rather than leave this process.
 */
const REGISTRAR_CLIENTS: ModelledClient[] = [
  [Route53Client as never, 'route53'],
  [ECSClient as never, 'ecs'],
  [ElasticLoadBalancingV2Client as never, 'elbv2'],
  [ServiceDiscoveryClient as never, 'cloudmap'],
];

export async function measureReconcile(
  tasks: number,
  benchScript: string,
  recordsFile: string,
  probe?: RunProbe,
): Promise<ReconcileResult> {
  const vt = new VirtualTime(START);
  vt.install();
  const world = new RemoteWorld(vt, benchScript, ['world', String(tasks), recordsFile]);
  try {
    const ready = await world.ready;
    const model = new AwsModel(vt);
    model.install(REGISTRAR_CLIENTS, world.backend);
    const deps = createEngineDeps({ settings: benchSettings(ready.zoneId), log: silentLog, timing: timingOf(vt) });
    return await measuredRun(vt, model, world, ready, tasks, () => reconcileOrFail({}, deps), probe);
  } finally {
    world.close();
    vt.uninstall();
  }
}

async function measuredRun(
  vt: VirtualTime,
  model: AwsModel,
  world: RemoteWorld,
  ready: WorldReady,
  tasks: number,
  reconcile: () => Promise<unknown>,
  probe?: RunProbe,
): Promise<ReconcileResult> {
  const t0 = vt.now;
  await probe?.start();
  const cpu = process.cpuUsage();
  const before = process.memoryUsage().rss;
  const run = reconcile();
  await vt.run();
  await run;
  const used = process.cpuUsage(cpu);
  const planCpuMs = await probe?.stop();
  return {
    tasks,
    ownedRecords: ready.owned,
    drifted: ready.drifted,
    requests: Object.fromEntries([...model.counters.requests].sort(([a], [b]) => (a < b ? -1 : 1))),
    throttled: model.counters.throttled,
    cpuMs: Math.round((used.user + used.system) / 1000),
    peakRssMiB: peakRssMiB(),
    rssBeforeMiB: Math.round(before / 1024 / 1024),
    fakesPeakRssMiB: await world.peakRssMiB(),
    virtualMs: vt.now - t0,
    repaired: (await world.ownedNow()) === ready.owned,
    planCpuMs,
  };
}

if (require.main === module) {
  const [, , size, benchScript, recordsFile] = process.argv;
  measureReconcile(Number(size), benchScript!, recordsFile!, planProfiler())
    .then((result) => process.stdout.write(JSON.stringify(result)))
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
