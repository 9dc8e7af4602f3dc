import type { RegistrationSpec, TaskDefinitionView } from '../config/labels';
import { taskClaimant, taskClaimRecord } from '../domain/claims';
import { normaliseName, srvName } from '../domain/dns-name';
import { OWNER_ATTRIBUTE, taskSetIdentifier } from '../domain/ownership';
import type { CloudMapInstance, DnsRecord } from '../domain/records';
import { ownershipRecordName } from '../domain/service-ownership';
import type { TaskFact } from '../events/task-fact';

/** Addresses the event does not carry, resolved by the caller from EC2 (host IPs, public IPs). */
export interface TaskNetwork {
  /** Public IPv4 of the task's ENI (awsvpc, from DescribeNetworkInterfaces). */
  eniPublicIpv4?: string;
  /** The EC2 host's addresses (bridge and host mode, via the container instance). */
  hostPrivateIpv4?: string;
  hostPublicIpv4?: string;
  hostIpv6?: string;
}

export interface DesiredEndpoints {
  records: DnsRecord[];
  instances: CloudMapInstance[];
  /** Registrations that could only be done in part, with the reason (a missing address or port binding). */
  problems: string[];
  /** A registration had no address to register: the task's desired entries are incomplete. */
  missingAddress?: boolean;
}

/**
 * The records and instances a running task should have, one multivalue record per task at each name (DESIGN.md
 * "Record shapes"):
 * - A/AAAA at `<name>.<domain>`;
 * - SRV at `_<name>._<proto>.<domain>` with value `1 1 <port> <task-id>.<name>.<domain>`, and that per-task target's
 *   A/AAAA, so SRV clients reach exactly this task on its real port;
 * - a Cloud Map instance whose id is the task id, with the ECS attributes, the owner mark and the custom attributes.
 */
export function desiredForTask(
  fact: TaskFact,
  taskDef: TaskDefinitionView,
  specs: readonly RegistrationSpec[],
  network: TaskNetwork,
  owner: string,
): DesiredEndpoints {
  const out: DesiredEndpoints = { records: [], instances: [], problems: [] };
  const setIdentifier = taskSetIdentifier(owner, fact.taskId, { region: fact.region, cluster: fact.clusterName });
  const mode = fact.launchType === 'FARGATE' ? 'awsvpc' : taskDef.networkMode;

  for (const spec of specs) {
    const where = `task ${fact.taskId} registration "${spec.id}"`;
    const ipv4 = pickIpv4(mode, spec.ip, fact, network);
    const ipv6 = mode === 'awsvpc' ? fact.eni?.ipv6 : mode === 'host' ? network.hostIpv6 : undefined;
    if (!ipv4 && !ipv6) {
      out.missingAddress = true;
      out.problems.push(
        `${where}: no ${spec.ip} IP address is known for the task (network mode ${mode}); nothing registered`,
      );
      continue;
    }
    const port = spec.port ? resolvePort(mode, spec, fact) : undefined;
    if (spec.port && port === undefined) {
      out.problems.push(
        `${where}: container "${spec.containerName}" has no network binding for port ${spec.port.containerPort}/${spec.port.protocol}; SRV and the Cloud Map port are skipped`,
      );
    }

    const kinds = new Set(spec.recordKinds);
    if (spec.explicitRecords) {
      if (kinds.has('A') && !ipv4) {
        out.missingAddress = true;
        out.problems.push(`${where}: A requested but the task has no ${spec.ip} IPv4 address`);
      }
      if (kinds.has('AAAA') && !ipv6) {
        out.missingAddress = true;
        out.problems.push(`${where}: AAAA requested but the task has no IPv6 address`);
      }
    }
    const base = { zoneId: spec.zoneId, setIdentifier, multiValue: true, ttl: spec.ttl };
    const address = (name: string) => {
      if (ipv4) out.records.push({ ...base, name, type: 'A', values: [ipv4] });
      if (ipv6) out.records.push({ ...base, name, type: 'AAAA', values: [ipv6] });
    };
    if (kinds.has('A') && ipv4) out.records.push({ ...base, name: spec.fqdn, type: 'A', values: [ipv4] });
    if (kinds.has('AAAA') && ipv6) out.records.push({ ...base, name: spec.fqdn, type: 'AAAA', values: [ipv6] });
    if (kinds.has('SRV') && port !== undefined && spec.port) {
      const target = normaliseName(`${fact.taskId}.${spec.fqdn}`);
      out.records.push({
        ...base,
        name: srvName(spec.fqdn, spec.port.protocol),
        type: 'SRV',
        values: [`1 1 ${port} ${target}`],
      });
      address(target);
    }
    // The task's claim on the name (domain/claims.ts): written and deleted with its other records.
    out.records.push(taskClaimRecord(base, ownershipRecordName(spec.fqdn, spec.zoneDomain), owner, taskClaimant(fact)));

    if (spec.cloudMapServiceId) {
      const attributes: Record<string, string> = {
        ...spec.attributes,
        ECS_CLUSTER_NAME: fact.clusterName,
        ECS_TASK_DEFINITION_FAMILY: fact.family,
        [OWNER_ATTRIBUTE]: owner,
      };
      if (ipv4) attributes.AWS_INSTANCE_IPV4 = ipv4;
      if (ipv6) attributes.AWS_INSTANCE_IPV6 = ipv6;
      if (port !== undefined) attributes.AWS_INSTANCE_PORT = String(port);
      if (fact.availabilityZone) attributes.AVAILABILITY_ZONE = fact.availabilityZone;
      if (fact.serviceName) attributes.ECS_SERVICE_NAME = fact.serviceName;
      out.instances.push({ serviceId: spec.cloudMapServiceId, instanceId: fact.taskId, attributes });
    }
  }
  return out;
}

function pickIpv4(mode: string, ip: 'private' | 'public', fact: TaskFact, network: TaskNetwork): string | undefined {
  if (mode === 'awsvpc') return ip === 'public' ? network.eniPublicIpv4 : fact.eni?.privateIpv4;
  return ip === 'public' ? network.hostPublicIpv4 : network.hostPrivateIpv4;
}

/**
 * The port clients must use: bridge mode maps container ports to (often dynamic) host ports that only the task's
 * networkBindings know; awsvpc and host mode expose the container port itself (aws-facts.md §1.2).
 */
function resolvePort(mode: string, spec: RegistrationSpec, fact: TaskFact): number | undefined {
  const mapping = spec.port!;
  if (mode === 'awsvpc') return mapping.containerPort;
  if (mode === 'host') return mapping.hostPort || mapping.containerPort;
  const container = fact.containers.find((c) => c.name === spec.containerName);
  const binding = container?.networkBindings.find(
    (b) => b.containerPort === mapping.containerPort && b.protocol === mapping.protocol,
  );
  return binding?.hostPort;
}
