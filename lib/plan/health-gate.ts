import { isTaskClaimRecord, registrationNameOf } from '../domain/claims';
import type { CloudMapInstance, DnsRecord } from '../domain/records';

/**
 * The health gate's second half (the first is desired/health.ts): which desired entries of unhealthy or not yet healthy
 * registrations are written. One implementation for the event path and the reconciler: planChanges applies it.
 *
 * A registration is a task's entries at one name (its A/AAAA, SRV, SRV target and claim records, keyed by the name
 * they serve) or its instance in one Cloud Map service.
 * - pending (health check not passed yet): its entries are written only if the registration is already there (never
 *   withdrawn for UNKNOWN), else left out (not registered yet);
 * - unhealthy: withdrawn only when, after this plan, the name still has an entry of a task not known to be unhealthy:
 *   one of this plan's healthy (or kept pending) registrations, or an entry this plan does not touch (another task's,
 *   another tool's). Otherwise every unhealthy registration of the name is kept and written (fail-open): a name
 *   answering only unhealthy tasks serves better than NXDOMAIN, which resolvers cache for the zone's SOA minimum.
 */
export type GatedHealth = 'unhealthy' | 'pending';

/** Key of a registration's gate: the subject and its group (`zone|name` for records, `cloudmap|service` for instances). */
export const healthKey = (subject: string, group: string): string => `${subject}|${group}`;
export const recordGroup = (zoneId: string, registrationName: string): string => `${zoneId}|${registrationName}`;
export const instanceGroup = (serviceId: string): string => `cloudmap|${serviceId}`;

export interface HealthOutcome {
  /** Registrations (`subject|group`) this plan withdraws because their container is UNHEALTHY. */
  withdrawn: string[];
  /** Groups (`zone|name` or `cloudmap|service`) kept with only unhealthy tasks: fail-open. */
  failOpen: string[];
}

type Subjected<T> = T & { subject: string };

export interface HealthGateInput {
  owner: string;
  desired: { records: Subjected<DnsRecord>[]; instances: Subjected<CloudMapInstance>[] };
  current: { records: DnsRecord[]; instances: CloudMapInstance[] };
  /** Registrations whose gate is not open, by healthKey; registrations not listed are healthy. */
  health: ReadonlyMap<string, GatedHealth>;
  inScope: (subject: string) => boolean;
  recordSubject: (r: DnsRecord) => string | undefined;
  instanceSubject: (i: CloudMapInstance) => string | undefined;
}

/** An entry as the gate sees it: its registration, its group, and whether it answers queries (claims do not). */
interface GateEntry {
  key: string;
  group: string;
  serving: boolean;
}

export function gateByHealth(input: HealthGateInput): {
  records: Subjected<DnsRecord>[];
  instances: Subjected<CloudMapInstance>[];
  outcome: HealthOutcome;
  /**
   * Whether an owned entry belongs to a registration the gate withdraws. The plan removes those even for a subject it
   * otherwise keeps as it is (a task with a registration ECS gave no address for): withdrawal is per registration.
   */
  withdraws: (subject: string, entry: DnsRecord | CloudMapInstance) => boolean;
} {
  const outcome: HealthOutcome = { withdrawn: [], failOpen: [] };
  const withdrawnKeys = new Set<string>();
  const withdraws = (subject: string, entry: DnsRecord | CloudMapInstance): boolean =>
    withdrawnKeys.size > 0 &&
    withdrawnKeys.has(
      'serviceId' in entry ? healthKey(subject, instanceGroup(entry.serviceId)) : ofRecord(entry, subject).key,
    );
  if (input.health.size === 0) return { ...input.desired, outcome, withdraws };
  function ofRecord(r: DnsRecord, subject: string): GateEntry {
    const group = recordGroup(r.zoneId, registrationNameOf(r.name, subject));
    return { key: healthKey(subject, group), group, serving: r.type !== 'TXT' && !isTaskClaimRecord(input.owner, r) };
  }
  const ofInstance = (i: CloudMapInstance, subject: string): GateEntry => {
    const group = instanceGroup(i.serviceId);
    return { key: healthKey(subject, group), group, serving: true };
  };
  const { registered, untouched } = currentView(input, ofRecord, ofInstance);
  const desired = [
    ...input.desired.records.map((r) => ({
      ...ofRecord(r, r.subject),
      gate: input.health.get(ofRecord(r, r.subject).key),
    })),
    ...input.desired.instances.map((i) => ({
      ...ofInstance(i, i.subject),
      gate: input.health.get(ofInstance(i, i.subject).key),
    })),
  ];
  const survivors = new Set(untouched);
  for (const d of desired) {
    const kept = d.gate === undefined || (d.gate === 'pending' && registered.has(d.key));
    if (kept && d.serving) survivors.add(d.group);
  }
  const keep = (d: (typeof desired)[number]): boolean => {
    if (d.gate === undefined) return true;
    if (d.gate === 'pending') return registered.has(d.key);
    if (!survivors.has(d.group)) {
      if (!outcome.failOpen.includes(d.group)) outcome.failOpen.push(d.group);
      return true;
    }
    withdrawnKeys.add(d.key);
    if (registered.has(d.key) && !outcome.withdrawn.includes(d.key)) outcome.withdrawn.push(d.key);
    return false;
  };
  const verdicts = desired.map(keep);
  const nRecords = input.desired.records.length;
  return {
    records: input.desired.records.filter((_, i) => verdicts[i]),
    instances: input.desired.instances.filter((_, i) => verdicts[nRecords + i]),
    outcome,
    withdraws,
  };
}

/**
 * What is there now: the registrations that have a serving entry (by key), and the groups holding a serving entry
 * this plan leaves alone (out of scope, or not the registrar's): those answer for the name whatever the plan does.
 */
function currentView(
  input: HealthGateInput,
  ofRecord: (r: DnsRecord, subject: string) => GateEntry,
  ofInstance: (i: CloudMapInstance, subject: string) => GateEntry,
): { registered: Set<string>; untouched: Set<string> } {
  const registered = new Set<string>();
  const untouched = new Set<string>();
  const see = (e: GateEntry, subject: string | undefined) => {
    if (!e.serving) return;
    if (subject) registered.add(e.key);
    // An unhealthy registration of a subject the plan otherwise leaves alone is not left alone (withdraws).
    if ((!subject || !input.inScope(subject)) && input.health.get(e.key) !== 'unhealthy') untouched.add(e.group);
  };
  for (const r of input.current.records) {
    const subject = input.recordSubject(r);
    see(ofRecord(r, subject ?? ''), subject);
  }
  for (const i of input.current.instances) {
    const subject = input.instanceSubject(i);
    see(ofInstance(i, subject ?? ''), subject);
  }
  return { registered, untouched };
}
