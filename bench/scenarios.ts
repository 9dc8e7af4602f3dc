/**
 * The scenarios of `npm run bench`, on virtual time: ECS task lifecycles drive the fake ECS, whose events go through
 * the SQS model to warm "containers" running the production batch code (processEventBatch with the deadline the
 * sync function computes), or to a naive per-event registrar through the same models.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ChangeResourceRecordSetsCommand, type ResourceRecordSet, Route53Client } from '@aws-sdk/client-route-53';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { ownedTaskId } from '../lib/domain/ownership';
import { createEngineDeps } from '../lib/engine/deps';
import { silentLog } from '../lib/observability/log';
import { reconcileOrFail } from '../lib/reconcile/reconcile';
import { processEventBatch } from '../lib/sync/process-batch';
import { FakeEcs } from '../testkit/fake-ecs';
import { FakeWorld, ZONE_ID } from '../testkit/fake-world';
import { AwsModel, type Message, type ModelledClient, SqsModel, type SqsStats, TEMPLATE_SQS } from './models';
import { benchSettings, DEADLINE_MARGIN_MS, OWNER, START, timingOf } from './setup';
import { VirtualTime } from './virtual-time';

/** Every client the registrar builds, through the models (the fakes answer all five in the simulation's process). */
const ALL_CLIENTS: ModelledClient[] = [
  [Route53Client as never, 'route53'],
  [ECSClient as never, 'ecs'],
  [EC2Client as never, 'ec2'],
  [ElasticLoadBalancingV2Client as never, 'elbv2'],
  [ServiceDiscoveryClient as never, 'cloudmap'],
];

export interface PhaseResult {
  name: string;
  requests: Record<string, number>;
  throttled: number;
  priorRequestNotComplete: number;
  sqs: SqsStats;
  events: number;
  /** Task state changes the phase asked for (a start or a stop each). */
  transitions: number;
  /** Virtual ms from the phase's last ECS event to its last DNS write; undefined when nothing was written. */
  convergedAfterMs?: number;
  /** Whether Route 53 ended exactly as ECS says (every running task registered, no stopped task left). */
  converged: boolean;
  lagMs: { p50: number; p95: number; max: number; n: number };
  cpuMs: number;
}

export type Registrar = 'production' | 'naive';

interface Sim {
  vt: VirtualTime;
  world: FakeWorld;
  model: AwsModel;
  sqs: SqsModel;
  definitions: string[];
  running: Set<string>;
  /** task id -> virtual time the current demand (start or stop) began. */
  demanded: Map<string, { at: number; kind: 'start' | 'stop' }>;
  lags: number[];
  lastWrite: number;
  lastEvent: number;
  events: number;
  ipOf: Map<string, string>;
  registrar: Registrar;
}

function taskIdOf(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The fakes of a simulation: ECS on the virtual clock, cluster `prod`, and `services` opted-in task definitions. */
function newWorld(vt: VirtualTime, services: number): { world: FakeWorld; definitions: string[] } {
  const world = new FakeWorld();
  world.reset();
  world.mocks.ecs.reset();
  world.ecs = new FakeEcs({ clock: () => new Date(vt.now) });
  world.ecs.install(world.mocks.ecs);
  world.ecs.addCluster('prod');
  const definitions = Array.from({ length: services }, (_, k) =>
    world.webTaskDefinition(`svc${k}`, { 'ecs-registrar.name': `svc${k}`, 'ecs-registrar.records': 'A,SRV' }),
  );
  return { world, definitions };
}

export function newSim(registrar: Registrar, services = 10): Sim {
  resetIps();
  const vt = new VirtualTime(START);
  vt.install();
  const { world, definitions } = newWorld(vt, services);
  const model = new AwsModel(vt);
  model.install(ALL_CLIENTS);
  const sim: Sim = {
    vt,
    world,
    model,
    sqs: undefined as unknown as SqsModel,
    definitions,
    running: new Set(),
    demanded: new Map(),
    lags: [],
    lastWrite: 0,
    lastEvent: 0,
    events: 0,
    ipOf: new Map(),
    registrar,
  };
  const containers = Array.from({ length: TEMPLATE_SQS.maxConcurrency }, () =>
    registrar === 'production' ? productionContainer(world, vt) : naiveContainer(sim),
  );
  sim.sqs = new SqsModel(vt, TEMPLATE_SQS, containers);
  model.onChange((_zone, changes) => {
    const byTask = new Map<string, Set<string>>();
    for (const c of changes) {
      const sid = c.ResourceRecordSet?.SetIdentifier;
      const id = registrar === 'production' ? ownedTaskId(OWNER, sid) : sid?.replace(/^naive:/, '');
      if (!id) continue;
      byTask.set(id, (byTask.get(id) ?? new Set()).add(c.Action ?? ''));
    }
    for (const [id, actions] of byTask) {
      const d = sim.demanded.get(id);
      if (!d) continue;
      const done = d.kind === 'start' ? actions.has('UPSERT') || actions.has('CREATE') : !actions.has('UPSERT');
      if (!done) continue;
      sim.lags.push(vt.now - d.at);
      sim.demanded.delete(id);
      sim.lastWrite = vt.now;
    }
  });
  return sim;
}

export function endSim(sim: Sim): void {
  sim.model.uninstall();
  sim.vt.uninstall();
  for (const m of Object.values(sim.world.mocks)) m.restore();
}

function productionContainer(world: FakeWorld, vt: VirtualTime) {
  // One warm Lambda container: deps built once, as functions/sync.ts does at module scope (its cache of the zones
  // included: REGISTRAR_ROUTE53_CACHE_SECONDS from the environment, default 30 s).
  const deps = createEngineDeps({
    settings: benchSettings(ZONE_ID),
    clients: world.clients(),
    log: silentLog,
    timing: timingOf(vt),
    cacheRoute53: true,
  });
  return async (messages: Message[], deadline: number) => {
    const report = await processEventBatch(
      messages.map((m) => ({ id: m.id, body: m.body })),
      deps,
      { deadline: deadline - DEADLINE_MARGIN_MS },
    );
    if (process.env.BENCH_DEBUG)
      for (const i of report.items) if (i.status === 'retry') console.error('retry', i.reason);
    return { retry: report.retry };
  };
}

/**
 * The naive registrar: one ChangeResourceRecordSets per task event that states a change (RUNNING: UPSERT the task's
 * A record; STOPPED: DELETE it), no batching, no limiter, no retries of its own: a failed call is a retried SQS item.
 */
function naiveContainer(sim: Sim) {
  const client = new Route53Client({ region: 'us-east-1' });
  return async (messages: Message[]) => {
    const retry: string[] = [];
    for (const m of messages) {
      const detail = (JSON.parse(m.body) as { detail: { taskArn: string; lastStatus: string; desiredStatus: string } })
        .detail;
      const id = taskIdOf(detail.taskArn);
      const ip = sim.ipOf.get(id);
      const action =
        detail.lastStatus === 'RUNNING' && detail.desiredStatus === 'RUNNING'
          ? 'UPSERT'
          : detail.lastStatus === 'STOPPED'
            ? 'DELETE'
            : undefined;
      if (!action || !ip) continue;
      try {
        await client.send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: ZONE_ID,
            ChangeBatch: {
              Changes: [
                {
                  Action: action,
                  ResourceRecordSet: {
                    Name: 'naive.example.com',
                    Type: 'A',
                    TTL: 60,
                    SetIdentifier: `naive:${id}`,
                    MultiValueAnswer: true,
                    ResourceRecords: [{ Value: ip }],
                  },
                },
              ],
            },
          }),
        );
      } catch (err) {
        const name = (err as { name?: string }).name;
        // A DELETE of a record already gone is done.
        if (!(action === 'DELETE' && name === 'InvalidChangeBatch')) retry.push(m.id);
      }
    }
    return { retry };
  };
}

/** Sends the fake ECS's pending events to SQS (EventBridge delivery is taken as immediate). */
function pump(sim: Sim): void {
  for (const e of sim.world.ecs.takeEvents()) {
    sim.events += 1;
    sim.lastEvent = sim.vt.now;
    sim.sqs.send(JSON.stringify(e));
  }
}

let ipCounter = 0;
/** Restarted per simulation, so two runs send byte-identical requests. */
export function resetIps(): void {
  ipCounter = 0;
}
function nextIp(): string {
  ipCounter += 1;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255 || 1}`;
}

/** Schedules a task start: PROVISIONING now, then one lifecycle step a second until RUNNING (each step an event). */
function scheduleStart(sim: Sim, at: number, service: number, started?: (arn: string) => void): void {
  setTimeout(
    () => {
      const ip = nextIp();
      const arn = sim.world.ecs.runTask({
        cluster: 'prod',
        taskDefinition: sim.definitions[service % sim.definitions.length]!,
        group: `service:svc${service % sim.definitions.length}`,
        networking: { privateIpv4: ip },
      });
      sim.ipOf.set(taskIdOf(arn), ip);
      started?.(arn);
      pump(sim);
      const step = () => {
        const task = sim.world.ecs.task(arn);
        if (task.lastStatus === 'RUNNING' || task.desiredStatus === 'STOPPED') return;
        sim.world.ecs.advance(arn);
        if (sim.world.ecs.task(arn).lastStatus === 'RUNNING') {
          sim.running.add(arn);
          sim.demanded.set(taskIdOf(arn), { at: sim.vt.now, kind: 'start' });
        }
        pump(sim);
        setTimeout(step, 1_000);
      };
      setTimeout(step, 1_000);
    },
    Math.max(0, at - sim.vt.now),
  );
}

/** Schedules a stop: desiredStatus STOPPED now, then one lifecycle step every 5 s until STOPPED. */
function scheduleStop(sim: Sim, at: number, which: string | (() => string)): void {
  setTimeout(
    () => {
      const arn = typeof which === 'string' ? which : which();
      const task = sim.world.ecs.task(arn);
      sim.world.ecs.stopTask(arn, { until: task.lastStatus as 'RUNNING' });
      sim.running.delete(arn);
      sim.demanded.set(taskIdOf(arn), { at: sim.vt.now, kind: 'stop' });
      pump(sim);
      const step = () => {
        if (sim.world.ecs.task(arn).lastStatus === 'STOPPED') return;
        sim.world.ecs.advance(arn);
        pump(sim);
        setTimeout(step, 5_000);
      };
      setTimeout(step, 5_000);
    },
    Math.max(0, at - sim.vt.now),
  );
}

/** Whether Route 53 holds exactly the running tasks (by the task ids in the records' marks). */
function routeStateMatches(sim: Sim): boolean {
  const ids = new Set<string>();
  for (const r of sim.world.route53.records(ZONE_ID)) {
    const id =
      sim.registrar === 'production' ? ownedTaskId(OWNER, r.SetIdentifier) : r.SetIdentifier?.replace(/^naive:/, '');
    if (id) ids.add(id);
  }
  const want = new Set([...sim.running].map(taskIdOf));
  return ids.size === want.size && [...want].every((id) => ids.has(id));
}

/** Runs one phase: schedules `plan` from now, runs the clock until everything settled, returns its figures. */
export async function runPhase(sim: Sim, name: string, plan: (sim: Sim, t0: number) => number): Promise<PhaseResult> {
  sim.model.counters = { requests: new Map(), throttled: 0, priorRequestNotComplete: 0 };
  const before = { ...sim.sqs.stats };
  sim.lags = [];
  sim.events = 0;
  sim.lastWrite = 0;
  const t0 = sim.vt.now;
  const transitions = plan(sim, t0);
  const cpu = process.cpuUsage();
  await sim.vt.run();
  const used = process.cpuUsage(cpu);
  const lags = [...sim.lags].sort((a, b) => a - b);
  const sqs: SqsStats = {
    batches: sim.sqs.stats.batches - before.batches,
    longestBatchMs: sim.sqs.stats.longestBatchMs,
    itemsRetried: sim.sqs.stats.itemsRetried - before.itemsRetried,
    deadLettered: sim.sqs.stats.deadLettered - before.deadLettered,
    delivered: sim.sqs.stats.delivered - before.delivered,
  };
  sim.sqs.stats.longestBatchMs = 0;
  return {
    name,
    requests: Object.fromEntries([...sim.model.counters.requests].sort(([a], [b]) => (a < b ? -1 : 1))),
    throttled: sim.model.counters.throttled,
    priorRequestNotComplete: sim.model.counters.priorRequestNotComplete,
    sqs,
    events: sim.events,
    transitions,
    convergedAfterMs: sim.lastWrite > 0 ? Math.max(0, sim.lastWrite - sim.lastEvent) : undefined,
    converged: routeStateMatches(sim) && sim.demanded.size === 0,
    lagMs: { p50: percentile(lags, 50), p95: percentile(lags, 95), max: lags.at(-1) ?? 0, n: lags.length },
    cpuMs: Math.round((used.user + used.system) / 1000),
  };
}

/** (a) 1,000 tasks of 10 services start within 10 s; later all stop. */
export async function burst(registrar: Registrar, tasks = 1_000): Promise<PhaseResult[]> {
  const sim = newSim(registrar);
  try {
    const arns: string[] = [];
    const starts = await runPhase(sim, `${tasks} tasks start within 10 s`, (s, t0) => {
      for (let i = 0; i < tasks; i++)
        scheduleStart(s, t0 + Math.floor((i * 10_000) / tasks), i % 10, (a) => arns.push(a));
      return tasks;
    });
    sim.vt.now += 60_000;
    const stops = await runPhase(sim, `the ${tasks} tasks stop within 10 s`, (s, t0) => {
      for (const [i, arn] of arns.entries()) scheduleStop(s, t0 + Math.floor((i * 10_000) / tasks), arn);
      return tasks;
    });
    return [starts, stops];
  } finally {
    endSim(sim);
  }
}

/** (b) Rolling deployment of a 200-task service: 20 new tasks start every 30 s, each replacing an old one. */
export async function rolling(registrar: Registrar, tasks = 200): Promise<PhaseResult> {
  const sim = newSim(registrar, 1);
  try {
    const old: string[] = [];
    await runPhase(sim, 'initial', (s, t0) => {
      for (let i = 0; i < tasks; i++) scheduleStart(s, t0 + i * 10, 0, (a) => old.push(a));
      return tasks;
    });
    sim.vt.now += 60_000;
    return await runPhase(sim, `rolling deployment of a ${tasks}-task service (20 at a time, every 30 s)`, (s, t0) => {
      for (let i = 0; i < tasks; i++) {
        const at = t0 + Math.floor(i / 20) * 30_000 + (i % 20) * 100;
        scheduleStart(s, at, 0);
        // The old task is stopped once its replacement is running (about 3 s later).
        scheduleStop(s, at + 4_000, old[i]!);
      }
      return 2 * tasks;
    });
  } finally {
    endSim(sim);
  }
}

/** (c) Steady churn: 5 task transitions a second for 10 minutes over a base of `base` tasks. */
export async function churn(registrar: Registrar, base = 1_000, seconds = 600, services = 20): Promise<PhaseResult> {
  // 20 services, 50 tasks each: with 10, a start before its stop would pass Route 53's 100 records of one name and
  // type (a real limit the fake enforces), which is a finding of its own (BENCHMARKS.md), not churn.
  const sim = newSim(registrar, services);
  try {
    const pool: string[] = [];
    await runPhase(sim, 'initial', (s, t0) => {
      for (let i = 0; i < base; i++) scheduleStart(s, t0 + i * 10, i % services, (a) => pool.push(a));
      return base;
    });
    sim.vt.now += 60_000;
    return await runPhase(
      sim,
      `churn: 5 transitions/s for ${seconds / 60} min over ${base} tasks of ${services} services`,
      (s, t0) => {
        const n = seconds * 5;
        for (let i = 0; i < n; i++) {
          const at = t0 + i * 200;
          if (i % 2 === 0) {
            scheduleStart(s, at, (i / 2) % services, (a) => pool.push(a));
          } else {
            // Stop the oldest task (chosen when the stop comes): deterministic, and one that has long been running.
            scheduleStop(s, at, () => pool.shift()!);
          }
        }
        return n;
      },
    );
  } finally {
    endSim(sim);
  }
}

/**
 * The records a converged registrar leaves for `tasks` tasks: bench/run.ts computes them in one process and hands
 * them to the fakes of the process pair that measures the reconcile (reconcile-process.ts), so neither carries what
 * the converging run left behind.
 */
export async function registeredRecords(tasks: number): Promise<ResourceRecordSet[]> {
  const sim = newSim('production', servicesFor(tasks));
  try {
    addRunningTasks(sim.world, sim.definitions, tasks);
    const first = reconcileOrFail(
      {},
      createEngineDeps({
        settings: benchSettings(ZONE_ID),
        clients: sim.world.clients(),
        log: silentLog,
        timing: timingOf(sim.vt),
      }),
    );
    await sim.vt.run();
    await first;
    return sim.world.route53.records(ZONE_ID).filter((r) => r.Type !== 'NS' && r.Type !== 'SOA');
  } finally {
    endSim(sim);
  }
}

/** Ten tasks a service (the issue's 1,000 services at 10,000 tasks): far from Route 53's 100 records of one name. */
const servicesFor = (tasks: number) => Math.ceil(tasks / 10);

/** The ECS side of (d): `tasks` running tasks, ten a service, each service in one of 3 clusters. */
function addRunningTasks(world: FakeWorld, definitions: string[], tasks: number): void {
  resetIps();
  const clusters = ['prod', 'prod-b', 'prod-c'];
  for (const c of clusters.slice(1)) world.ecs.addCluster(c);
  for (let i = 0; i < tasks; i++) {
    const service = i % definitions.length;
    // A service runs in one cluster (its tasks all there): the same name in three clusters would be three claimants.
    world.runningTaskIn(clusters[service % 3]!, definitions[service]!, nextIp(), `service:svc${service}`);
  }
  world.ecs.takeEvents();
}

/** The fakes (d) measures a reconcile against: the running tasks, the records a converged registrar left, the drift. */
export interface ReconcileWorld {
  world: FakeWorld;
  zoneId: string;
  /** Records the registrar owns (before the drift). */
  owned: number;
  /** Owned records deleted by hand: 1%. */
  drifted: number;
  /** Owned records in the zone now. */
  ownedNow(): number;
}

/**
 * (d)'s fakes, on the clock `vt` (driven by the measuring process: bench/remote-world.ts): `tasks` running tasks, the
 * converged registrar's records, then 1% of the owned ones deleted by hand, straight on the fake (outside the models:
 * not the registrar's requests).
 */
export async function reconcileWorld(
  vt: VirtualTime,
  tasks: number,
  registered: ResourceRecordSet[],
): Promise<ReconcileWorld> {
  const { world, definitions } = newWorld(vt, servicesFor(tasks));
  addRunningTasks(world, definitions, tasks);
  for (const r of registered) world.route53.putRecordDirect(ZONE_ID, r);
  const ownedRecords = () =>
    world.route53.records(ZONE_ID).filter((r) => ownedTaskId(OWNER, r.SetIdentifier) !== undefined);
  const owned = ownedRecords();
  const drift = owned.filter((_, i) => i % 100 === 7);
  await world.route53.changeResourceRecordSets({
    HostedZoneId: ZONE_ID,
    ChangeBatch: { Changes: drift.map((r) => ({ Action: 'DELETE', ResourceRecordSet: r })) },
  });
  return { world, zoneId: ZONE_ID, owned: owned.length, drifted: drift.length, ownedNow: () => ownedRecords().length };
}
