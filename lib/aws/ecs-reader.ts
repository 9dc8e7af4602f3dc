import type { EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeClustersCommand,
  type DescribeClustersCommandOutput,
  DescribeContainerInstancesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  type DescribeTasksCommandOutput,
  type ECSClient,
  ListClustersCommand,
  ListTasksCommand,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import type { TaskDefinitionView } from '../config/labels';
import { BoundedCache } from '../domain/bounded-cache';
import { parseTaskFact, type TaskFact } from '../events/task-fact';
import { AwsReadError } from './errors';

export interface HostAddresses {
  ec2InstanceId: string;
  privateIpv4?: string;
  publicIpv4?: string;
  ipv6?: string;
}

/**
 * A task DescribeTasks did not return as a readable task: `missing` is ECS's positive answer that it does not know the
 * task in that cluster (failure reason MISSING: never started there, or stopped long ago); `unreadable` is anything
 * else (another failure reason such as INTERNAL_ERROR, or a task in a shape the registrar cannot parse), which says
 * nothing about whether the task runs.
 */
export interface TaskLookupFailure {
  taskArn: string;
  /** The last element of the ARN, or the id as asked. */
  taskId: string;
  kind: 'missing' | 'unreadable';
  reason: string;
}

/** DescribeClusters' answer for the clusters asked: ACTIVE ones, and the rest with ECS's reason. */
export interface ClusterCheck {
  active: string[];
  absent: { cluster: string; reason: string }[];
}

/** The EC2 SDK module, loaded on first use only (see createAwsClients: it is most of a bundle's import time). */
const ec2Sdk = (): typeof import('@aws-sdk/client-ec2') => require('@aws-sdk/client-ec2');

const lastSegment = (arn: string): string => arn.split('/').pop() ?? arn;

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));

/**
 * Reads ECS and EC2 for the registrar, with the caches that make it cheap: task definitions are immutable per
 * revision and container instances keep their EC2 host for life, so both are cached for the life of the container
 * (bounded). Concurrent lookups of one key share one request.
 */
export class EcsReader {
  private readonly taskDefinitions = new BoundedCache<string, Promise<TaskDefinitionView>>(2000);
  private readonly hosts = new BoundedCache<string, HostAddresses>(5000);

  private readonly ec2Client: () => EC2Client;

  /** `ec2` may be a thunk, so the EC2 client is only created when a host or public IP is needed. */
  constructor(
    private readonly ecs: ECSClient,
    ec2: EC2Client | (() => EC2Client),
  ) {
    this.ec2Client = typeof ec2 === 'function' ? ec2 : () => ec2;
  }

  taskDefinition(arn: string): Promise<TaskDefinitionView> {
    let cached = this.taskDefinitions.get(arn);
    if (!cached) {
      cached = this.fetchTaskDefinition(arn);
      this.taskDefinitions.set(arn, cached);
      cached.catch(() => this.taskDefinitions.delete(arn));
    }
    return cached;
  }

  private async fetchTaskDefinition(arn: string): Promise<TaskDefinitionView> {
    try {
      const out = await this.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }));
      if (!out.taskDefinition) throw new Error(`DescribeTaskDefinition returned no task definition for ${arn}`);
      return taskDefinitionView(out.taskDefinition, arn);
    } catch (err) {
      throw AwsReadError.wrap('ecs', 'DescribeTaskDefinition', err);
    }
  }

  /** DescribeTasks, 100 per call (aws-facts.md §2). Missing tasks come back as failures, never as an exception. */
  async describeTasks(
    cluster: string,
    taskArns: readonly string[],
  ): Promise<{ facts: TaskFact[]; failures: TaskLookupFailure[] }> {
    const facts: TaskFact[] = [];
    const failures: TaskLookupFailure[] = [];
    for (const batch of chunks(taskArns, 100)) {
      let out: DescribeTasksCommandOutput;
      try {
        out = await this.ecs.send(new DescribeTasksCommand({ cluster, tasks: batch }));
      } catch (err) {
        throw AwsReadError.wrap('ecs', 'DescribeTasks', err);
      }
      for (const [i, task] of (out.tasks ?? []).entries()) {
        try {
          facts.push(parseTaskFact(task, 'api', `DescribeTasks.tasks[${i}]`));
        } catch (err) {
          const arn = (task as { taskArn?: string }).taskArn ?? `#${i}`;
          failures.push({ taskArn: arn, taskId: lastSegment(arn), kind: 'unreadable', reason: (err as Error).message });
        }
      }
      const answered = new Set<string>();
      for (const f of out.failures ?? []) {
        const arn = f.arn ?? '?';
        answered.add(lastSegment(arn));
        failures.push({
          taskArn: arn,
          taskId: lastSegment(arn),
          kind: f.reason === 'MISSING' ? 'missing' : 'unreadable',
          reason: f.reason ?? 'no reason given',
        });
      }
      for (const task of out.tasks ?? []) answered.add(lastSegment(String(task.taskArn ?? '')));
      // ECS answers every task asked, with the task or a failure; silence is no evidence that a task is gone.
      for (const asked of batch) {
        if (!answered.has(lastSegment(asked)))
          failures.push({
            taskArn: asked,
            taskId: lastSegment(asked),
            kind: 'unreadable',
            reason: 'DescribeTasks returned neither the task nor a failure for it',
          });
      }
    }
    await this.annotateInstanceStatus(cluster, facts);
    return { facts, failures };
  }

  /**
   * The status of each task's container instance (DRAINING means the task is being moved away), one
   * DescribeContainerInstances per 100 instances. Not cached: an instance is set DRAINING at any time.
   */
  private async annotateInstanceStatus(cluster: string, facts: TaskFact[]): Promise<void> {
    const arns = [...new Set(facts.flatMap((f) => (f.containerInstanceArn ? [f.containerInstanceArn] : [])))];
    const status = new Map<string, string>();
    for (const batch of chunks(arns, 100)) {
      try {
        const out = await this.ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: batch }));
        for (const ci of out.containerInstances ?? [])
          if (ci.containerInstanceArn && ci.status) status.set(ci.containerInstanceArn, ci.status);
      } catch (err) {
        throw AwsReadError.wrap('ecs', 'DescribeContainerInstances', err);
      }
    }
    for (const f of facts) {
      const s = f.containerInstanceArn ? status.get(f.containerInstanceArn) : undefined;
      if (s) f.containerInstanceStatus = s;
    }
  }

  /** Which of these clusters exist and are ACTIVE in this account and Region (DescribeClusters, 100 per call). */
  async checkClusters(clusters: readonly string[]): Promise<ClusterCheck> {
    const check: ClusterCheck = { active: [], absent: [] };
    for (const batch of chunks([...new Set(clusters)], 100)) {
      let out: DescribeClustersCommandOutput;
      try {
        out = await this.ecs.send(new DescribeClustersCommand({ clusters: batch }));
      } catch (err) {
        throw AwsReadError.wrap('ecs', 'DescribeClusters', err);
      }
      const seen = new Set<string>();
      for (const c of out.clusters ?? []) {
        const name = c.clusterName ?? lastSegment(c.clusterArn ?? '');
        seen.add(name);
        if (c.status === 'ACTIVE') check.active.push(name);
        else check.absent.push({ cluster: name, reason: `status ${c.status ?? 'unknown'}` });
      }
      for (const f of out.failures ?? []) {
        const name = lastSegment(f.arn ?? '');
        seen.add(name);
        check.absent.push({ cluster: name, reason: f.reason ?? 'no reason given' });
      }
      for (const name of batch) {
        if (!seen.has(lastSegment(name))) check.absent.push({ cluster: name, reason: 'not returned' });
      }
    }
    return check;
  }

  /** The Region this reader's client calls (the SDK's resolved configuration), when it can tell. */
  async region(): Promise<string | undefined> {
    const config = (this.ecs as { config?: { region?: unknown } }).config;
    const region = config?.region;
    try {
      const value = typeof region === 'function' ? await region() : region;
      return typeof value === 'string' && value.length > 0 ? value : undefined;
    } catch {
      // No Region configured: the SDK's own calls fail with its clear error; the caller decides without it.
      return undefined;
    }
  }

  /** Every cluster ARN of the account and Region (all pages). */
  async listClusters(): Promise<string[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      try {
        const out = await this.ecs.send(new ListClustersCommand({ maxResults: 100, nextToken }));
        arns.push(...(out.clusterArns ?? []));
        nextToken = out.nextToken;
      } catch (err) {
        throw AwsReadError.wrap('ecs', 'ListClusters', err);
      }
    } while (nextToken);
    return arns;
  }

  /** Tasks ECS means to keep running in a cluster (ListTasks desiredStatus RUNNING, every page of 100). */
  /** The tasks ECS runs on one container instance (ListTasks containerInstance, desired RUNNING), every page. */
  async listTasksOnInstance(cluster: string, containerInstance: string): Promise<string[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      try {
        const out = await this.ecs.send(
          new ListTasksCommand({ cluster, containerInstance, desiredStatus: 'RUNNING', maxResults: 100, nextToken }),
        );
        arns.push(...(out.taskArns ?? []));
        nextToken = out.nextToken;
      } catch (err) {
        throw AwsReadError.wrap('ecs', 'ListTasks', err);
      }
    } while (nextToken);
    return arns;
  }

  async listRunningTaskArns(cluster: string): Promise<string[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      try {
        const out = await this.ecs.send(
          new ListTasksCommand({ cluster, desiredStatus: 'RUNNING', maxResults: 100, nextToken }),
        );
        arns.push(...(out.taskArns ?? []));
        nextToken = out.nextToken;
      } catch (err) {
        throw AwsReadError.wrap('ecs', 'ListTasks', err);
      }
    } while (nextToken);
    return arns;
  }

  /** Container instance -> EC2 host addresses (DescribeContainerInstances + DescribeInstances), cached. */
  async hostAddresses(cluster: string, containerInstanceArns: readonly string[]): Promise<Map<string, HostAddresses>> {
    const result = new Map<string, HostAddresses>();
    const missing: string[] = [];
    for (const arn of new Set(containerInstanceArns)) {
      const hit = this.hosts.get(arn);
      if (hit) result.set(arn, hit);
      else missing.push(arn);
    }
    if (missing.length === 0) return result;

    const instanceOf = new Map<string, string>();
    for (const batch of chunks(missing, 100)) {
      try {
        const out = await this.ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: batch }));
        for (const ci of out.containerInstances ?? []) {
          if (ci.containerInstanceArn && ci.ec2InstanceId) instanceOf.set(ci.containerInstanceArn, ci.ec2InstanceId);
        }
      } catch (err) {
        throw AwsReadError.wrap('ecs', 'DescribeContainerInstances', err);
      }
    }
    const ids = [...new Set(instanceOf.values())];
    const byInstance = new Map<string, HostAddresses>();
    for (const batch of chunks(ids, 100)) {
      try {
        const out = await this.ec2Client().send(new (ec2Sdk().DescribeInstancesCommand)({ InstanceIds: batch }));
        for (const r of out.Reservations ?? []) {
          for (const inst of r.Instances ?? []) {
            if (!inst.InstanceId) continue;
            byInstance.set(inst.InstanceId, {
              ec2InstanceId: inst.InstanceId,
              privateIpv4: inst.PrivateIpAddress,
              publicIpv4: inst.PublicIpAddress,
              ipv6: inst.Ipv6Address?.toLowerCase(),
            });
          }
        }
      } catch (err) {
        throw AwsReadError.wrap('ec2', 'DescribeInstances', err);
      }
    }
    for (const [ciArn, instanceId] of instanceOf) {
      const host = byInstance.get(instanceId);
      if (!host) continue;
      this.hosts.set(ciArn, host);
      result.set(ciArn, host);
    }
    return result;
  }

  /** Public IPv4 of task ENIs (not in the event; aws-facts.md §1.2). Not cached: an ENI's association can change. */
  async eniPublicIps(eniIds: readonly string[]): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    // DescribeNetworkInterfaces cannot combine MaxResults with NetworkInterfaceIds; keep each call modest.
    for (const batch of chunks([...new Set(eniIds)], 200)) {
      try {
        const out = await this.ec2Client().send(
          new (ec2Sdk().DescribeNetworkInterfacesCommand)({ NetworkInterfaceIds: batch }),
        );
        for (const ni of out.NetworkInterfaces ?? []) {
          if (ni.NetworkInterfaceId && ni.Association?.PublicIp)
            result.set(ni.NetworkInterfaceId, ni.Association.PublicIp);
        }
      } catch (err) {
        throw AwsReadError.wrap('ec2', 'DescribeNetworkInterfaces', err);
      }
    }
    return result;
  }
}

export function taskDefinitionView(td: TaskDefinition, arn: string): TaskDefinitionView {
  const mode = td.networkMode ?? 'bridge';
  return {
    taskDefinitionArn: td.taskDefinitionArn ?? arn,
    family: td.family ?? '',
    networkMode: (['bridge', 'awsvpc', 'host', 'none'].includes(mode)
      ? mode
      : 'bridge') as TaskDefinitionView['networkMode'],
    containers: (td.containerDefinitions ?? []).map((c) => ({
      name: c.name ?? '',
      dockerLabels: { ...(c.dockerLabels ?? {}) },
      portMappings: (c.portMappings ?? [])
        .filter((p) => typeof p.containerPort === 'number')
        .map((p) => ({
          containerPort: p.containerPort!,
          hostPort: p.hostPort || undefined,
          protocol: p.protocol === 'udp' ? 'udp' : 'tcp',
          name: p.name || undefined,
        })),
      ...(c.healthCheck?.command?.length ? { hasHealthCheck: true } : {}),
      ...(typeof c.stopTimeout === 'number' ? { stopTimeout: c.stopTimeout } : {}),
    })),
  };
}
