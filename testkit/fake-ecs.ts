// In-memory Amazon ECS for the registrar's read paths (aws-facts.md §1.2 and §2): clusters, task definitions,
// services, container instances and tasks that walk the real lifecycle, emitting one `ECS Task State Change`
// EventBridge event per change with a strictly increasing `detail.version`.

import {
  type Attachment,
  type Container,
  type ContainerInstance,
  DescribeClustersCommand,
  type DescribeClustersCommandInput,
  type DescribeClustersCommandOutput,
  DescribeContainerInstancesCommand,
  type DescribeContainerInstancesCommandInput,
  type DescribeContainerInstancesCommandOutput,
  DescribeServicesCommand,
  type DescribeServicesCommandInput,
  type DescribeServicesCommandOutput,
  DescribeTaskDefinitionCommand,
  type DescribeTaskDefinitionCommandInput,
  type DescribeTaskDefinitionCommandOutput,
  DescribeTasksCommand,
  type DescribeTasksCommandInput,
  type DescribeTasksCommandOutput,
  type ECSClient,
  type Failure,
  type LaunchType,
  ListClustersCommand,
  type ListClustersCommandInput,
  type ListClustersCommandOutput,
  ListServicesCommand,
  type ListServicesCommandInput,
  type ListServicesCommandOutput,
  ListTagsForResourceCommand,
  type ListTagsForResourceCommandInput,
  type ListTagsForResourceCommandOutput,
  ListTasksCommand,
  type ListTasksCommandInput,
  type ListTasksCommandOutput,
  type LoadBalancer,
  type NetworkBinding,
  type NetworkConfiguration,
  type RegisterTaskDefinitionCommandInput,
  type Service,
  type ServiceRegistry,
  type Tag,
  type Task,
  type TaskDefinition,
  type TaskStopCode,
} from '@aws-sdk/client-ecs';
import type { EventBridgeEvent } from 'aws-lambda';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { ecsErrors } from './aws-errors';
import { compareAscii, deepCopy, FakeService, IdSource, pageAfter, steppingClock } from './fake-base';

export const TASK_LIFECYCLE = [
  'PROVISIONING',
  'PENDING',
  'ACTIVATING',
  'RUNNING',
  'DEACTIVATING',
  'STOPPING',
  'DEPROVISIONING',
  'STOPPED',
] as const;
export type TaskLastStatus = (typeof TASK_LIFECYCLE)[number];
const rank = (s: string) => TASK_LIFECYCLE.indexOf(s as TaskLastStatus);
const RUNNING_RANK = rank('RUNNING');

// --- the EventBridge event, as delivered (ISO-8601 strings, `eni` attachments) -------------------------------------

export interface EcsEventAttachment {
  id: string;
  type: string;
  status: string;
  details: { name: string; value: string }[];
}

export interface EcsEventContainer {
  containerArn: string;
  lastStatus: string;
  name: string;
  image?: string;
  taskArn: string;
  exitCode?: number;
  networkBindings?: NetworkBinding[];
  networkInterfaces: { attachmentId: string; privateIpv4Address?: string; ipv6Address?: string }[];
  cpu?: string;
  memory?: string;
}

export interface EcsTaskStateChangeDetail {
  attachments: EcsEventAttachment[];
  attributes: { name: string; value: string }[];
  availabilityZone: string;
  capacityProviderName?: string;
  clusterArn: string;
  connectivity: string;
  connectivityAt: string;
  containerInstanceArn?: string;
  containers: EcsEventContainer[];
  cpu?: string;
  memory?: string;
  createdAt: string;
  desiredStatus: string;
  group: string;
  startedBy?: string;
  launchType: string;
  lastStatus: string;
  overrides: { containerOverrides: { name: string }[] };
  platformVersion?: string;
  pullStartedAt?: string;
  pullStoppedAt?: string;
  startedAt?: string;
  stoppingAt?: string;
  executionStoppedAt?: string;
  stoppedAt?: string;
  stopCode?: string;
  stoppedReason?: string;
  taskArn: string;
  taskDefinitionArn: string;
  updatedAt: string;
  version: number;
}

export type EcsTaskStateChangeEvent = EventBridgeEvent<'ECS Task State Change', EcsTaskStateChangeDetail>;

/** The fields of an `ECS Container Instance State Change` detail the registrar reads (aws-facts.md §1.1). */
export interface EcsContainerInstanceStateChangeDetail {
  agentConnected: boolean;
  clusterArn: string;
  containerInstanceArn: string;
  ec2InstanceId: string;
  registeredAt: string;
  status: string;
  updatedAt: string;
  version: number;
}
export type ContainerInstanceStateChangeEvent = EventBridgeEvent<
  'ECS Container Instance State Change',
  EcsContainerInstanceStateChangeDetail
>;

// --- test-side inputs ----------------------------------------------------------------------------------------------

export interface FakeEcsOptions {
  region?: string;
  accountId?: string;
  /** `long` (default): `task/<cluster>/<id>`; `short`: the old `task/<id>` format for tasks, services, instances. */
  arnFormat?: 'long' | 'short';
  seed?: number;
  clock?: () => Date;
}

export interface FakeEcsServiceInput {
  cluster?: string;
  name: string;
  taskDefinition?: string;
  tags?: Tag[];
  loadBalancers?: LoadBalancer[];
  serviceRegistries?: ServiceRegistry[];
  desiredCount?: number;
  launchType?: LaunchType;
  networkConfiguration?: NetworkConfiguration;
}

export type FakeTaskNetworking =
  /** awsvpc: the task's own ENI (add containerInstanceArn for awsvpc on EC2). */
  | { privateIpv4: string; ipv6?: string; eniId?: string; subnetId?: string; containerInstanceArn?: string }
  /** bridge/host on EC2: bindings go to the named container, or the first one. */
  | { containerInstanceArn: string; networkBindings?: (NetworkBinding & { containerName?: string })[] };

export interface FakeRunTaskInput {
  cluster?: string;
  taskDefinition: string;
  /** `service:NAME` for service tasks; defaults to `family:FAMILY`. */
  group?: string;
  /** Defaults to the service's deployment id for `service:` groups. */
  startedBy?: string;
  networking?: FakeTaskNetworking;
  launchType?: LaunchType;
  tags?: Tag[];
  availabilityZone?: string;
}

interface ClusterState {
  name: string;
  arn: string;
}

interface ServiceState {
  cluster: string;
  name: string;
  arn: string;
  status: 'ACTIVE' | 'INACTIVE';
  deploymentId: string;
  createdAt: Date;
  input: FakeEcsServiceInput;
}

interface ContainerInstanceState {
  cluster: string;
  id: string;
  arn: string;
  ec2InstanceId: string;
  registeredAt: Date;
  status: 'ACTIVE' | 'DRAINING';
  version: number;
}

interface TaskState {
  id: string;
  arn: string;
  cluster: string;
  definition: TaskDefinition;
  group: string;
  startedBy?: string;
  launchType: LaunchType;
  availabilityZone: string;
  lastStatus: TaskLastStatus;
  desiredStatus: 'RUNNING' | 'STOPPED';
  version: number;
  times: Partial<
    Record<
      | 'createdAt'
      | 'pullStartedAt'
      | 'pullStoppedAt'
      | 'startedAt'
      | 'stoppingAt'
      | 'executionStoppedAt'
      | 'stoppedAt'
      | 'updatedAt',
      Date
    >
  >;
  stopCode?: TaskStopCode;
  stoppedReason?: string;
  eni?: { attachmentId: string; eniId: string; subnetId: string; mac: string; privateIpv4: string; ipv6?: string };
  containerInstanceArn?: string;
  bindings: Map<string, NetworkBinding[]>;
  containers: { name: string; image?: string; arn: string }[];
  tags: Tag[];
  /** Container health as DescribeTasks reports it (UNKNOWN when not set: no health check, or not passed yet). */
  health: Map<string, HealthStatus>;
}

type HealthStatus = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';

/** Task health from its containers' (ECS builds it from the essential ones; every container is essential here). */
function taskHealth(task: TaskState): HealthStatus {
  const all = task.containers.map((c) => task.health.get(c.name) ?? 'UNKNOWN');
  if (all.includes('UNHEALTHY')) return 'UNHEALTHY';
  return all.length > 0 && all.every((h) => h === 'HEALTHY') ? 'HEALTHY' : 'UNKNOWN';
}

function lastSegment(ref: string): string {
  return ref.slice(ref.lastIndexOf('/') + 1);
}

function iso(d: Date | undefined): string | undefined {
  return d?.toISOString();
}

/** SDK outputs omit absent members rather than carrying `undefined`. */
function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export class FakeEcs extends FakeService {
  readonly events: EcsTaskStateChangeEvent[] = [];
  readonly #region: string;
  readonly #account: string;
  readonly #long: boolean;
  readonly #ids: IdSource;
  readonly #clock: () => Date;
  readonly #clusters = new Map<string, ClusterState>();
  readonly #families = new Map<string, { definition: TaskDefinition; tags: Tag[] }[]>();
  readonly #services = new Map<string, ServiceState>();
  readonly #containerInstances = new Map<string, ContainerInstanceState>();
  readonly #tasks = new Map<string, TaskState>();

  constructor(options: FakeEcsOptions = {}) {
    super('ecs');
    this.#region = options.region ?? 'us-east-1';
    this.#account = options.accountId ?? '123456789012';
    this.#long = (options.arnFormat ?? 'long') === 'long';
    this.#ids = new IdSource(options.seed ?? 1);
    this.#clock = options.clock ?? steppingClock();
  }

  // --- test set-up ------------------------------------------------------------------------------------------------

  addCluster(name: string): string {
    const existing = this.#clusters.get(name);
    if (existing) return existing.arn;
    const arn = `${this.#arnPrefix()}:cluster/${name}`;
    this.#clusters.set(name, { name, arn });
    return arn;
  }

  registerTaskDefinition(input: RegisterTaskDefinitionCommandInput): TaskDefinition {
    const family = input.family ?? '';
    const revisions = this.#families.get(family) ?? [];
    const revision = revisions.length + 1;
    const networkMode = input.networkMode ?? 'bridge';
    const definition: TaskDefinition = {
      taskDefinitionArn: `${this.#arnPrefix()}:task-definition/${family}:${revision}`,
      family,
      revision,
      networkMode,
      containerDefinitions: deepCopy(input.containerDefinitions ?? []),
      status: 'ACTIVE',
      requiresCompatibilities: input.requiresCompatibilities ?? (networkMode === 'awsvpc' ? ['FARGATE'] : ['EC2']),
      compatibilities: networkMode === 'awsvpc' ? ['EC2', 'FARGATE'] : ['EC2'],
      registeredAt: this.#clock(),
      ...(input.cpu !== undefined ? { cpu: input.cpu } : {}),
      ...(input.memory !== undefined ? { memory: input.memory } : {}),
    };
    revisions.push({ definition, tags: deepCopy(input.tags ?? []) });
    this.#families.set(family, revisions);
    return deepCopy(definition);
  }

  deregisterTaskDefinition(ref: string): void {
    const entry = this.#findDefinition(ref);
    if (!entry) throw new Error(`FakeEcs: no task definition ${ref}`);
    entry.definition.status = 'INACTIVE';
  }

  createService(input: FakeEcsServiceInput): string {
    const cluster = input.cluster ?? 'default';
    this.addCluster(cluster);
    const arn = this.#serviceArn(cluster, input.name);
    const definition = input.taskDefinition ? this.#findDefinition(input.taskDefinition)?.definition : undefined;
    this.#services.set(`${cluster}/${input.name}`, {
      cluster,
      name: input.name,
      arn,
      status: 'ACTIVE',
      deploymentId: `ecs-svc/${this.#ids.digits(19)}`,
      createdAt: this.#clock(),
      input: deepCopy({ ...input, taskDefinition: definition?.taskDefinitionArn ?? input.taskDefinition }),
    });
    return arn;
  }

  /** DeleteService: the service turns INACTIVE, leaves ListServices and still answers DescribeServices. */
  deleteService(cluster: string, name: string): void {
    const service = this.#services.get(`${cluster}/${name}`);
    if (!service) throw new Error(`FakeEcs: no service ${cluster}/${name}`);
    service.status = 'INACTIVE';
  }

  addContainerInstance(input: { cluster?: string; ec2InstanceId: string; id?: string }): string {
    const cluster = input.cluster ?? 'default';
    this.addCluster(cluster);
    const id = input.id ?? this.#ids.hex(32);
    const arn = `${this.#arnPrefix()}:container-instance/${this.#long ? `${cluster}/` : ''}${id}`;
    this.#containerInstances.set(id, {
      cluster,
      id,
      arn,
      ec2InstanceId: input.ec2InstanceId,
      registeredAt: this.#clock(),
      status: 'ACTIVE',
      version: 1,
    });
    return arn;
  }

  /**
   * UpdateContainerInstancesState: DRAINING (or back to ACTIVE). Returns the `ECS Container Instance State Change`
   * event ECS sends for it (aws-facts.md §1.1: container-instance events carry `detail.version`).
   */
  setContainerInstanceStatus(arn: string, status: 'ACTIVE' | 'DRAINING'): ContainerInstanceStateChangeEvent {
    const ci = this.#containerInstances.get(lastSegment(arn));
    if (!ci) throw new Error(`FakeEcs: no container instance ${arn}`);
    if (ci.status !== status) ci.version += 1;
    ci.status = status;
    const time = this.#clock().toISOString();
    return {
      version: '0',
      id: this.#ids.uuid(),
      'detail-type': 'ECS Container Instance State Change',
      source: 'aws.ecs',
      account: this.#account,
      time,
      region: this.#region,
      resources: [ci.arn],
      detail: {
        agentConnected: true,
        clusterArn: this.#clusters.get(ci.cluster)?.arn ?? '',
        containerInstanceArn: ci.arn,
        ec2InstanceId: ci.ec2InstanceId,
        registeredAt: ci.registeredAt.toISOString(),
        status: ci.status,
        updatedAt: time,
        version: ci.version,
      },
    };
  }

  /**
   * Starts a task at the first status of its path (PROVISIONING for awsvpc, PENDING otherwise: only awsvpc tasks
   * provision an ENI) with version 1, and emits its first event. Returns the task ARN.
   */
  runTask(input: FakeRunTaskInput): string {
    const cluster = input.cluster ?? 'default';
    this.addCluster(cluster);
    const entry = this.#findDefinition(input.taskDefinition);
    if (!entry) throw new Error(`FakeEcs: no task definition ${input.taskDefinition}`);
    const definition = entry.definition;
    const awsvpc = definition.networkMode === 'awsvpc';
    const net = input.networking;
    if (awsvpc !== (net !== undefined && 'privateIpv4' in net)) {
      throw new Error(
        `FakeEcs: ${definition.networkMode} tasks need ${awsvpc ? 'ENI' : 'container-instance'} networking`,
      );
    }
    const id = this.#ids.hex(32);
    const arn = `${this.#arnPrefix()}:task/${this.#long ? `${cluster}/` : ''}${id}`;
    const group = input.group ?? `family:${definition.family}`;
    const service = group.startsWith('service:') ? this.#services.get(`${cluster}/${group.slice(8)}`) : undefined;
    const startedBy = input.startedBy ?? service?.deploymentId;
    const containerInstanceArn = net?.containerInstanceArn;
    const containers = (definition.containerDefinitions ?? []).map((c) => ({
      name: c.name ?? '',
      ...(c.image !== undefined ? { image: c.image } : {}),
      arn: `${this.#arnPrefix()}:container/${this.#long ? `${cluster}/${id}/` : ''}${this.#ids.uuid()}`,
    }));
    const bindings = new Map<string, NetworkBinding[]>();
    if (net && 'networkBindings' in net) {
      for (const { containerName, ...binding } of net.networkBindings ?? []) {
        const name = containerName ?? containers[0]?.name ?? '';
        bindings.set(name, [...(bindings.get(name) ?? []), binding]);
      }
    }
    const now = this.#clock();
    const task: TaskState = {
      id,
      arn,
      cluster,
      definition,
      group,
      launchType: input.launchType ?? (containerInstanceArn ? 'EC2' : 'FARGATE'),
      availabilityZone: input.availabilityZone ?? `${this.#region}a`,
      lastStatus: awsvpc ? 'PROVISIONING' : 'PENDING',
      desiredStatus: 'RUNNING',
      version: 1,
      times: { createdAt: now, updatedAt: now },
      bindings,
      containers,
      tags: deepCopy(input.tags ?? []),
      health: new Map(),
      ...(startedBy !== undefined ? { startedBy } : {}),
      ...(containerInstanceArn !== undefined ? { containerInstanceArn } : {}),
    };
    if (net && 'privateIpv4' in net) {
      task.eni = {
        attachmentId: this.#ids.uuid(),
        eniId: net.eniId ?? `eni-${this.#ids.hex(17)}`,
        subnetId: net.subnetId ?? `subnet-${this.#ids.hex(17)}`,
        mac: this.#ids.hex(12).replace(/(..)(?!$)/g, '$1:'),
        privateIpv4: net.privateIpv4,
        ...(net.ipv6 !== undefined ? { ipv6: net.ipv6 } : {}),
      };
    }
    this.#tasks.set(id, task);
    this.#emit(task);
    return arn;
  }

  /** Moves the task to the next status of its lifecycle (a task asked to stop before RUNNING goes to STOPPING). */
  advance(taskArn: string): void {
    const task = this.#task(taskArn);
    const next = this.#nextStatus(task);
    if (!next) throw new Error(`FakeEcs: task ${taskArn} is already STOPPED`);
    this.setStatus(taskArn, next);
  }

  /** Jumps forward to `lastStatus` (never backwards) in one change: one version increment, one event. */
  setStatus(taskArn: string, lastStatus: TaskLastStatus, desiredStatus?: 'RUNNING' | 'STOPPED'): void {
    const task = this.#task(taskArn);
    if (rank(lastStatus) < rank(task.lastStatus)) {
      throw new Error(`FakeEcs: ${task.lastStatus} -> ${lastStatus} goes backwards`);
    }
    if (task.desiredStatus === 'STOPPED' && desiredStatus === 'RUNNING') {
      throw new Error('FakeEcs: a task asked to stop cannot be asked to run again');
    }
    const desired = rank(lastStatus) > RUNNING_RANK ? 'STOPPED' : (desiredStatus ?? task.desiredStatus);
    if (lastStatus === task.lastStatus && desired === task.desiredStatus) return;
    const now = this.#clock();
    if (desired === 'STOPPED' && task.desiredStatus !== 'STOPPED') this.#markStopping(task, now);
    const from = rank(task.lastStatus);
    const to = rank(lastStatus);
    const reached = (s: TaskLastStatus) => from < rank(s) && to >= rank(s);
    if (reached('PENDING')) task.times.pullStartedAt ??= now;
    if (reached('ACTIVATING') || reached('RUNNING')) {
      task.times.pullStartedAt ??= now;
      task.times.pullStoppedAt ??= now;
    }
    if (reached('RUNNING')) task.times.startedAt ??= now;
    if (reached('DEPROVISIONING') || reached('STOPPED')) task.times.executionStoppedAt ??= now;
    if (reached('STOPPED')) task.times.stoppedAt = now;
    task.lastStatus = lastStatus;
    task.desiredStatus = desired;
    task.times.updatedAt = now;
    task.version += 1;
    this.#emit(task);
  }

  /**
   * A container's health check result (default: the first container). ECS bumps the task's version and sends a Task
   * State Change event for it, which does not carry the health (aws-facts.md §1.2: DescribeTasks does); `emit: false`
   * models a transition whose event was lost. Unchanged health is a no-op.
   */
  setHealth(taskArn: string, status: HealthStatus, options: { container?: string; emit?: boolean } = {}): void {
    const task = this.#task(taskArn);
    const name = options.container ?? task.containers[0]?.name ?? '';
    if (!task.containers.some((c) => c.name === name))
      throw new Error(`FakeEcs: task ${taskArn} has no container ${name}`);
    if ((task.health.get(name) ?? 'UNKNOWN') === status) return;
    task.health.set(name, status);
    task.version += 1;
    task.times.updatedAt = this.#clock();
    if (options.emit ?? true) this.#emit(task);
  }

  /**
   * StopTask: desiredStatus turns STOPPED first (its own event, lastStatus unchanged), then the task advances
   * until `until` (default STOPPED), one event per status.
   */
  stopTask(taskArn: string, options: { reason?: string; stopCode?: TaskStopCode; until?: TaskLastStatus } = {}): void {
    const task = this.#task(taskArn);
    if (task.desiredStatus !== 'STOPPED') {
      task.stopCode =
        options.stopCode ?? (task.group.startsWith('service:') ? 'ServiceSchedulerInitiated' : 'UserInitiated');
      task.stoppedReason =
        options.reason ??
        (task.startedBy?.startsWith('ecs-svc/')
          ? `Scaling activity initiated by (deployment ${task.startedBy})`
          : 'Task stopped by user');
      this.setStatus(taskArn, task.lastStatus, 'STOPPED');
    }
    const until = options.until ?? 'STOPPED';
    for (
      let next = this.#nextStatus(task);
      next && rank(task.lastStatus) < rank(until);
      next = this.#nextStatus(task)
    ) {
      this.setStatus(taskArn, next);
    }
  }

  /** The task as DescribeTasks returns it (with tags). */
  task(taskArn: string): Task {
    return this.#apiTask(this.#task(taskArn), true);
  }

  /** Returns the events emitted since the last call and forgets them (for feeding a handler in order or shuffled). */
  takeEvents(): EcsTaskStateChangeEvent[] {
    return this.events.splice(0);
  }

  /** Stopped tasks stay visible (DescribeTasks, ListTasks desiredStatus=STOPPED) until this is called. */
  forgetStoppedTasks(): void {
    for (const [id, task] of this.#tasks) if (task.lastStatus === 'STOPPED') this.#tasks.delete(id);
  }

  install(mock: AwsClientStub<ECSClient>): void {
    this.rejectUnsupported(mock);
    mock.on(ListClustersCommand).callsFake((i: ListClustersCommandInput) => this.listClusters(i));
    mock.on(DescribeClustersCommand).callsFake((i: DescribeClustersCommandInput) => this.describeClusters(i));
    mock
      .on(DescribeTaskDefinitionCommand)
      .callsFake((i: DescribeTaskDefinitionCommandInput) => this.describeTaskDefinition(i));
    mock.on(ListServicesCommand).callsFake((i: ListServicesCommandInput) => this.listServices(i));
    mock.on(DescribeServicesCommand).callsFake((i: DescribeServicesCommandInput) => this.describeServices(i));
    mock
      .on(DescribeContainerInstancesCommand)
      .callsFake((i: DescribeContainerInstancesCommandInput) => this.describeContainerInstances(i));
    mock.on(DescribeTasksCommand).callsFake((i: DescribeTasksCommandInput) => this.describeTasks(i));
    mock.on(ListTasksCommand).callsFake((i: ListTasksCommandInput) => this.listTasks(i));
    mock.on(ListTagsForResourceCommand).callsFake((i: ListTagsForResourceCommandInput) => this.listTagsForResource(i));
  }

  // --- API --------------------------------------------------------------------------------------------------------

  listClusters(input: ListClustersCommandInput): Promise<ListClustersCommandOutput> {
    return this.invoke('ListClusters', input, (i) => {
      const arns = [...this.#clusters.values()].map((c) => c.arn).sort(compareAscii);
      const page = pageAfter(
        arns,
        (a) => a,
        i.nextToken,
        this.#maxResults(i.maxResults, 100),
        () => ecsErrors.invalidParameter('Invalid nextToken'),
      );
      return { clusterArns: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
    });
  }

  describeClusters(input: DescribeClustersCommandInput): Promise<DescribeClustersCommandOutput> {
    return this.invoke('DescribeClusters', input, (i) => {
      const refs = i.clusters ?? ['default'];
      if (refs.length > 100) throw ecsErrors.invalidParameter('clusters can have at most 100 items.');
      const failures: Failure[] = [];
      const clusters = refs.flatMap((ref) => {
        const cluster = this.#clusters.get(lastSegment(ref));
        if (!cluster) {
          failures.push({ arn: `${this.#arnPrefix()}:cluster/${lastSegment(ref)}`, reason: 'MISSING' });
          return [];
        }
        const tasks = [...this.#tasks.values()].filter((t) => t.cluster === cluster.name);
        return [
          {
            clusterArn: cluster.arn,
            clusterName: cluster.name,
            status: 'ACTIVE',
            runningTasksCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
            pendingTasksCount: tasks.filter((t) => rank(t.lastStatus) < RUNNING_RANK).length,
            activeServicesCount: [...this.#services.values()].filter(
              (s) => s.cluster === cluster.name && s.status === 'ACTIVE',
            ).length,
            registeredContainerInstancesCount: [...this.#containerInstances.values()].filter(
              (c) => c.cluster === cluster.name,
            ).length,
          },
        ];
      });
      return { clusters, failures };
    });
  }

  describeTaskDefinition(input: DescribeTaskDefinitionCommandInput): Promise<DescribeTaskDefinitionCommandOutput> {
    return this.invoke('DescribeTaskDefinition', input, (i) => {
      const entry = this.#findDefinition(i.taskDefinition ?? '');
      if (!entry) throw ecsErrors.client('Unable to describe task definition.');
      // Tags live at the top level of the response, not inside taskDefinition.
      return { taskDefinition: entry.definition, ...(i.include?.includes('TAGS') ? { tags: entry.tags } : {}) };
    });
  }

  listServices(input: ListServicesCommandInput): Promise<ListServicesCommandOutput> {
    return this.invoke('ListServices', input, (i) => {
      const cluster = this.#requireCluster(i.cluster);
      const arns = [...this.#services.values()]
        .filter((s) => s.cluster === cluster.name && s.status === 'ACTIVE')
        .filter((s) => i.launchType === undefined || (s.input.launchType ?? 'FARGATE') === i.launchType)
        .map((s) => s.arn)
        .sort(compareAscii);
      // The default page is 10, not 100 (aws-facts.md §2).
      const page = pageAfter(
        arns,
        (a) => a,
        i.nextToken,
        this.#maxResults(i.maxResults, 10),
        () => ecsErrors.invalidParameter('Invalid nextToken'),
      );
      return { serviceArns: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
    });
  }

  describeServices(input: DescribeServicesCommandInput): Promise<DescribeServicesCommandOutput> {
    return this.invoke('DescribeServices', input, (i) => {
      const cluster = this.#requireCluster(i.cluster);
      const refs = i.services ?? [];
      if (refs.length === 0) throw ecsErrors.invalidParameter('Services cannot be empty.');
      if (refs.length > 10) throw ecsErrors.invalidParameter('services can have at most 10 items.');
      const failures: Failure[] = [];
      const services = refs.flatMap((ref) => {
        const service = this.#services.get(`${cluster.name}/${lastSegment(ref)}`);
        if (!service) {
          failures.push({ arn: this.#serviceArn(cluster.name, lastSegment(ref)), reason: 'MISSING' });
          return [];
        }
        return [this.#apiService(service, i.include?.includes('TAGS') ?? false)];
      });
      return { services, failures };
    });
  }

  describeContainerInstances(
    input: DescribeContainerInstancesCommandInput,
  ): Promise<DescribeContainerInstancesCommandOutput> {
    return this.invoke('DescribeContainerInstances', input, (i) => {
      const cluster = this.#requireCluster(i.cluster);
      const refs = i.containerInstances ?? [];
      if (refs.length === 0) throw ecsErrors.invalidParameter('Container instances cannot be empty.');
      if (refs.length > 100) throw ecsErrors.invalidParameter('containerInstances can have at most 100 items.');
      const failures: Failure[] = [];
      const containerInstances: ContainerInstance[] = refs.flatMap((ref) => {
        const ci = this.#containerInstances.get(lastSegment(ref));
        if (!ci || ci.cluster !== cluster.name) {
          failures.push({ arn: ref, reason: 'MISSING' });
          return [];
        }
        const tasks = [...this.#tasks.values()].filter((t) => t.containerInstanceArn === ci.arn);
        return [
          {
            containerInstanceArn: ci.arn,
            ec2InstanceId: ci.ec2InstanceId,
            status: ci.status,
            version: ci.version,
            agentConnected: true,
            registeredAt: ci.registeredAt,
            runningTasksCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
            pendingTasksCount: tasks.filter((t) => rank(t.lastStatus) < RUNNING_RANK).length,
          },
        ];
      });
      return { containerInstances, failures };
    });
  }

  describeTasks(input: DescribeTasksCommandInput): Promise<DescribeTasksCommandOutput> {
    return this.invoke('DescribeTasks', input, (i) => {
      const cluster = this.#requireCluster(i.cluster);
      const refs = i.tasks ?? [];
      if (refs.length === 0) throw ecsErrors.invalidParameter('Tasks cannot be empty.');
      if (refs.length > 100) throw ecsErrors.invalidParameter('tasks can have at most 100 items.');
      const failures: Failure[] = [];
      const tasks = refs.flatMap((ref) => {
        const task = this.#tasks.get(lastSegment(ref));
        if (!task || task.cluster !== cluster.name) {
          failures.push({ arn: ref.startsWith('arn:') ? ref : this.#taskArn(cluster.name, ref), reason: 'MISSING' });
          return [];
        }
        return [this.#apiTask(task, i.include?.includes('TAGS') ?? false)];
      });
      return { tasks, failures };
    });
  }

  listTasks(input: ListTasksCommandInput): Promise<ListTasksCommandOutput> {
    return this.invoke('ListTasks', input, (i) => {
      const cluster = this.#requireCluster(i.cluster);
      const max = this.#maxResults(i.maxResults, 100);
      const others = [i.family, i.serviceName, i.containerInstance, i.launchType].some((f) => f !== undefined);
      if (i.startedBy !== undefined && others) {
        throw ecsErrors.invalidParameter('When you specify startedBy as the filter, it must be the only filter.');
      }
      const serviceName = i.serviceName === undefined ? undefined : lastSegment(i.serviceName);
      if (serviceName !== undefined) {
        const service = this.#services.get(`${cluster.name}/${serviceName}`);
        if (service?.status !== 'ACTIVE') throw ecsErrors.serviceNotFound();
      }
      const desired = i.desiredStatus ?? 'RUNNING';
      const instanceId = i.containerInstance === undefined ? undefined : lastSegment(i.containerInstance);
      const arns = [...this.#tasks.values()]
        .filter(
          (t) =>
            t.cluster === cluster.name &&
            t.desiredStatus === desired &&
            (serviceName === undefined || t.group === `service:${serviceName}`) &&
            (i.family === undefined || t.definition.family === i.family) &&
            (i.startedBy === undefined || t.startedBy === i.startedBy) &&
            (i.launchType === undefined || t.launchType === i.launchType) &&
            (instanceId === undefined ||
              (t.containerInstanceArn !== undefined && lastSegment(t.containerInstanceArn) === instanceId)),
        )
        .map((t) => t.arn)
        .sort(compareAscii);
      const page = pageAfter(
        arns,
        (a) => a,
        i.nextToken,
        max,
        () => ecsErrors.invalidParameter('Invalid nextToken'),
      );
      return { taskArns: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
    });
  }

  listTagsForResource(input: ListTagsForResourceCommandInput): Promise<ListTagsForResourceCommandOutput> {
    return this.invoke('ListTagsForResource', input, (i) => {
      const arn = i.resourceArn ?? '';
      const task = [...this.#tasks.values()].find((t) => t.arn === arn);
      const service = [...this.#services.values()].find((s) => s.arn === arn);
      const definition = arn.includes(':task-definition/') ? this.#findDefinition(arn) : undefined;
      const tags = task?.tags ?? service?.input.tags ?? definition?.tags;
      if (!tags) throw ecsErrors.invalidParameter('The specified resource could not be found.');
      return { tags };
    });
  }

  // --- internals --------------------------------------------------------------------------------------------------

  #arnPrefix(): string {
    return `arn:aws:ecs:${this.#region}:${this.#account}`;
  }

  #serviceArn(cluster: string, name: string): string {
    return `${this.#arnPrefix()}:service/${this.#long ? `${cluster}/` : ''}${name}`;
  }

  #taskArn(cluster: string, id: string): string {
    return `${this.#arnPrefix()}:task/${this.#long ? `${cluster}/` : ''}${id}`;
  }

  #maxResults(value: number | undefined, fallback: number): number {
    const max = value ?? fallback;
    if (!Number.isInteger(max) || max < 1 || max > 100) {
      throw ecsErrors.invalidParameter('maxResults must be between 1 and 100.');
    }
    return max;
  }

  #requireCluster(ref: string | undefined): ClusterState {
    const cluster = this.#clusters.get(lastSegment(ref ?? 'default'));
    if (!cluster) throw ecsErrors.clusterNotFound();
    return cluster;
  }

  #task(taskArn: string): TaskState {
    const task = this.#tasks.get(lastSegment(taskArn));
    if (!task) throw new Error(`FakeEcs: no task ${taskArn}`);
    return task;
  }

  /** `family` (latest ACTIVE revision), `family:revision`, or the ARN. */
  #findDefinition(ref: string): { definition: TaskDefinition; tags: Tag[] } | undefined {
    const short = ref.startsWith('arn:') ? lastSegment(ref) : ref;
    const [family = '', revision] = short.split(':');
    const revisions = this.#families.get(family) ?? [];
    if (revision !== undefined) return revisions[Number(revision) - 1];
    return revisions.findLast((r) => r.definition.status === 'ACTIVE');
  }

  #nextStatus(task: TaskState): TaskLastStatus | undefined {
    if (task.lastStatus === 'STOPPED') return undefined;
    if (task.desiredStatus === 'STOPPED' && rank(task.lastStatus) < RUNNING_RANK) return 'STOPPING';
    const awsvpc = task.definition.networkMode === 'awsvpc';
    return TASK_LIFECYCLE.slice(rank(task.lastStatus) + 1).find(
      (s) => awsvpc || (s !== 'PROVISIONING' && s !== 'DEPROVISIONING'),
    );
  }

  #markStopping(task: TaskState, now: Date): void {
    task.times.stoppingAt ??= now;
    task.stopCode ??= 'UserInitiated';
    task.stoppedReason ??= 'Task stopped by user';
  }

  #emit(task: TaskState): void {
    const detail = this.#detail(task);
    this.events.push({
      version: '0',
      id: this.#ids.uuid(),
      'detail-type': 'ECS Task State Change',
      source: 'aws.ecs',
      account: this.#account,
      time: detail.updatedAt.replace(/\.\d{3}Z$/, 'Z'),
      region: this.#region,
      resources: [task.arn],
      detail,
    });
  }

  /** The attachment walks PRECREATED -> ATTACHED -> DETACHING -> DELETED; the IP is known once ATTACHED. */
  #attachment(task: TaskState): EcsEventAttachment[] {
    const eni = task.eni;
    if (!eni) return [];
    const status =
      task.lastStatus === 'PROVISIONING'
        ? 'PRECREATED'
        : task.lastStatus === 'DEPROVISIONING'
          ? 'DETACHING'
          : task.lastStatus === 'STOPPED'
            ? 'DELETED'
            : 'ATTACHED';
    const octets = eni.privateIpv4.replaceAll('.', '-');
    const details =
      status === 'PRECREATED'
        ? [{ name: 'subnetId', value: eni.subnetId }]
        : [
            { name: 'subnetId', value: eni.subnetId },
            { name: 'networkInterfaceId', value: eni.eniId },
            { name: 'macAddress', value: eni.mac },
            { name: 'privateDnsName', value: `ip-${octets}.ec2.internal` },
            { name: 'privateIPv4Address', value: eni.privateIpv4 },
            ...(eni.ipv6 !== undefined ? [{ name: 'ipv6Address', value: eni.ipv6 }] : []),
          ];
    return [{ id: eni.attachmentId, type: 'eni', status, details }];
  }

  #detail(task: TaskState): EcsTaskStateChangeDetail {
    const r = rank(task.lastStatus);
    const containerStatus = r < RUNNING_RANK ? 'PENDING' : r <= rank('STOPPING') ? 'RUNNING' : 'STOPPED';
    const eni = task.eni;
    const containers: EcsEventContainer[] = task.containers.map((c) => ({
      containerArn: c.arn,
      lastStatus: containerStatus,
      name: c.name,
      ...(c.image !== undefined ? { image: c.image } : {}),
      taskArn: task.arn,
      ...(containerStatus === 'STOPPED' ? { exitCode: 0 } : {}),
      // Only bridge/host tasks get bindings, and only while their container runs (aws-facts.md §1.2).
      ...(containerStatus === 'RUNNING' && task.bindings.has(c.name)
        ? { networkBindings: task.bindings.get(c.name) }
        : {}),
      networkInterfaces:
        eni && task.lastStatus !== 'PROVISIONING'
          ? [
              {
                attachmentId: eni.attachmentId,
                privateIpv4Address: eni.privateIpv4,
                ...(eni.ipv6 !== undefined ? { ipv6Address: eni.ipv6 } : {}),
              },
            ]
          : [],
    }));
    const fargate = task.launchType === 'FARGATE';
    const t = task.times;
    const createdAt = iso(t.createdAt) ?? '';
    return dropUndefined({
      attachments: this.#attachment(task),
      attributes: [{ name: 'ecs.cpu-architecture', value: 'x86_64' }],
      availabilityZone: task.availabilityZone,
      capacityProviderName: fargate ? 'FARGATE' : undefined,
      clusterArn: this.#clusters.get(task.cluster)?.arn ?? '',
      connectivity: 'CONNECTED',
      connectivityAt: createdAt,
      containerInstanceArn: task.containerInstanceArn,
      containers,
      cpu: task.definition.cpu,
      memory: task.definition.memory,
      createdAt,
      desiredStatus: task.desiredStatus,
      group: task.group,
      startedBy: task.startedBy,
      launchType: task.launchType,
      lastStatus: task.lastStatus,
      overrides: { containerOverrides: task.containers.map((c) => ({ name: c.name })) },
      platformVersion: fargate ? '1.4.0' : undefined,
      pullStartedAt: iso(t.pullStartedAt),
      pullStoppedAt: iso(t.pullStoppedAt),
      startedAt: iso(t.startedAt),
      stoppingAt: iso(t.stoppingAt),
      executionStoppedAt: iso(t.executionStoppedAt),
      stoppedAt: iso(t.stoppedAt),
      stopCode: task.desiredStatus === 'STOPPED' ? task.stopCode : undefined,
      stoppedReason: task.desiredStatus === 'STOPPED' ? task.stoppedReason : undefined,
      taskArn: task.arn,
      taskDefinitionArn: task.definition.taskDefinitionArn ?? '',
      updatedAt: iso(t.updatedAt) ?? createdAt,
      version: task.version,
    });
  }

  /** DescribeTasks form: Date objects, `ElasticNetworkInterface` attachments, healthStatus, optional tags. */
  #apiTask(task: TaskState, includeTags: boolean): Task {
    const t = task.times;
    const { attachments, containers, updatedAt: _updatedAt, ...detail } = this.#detail(task);
    return dropUndefined({
      ...detail,
      connectivity: 'CONNECTED',
      connectivityAt: t.createdAt,
      createdAt: t.createdAt,
      pullStartedAt: t.pullStartedAt,
      pullStoppedAt: t.pullStoppedAt,
      startedAt: t.startedAt,
      stoppingAt: t.stoppingAt,
      executionStoppedAt: t.executionStoppedAt,
      stoppedAt: t.stoppedAt,
      attachments: attachments.map((a): Attachment => ({ ...a, type: 'ElasticNetworkInterface' })),
      containers: containers.map((c): Container => ({ ...c, healthStatus: task.health.get(c.name) ?? 'UNKNOWN' })),
      healthStatus: taskHealth(task),
      launchType: task.launchType,
      stopCode: detail.stopCode === undefined ? undefined : task.stopCode,
      tags: includeTags ? deepCopy(task.tags) : undefined,
    });
  }

  #apiService(service: ServiceState, includeTags: boolean): Service {
    const tasks = [...this.#tasks.values()].filter(
      (t) => t.cluster === service.cluster && t.group === `service:${service.name}`,
    );
    const runningCount = tasks.filter((t) => t.lastStatus === 'RUNNING').length;
    const pendingCount = tasks.filter((t) => rank(t.lastStatus) < RUNNING_RANK).length;
    const { input } = service;
    const launchType = input.launchType ?? 'FARGATE';
    return {
      serviceArn: service.arn,
      serviceName: service.name,
      clusterArn: this.#clusters.get(service.cluster)?.arn,
      loadBalancers: input.loadBalancers ?? [],
      serviceRegistries: input.serviceRegistries ?? [],
      status: service.status,
      desiredCount: input.desiredCount ?? 1,
      runningCount,
      pendingCount,
      launchType,
      ...(input.taskDefinition !== undefined ? { taskDefinition: input.taskDefinition } : {}),
      ...(input.networkConfiguration !== undefined ? { networkConfiguration: input.networkConfiguration } : {}),
      deployments: [
        {
          id: service.deploymentId,
          status: 'PRIMARY',
          desiredCount: input.desiredCount ?? 1,
          runningCount,
          pendingCount,
          launchType,
          createdAt: service.createdAt,
          updatedAt: service.createdAt,
          ...(input.taskDefinition !== undefined ? { taskDefinition: input.taskDefinition } : {}),
        },
      ],
      createdAt: service.createdAt,
      schedulingStrategy: 'REPLICA',
      ...(includeTags ? { tags: input.tags ?? [] } : {}),
    };
  }
}
