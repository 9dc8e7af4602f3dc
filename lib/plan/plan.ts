import { isOwnedInstance, OWNER_ATTRIBUTE, ownedTaskId } from '../domain/ownership';
import {
  type CloudMapInstance,
  type DnsRecord,
  instanceKey,
  recordKey,
  sameAttributes,
  sameRecordContent,
} from '../domain/records';

/**
 * The pure heart of the registrar: desired endpoints vs what is currently there -> changes. The event path and the
 * reconciler both call this (no second implementation). Ownership rules live here:
 * - only records and instances this owner marked are ever updated or deleted;
 * - a desired record that would collide with a record someone else owns is not written but reported as a conflict,
 *   because Route 53 would reject it (or, for a same-key collision, we would overwrite it).
 */

export type Route53Change =
  | { provider: 'route53'; action: 'CREATE'; record: DnsRecord; subject: string }
  | { provider: 'route53'; action: 'DELETE'; record: DnsRecord; subject: string }
  | { provider: 'route53'; action: 'UPDATE'; record: DnsRecord; previous: DnsRecord; subject: string };

export type CloudMapChange =
  | {
      provider: 'cloudmap';
      action: 'REGISTER';
      instance: CloudMapInstance;
      previous?: CloudMapInstance;
      subject: string;
    }
  | { provider: 'cloudmap'; action: 'DEREGISTER'; instance: CloudMapInstance; subject: string };

export type Change = Route53Change | CloudMapChange;

export interface Conflict {
  provider: 'route53' | 'cloudmap';
  /** Stable key of what we wanted to write: `zone|name|type|setId` or `service|instance`. */
  key: string;
  subject: string;
  reason: string;
}

export interface Plan {
  changes: Change[];
  conflicts: Conflict[];
  /** Desired entries already correct: no write needed. */
  unchanged: number;
}

export interface EndpointSet {
  records: DnsRecord[];
  instances: CloudMapInstance[];
}

export interface PlanInput {
  owner: string;
  /** Every desired entry, each tagged with the subject (e.g. `task:<id>`) it belongs to. */
  desired: { records: Subjected<DnsRecord>[]; instances: Subjected<CloudMapInstance>[] };
  /** What was read at the names and Cloud Map services concerned: owned and foreign entries alike. */
  current: EndpointSet;
  /**
   * Which owned entries this plan may delete when they are not desired. The event path passes the subjects of its
   * batch (a batch knows nothing about other tasks); the reconciler omits it: everything owned is in scope.
   */
  inScope?: (subject: string) => boolean;
  /** Subject of an owned record, undefined for a record this owner did not write. Default: per-task records. */
  ownedRecordSubject?: (record: DnsRecord) => string | undefined;
}

export type Subjected<T> = T & { subject: string };

export const taskSubject = (taskId: string): string => `task:${taskId}`;

export function defaultOwnedRecordSubject(owner: string): (r: DnsRecord) => string | undefined {
  return (r) => {
    const taskId = ownedTaskId(owner, r.setIdentifier);
    return taskId ? taskSubject(taskId) : undefined;
  };
}

export function ownedInstanceSubject(owner: string, i: CloudMapInstance): string | undefined {
  return isOwnedInstance(owner, i.attributes) ? taskSubject(i.instanceId) : undefined;
}

export function planChanges(input: PlanInput): Plan {
  const plan: Plan = { changes: [], conflicts: [], unchanged: 0 };
  const inScope = input.inScope ?? (() => true);
  const subjectOf = input.ownedRecordSubject ?? defaultOwnedRecordSubject(input.owner);
  planRecords(input, subjectOf, inScope, plan);
  planInstances(input, inScope, plan);
  const order = { DELETE: 0, DEREGISTER: 0, UPDATE: 1, CREATE: 2, REGISTER: 2 } as const;
  plan.changes.sort((a, b) => order[a.action] - order[b.action]);
  return plan;
}

function planRecords(
  input: PlanInput,
  subjectOf: (r: DnsRecord) => string | undefined,
  inScope: (s: string) => boolean,
  plan: Plan,
): void {
  const current = new Map<string, DnsRecord>();
  const foreignAtName = new Map<string, DnsRecord[]>();
  for (const r of input.current.records) {
    current.set(recordKey(r), r);
    if (!subjectOf(r)) {
      const k = `${r.zoneId}|${r.name}`;
      foreignAtName.set(k, [...(foreignAtName.get(k) ?? []), r]);
    }
  }

  const desiredKeys = new Set<string>();
  for (const d of input.desired.records) {
    const key = recordKey(d);
    if (desiredKeys.has(key)) {
      plan.conflicts.push({
        provider: 'route53',
        key,
        subject: d.subject,
        reason: 'two registrations want the same record',
      });
      continue;
    }
    desiredKeys.add(key);
    const { subject, ...record } = d;
    const existing = current.get(key);
    if (existing && !subjectOf(existing)) {
      plan.conflicts.push({
        provider: 'route53',
        key,
        subject,
        reason: 'a record with this name, type and set identifier exists and is not owned by this registrar',
      });
      continue;
    }
    if (existing) {
      if (sameRecordContent(existing, record)) plan.unchanged++;
      else plan.changes.push({ provider: 'route53', action: 'UPDATE', record, previous: existing, subject });
      continue;
    }
    const blocker = blockingForeignRecord(record, foreignAtName.get(`${record.zoneId}|${record.name}`) ?? []);
    if (blocker) {
      plan.conflicts.push({ provider: 'route53', key, subject, reason: blocker });
      continue;
    }
    plan.changes.push({ provider: 'route53', action: 'CREATE', record, subject });
  }

  for (const [key, r] of current) {
    const subject = subjectOf(r);
    if (!subject || desiredKeys.has(key) || !inScope(subject)) continue;
    plan.changes.push({ provider: 'route53', action: 'DELETE', record: r, subject });
  }
}

/** Why Route 53 would refuse this record next to records someone else owns, or undefined when it can coexist. */
function blockingForeignRecord(record: DnsRecord, foreign: DnsRecord[]): string | undefined {
  for (const f of foreign) {
    if (f.type === 'CNAME' && record.type !== 'CNAME') {
      return `an unowned CNAME record exists at ${record.name}; no other record can share its name`;
    }
    if (record.type === 'CNAME')
      return `an unowned ${f.type} record exists at ${record.name}; a CNAME cannot share its name`;
    if (f.type !== record.type) continue;
    const policy = (r: DnsRecord) =>
      r.multiValue
        ? 'multivalue'
        : r.weight !== undefined
          ? 'weighted'
          : r.otherRouting
            ? r.otherRouting
            : r.setIdentifier
              ? 'routed'
              : 'simple';
    if (policy(f) !== policy(record)) {
      return `an unowned ${f.type} record with ${policy(f)} routing exists at ${record.name}; Route 53 does not mix it with ${policy(record)} records`;
    }
  }
  return undefined;
}

function planInstances(input: PlanInput, inScope: (s: string) => boolean, plan: Plan): void {
  const current = new Map<string, CloudMapInstance>();
  const ecsManaged = new Set<string>();
  for (const i of input.current.instances) {
    current.set(instanceKey(i), i);
    // Instances ECS registers itself carry its attributes but no owner mark (aws-facts.md §4).
    if (!i.attributes[OWNER_ATTRIBUTE] && i.attributes.ECS_CLUSTER_NAME !== undefined) ecsManaged.add(i.serviceId);
  }
  const desiredKeys = new Set<string>();
  for (const d of input.desired.instances) {
    const key = instanceKey(d);
    const { subject, ...instance } = d;
    if (desiredKeys.has(key)) {
      plan.conflicts.push({
        provider: 'cloudmap',
        key,
        subject,
        reason: 'two registrations want the same Cloud Map instance',
      });
      continue;
    }
    desiredKeys.add(key);
    if (ecsManaged.has(d.serviceId)) {
      plan.conflicts.push({
        provider: 'cloudmap',
        key,
        subject,
        reason: `Cloud Map service ${d.serviceId} is managed by ECS service discovery; the registrar never writes into it`,
      });
      continue;
    }
    const existing = current.get(key);
    if (existing && !isOwnedInstance(input.owner, existing.attributes)) {
      plan.conflicts.push({
        provider: 'cloudmap',
        key,
        subject,
        reason: 'an instance with this id exists and is not owned by this registrar',
      });
      continue;
    }
    if (existing && sameAttributes(existing.attributes, instance.attributes)) {
      plan.unchanged++;
      continue;
    }
    plan.changes.push({ provider: 'cloudmap', action: 'REGISTER', instance, previous: existing, subject });
  }
  for (const [key, i] of current) {
    const subject = ownedInstanceSubject(input.owner, i);
    if (!subject || desiredKeys.has(key) || !inScope(subject)) continue;
    plan.changes.push({ provider: 'cloudmap', action: 'DEREGISTER', instance: i, subject });
  }
}
