// Shared machinery of the property tests: a generated ECS world on the faithful fakes, an SQS-like delivery model
// (loss, duplicates, reordering, random batch boundaries, redelivery of retried items, a dead-letter queue), fault
// injection, and an oracle that computes the desired registrations from the fake ECS truth independently of the
// production code (it follows the README's record table, not lib/desired).

import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import fc from 'fast-check';
import sinon from 'sinon';
import type { AwsClients } from '../../lib/aws/clients';
import type { EngineDeps } from '../../lib/engine/deps';
import { createEngineDeps } from '../../lib/engine/deps';
import { silentLog } from '../../lib/observability/log';
import type { NamePolicy } from '../../lib/plan/name-policy';
import { type BatchReport, processEventBatch } from '../../lib/sync/process-batch';
import { cloudMapErrors, ec2Errors, ecsErrors, route53Errors } from '../../testkit/aws-errors';
import { CLOUDMAP_SERVICE, FakeWorld, OTHER_ZONE_ID, ZONE_ID } from '../../testkit/fake-world';

export const OWNER = 'test-owner';
export const SET_ID_PREFIX = `ecs-registrar:${OWNER}:`;
/** The Region every generated task runs in (the fake ECS default). */
export const REGION = 'us-east-1';
/**
 * This owner's per-task mark, exactly `ecs-registrar:<owner>:<task-id>:<region>/<cluster>` (look-alikes with another
 * shape are foreign).
 */
const OWNED_SET_ID = /^([A-Za-z0-9-]+):[a-z]{2}(?:-[a-z]+)+-\d{1,2}\/[A-Za-z0-9_-]+$/;
export const isOwnedSetId = (setId: string | undefined): setId is string =>
  !!setId && setId.startsWith(SET_ID_PREFIX) && OWNED_SET_ID.test(setId.slice(SET_ID_PREFIX.length));
/** The task id of an owned mark. */
export const markedTaskId = (setId: string): string => OWNED_SET_ID.exec(setId.slice(SET_ID_PREFIX.length))![1]!;
export const CLUSTERS = ['prod', 'batch'] as const;
const ZONES = { [ZONE_ID]: 'example.com.', [OTHER_ZONE_ID]: 'example.org.' } as const;

/** Runs per property: 200 in `npm test`, far more under `npm run test:soak` (ECS_REGISTRAR_SOAK=1). */
export const NUM_RUNS = process.env.ECS_REGISTRAR_SOAK ? Number(process.env.ECS_REGISTRAR_SOAK_RUNS ?? 5000) : 200;
/** fast-check prints the seed, the path and the shrunk counterexample of any failure (replay: `{ seed, path }`). */
export function fcOptions<T>(overrides: fc.Parameters<T> = {}): fc.Parameters<T> {
  return { numRuns: NUM_RUNS, ...overrides };
}
/** Jest timeout of one property: generous, the soak runs 25 times more. */
export const PROPERTY_TIMEOUT_MS = process.env.ECS_REGISTRAR_SOAK ? 6 * 60 * 60 * 1000 : 240_000;

// --- the generated world ----------------------------------------------------------------------------------------

export interface FamilySpec {
  /** opted-in: ecs-registrar.name set; plain: no registrar label; bad-label: a name outside the zone (invalid). */
  kind: 'opted-in' | 'plain' | 'bad-label';
  name: 'web' | 'api' | 'db';
  zone: 'default' | 'other';
  records?: string;
  ttl?: number;
  cloudMap: boolean;
  attr?: string;
  ip: 'private' | 'public';
  mode: 'awsvpc' | 'bridge';
  /** ecs-registrar.health=require-healthy, on a container with a health check (issue 15). */
  health?: boolean;
}

export interface TaskSpec {
  family: number;
  cluster: number;
  ipv6: boolean;
  service: boolean;
  /** Where the task is when the steps begin (its earlier events are already queued). */
  start: 'provisioning' | 'running';
}

/** `healthy` / `unhealthy` / `unknown`: the task's container health check result (FakeEcs.setHealth, one event). */
export type EcsOp = 'advance' | 'run' | 'stop' | 'finish' | 'healthy' | 'unhealthy' | 'unknown';
export type Step = { kind: 'ecs'; task: number; op: EcsOp } | { kind: 'deliver'; size: number; container: number };

export interface Delivery {
  /** Probability that an event never reaches the queue. */
  loss: number;
  /** Probability that an event is delivered more than once (2 or 3 copies). */
  duplicate: number;
  /** How far back in the queue a message may be inserted: reordering within this window. */
  window: number;
  /** Probability that any AWS call fails with throttling or a transient error. */
  faults: number;
}

export interface Scenario {
  families: FamilySpec[];
  tasks: TaskSpec[];
  steps: Step[];
  containers: number;
  delivery: Delivery;
  /** Drives the per-event and per-call coin flips, so a failure replays exactly from fast-check's seed and path. */
  seed: number;
}

export const familyArb: fc.Arbitrary<FamilySpec> = fc.record(
  {
    kind: fc.constantFrom('opted-in', 'opted-in', 'opted-in', 'opted-in', 'plain', 'bad-label'),
    name: fc.constantFrom('web', 'api', 'db'),
    zone: fc.constantFrom('default', 'default', 'other'),
    records: fc.constantFrom('A', 'SRV', 'A,SRV', 'A,AAAA', 'AAAA,SRV', 'A,AAAA,SRV'),
    ttl: fc.constantFrom(30, 300),
    cloudMap: fc.boolean(),
    attr: fc.constantFrom('blue', 'green'),
    ip: fc.constantFrom('private', 'private', 'public'),
    mode: fc.constantFrom('awsvpc', 'awsvpc', 'bridge'),
  },
  { requiredKeys: ['kind', 'name', 'zone', 'cloudMap', 'ip', 'mode'] },
);

export const taskArb: fc.Arbitrary<TaskSpec> = fc.record({
  family: fc.nat(5),
  cluster: fc.nat(1),
  ipv6: fc.boolean(),
  service: fc.boolean(),
  start: fc.constantFrom('running', 'running', 'running', 'provisioning'),
});

export const stepArb = (tasks: number, ops: fc.Arbitrary<EcsOp> = ecsOpArb): fc.Arbitrary<Step> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('ecs' as const), task: fc.nat(tasks - 1), op: ops }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('deliver' as const),
        size: fc.integer({ min: 1, max: 10 }),
        container: fc.nat(1),
      }),
    },
  );
const ecsOpArb = fc.constantFrom<EcsOp>('advance', 'advance', 'run', 'run', 'run', 'run', 'stop', 'finish');
/** The lifecycle plus health transitions, for the health properties. */
export const healthOpArb = fc.constantFrom<EcsOp>(
  'advance',
  'run',
  'run',
  'run',
  'stop',
  'finish',
  'healthy',
  'healthy',
  'healthy',
  'unhealthy',
  'unhealthy',
  'unknown',
);
/** Families of which some gate on health (require-healthy with a health check). */
export const healthFamilyArb: fc.Arbitrary<FamilySpec> = fc
  .tuple(familyArb, fc.boolean())
  .map(([f, health]) => ({ ...f, health }));

export interface ScenarioOptions {
  families?: fc.Arbitrary<FamilySpec>;
  maxTasks?: number;
  maxSteps?: number;
  /** The ECS operations steps draw from (default: the lifecycle alone). */
  ops?: fc.Arbitrary<EcsOp>;
  delivery?: fc.Arbitrary<Delivery>;
  containers?: fc.Arbitrary<number>;
}

/** The adversity: up to 3 copies, reordering within a window, 10% loss and 10% faults (often less). */
export const adverseDelivery: fc.Arbitrary<Delivery> = fc.record({
  loss: fc.constantFrom(0, 0.1),
  duplicate: fc.constantFrom(0, 0.2, 0.5),
  window: fc.integer({ min: 0, max: 6 }),
  faults: fc.constantFrom(0, 0.1),
});

export const cleanDelivery: fc.Arbitrary<Delivery> = fc.constant({ loss: 0, duplicate: 0, window: 0, faults: 0 });

export function scenarioArb(options: ScenarioOptions = {}): fc.Arbitrary<Scenario> {
  const maxTasks = options.maxTasks ?? 6;
  // Independent arrays (steps name tasks modulo their number), so that fast-check shrinks each of them.
  return fc.record({
    families: fc.array(options.families ?? familyArb, { minLength: 1, maxLength: 3 }),
    tasks: fc.array(taskArb, { minLength: 1, maxLength: maxTasks }),
    steps: fc.array(stepArb(maxTasks, options.ops), { maxLength: options.maxSteps ?? 40 }),
    containers: options.containers ?? fc.integer({ min: 1, max: 2 }),
    delivery: options.delivery ?? adverseDelivery,
    seed: fc.integer(),
  });
}

/** mulberry32: small, fast and seeded. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// --- the simulation -----------------------------------------------------------------------------------------------

let current: FakeWorld | undefined;

/**
 * A new world of fakes for each run. aws-sdk-client-mock creates its stubs in sinon's default sandbox, which keeps
 * every stub ever made, with every call it recorded and the fake behind it: run after run (thousands under
 * `npm run test:soak`) that exhausts the heap. So the default sandbox is emptied (every stub restored) between runs,
 * and the SDK clients are pooled: each SDK client constructed keeps some memory for good, whatever is done with it.
 */
export function freshWorld(): FakeWorld {
  if (current) sinon.restore();
  current = new FakeWorld();
  current.reset();
  inUse = 0;
  return current;
}

const pool: AwsClients[] = [];
let inUse = 0;

/** A set of SDK clients for one container of the current run: reused across runs, with `send` as mocked. */
function pooledClients(world: FakeWorld): AwsClients {
  const clients = pool[inUse] ?? world.clients();
  pool[inUse++] = clients;
  // An actor's scheduling wrapper (scheduleCalls) is an own property of the instance: dropping it exposes the mock.
  for (const c of Object.values(clients)) delete (c as { send?: unknown }).send;
  return clients;
}

/** Dependencies of one Lambda container (or reconciler run), as FakeWorld.deps() builds them, on pooled clients. */
/**
 * The name policy the properties run under unless they say otherwise: every claimant may share every name and every
 * Cloud Map service and join foreign sets, so the expected state does not depend on which task came first (claims
 * have their own property).
 */
export const SHARE_ALL: NamePolicy = {
  rules: [{ clusters: ['*'], names: ['*'], cloudMapServices: ['*'], share: true }],
  foreignSets: 'join',
};

export function containerDeps(
  world: FakeWorld,
  namePolicy: NamePolicy = SHARE_ALL,
  options: { cacheRoute53?: boolean } = {},
): EngineDeps & { clients: AwsClients } {
  return createEngineDeps({
    settings: world.settings({ ownerId: OWNER, maxDeletePercent: 100, namePolicy }),
    clients: pooledClients(world),
    log: silentLog,
    timing: world.timing,
    route53RequestsPerSecond: 1000,
    // The sync function's view of the zone (functions/sync.ts), with the default time: virtual time hardly moves in
    // a property run, so a container's view never expires and every other container's writes stay unseen by it, the
    // hardest case for the rules that keep a stale view safe (lib/engine/current-state.ts).
    cacheRoute53: options.cacheRoute53,
    env: {},
  });
}

export interface Message {
  id: string;
  body: string;
  taskArn: string;
  version: number;
  stopping: boolean;
  receives: number;
}

export interface TaskHandle {
  index: number;
  arn: string;
  id: string;
  spec: TaskSpec;
  family: FamilySpec;
  familyName: string;
  cluster: string;
  ipv4: string;
  ipv6?: string;
  eniId: string;
  hostPort: number;
}

export interface Container {
  name: string;
  deps: EngineDeps & { clients: AwsClients };
}

/** SQS gives up after this many receives and moves the message to the dead-letter queue (the template's value). */
export const MAX_RECEIVES = 5;

const STATUS_RANK = [
  'PROVISIONING',
  'PENDING',
  'ACTIVATING',
  'RUNNING',
  'DEACTIVATING',
  'STOPPING',
  'DEPROVISIONING',
  'STOPPED',
];

const hostIp = (cluster: number) => `10.9.${cluster}.1`;
const hostPublicIp = (cluster: number) => `203.0.113.${cluster + 1}`;
const hostInstanceId = (cluster: number) => `i-${(cluster + 1).toString(16).padStart(17, '0')}`;

export class Sim {
  readonly rng: () => number;
  readonly tasks: TaskHandle[] = [];
  readonly containers: Container[] = [];
  /** The SQS queue, head first. */
  queue: Message[] = [];
  readonly deadLetters: Message[] = [];
  readonly reports: { container: string; inputs: Message[]; report: BatchReport }[] = [];
  /** Every message ever enqueued (each copy), for replaying duplicates. */
  readonly delivered: Message[] = [];
  /** Called after each batch with its report. */
  afterBatch: (inputs: Message[], report: BatchReport) => void = () => {};
  private messageCounter = 0;
  private readonly familyArns: string[] = [];

  /** `world` fresh from freshWorld(). */
  constructor(
    readonly world: FakeWorld,
    readonly scenario: Scenario,
    /** The name policy every container and reconcile of this history runs under. */
    readonly namePolicy: NamePolicy = SHARE_ALL,
    /**
     * Whether the sync containers keep their view of the zone, as the sync function does (functions/sync.ts); the
     * reconciles (coldDeps) never do.
     */
    readonly cacheRoute53 = true,
  ) {
    this.rng = prng(scenario.seed);
    world.ecs.addCluster('batch');
    for (const [c] of CLUSTERS.entries()) {
      const ci = world.ecs.addContainerInstance({
        cluster: CLUSTERS[c],
        ec2InstanceId: hostInstanceId(c),
        id: `${c + 1}`.padStart(32, '0'),
      });
      world.ec2.addInstance({ instanceId: hostInstanceId(c), privateIp: hostIp(c), publicIp: hostPublicIp(c) });
      this.containerInstances.push(ci);
    }
    for (const [i, f] of scenario.families.entries()) this.familyArns.push(this.registerFamily(`fam${i}`, f));
    for (const [i, spec] of scenario.tasks.entries()) this.launch(i, spec);
    for (let i = 0; i < scenario.containers; i++) this.addContainer(`sync-${i}`);
  }

  private readonly containerInstances: string[] = [];

  addContainer(name: string): Container {
    const container = {
      name,
      deps: containerDeps(this.world, this.namePolicy, { cacheRoute53: this.cacheRoute53 }),
    };
    this.containers.push(container);
    return container;
  }

  /** A new Lambda container, not in the rotation: empty caches and ledger. */
  coldDeps(): EngineDeps & { clients: AwsClients } {
    return containerDeps(this.world, this.namePolicy);
  }

  private registerFamily(family: string, f: FamilySpec): string {
    const labels: Record<string, string> = { 'com.example.team': 'platform' };
    if (f.kind === 'bad-label') labels['ecs-registrar.name'] = `${f.name}.example.net.`;
    if (f.kind !== 'plain') {
      if (f.kind === 'opted-in') labels['ecs-registrar.name'] = f.name;
      if (f.zone === 'other') labels['ecs-registrar.zone'] = OTHER_ZONE_ID;
      if (f.records !== undefined) labels['ecs-registrar.records'] = f.records;
      if (f.ttl !== undefined) labels['ecs-registrar.ttl'] = String(f.ttl);
      if (f.cloudMap) labels['ecs-registrar.cloudmap-service'] = CLOUDMAP_SERVICE;
      if (f.attr !== undefined) labels['ecs-registrar.attr.team'] = f.attr;
      if (f.ip === 'public') labels['ecs-registrar.ip'] = 'public';
      if (f.health) labels['ecs-registrar.health'] = 'require-healthy';
    }
    return this.world.ecs.registerTaskDefinition({
      family,
      networkMode: f.mode,
      containerDefinitions: [
        {
          name: 'app',
          image: 'app:1',
          dockerLabels: labels,
          ...(f.health ? { healthCheck: { command: ['CMD-SHELL', 'curl -f http://localhost:8080/ || exit 1'] } } : {}),
          portMappings: [
            f.mode === 'bridge'
              ? { containerPort: 8080, hostPort: 0, protocol: 'tcp', name: 'http' }
              : { containerPort: 8080, protocol: 'tcp', name: 'http' },
          ],
        },
      ],
    }).taskDefinitionArn!;
  }

  private launch(index: number, spec: TaskSpec): void {
    const familyIndex = spec.family % this.scenario.families.length;
    const family = this.scenario.families[familyIndex]!;
    const cluster = CLUSTERS[spec.cluster % CLUSTERS.length]!;
    const ipv4 = `10.${spec.cluster}.0.${index + 10}`;
    const ipv6 =
      family.mode === 'awsvpc' && spec.ipv6 ? `2001:db8:${spec.cluster}::${(index + 10).toString(16)}` : undefined;
    const eniId = `eni-${(index + 1).toString(16).padStart(17, '0')}`;
    const hostPort = 32768 + index;
    if (family.mode === 'awsvpc') {
      this.world.ec2.addNetworkInterface({ eniId, privateIp: ipv4, publicIp: `198.51.100.${index + 10}` });
    }
    const arn = this.world.ecs.runTask({
      cluster,
      taskDefinition: this.familyArns[familyIndex]!,
      group: spec.service ? `service:svc-${familyIndex}` : undefined,
      networking:
        family.mode === 'awsvpc'
          ? { privateIpv4: ipv4, eniId, ...(ipv6 ? { ipv6 } : {}) }
          : {
              containerInstanceArn: this.containerInstances[spec.cluster % CLUSTERS.length]!,
              networkBindings: [{ containerPort: 8080, hostPort, protocol: 'tcp', bindIP: '0.0.0.0' }],
            },
    });
    this.tasks.push({
      index,
      arn,
      id: arn.split('/').pop()!,
      spec,
      family,
      familyName: `fam${familyIndex}`,
      cluster,
      ipv4,
      ...(ipv6 ? { ipv6 } : {}),
      eniId,
      hostPort,
    });
    if (spec.start === 'running') this.world.ecs.setStatus(arn, 'RUNNING');
    this.enqueueNewEvents();
  }

  status(task: TaskHandle): { lastStatus: string; desiredStatus: string; version: number; health: string } {
    const t = this.world.ecs.task(task.arn);
    const health = t.containers?.[0]?.healthStatus ?? 'UNKNOWN';
    return { lastStatus: t.lastStatus!, desiredStatus: t.desiredStatus!, version: t.version!, health };
  }

  /** Applies one generated ECS change (skipped when the lifecycle does not allow it) and enqueues its events. */
  ecs(taskIndex: number, op: EcsOp): void {
    const task = this.tasks[taskIndex % this.tasks.length]!;
    const { lastStatus, desiredStatus } = this.status(task);
    if (lastStatus === 'STOPPED') return;
    const ecs = this.world.ecs;
    switch (op) {
      case 'advance':
        ecs.advance(task.arn);
        break;
      case 'run':
        if (desiredStatus === 'RUNNING' && STATUS_RANK.indexOf(lastStatus) < STATUS_RANK.indexOf('RUNNING')) {
          ecs.setStatus(task.arn, 'RUNNING');
        }
        break;
      case 'stop':
        if (desiredStatus === 'RUNNING') ecs.stopTask(task.arn, { until: lastStatus as 'RUNNING' });
        break;
      case 'finish':
        ecs.stopTask(task.arn);
        break;
      case 'healthy':
      case 'unhealthy':
      case 'unknown':
        ecs.setHealth(task.arn, op.toUpperCase() as 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN');
        break;
    }
    this.enqueueNewEvents();
  }

  /** EventBridge -> SQS: each event may be lost, duplicated, or land a little out of order. */
  enqueueNewEvents(): void {
    const d = this.scenario.delivery;
    for (const event of this.world.ecs.takeEvents()) {
      if (this.rng() < d.loss) continue;
      const copies = this.rng() < d.duplicate ? 2 + Math.floor(this.rng() * 2) : 1;
      for (let c = 0; c < copies; c++) {
        const message: Message = {
          id: `m${++this.messageCounter}`,
          body: JSON.stringify(event),
          taskArn: event.detail.taskArn,
          version: event.detail.version,
          stopping:
            event.detail.desiredStatus === 'STOPPED' ||
            STATUS_RANK.indexOf(event.detail.lastStatus) > STATUS_RANK.indexOf('RUNNING'),
          receives: 0,
        };
        const back = Math.min(this.queue.length, Math.floor(this.rng() * (d.window + 1)));
        this.queue.splice(this.queue.length - back, 0, message);
        this.delivered.push(message);
      }
    }
  }

  /** One SQS batch to one container; retried items go back to the queue until the dead-letter queue takes them. */
  async deliver(size: number, containerIndex: number): Promise<BatchReport | undefined> {
    const batch = this.queue.splice(0, size);
    if (batch.length === 0) return undefined;
    const container = this.containers[containerIndex % this.containers.length]!;
    return this.process(batch, container);
  }

  async process(batch: Message[], container: Container): Promise<BatchReport> {
    for (const m of batch) m.receives += 1;
    const report = await processEventBatch(
      batch.map((m) => ({ id: m.id, body: m.body })),
      container.deps,
    );
    assertEveryInputHasOneVerdict(batch, report);
    for (const id of report.retry) {
      const m = batch.find((b) => b.id === id)!;
      if (m.receives >= MAX_RECEIVES) this.deadLetters.push(m);
      else this.queue.push(m);
    }
    this.reports.push({ container: container.name, inputs: batch, report });
    this.afterBatch(batch, report);
    return report;
  }

  /** Runs the generated steps, then drains the queue. */
  async run(): Promise<void> {
    for (const step of this.scenario.steps) {
      if (step.kind === 'ecs') this.ecs(step.task, step.op);
      else await this.deliver(step.size, step.container);
    }
    await this.drain();
  }

  async drain(): Promise<void> {
    let turn = 0;
    while (this.queue.length > 0) {
      if (turn > 10_000) throw new Error('the queue never drained');
      await this.deliver(10, turn++);
    }
  }

  /** Throttling and transient faults on every fake, with the scenario's probability. */
  injectFaults(): void {
    const p = this.scenario.delivery.faults;
    if (p <= 0) return;
    const transient = (name: string) =>
      Object.assign(new Error(`${name}: We encountered an internal error. Please try again.`), {
        name,
        $fault: 'server',
        $metadata: { httpStatusCode: 500 },
      });
    const coin = () => this.rng() < p;
    const half = () => this.rng() < 0.5;
    this.world.route53.injectFault((op) =>
      coin()
        ? half()
          ? route53Errors.throttling()
          : op === 'ChangeResourceRecordSets'
            ? route53Errors.priorRequestNotComplete()
            : transient('InternalFailure')
        : undefined,
    );
    this.world.ecs.injectFault(() => (coin() ? (half() ? ecsErrors.throttling() : ecsErrors.server()) : undefined));
    this.world.cloudMap.injectFault(() =>
      coin()
        ? half()
          ? cloudMapErrors.requestLimitExceeded()
          : cloudMapErrors.unmodelled('ServiceUnavailable', 'Service unavailable', 503)
        : undefined,
    );
    this.world.ec2.injectFault(() => (coin() ? ec2Errors.requestLimitExceeded() : undefined));
  }

  clearFaults(): void {
    for (const f of [this.world.route53, this.world.ecs, this.world.cloudMap, this.world.ec2]) f.clearFaults();
  }

  writeCalls(): number {
    return (
      this.world.route53.callCount('ChangeResourceRecordSets') +
      this.world.cloudMap.callCount('RegisterInstance') +
      this.world.cloudMap.callCount('DeregisterInstance')
    );
  }
}

function assertEveryInputHasOneVerdict(batch: Message[], report: BatchReport): void {
  const ids = report.items.map((i) => i.id).sort();
  const expected = batch.map((m) => m.id).sort();
  if (JSON.stringify(ids) !== JSON.stringify(expected)) {
    throw new Error(`verdicts ${JSON.stringify(ids)} do not match the batch ${JSON.stringify(expected)}`);
  }
}

// --- the oracle ---------------------------------------------------------------------------------------------------

export interface ExpectedRecord {
  zoneId: string;
  name: string;
  type: string;
  setIdentifier: string;
  ttl: number;
  values: string[];
}

export interface ExpectedInstance {
  id: string;
  attributes: Record<string, string>;
}

export interface Blocks {
  /** `zone|name|type` (type `*` for every type) where a foreign record keeps the registrar out. */
  records: Set<string>;
  /** Instance ids a foreign instance holds; `*` when ECS manages the service. */
  instances: Set<string>;
}

export const noBlocks = (): Blocks => ({ records: new Set(), instances: new Set() });

/**
 * What must be registered, computed from the fake ECS truth and the generated labels alone, following the README:
 * a task registers while RUNNING with desired status RUNNING; A/AAAA at `<name>.<zone>`; SRV at `_<name>._tcp.<zone>`
 * with `1 1 <port> <task-id>.<name>.<zone>.` plus that target's A/AAAA; multivalue with SetIdentifier
 * `ecs-registrar:<owner>:<task-id>`; the real host port in bridge mode; a Cloud Map instance with id = task id.
 */
export function expectedState(
  sim: Sim,
  blocks: Blocks = noBlocks(),
  registeredBefore: Registered = { records: new Set(), instances: new Set() },
): { records: ExpectedRecord[]; instances: ExpectedInstance[] } {
  const candidates: Candidate[] = [];
  for (const task of sim.tasks) {
    const f = task.family;
    const { lastStatus, desiredStatus, health } = sim.status(task);
    if (f.kind !== 'opted-in' || lastStatus !== 'RUNNING' || desiredStatus !== 'RUNNING') continue;
    const records: ExpectedRecord[] = [];
    const instances: ExpectedInstance[] = [];
    const zoneId = f.zone === 'other' ? OTHER_ZONE_ID : ZONE_ID;
    const domain = ZONES[zoneId];
    const fqdn = `${f.name}.${domain}`;
    const ttl = f.ttl ?? 60;
    const clusterIndex = task.spec.cluster % CLUSTERS.length;
    const ipv4 =
      f.mode === 'awsvpc'
        ? f.ip === 'public'
          ? `198.51.100.${task.index + 10}`
          : task.ipv4
        : f.ip === 'public'
          ? hostPublicIp(clusterIndex)
          : hostIp(clusterIndex);
    const ipv6 = f.mode === 'awsvpc' ? task.ipv6 : undefined;
    const port = f.mode === 'awsvpc' ? 8080 : task.hostPort;
    const kinds = new Set((f.records ?? 'A,AAAA,SRV').split(','));
    const setIdentifier = `${SET_ID_PREFIX}${task.id}:${REGION}/${CLUSTERS[clusterIndex]}`;
    const add = (name: string, type: string, value: string) => {
      if (blocks.records.has(`${zoneId}|${name}|${type}`) || blocks.records.has(`${zoneId}|${name}|*`)) return;
      records.push({ zoneId, name, type, setIdentifier, ttl, values: [value] });
    };
    const before = records.length;
    if (kinds.has('A')) add(fqdn, 'A', ipv4);
    if (kinds.has('AAAA') && ipv6) add(fqdn, 'AAAA', ipv6);
    if (kinds.has('SRV')) {
      const target = `${task.id}.${fqdn}`;
      add(`_${f.name}._tcp.${domain}`, 'SRV', `1 1 ${port} ${target}`);
      add(target, 'A', ipv4);
      if (ipv6) add(target, 'AAAA', ipv6);
    }
    // The task's claim on the name (issue 13), written only beside a record it claims for.
    const claimant = task.spec.service
      ? `service:${task.cluster}/svc-${task.spec.family % sim.scenario.families.length}`
      : `family:${task.cluster}/${task.familyName}`;
    if (records.length > before)
      records.push({
        zoneId,
        name: `${f.name}._ecs-registrar.${domain}`,
        type: 'TXT',
        setIdentifier,
        ttl,
        values: [`"heritage=ecs-registrar,owner=${OWNER},claimant=${claimant}"`],
      });
    if (f.cloudMap && !blocks.instances.has(task.id) && !blocks.instances.has('*')) {
      const attributes: Record<string, string> = {
        AWS_INSTANCE_IPV4: ipv4,
        AWS_INSTANCE_PORT: String(port),
        AVAILABILITY_ZONE: 'us-east-1a',
        ECS_CLUSTER_NAME: task.cluster,
        ECS_TASK_DEFINITION_FAMILY: task.familyName,
        ECS_REGISTRAR_OWNER: OWNER,
      };
      if (ipv6) attributes.AWS_INSTANCE_IPV6 = ipv6;
      if (task.spec.service) attributes.ECS_SERVICE_NAME = `svc-${task.spec.family % sim.scenario.families.length}`;
      if (f.attr !== undefined) attributes.team = f.attr;
      instances.push({ id: task.id, attributes });
    }
    const gate = !f.health
      ? 'healthy'
      : health === 'HEALTHY'
        ? 'healthy'
        : health === 'UNHEALTHY'
          ? 'unhealthy'
          : 'pending';
    candidates.push({ task, group: `${zoneId}|${fqdn}`, gate, records, instances });
  }
  return healthGate(candidates, registeredBefore);
}

/** Task ids with a serving record (not the claim TXT) and with a Cloud Map instance, before the final reconcile. */
export interface Registered {
  records: Set<string>;
  instances: Set<string>;
}

interface Candidate {
  task: TaskHandle;
  /** The registration's name: `zone|fqdn`. */
  group: string;
  gate: 'healthy' | 'unhealthy' | 'pending';
  records: ExpectedRecord[];
  instances: ExpectedInstance[];
}

/**
 * The README's health gate, applied by the oracle: a not-yet-healthy task keeps what it had and gets nothing new; an
 * unhealthy task is left out when its name (or Cloud Map service) keeps a task not known to be unhealthy, else every
 * unhealthy task of it stays (fail-open).
 */
function healthGate(
  candidates: Candidate[],
  before: Registered,
): { records: ExpectedRecord[]; instances: ExpectedInstance[] } {
  const serving = (c: Candidate) => c.records.some((r) => r.type !== 'TXT');
  const keptPending = (c: Candidate, kind: 'records' | 'instances') =>
    c.gate === 'pending' && before[kind].has(c.task.id);
  const survivors = new Set<string>();
  let instanceSurvivor = false;
  for (const c of candidates) {
    if ((c.gate === 'healthy' || keptPending(c, 'records')) && serving(c)) survivors.add(c.group);
    if ((c.gate === 'healthy' || keptPending(c, 'instances')) && c.instances.length > 0) instanceSurvivor = true;
  }
  const records: ExpectedRecord[] = [];
  const instances: ExpectedInstance[] = [];
  for (const c of candidates) {
    const keepRecords =
      c.gate === 'healthy' || keptPending(c, 'records') || (c.gate === 'unhealthy' && !survivors.has(c.group));
    const keepInstance =
      c.gate === 'healthy' || keptPending(c, 'instances') || (c.gate === 'unhealthy' && !instanceSurvivor);
    if (keepRecords) records.push(...c.records);
    if (keepInstance) instances.push(...c.instances);
  }
  return { records, instances };
}

/** What is registered now, as the oracle's `registeredBefore` reads it. */
export function registeredNow(world: FakeWorld): Registered {
  const records = new Set<string>();
  for (const z of ZONE_IDS) {
    for (const r of world.route53.records(z)) {
      if (isOwnedSetId(r.SetIdentifier) && r.Type !== 'TXT') records.add(markedTaskId(r.SetIdentifier));
    }
  }
  const instances = new Set<string>();
  for (const i of world.cloudMap.instances(CLOUDMAP_SERVICE)) {
    if (i.Attributes?.ECS_REGISTRAR_OWNER === OWNER && i.Id) instances.add(i.Id);
  }
  return { records, instances };
}

// --- normalised views -----------------------------------------------------------------------------------------------

const normValue = (type: string, v: string) => {
  if (type !== 'SRV') return v.toLowerCase();
  const parts = v.trim().split(/\s+/);
  const target = (parts[3] ?? '').toLowerCase();
  parts[3] = target.endsWith('.') ? target : `${target}.`;
  return parts.join(' ');
};

export const expectedRecordLine = (r: ExpectedRecord): string =>
  `${r.zoneId} ${r.name} ${r.type} ${r.setIdentifier} ttl=${r.ttl} multivalue [${r.values
    .map((v) => normValue(r.type, v))
    .sort()
    .join(' ')}]`;

export const recordLine = (zoneId: string, r: ResourceRecordSet): string =>
  `${zoneId} ${r.Name} ${r.Type} ${r.SetIdentifier ?? '-'} ttl=${r.TTL ?? '-'}${r.MultiValueAnswer ? ' multivalue' : ''} [${(
    r.ResourceRecords ?? []
  )
    .map((v) => normValue(r.Type ?? '', v.Value ?? ''))
    .sort()
    .join(' ')}]`;

export const instanceLine = (i: { Id?: string; Attributes?: Record<string, string> }): string =>
  `${i.Id} ${JSON.stringify(Object.fromEntries(Object.entries(i.Attributes ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))))}`;

export const ZONE_IDS = [ZONE_ID, OTHER_ZONE_ID];

/** The registrar's records (this owner's set identifiers) in every zone, normalised and sorted. */
export function ownedRecordLines(world: FakeWorld): string[] {
  return ZONE_IDS.flatMap((z) =>
    world.route53
      .records(z)
      .filter((r) => isOwnedSetId(r.SetIdentifier))
      .map((r) => recordLine(z, r)),
  ).sort();
}

export function ownedInstanceLines(world: FakeWorld): string[] {
  return world.cloudMap
    .instances(CLOUDMAP_SERVICE)
    .filter((i) => i.Attributes?.ECS_REGISTRAR_OWNER === OWNER)
    .map(instanceLine)
    .sort();
}

export function expectedLines(expected: ReturnType<typeof expectedState>): { records: string[]; instances: string[] } {
  return {
    records: expected.records.map(expectedRecordLine).sort(),
    instances: expected.instances.map((i) => instanceLine({ Id: i.id, Attributes: i.attributes })).sort(),
  };
}

/** Task ids whose records or instances exist, by this owner. */
export function registeredTaskIds(world: FakeWorld): Set<string> {
  const ids = new Set<string>();
  for (const z of ZONE_IDS) {
    for (const r of world.route53.records(z)) {
      if (isOwnedSetId(r.SetIdentifier)) ids.add(markedTaskId(r.SetIdentifier));
    }
  }
  for (const i of world.cloudMap.instances(CLOUDMAP_SERVICE)) {
    if (i.Attributes?.ECS_REGISTRAR_OWNER === OWNER && i.Id) ids.add(i.Id);
  }
  return ids;
}

// --- foreign entries (property 2) -----------------------------------------------------------------------------------

/**
 * Records and instances someone else owns, at the registrar's own names: other set identifiers at the same name and
 * type, other types, set identifiers that only look like the registrar's, and records that keep the registrar out
 * (a simple A where it wants multivalue A, a CNAME, a weighted A). Indexes into this catalogue are generated.
 */
export const FOREIGN_RECORDS = 11;
export const FOREIGN_INSTANCES = 5;

export interface ForeignSeeds {
  records: number[];
  instances: number[];
  /** The task whose id some foreign entries reuse. */
  task: number;
}

export const foreignSeedsArb: fc.Arbitrary<ForeignSeeds> = fc.record({
  records: fc.subarray(
    Array.from({ length: FOREIGN_RECORDS }, (_, i) => i),
    { minLength: 1 },
  ),
  instances: fc.subarray(Array.from({ length: FOREIGN_INSTANCES }, (_, i) => i)),
  task: fc.nat(5),
});

export function seedForeign(sim: Sim, seeds: ForeignSeeds): Blocks {
  const blocks = noBlocks();
  const taskId = sim.tasks[seeds.task % sim.tasks.length]!.id;
  const mv = (name: string, type: string, setId: string, value: string, ttl = 300): [string, ResourceRecordSet] => [
    ZONE_ID,
    {
      Name: name,
      Type: type as 'A',
      SetIdentifier: setId,
      MultiValueAnswer: true,
      TTL: ttl,
      ResourceRecords: [{ Value: value }],
    },
  ];
  const catalogue: (() => [string, ResourceRecordSet, string?])[] = [
    () => mv('web.example.com.', 'A', 'other-team-1', '192.0.2.10'),
    () => mv('web.example.com.', 'A', `ecs-registrar:other-owner:${taskId}`, '192.0.2.11', 60),
    () => [
      ZONE_ID,
      { Name: 'web.example.com.', Type: 'TXT', TTL: 300, ResourceRecords: [{ Value: '"owned by the web team"' }] },
    ],
    () => mv('_web._tcp.example.com.', 'SRV', 'legacy-srv', '1 1 80 legacy.example.com.'),
    () => mv(`${taskId}.web.example.com.`, 'AAAA', 'other-team-v6', '2001:db8::99'),
    () => mv('db.example.com.', 'A', `ecs-registrar:${OWNER}`, '192.0.2.12'),
    () => mv('db.example.com.', 'A', `ecs-registrar:${OWNER.toUpperCase()}:${taskId}`, '192.0.2.13'),
    () => [OTHER_ZONE_ID, mv('api.example.org.', 'A', `ecs-registrar:${OWNER}:${taskId}:x`, '192.0.2.14')[1]],
    () => [ZONE_ID, { Name: 'api.example.com.', Type: 'A', TTL: 300, ResourceRecords: [{ Value: '192.0.2.15' }] }, 'A'],
    () => [
      OTHER_ZONE_ID,
      { Name: 'db.example.org.', Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: 'elsewhere.example.net.' }] },
      '*',
    ],
    () => [
      OTHER_ZONE_ID,
      {
        Name: 'web.example.org.',
        Type: 'A',
        SetIdentifier: 'blue',
        Weight: 10,
        TTL: 60,
        ResourceRecords: [{ Value: '192.0.2.16' }],
      },
      'A',
    ],
  ];
  for (const i of seeds.records) {
    const [zoneId, record, block] = catalogue[i]!();
    sim.world.route53.putRecordDirect(zoneId, record);
    if (block) blocks.records.add(`${zoneId}|${record.Name}|${block}`);
  }
  const instances: [{ Id: string; Attributes: Record<string, string> }, string?][] = [
    [{ Id: 'legacy-1', Attributes: { AWS_INSTANCE_IPV4: '192.0.2.50', team: 'legacy' } }],
    [{ Id: 'other-owner-1', Attributes: { AWS_INSTANCE_IPV4: '192.0.2.51', ECS_REGISTRAR_OWNER: 'other-owner' } }],
    [{ Id: taskId, Attributes: { AWS_INSTANCE_IPV4: '192.0.2.52' } }, taskId],
    [
      {
        Id: 'ecs-managed-1',
        Attributes: { AWS_INSTANCE_IPV4: '192.0.2.53', ECS_CLUSTER_NAME: 'prod', ECS_SERVICE_NAME: 'x' },
      },
      '*',
    ],
    [{ Id: 'lookalike-1', Attributes: { AWS_INSTANCE_IPV4: '192.0.2.54', ECS_REGISTRAR_OWNER: OWNER.toUpperCase() } }],
  ];
  for (const i of seeds.instances) {
    const [instance, block] = instances[i]!;
    sim.world.cloudMap.putInstanceDirect(CLOUDMAP_SERVICE, instance);
    if (block) blocks.instances.add(block);
  }
  return blocks;
}

/** Everything this owner did not write, byte for byte (JSON of the fakes' canonical snapshots). */
export function foreignSnapshot(world: FakeWorld): string {
  const records = ZONE_IDS.map((z) => world.route53.snapshot(z).filter((r) => !isOwnedSetId(r.SetIdentifier)));
  const instances = world.cloudMap
    .snapshot()
    [CLOUDMAP_SERVICE]!.filter((i) => i.Attributes?.ECS_REGISTRAR_OWNER !== OWNER);
  return JSON.stringify({ records, instances }, null, 1);
}

// --- concurrency (property 5) ---------------------------------------------------------------------------------------

/** Who made each call in flight: set synchronously around the fake call, which runs its effect synchronously. */
export interface WriteLog {
  /** Last successful write per record or instance key: which actor, in which order (calls run atomically in order). */
  last: Map<string, { seq: number; actor: string; action: string }>;
  current: string | undefined;
  seq: number;
}

/** Records every successful Route 53 change and Cloud Map registration with the actor that made it. */
export function trackWriters(world: FakeWorld): WriteLog {
  const log: WriteLog = { last: new Map(), current: undefined, seq: 0 };
  const note = (key: string, seq: number, actor: string, action: string) => {
    const prev = log.last.get(key);
    if (!prev || prev.seq < seq) log.last.set(key, { seq, actor, action });
  };
  const route53 = world.route53;
  const change = route53.changeResourceRecordSets.bind(route53);
  route53.changeResourceRecordSets = (input) => {
    const seq = ++log.seq;
    const actor = log.current ?? 'sync (redelivery)';
    const out = change(input);
    out.then(
      () => {
        for (const c of input.ChangeBatch?.Changes ?? []) {
          const r = c.ResourceRecordSet;
          note(recordWriteKey(r?.Name ?? '', r?.Type ?? '', r?.SetIdentifier), seq, actor, c.Action ?? '');
        }
      },
      () => undefined,
    );
    return out;
  };
  const cloudMap = world.cloudMap;
  for (const op of ['registerInstance', 'deregisterInstance'] as const) {
    const call = cloudMap[op].bind(cloudMap) as (i: { InstanceId?: string }) => Promise<unknown>;
    const wrapped = (input: { InstanceId?: string }) => {
      const seq = ++log.seq;
      const actor = log.current ?? 'sync (redelivery)';
      const out = call(input);
      out.then(
        () => note(`cloudmap|${input.InstanceId}`, seq, actor, op),
        () => undefined,
      );
      return out;
    };
    (cloudMap as unknown as Record<string, unknown>)[op] = wrapped;
  }
  return log;
}

export const recordWriteKey = (name: string, type: string, setId: string | undefined) =>
  `route53|${name.toLowerCase().replace(/\.?$/, '.')}|${type}|${setId ?? ''}`;

interface Sendable {
  send(command: object): Promise<unknown>;
}

/**
 * Routes every AWS call of one actor (a Lambda container or the reconciler) through fast-check's scheduler, so the
 * scheduler decides the order in which the calls of all actors reach AWS: every interleaving at the await points.
 * `latency()` extra scheduler steps before a call model its network and service time (a call that takes longer lets
 * the other actors make more progress meanwhile).
 */
export function scheduleCalls(
  clients: AwsClients,
  s: fc.Scheduler,
  actor: string,
  log: WriteLog,
  latency: () => number = () => 0,
): () => void {
  let on = true;
  for (const key of ['ecs', 'route53', 'serviceDiscovery', 'ec2', 'elbv2'] as const) {
    const client = clients[key] as unknown as Sendable;
    const send = client.send.bind(client);
    client.send = async (command: object) => {
      if (!on) return send(command);
      const name = `${actor} ${command.constructor.name.replace(/Command$/, '')}`;
      for (let i = latency(); i > 0; i--) await s.schedule(Promise.resolve(`${name} (in flight)`));
      await s.schedule(Promise.resolve(name));
      log.current = actor;
      try {
        return send(command);
      } finally {
        log.current = undefined;
      }
    };
  }
  return () => {
    on = false;
  };
}
