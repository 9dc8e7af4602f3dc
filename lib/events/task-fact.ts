import { isIP } from 'node:net';
import { isObject } from '../domain/json';
import { parseEcsArn } from './arn';
import { InvalidEventError } from './errors';

/**
 * What the registrar needs to know about one task, from a Task State Change event or from DescribeTasks (the event
 * detail "resembles the Task object that is returned from a DescribeTasks API operation", aws-facts.md §1.2, so one
 * normaliser reads both; only the attachment type (`eni` vs `ElasticNetworkInterface`) and timestamps differ).
 */
export interface TaskFact {
  source: 'event' | 'api';
  taskArn: string;
  taskId: string;
  clusterArn: string;
  clusterName: string;
  /** Region and account of the task's ARN. */
  region: string;
  account: string;
  taskDefinitionArn: string;
  /** Task definition family, from the task definition ARN. */
  family: string;
  /** `detail.version`; undefined when unknown (DescribeTasks may omit it). */
  version?: number;
  lastStatus: TaskStatus;
  desiredStatus: DesiredStatus;
  group?: string;
  /** The ECS service that started the task (`group: service:<name>`); undefined for standalone tasks. */
  serviceName?: string;
  launchType?: string;
  availabilityZone?: string;
  containerInstanceArn?: string;
  /**
   * Status of the task's container instance (DescribeContainerInstances, read with DescribeTasks by the ECS reader):
   * a task on a DRAINING instance is withdrawn like a stopping one (onDrainingInstance).
   */
  containerInstanceStatus?: string;
  eni?: TaskEni;
  containers: TaskContainer[];
  /** Envelope `time` of the event, ISO-8601. */
  eventTime?: string;
}

export interface TaskEni {
  attachmentId?: string;
  networkInterfaceId?: string;
  privateIpv4?: string;
  ipv6?: string;
}

export interface TaskContainer {
  name: string;
  networkBindings: NetworkBinding[];
  /**
   * The container's ECS health (DescribeTasks `containers[].healthStatus`; task state change events do not carry it).
   * UNKNOWN while a health check has not passed yet, and always for a container without a health check.
   */
  healthStatus?: HealthStatus;
}

export const HEALTH_STATUSES = ['HEALTHY', 'UNHEALTHY', 'UNKNOWN'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

export interface NetworkBinding {
  containerPort: number;
  hostPort: number;
  protocol: 'tcp' | 'udp';
}

export const TASK_STATUSES = [
  'PROVISIONING',
  'PENDING',
  'ACTIVATING',
  'RUNNING',
  'DEACTIVATING',
  'STOPPING',
  'DEPROVISIONING',
  'STOPPED',
  'DELETED',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const DESIRED_STATUSES = ['RUNNING', 'PENDING', 'STOPPED'] as const;
export type DesiredStatus = (typeof DESIRED_STATUSES)[number];

/** ECS attachment types that carry the task's ENI: `eni` in events, `ElasticNetworkInterface` in DescribeTasks. */
const ENI_TYPES = new Set(['eni', 'ElasticNetworkInterface']);

export type TaskPhase = 'starting' | 'running' | 'stopping';

/**
 * Register when RUNNING and meant to keep running; deregister as soon as ECS decides to stop the task (desired STOPPED
 * gives clients the stop timeout as a drain window) or it is past RUNNING. The lifecycle only moves forward, so a
 * stopping task never becomes running again: the registrar relies on that to refuse resurrection.
 */
export function taskPhase(fact: Pick<TaskFact, 'lastStatus' | 'desiredStatus'>): TaskPhase {
  const past = TASK_STATUSES.indexOf(fact.lastStatus) > TASK_STATUSES.indexOf('RUNNING');
  if (fact.desiredStatus === 'STOPPED' || past) return 'stopping';
  return fact.lastStatus === 'RUNNING' ? 'running' : 'starting';
}

/**
 * A task whose container instance is DRAINING (EC2 launch type) is about to be moved: ECS stops it once replacements
 * run elsewhere. It is withdrawn from DNS now, like a task with desired STOPPED, so clients stop being sent to it for
 * the whole drain instead of only its stop timeout. Its lifecycle is not over (an instance can be set ACTIVE again,
 * and the task then registers again), so this is not a phase: the ledger never records it as stopped.
 */
export const onDrainingInstance = (fact: Pick<TaskFact, 'containerInstanceStatus'>): boolean =>
  fact.containerInstanceStatus === 'DRAINING';

/**
 * Normalises a task from an event `detail` (source 'event') or a DescribeTasks `Task` (source 'api').
 * Unknown fields are ignored; a field the registrar relies on that is missing or malformed throws InvalidEventError
 * naming it.
 */
export function parseTaskFact(detail: unknown, source: 'event' | 'api', prefix = 'detail'): TaskFact {
  if (!isObject(detail)) throw new InvalidEventError(prefix, 'must be an object');
  const task = parseEcsArn(detail.taskArn, `${prefix}.taskArn`, 'task');
  const cluster = parseEcsArn(detail.clusterArn, `${prefix}.clusterArn`, 'cluster');
  if (task.cluster && task.cluster !== cluster.id) {
    throw new InvalidEventError(
      `${prefix}.taskArn`,
      `names cluster "${task.cluster}" but clusterArn is "${cluster.id}"`,
    );
  }
  const taskDef = parseEcsArn(detail.taskDefinitionArn, `${prefix}.taskDefinitionArn`, 'task-definition');
  const lastStatus = oneOf(detail.lastStatus, TASK_STATUSES, `${prefix}.lastStatus`);
  const desiredStatus = oneOf(detail.desiredStatus, DESIRED_STATUSES, `${prefix}.desiredStatus`);

  let version: number | undefined;
  if (detail.version === undefined || detail.version === null) {
    if (source === 'event') throw new InvalidEventError(`${prefix}.version`, 'is required on task events');
  } else if (typeof detail.version === 'number' && Number.isSafeInteger(detail.version) && detail.version >= 0) {
    version = detail.version;
  } else {
    throw new InvalidEventError(
      `${prefix}.version`,
      `must be a non-negative integer, got ${JSON.stringify(detail.version)}`,
    );
  }

  const group = optionalString(detail.group, `${prefix}.group`);
  const serviceName = group?.startsWith('service:') ? group.slice('service:'.length) : undefined;
  let containerInstanceArn: string | undefined;
  if (detail.containerInstanceArn !== undefined && detail.containerInstanceArn !== null) {
    containerInstanceArn = parseEcsArn(
      detail.containerInstanceArn,
      `${prefix}.containerInstanceArn`,
      'container-instance',
    ).arn;
  }

  return {
    source,
    taskArn: task.arn,
    taskId: task.id,
    clusterArn: cluster.arn,
    clusterName: cluster.id,
    region: task.region,
    account: task.account,
    taskDefinitionArn: taskDef.arn,
    family: taskDef.id.split(':')[0]!,
    version,
    lastStatus,
    desiredStatus,
    group,
    serviceName: serviceName || undefined,
    launchType: optionalString(detail.launchType, `${prefix}.launchType`),
    availabilityZone: optionalString(detail.availabilityZone, `${prefix}.availabilityZone`),
    containerInstanceArn,
    eni: parseEni(detail.attachments, detail.containers, prefix),
    containers: parseContainers(detail.containers, prefix),
  };
}

function parseEni(attachments: unknown, containers: unknown, prefix: string): TaskEni | undefined {
  if (attachments === undefined || attachments === null) return undefined;
  if (!Array.isArray(attachments)) throw new InvalidEventError(`${prefix}.attachments`, 'must be an array');
  for (const [i, att] of attachments.entries()) {
    const field = `${prefix}.attachments[${i}]`;
    if (!isObject(att)) throw new InvalidEventError(field, 'must be an object');
    if (typeof att.type !== 'string') throw new InvalidEventError(`${field}.type`, 'must be a string');
    if (!ENI_TYPES.has(att.type)) continue;
    if (!Array.isArray(att.details))
      throw new InvalidEventError(`${field}.details`, 'must be an array of {name, value}');
    const details = new Map<string, string>();
    for (const [j, d] of att.details.entries()) {
      if (!isObject(d) || typeof d.name !== 'string' || typeof d.value !== 'string') {
        throw new InvalidEventError(`${field}.details[${j}]`, 'must be an object with string name and value');
      }
      details.set(d.name, d.value);
    }
    const eni: TaskEni = {
      attachmentId: typeof att.id === 'string' ? att.id : undefined,
      networkInterfaceId: details.get('networkInterfaceId'),
      privateIpv4: ip(details.get('privateIPv4Address'), 4, `${field}.details.privateIPv4Address`),
      ipv6: ip(details.get('ipv6Address'), 6, `${field}.details.ipv6Address`),
    };
    // Some shapes carry the addresses only on the containers' networkInterfaces.
    if ((!eni.privateIpv4 || !eni.ipv6) && Array.isArray(containers)) {
      for (const [k, c] of containers.entries()) {
        if (!isObject(c) || !Array.isArray(c.networkInterfaces)) continue;
        for (const [n, ni] of c.networkInterfaces.entries()) {
          if (!isObject(ni)) continue;
          if (eni.attachmentId && ni.attachmentId !== undefined && ni.attachmentId !== eni.attachmentId) continue;
          const f = `${prefix}.containers[${k}].networkInterfaces[${n}]`;
          eni.privateIpv4 ??= ip(asString(ni.privateIpv4Address), 4, `${f}.privateIpv4Address`);
          eni.ipv6 ??= ip(asString(ni.ipv6Address), 6, `${f}.ipv6Address`);
        }
      }
    }
    return eni;
  }
  return undefined;
}

function parseContainers(containers: unknown, prefix: string): TaskContainer[] {
  if (containers === undefined || containers === null) return [];
  if (!Array.isArray(containers)) throw new InvalidEventError(`${prefix}.containers`, 'must be an array');
  return containers.map((c, i) => {
    const field = `${prefix}.containers[${i}]`;
    if (!isObject(c)) throw new InvalidEventError(field, 'must be an object');
    if (typeof c.name !== 'string' || c.name.length === 0)
      throw new InvalidEventError(`${field}.name`, 'must be a non-empty string');
    const bindings: NetworkBinding[] = [];
    const seen = new Set<string>();
    if (c.networkBindings !== undefined && c.networkBindings !== null) {
      if (!Array.isArray(c.networkBindings))
        throw new InvalidEventError(`${field}.networkBindings`, 'must be an array');
      for (const [j, b] of c.networkBindings.entries()) {
        const bf = `${field}.networkBindings[${j}]`;
        if (!isObject(b)) throw new InvalidEventError(bf, 'must be an object');
        // Port ranges carry no single port to publish; they are not SRV material.
        if (b.containerPort === undefined && b.containerPortRange !== undefined) continue;
        const containerPort = port(b.containerPort, `${bf}.containerPort`);
        const hostPort = port(b.hostPort, `${bf}.hostPort`);
        const protocol = b.protocol === undefined || b.protocol === null ? 'tcp' : b.protocol;
        if (protocol !== 'tcp' && protocol !== 'udp')
          throw new InvalidEventError(`${bf}.protocol`, 'must be "tcp" or "udp"');
        // The agent may report an IPv6 (::) duplicate of each binding; one is enough.
        const key = `${containerPort}/${protocol}/${hostPort}`;
        if (seen.has(key)) continue;
        seen.add(key);
        bindings.push({ containerPort, hostPort, protocol });
      }
    }
    const healthStatus = parseHealthStatus(c.healthStatus, `${field}.healthStatus`);
    return { name: c.name, networkBindings: bindings, ...(healthStatus ? { healthStatus } : {}) };
  });
}

/** A health status ECS may extend: an unknown word counts as UNKNOWN (not yet healthy), a non-string is malformed. */
function parseHealthStatus(value: unknown, field: string): HealthStatus | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InvalidEventError(field, `must be one of ${HEALTH_STATUSES.join(', ')}`);
  return (HEALTH_STATUSES as readonly string[]).includes(value) ? (value as HealthStatus) : 'UNKNOWN';
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== 'string') throw new InvalidEventError(field, `must be one of ${allowed.join(', ')}`);
  if (!(allowed as readonly string[]).includes(value)) {
    throw new InvalidEventError(field, `unknown value "${value.slice(0, 40)}"; expected one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InvalidEventError(field, 'must be a string');
  return value;
}

const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function ip(value: string | undefined, family: 4 | 6, field: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.includes('%'))
    throw new InvalidEventError(field, `"${value.slice(0, 60)}" carries a zone index, which DNS cannot hold`);
  if (isIP(value) !== family)
    throw new InvalidEventError(field, `"${value.slice(0, 60)}" is not an IPv${family} address`);
  const problem = family === 4 ? ipv4Problem(value) : ipv6Problem(value.toLowerCase());
  if (problem) throw new InvalidEventError(field, `"${value}" is ${problem}, not an address a client can reach`);
  return family === 6 ? value.toLowerCase() : value;
}

/** Addresses that parse but that no client should be sent to (Route 53 and Cloud Map would publish them as given). */
export function ipv4Problem(value: string): string | undefined {
  const [a = 0, b = 0] = value.split('.').map(Number);
  if (a === 0) return 'an unspecified ("this network") address';
  if (a === 127) return 'a loopback address';
  if (a === 169 && b === 254) return 'a link-local address';
  if (a >= 224 && a <= 239) return 'a multicast address';
  if (a >= 240) return value === '255.255.255.255' ? 'the broadcast address' : 'a reserved address';
  return undefined;
}

export function ipv6Problem(value: string): string | undefined {
  if (/^[0:]+$/.test(value)) return 'the unspecified address';
  if (/^[0:]+:0*1$/.test(value) || value === '::1') return 'a loopback address';
  const first = Number.parseInt(value.split(':')[0] || '0', 16);
  if ((first & 0xffc0) === 0xfe80) return 'a link-local address';
  if ((first & 0xff00) === 0xff00) return 'a multicast address';
  return undefined;
}

function port(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    throw new InvalidEventError(field, `must be a port number between 1 and 65535, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * ECS's fact for a task an event named, as the engine acts on it: ECS's word on everything, the event's time kept (the
 * lag metric measures from it), and only the gaps DescribeTasks left filled from the event: fields it omitted
 * altogether (its version, the container instance, a container's network bindings), never an address or a status.
 * Real ECS reports all three for a running task; emulators such as moto do not. The host address still comes from ECS
 * (the container instance is looked up in the task's cluster), so a filled gap can name at most a port or another
 * host of that cluster.
 */
export function adoptEcsFact(truth: TaskFact, event: TaskFact): TaskFact {
  const eventBindings = new Map(event.containers.map((c) => [c.name, c.networkBindings]));
  return {
    ...truth,
    eventTime: event.eventTime,
    version: truth.version ?? event.version,
    containerInstanceArn: truth.containerInstanceArn ?? event.containerInstanceArn,
    containers: truth.containers.map((c) =>
      c.networkBindings.length > 0 ? c : { ...c, networkBindings: eventBindings.get(c.name) ?? [] },
    ),
  };
}
