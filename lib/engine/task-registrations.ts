import type { EcsReader, HostAddresses } from '../aws/ecs-reader';
import type { Route53Reader } from '../aws/route53-reader';
import {
  type ParsedLabels,
  parseRegistrationSpecs,
  type RegistrationSpec,
  type TaskDefinitionView,
} from '../config/labels';
import type { Settings } from '../config/settings';
import { registrationHealth } from '../desired/health';
import { desiredForTask, type TaskNetwork } from '../desired/task-endpoints';
import { BoundedCache } from '../domain/bounded-cache';
import { srvName } from '../domain/dns-name';
import type { CloudMapInstance, DnsRecord } from '../domain/records';
import { ownershipRecordName } from '../domain/service-ownership';
import type { TaskFact } from '../events/task-fact';
import { type GatedHealth, healthKey, instanceGroup, recordGroup } from '../plan/health-gate';
import { type Subjected, taskSubject } from '../plan/plan';

export interface TaskSpecs {
  taskDefinition: TaskDefinitionView;
  labels: ParsedLabels;
}

/** Where a set of registrations lives: the names to read per zone and the Cloud Map services to list. */
export interface Scope {
  names: Map<string, Set<string>>;
  services: Set<string>;
}

export const emptyScope = (): Scope => ({ names: new Map(), services: new Set() });

export function addToScope(scope: Scope, specs: readonly RegistrationSpec[]): void {
  for (const spec of specs) {
    const names = scope.names.get(spec.zoneId) ?? new Set<string>();
    // The name's subtree holds its per-task SRV targets; SRV records sit at _name._proto.
    names.add(spec.fqdn);
    names.add(srvName(spec.fqdn, spec.port?.protocol ?? 'tcp'));
    // The claims on the name (domain/claims.ts): every claimant's claim or ownership record sits there.
    names.add(ownershipRecordName(spec.fqdn, spec.zoneDomain));
    scope.names.set(spec.zoneId, names);
    if (spec.cloudMapServiceId) scope.services.add(spec.cloudMapServiceId);
  }
}

export interface DesiredState {
  records: Subjected<DnsRecord>[];
  instances: Subjected<CloudMapInstance>[];
  problems: { subject: string; message: string }[];
  /**
   * Subjects with a registration ECS gave no address for: their desired entries are incomplete, so what they have
   * registered must be kept rather than deleted as no longer desired.
   */
  incomplete: Set<string>;
  /** Registrations whose health gate is not open (plan/health-gate.ts), by healthKey. */
  health: Map<string, GatedHealth>;
}

/** The gate of each registration of a task that is not healthy, keyed as plan/health-gate.ts reads it. */
export function gatedRegistrations(
  subject: string,
  fact: TaskFact,
  specs: TaskSpecs,
  into: Map<string, GatedHealth>,
): void {
  for (const spec of specs.labels.specs) {
    const health = registrationHealth(fact, specs.taskDefinition, spec);
    if (health === 'healthy') continue;
    into.set(healthKey(subject, recordGroup(spec.zoneId, spec.fqdn)), health);
    if (spec.cloudMapServiceId) into.set(healthKey(subject, instanceGroup(spec.cloudMapServiceId)), health);
  }
}

/**
 * Task -> registrations -> desired endpoints, shared by the event path and the reconciler. Label parsing is cached
 * per task-definition revision (immutable), zone domains per container.
 */
export class TaskRegistrations {
  private readonly parsed = new BoundedCache<string, TaskSpecs>(2000);

  constructor(
    private readonly settings: Settings,
    private readonly ecs: EcsReader,
    private readonly route53: Route53Reader,
  ) {}

  zoneDomains(): Promise<Map<string, string>> {
    return this.route53.zoneDomains(this.settings.hostedZoneIds);
  }

  async specsFor(taskDefinitionArn: string): Promise<TaskSpecs> {
    const hit = this.parsed.get(taskDefinitionArn);
    if (hit) return hit;
    const [taskDefinition, zoneDomains] = await Promise.all([
      this.ecs.taskDefinition(taskDefinitionArn),
      this.zoneDomains(),
    ]);
    const specs = {
      taskDefinition,
      labels: parseRegistrationSpecs(taskDefinition, { settings: this.settings, zoneDomains }),
    };
    this.parsed.set(taskDefinitionArn, specs);
    return specs;
  }

  /** Desired endpoints of running tasks, resolving the addresses events do not carry (EC2 hosts, public IPs). */
  async desired(running: readonly { fact: TaskFact; specs: TaskSpecs }[]): Promise<DesiredState> {
    const out: DesiredState = { records: [], instances: [], problems: [], incomplete: new Set(), health: new Map() };
    const networks = await this.networks(running);
    for (const { fact, specs } of running) {
      const subject = taskSubject(fact.taskId);
      const d = desiredForTask(
        fact,
        specs.taskDefinition,
        specs.labels.specs,
        networks.get(fact.taskArn) ?? {},
        this.settings.ownerId,
      );
      out.records.push(...d.records.map((r) => ({ ...r, subject })));
      out.instances.push(...d.instances.map((i) => ({ ...i, subject })));
      out.problems.push(...d.problems.map((message) => ({ subject, message })));
      if (d.missingAddress) out.incomplete.add(subject);
      gatedRegistrations(subject, fact, specs, out.health);
    }
    return out;
  }

  private async networks(running: readonly { fact: TaskFact; specs: TaskSpecs }[]): Promise<Map<string, TaskNetwork>> {
    const result = new Map<string, TaskNetwork>();
    const hostsByCluster = new Map<string, string[]>();
    const enis: string[] = [];
    for (const { fact, specs } of running) {
      const mode = fact.launchType === 'FARGATE' ? 'awsvpc' : specs.taskDefinition.networkMode;
      if (mode !== 'awsvpc' && fact.containerInstanceArn) {
        hostsByCluster.set(fact.clusterArn, [
          ...(hostsByCluster.get(fact.clusterArn) ?? []),
          fact.containerInstanceArn,
        ]);
      }
      const wantsPublic = specs.labels.specs.some((s) => s.ip === 'public');
      if (mode === 'awsvpc' && wantsPublic && fact.eni?.networkInterfaceId) enis.push(fact.eni.networkInterfaceId);
    }
    const hosts = new Map<string, HostAddresses>();
    for (const [cluster, arns] of hostsByCluster) {
      for (const [arn, host] of await this.ecs.hostAddresses(cluster, arns)) hosts.set(arn, host);
    }
    const publicIps = enis.length > 0 ? await this.ecs.eniPublicIps(enis) : new Map<string, string>();
    for (const { fact } of running) {
      const host = fact.containerInstanceArn ? hosts.get(fact.containerInstanceArn) : undefined;
      const eniId = fact.eni?.networkInterfaceId;
      result.set(fact.taskArn, {
        eniPublicIpv4: eniId ? publicIps.get(eniId) : undefined,
        hostPrivateIpv4: host?.privateIpv4,
        hostPublicIpv4: host?.publicIpv4,
        hostIpv6: host?.ipv6,
      });
    }
    return result;
  }
}
