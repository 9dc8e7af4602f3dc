import type { WriteMode } from '../config/settings';
import { byApplyOrder, type Change, type Route53Change } from '../domain/changes';
import { isTaskClaimRecord, registrationNameOf } from '../domain/claims';
import { joinKey } from '../domain/key';
import { pushTo } from '../domain/multimap';
import { isOwnedInstance, OWNER_ATTRIBUTE, parseSetIdentifier } from '../domain/ownership';
import {
  type CloudMapInstance,
  type DnsRecord,
  instanceKey,
  recordKey,
  sameAttributes,
  sameRecordContent,
} from '../domain/records';
import { coveredName, isServiceSubject, readOwnershipRecord, serviceRecordOwners } from '../domain/service-ownership';
import { taskSubject } from '../domain/subject';
import { contestedLosers, firstClaims, refusedRegistrations } from './claims';
import { refusedInstances } from './cloudmap-claims';
import { type GatedHealth, gateByHealth, type HealthOutcome } from './health-gate';
import { type NameFilter, outsideView } from './name-filter';
import { DEFAULT_NAME_POLICY, type NamePolicy } from './name-policy';

/**
 * The pure heart of the registrar: desired endpoints vs what is currently there -> changes. The event path and the
 * reconciler both call this (no second implementation). Ownership rules live here:
 * - only records and instances this owner marked are ever updated or deleted;
 * - a desired record that would collide with a record someone else owns is not written but reported as a conflict,
 *   because Route 53 would reject it (or, for a same-key collision, we would overwrite it);
 * - a service's records at one alias name (the alias or CNAME records and their ownership record) form an atomic
 *   group: written in one Route 53 request, and not written at all when any of them conflicts, so an ownership
 *   record never claims a record the registrar did not write.
 */

export type { Change, CloudMapChange, Route53Change } from '../domain/changes';
export type { GatedHealth, HealthOutcome } from './health-gate';

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
  /** Changes the write mode (REGISTRAR_POLICY) held back, with the reason: reported, never applied. */
  skipped?: { change: Change; reason: string }[];
  /**
   * Owned records this plan would have deleted but kept because their name is outside the stack's view (zone and
   * domain filters, name-filter.ts): never deleted, reported with the filter that keeps them.
   */
  outsideView?: { subject: string; key: string; reason: string }[];
  /**
   * Deletions of a claimant's records at a name (or instances in a Cloud Map service) it lost to another claimant (two
   * first claims at once: claims.ts contestedLosers, cloudmap-claims.ts), by record or instance key: a claims matter,
   * not a judgement of ECS, so deletion guards leave them out.
   */
  withdrawn?: { subject: string; key: string; reason: string }[];
  /** Keys of the claim records this plan creates that are their claimant's first at the name (claims.ts firstClaims). */
  firstClaims?: string[];
  /** What the health gate did (health-gate.ts): present when any registration's gate was closed. */
  health?: HealthOutcome;
}

export interface EndpointSet {
  records: DnsRecord[];
  instances: CloudMapInstance[];
}

export interface PlanInput {
  owner: string;
  /** Every desired entry, each tagged with the subject (e.g. `task:<id>`) it belongs to. */
  desired: {
    records: Subjected<DnsRecord>[];
    instances: Subjected<CloudMapInstance>[];
    /** Registrations whose health gate is not open (health-gate.ts), by healthKey; none listed: all healthy. */
    health?: ReadonlyMap<string, GatedHealth>;
  };
  /** What was read at the names and Cloud Map services concerned: owned and foreign entries alike. */
  current: EndpointSet;
  /**
   * Which owned entries this plan may delete when they are not desired. The event path passes the subjects of its
   * batch (a batch knows nothing about other tasks); the reconciler omits it: everything owned is in scope.
   */
  inScope?: (subject: string) => boolean;
  /**
   * Subject of an owned record, undefined for a record this owner did not write. Default:
   * defaultOwnedRecordSubject(owner, current.records): per-task records and service records.
   */
  ownedRecordSubject?: (record: DnsRecord) => string | undefined;
  /** Who may register which names, share them, join foreign sets (name-policy.ts). Default: DEFAULT_NAME_POLICY. */
  policy?: NamePolicy;
  /** sync (default): every change; upsert-only: no deletes; create-only: no deletes and no updates. */
  mode?: WriteMode;
}

export type Subjected<T> = T & { subject: string };

export { taskSubject };

/**
 * Who owns a record:
 * - a per-task record: its SetIdentifier `ecs-registrar:<owner>:<taskId>` -> `task:<taskId>`;
 * - a service ownership record (domain/service-ownership.ts) -> `service:<cluster>/<service>`;
 * - a service's alias/CNAME record: the service whose ownership record, among `current`, covers its name and type.
 * Without `current`, alias and CNAME records count as unowned (never touched). Pass every record read at the names
 * concerned, ownership records included, for the full answer.
 */
export function defaultOwnedRecordSubject(
  owner: string,
  current: readonly DnsRecord[] = [],
): (r: DnsRecord) => string | undefined {
  const serviceOwner = serviceRecordOwners(owner, current);
  return (r) => {
    // The mark read once (isServiceSetIdentifier and ownedTaskId would each read it): asked of every record reconciled.
    const mark = parseSetIdentifier(r.setIdentifier);
    if (mark?.owner !== owner) return serviceOwner(r);
    return mark.subject.startsWith('service/') ? readOwnershipRecord(owner, r)?.subject : taskSubject(mark.subject);
  };
}

/** The atomic group of a change: a service's records at one alias name in one zone; tasks have none. */
export function atomicGroupOf(subject: string, record: Pick<DnsRecord, 'zoneId' | 'name'>): string | undefined {
  if (!isServiceSubject(subject)) return undefined;
  return `${subject}|${record.zoneId}|${coveredName(record.name) ?? record.name}`;
}

export function ownedInstanceSubject(owner: string, i: CloudMapInstance): string | undefined {
  return isOwnedInstance(owner, i.attributes) ? taskSubject(i.instanceId) : undefined;
}

export function planChanges(unGated: PlanInput): Plan {
  const plan: Plan = { changes: [], conflicts: [], unchanged: 0 };
  const inScope = unGated.inScope ?? (() => true);
  const subjectOf = unGated.ownedRecordSubject ?? defaultOwnedRecordSubject(unGated.owner, unGated.current.records);
  // The health gate first: what it leaves out is not desired, so the diff withdraws it like any other entry.
  const gated = gateByHealth({
    owner: unGated.owner,
    desired: unGated.desired,
    current: unGated.current,
    health: unGated.desired.health ?? new Map(),
    inScope,
    recordSubject: subjectOf,
    instanceSubject: (i) => ownedInstanceSubject(unGated.owner, i),
  });
  if (unGated.desired.health?.size) plan.health = gated.outcome;
  const input: PlanInput = { ...unGated, desired: { records: gated.records, instances: gated.instances } };
  const mayTouch: MayTouch = (s, entry) => inScope(s) || gated.withdraws(s, entry);
  planRecords(input, subjectOf, mayTouch, plan);
  enforceSetIdentifierLimit(input.current.records, plan);
  planInstances(input, mayTouch, plan);
  holdBackByMode(input.mode ?? 'sync', plan);
  plan.changes.sort(byApplyOrder);
  return plan;
}

/**
 * The second look at claims after a write (engine/claim-recheck.ts): the owned records, among those read at some names,
 * of registrations that lost a contested name (claims.ts contestedLosers), whoever's they are, as DELETE changes, and
 * the same list in `withdrawn`. Of two containers that each saw a name free and both wrote, the one that wrote second
 * reads both claims after its write and withdraws the loser, itself or the other; the next reconcile does the same.
 * The name filters and the write mode apply as to every plan.
 */
export function planContestWithdrawals(input: {
  owner: string;
  current: readonly DnsRecord[];
  policy?: NamePolicy;
  mode?: WriteMode;
}): Plan {
  const plan: Plan = { changes: [], conflicts: [], unchanged: 0 };
  const policy = input.policy ?? DEFAULT_NAME_POLICY;
  const losers = contestedLosers(input.owner, input.current, policy);
  if (losers.size === 0) return plan;
  const subjectOf = defaultOwnedRecordSubject(input.owner, input.current);
  for (const record of input.current) {
    const subject = subjectOf(record);
    const lost = subject && losers.get(registrationKey({ ...record, subject }));
    if (!subject || !lost || outsideView(policy.filter, record.zoneId, registrationNameOf(record.name, subject)))
      continue;
    const atomicGroup = atomicGroupOf(subject, record);
    plan.changes.push({
      provider: 'route53',
      action: 'DELETE',
      record,
      subject,
      ...(atomicGroup ? { atomicGroup } : {}),
    });
    plan.withdrawn = [...(plan.withdrawn ?? []), { subject, key: recordKey(record), reason: lost }];
  }
  holdBackByMode(input.mode ?? 'sync', plan);
  plan.changes.sort(byApplyOrder);
  return plan;
}

/**
 * upsert-only never deletes, create-only never deletes nor changes what exists (docs/names.md "Modes"). What is held
 * back is reported in `skipped`. A service's atomic group is held back whole when any of its changes is: half of it
 * would leave an ownership record that does not say what is at its name.
 */
function holdBackByMode(mode: WriteMode, plan: Plan): void {
  if (mode === 'sync') return;
  const held = (c: Change): boolean =>
    c.action === 'DELETE' ||
    c.action === 'DEREGISTER' ||
    (mode === 'create-only' && (c.action === 'UPDATE' || (c.action === 'REGISTER' && c.previous !== undefined)));
  const heldGroups = new Set<string>();
  for (const c of plan.changes) if (held(c) && c.provider === 'route53' && c.atomicGroup) heldGroups.add(c.atomicGroup);
  const skipped: { change: Change; reason: string }[] = [];
  plan.changes = plan.changes.filter((c) => {
    const inHeldGroup = c.provider === 'route53' && c.atomicGroup !== undefined && heldGroups.has(c.atomicGroup);
    if (!held(c) && !inHeldGroup) return true;
    skipped.push({
      change: c,
      reason: held(c)
        ? `REGISTRAR_POLICY=${mode}: ${c.action.toLowerCase()} not applied`
        : `REGISTRAR_POLICY=${mode}: held back with the rest of its group`,
    });
    return false;
  });
  if (skipped.length > 0) plan.skipped = skipped;
}

/** Route 53 keeps at most 100 records with a set identifier (multivalue, weighted, ...) per name and type. */
export const MAX_RECORDS_PER_NAME_AND_TYPE = 100;

/**
 * Creates past that limit are reported instead of sent: Route 53 would reject them (InvalidChangeBatch), and a change
 * that can never succeed must not be retried into the dead-letter queue. Multivalue answers return at most 8 records,
 * so a name served by 100 tasks answers as well as one served by 500; the report says which tasks were left out.
 */
function enforceSetIdentifierLimit(current: readonly DnsRecord[], plan: Plan): void {
  const limited = (c: Change): c is Route53Change =>
    c.provider === 'route53' && c.action === 'CREATE' && c.record.setIdentifier !== undefined && !c.atomicGroup;
  const nameType = (r: DnsRecord) => `${r.zoneId}|${r.name}|${r.type}`;
  // Only the names this plan creates such records at are counted: a reconcile's zone holds tens of thousands more.
  const names = new Set<string>();
  for (const c of plan.changes) if (limited(c)) names.add(c.record.name);
  if (names.size === 0) return;
  const count = new Map<string, number>();
  for (const r of current) {
    if (r.setIdentifier !== undefined && names.has(r.name)) count.set(nameType(r), (count.get(nameType(r)) ?? 0) + 1);
  }
  for (const c of plan.changes) {
    if (c.provider === 'route53' && c.action === 'DELETE' && c.record.setIdentifier !== undefined) {
      count.set(nameType(c.record), (count.get(nameType(c.record)) ?? 0) - 1);
    }
  }
  plan.changes = plan.changes.filter((c) => {
    if (!limited(c)) return true;
    const n = (count.get(nameType(c.record)) ?? 0) + 1;
    if (n > MAX_RECORDS_PER_NAME_AND_TYPE) {
      plan.conflicts.push({
        provider: 'route53',
        key: recordKey(c.record),
        subject: c.subject,
        reason: `Route 53 allows at most ${MAX_RECORDS_PER_NAME_AND_TYPE} records with a set identifier per name and type; ${c.record.name} ${c.record.type} already has them`,
      });
      return false;
    }
    count.set(nameType(c.record), n);
    return true;
  });
}

/**
 * A current record with what the plan asks of it again and again, worked out once per plan: its key and its owner's
 * subject. A reconcile plans tens of thousands of records, and every key built afresh is a new string to hash.
 */
interface CurrentEntry {
  record: DnsRecord;
  key: string;
  subject: string | undefined;
}

/** A desired record, its key, and the current record of that key: worked out once per plan. */
interface DesiredEntry {
  record: Subjected<DnsRecord>;
  key: string;
  current: CurrentEntry | undefined;
}

/** The current records by key (the last of a key wins, as Route 53 holds one), each with its subject. */
function indexCurrent(
  records: readonly DnsRecord[],
  subjectOf: (r: DnsRecord) => string | undefined,
): Map<string, CurrentEntry> {
  const byKey = new Map<string, CurrentEntry>();
  for (const record of records) {
    const key = recordKey(record);
    byKey.set(key, { record, key, subject: subjectOf(record) });
  }
  return byKey;
}

interface CurrentRecords {
  /** Owned records no longer desired, of subjects this plan may touch, with their subject. */
  deleting: Map<CurrentEntry, string>;
  /** Every other record, by `zone|name`: they decide what else may be written at their name. */
  stayingAtName: Map<string, CurrentEntry[]>;
  /** The records of stayingAtName, name by name: what holds the names after this plan (claims.ts). */
  staying: DnsRecord[];
  /** Owned records not desired, kept only because their name is outside the stack's view. */
  outside: { subject: string; key: string; reason: string }[];
}

/** Whether the plan may delete this owned entry of `subject` when it is not desired (inScope, or the health gate). */
type MayTouch = (subject: string, entry: DnsRecord | CloudMapInstance) => boolean;

function partitionCurrent(
  byKey: ReadonlyMap<string, CurrentEntry>,
  desired: readonly DesiredEntry[],
  filter: NameFilter | undefined,
  inScope: MayTouch,
): CurrentRecords {
  // A record stays when its own subject still wants it: a record one service gives up and another takes over (an
  // alias name moving between services in one batch) is deleted and created again, never silently re-owned.
  const wanted = new Set<CurrentEntry>();
  for (const d of desired) if (d.current && d.current.subject === d.record.subject) wanted.add(d.current);
  const deleting = new Map<CurrentEntry, string>();
  const stayingAtName = new Map<string, CurrentEntry[]>();
  const outside: CurrentRecords['outside'] = [];
  for (const entry of byKey.values()) {
    const { record: r, key, subject } = entry;
    if (subject && !wanted.has(entry) && inScope(subject, r)) {
      const why = outsideView(filter, r.zoneId, registrationNameOf(r.name, subject));
      if (!why) {
        deleting.set(entry, subject);
        continue;
      }
      outside.push({ subject, key, reason: `${why}: kept as it is (the registrar never deletes outside its view)` });
    }
    pushTo(stayingAtName, joinKey(r.zoneId, r.name), entry);
  }
  const staying: DnsRecord[] = [];
  for (const entries of stayingAtName.values()) for (const e of entries) staying.push(e.record);
  return { deleting, stayingAtName, staying, outside };
}

/** What to do with one desired record: a change, nothing (already correct), or a conflict with its reason. */
type RecordDecision = { change: Route53Change } | { unchanged: true } | { conflict: string };

function decideRecord(
  { record: d, current }: DesiredEntry,
  state: CurrentRecords,
  policy: NamePolicy,
  refusal: string | undefined,
): RecordDecision {
  if (refusal) return { conflict: refusal };
  const existing = current && !state.deleting.has(current) ? current : undefined;
  if (existing && !existing.subject) {
    return { conflict: 'a record with this name, type and set identifier exists and is not owned by this registrar' };
  }
  if (existing && existing.subject !== d.subject) {
    return { conflict: `a record with this name and type is already registered for ${existing.subject}` };
  }
  // Most desired records are there already: compared as they come (sameRecordContent reads only Route 53's fields).
  if (existing && sameRecordContent(existing.record, d)) return { unchanged: true };
  // The subject is the plan's tag, not part of the record: left out of the change.
  const { subject, ...record } = d;
  const atomicGroup = atomicGroupOf(subject, record);
  const grouped = atomicGroup === undefined ? {} : { atomicGroup };
  if (existing) {
    return {
      change: { provider: 'route53', action: 'UPDATE', record, previous: existing.record, subject, ...grouped },
    };
  }
  const others = (state.stayingAtName.get(joinKey(record.zoneId, record.name)) ?? []).filter(
    (o) => o.subject !== subject,
  );
  const blocker = blockingRecord(record, others);
  if (blocker) return { conflict: blocker };
  if (record.setIdentifier !== undefined && policy.foreignSets === 'refuse') {
    const foreign = others
      .filter((o) => !o.subject && o.record.type === record.type && o.record.setIdentifier !== undefined)
      .map((o) => o.record.setIdentifier);
    if (foreign.length > 0) {
      return {
        conflict: `${record.name} ${record.type} holds records the registrar does not own (SetIdentifier ${foreign.join(', ')}); joining a foreign record set is refused (REGISTRAR_NAME_POLICY foreignSets)`,
      };
    }
  }
  return { change: { provider: 'route53', action: 'CREATE', record, subject, ...grouped } };
}

function planRecords(
  input: PlanInput,
  subjectOf: (r: DnsRecord) => string | undefined,
  inScope: MayTouch,
  plan: Plan,
): void {
  // Claims: a name held by one claimant is refused to another unless the policy lets them share (docs/names.md).
  const policy = input.policy ?? DEFAULT_NAME_POLICY;
  const current = indexCurrent(input.current.records, subjectOf);
  const desired = input.desired.records.map((record): DesiredEntry => {
    const key = recordKey(record);
    return { record, key, current: current.get(key) };
  });
  const { state, losers } = partitionWithContests(input.owner, current, desired, inScope, policy);
  const refused = refusedRegistrations(input.owner, input.desired.records, state.staying, policy, losers);
  const refusalOf = (d: Subjected<DnsRecord>): string | undefined => {
    // No filter, no name outside the view: the registration's name is worked out only when a filter asks.
    const why = policy.filter && outsideView(policy.filter, d.zoneId, registrationNameOf(d.name, d.subject));
    return why
      ? `${why}: not written (the registrar never writes outside its view)`
      : claimsVerdict(d, losers, refused);
  };

  const seen = new Set<string>();
  const conflictedGroups = new Set<string>();
  const conflictedKeys = new Set<string>();
  if (state.outside.length > 0) plan.outsideView = state.outside;
  for (const entry of desired) {
    const { record: d, key } = entry;
    const decision = seen.has(key)
      ? { conflict: 'two registrations want the same record' }
      : decideRecord(entry, state, policy, refusalOf(d));
    seen.add(key);
    if ('change' in decision) plan.changes.push(decision.change);
    else if ('unchanged' in decision) plan.unchanged++;
    else {
      conflictedKeys.add(`${key}#${d.subject}`);
      plan.conflicts.push({ provider: 'route53', key, subject: d.subject, reason: decision.conflict });
      const group = atomicGroupOf(d.subject, d);
      if (group) conflictedGroups.add(group);
    }
  }

  for (const [{ record }, subject] of state.deleting) {
    const lost = losers.get(registrationKey({ ...record, subject }));
    if (lost) plan.withdrawn = [...(plan.withdrawn ?? []), { subject, key: recordKey(record), reason: lost }];
    const atomicGroup = atomicGroupOf(subject, record);
    plan.changes.push({
      provider: 'route53',
      action: 'DELETE',
      record,
      subject,
      ...(atomicGroup === undefined ? {} : { atomicGroup }),
    });
  }
  dropClaimsWithoutRecords(input, conflictedKeys, plan);
  const created = plan.changes.flatMap((c) => (c.provider === 'route53' && c.action === 'CREATE' ? [c.record] : []));
  const first = firstClaims(input.owner, created, state.staying);
  if (first.length > 0) plan.firstClaims = first;
  // A service's records at one name are written all together or not at all.
  if (conflictedGroups.size > 0) {
    plan.changes = plan.changes.filter(
      (c) => c.provider !== 'route53' || c.atomicGroup === undefined || !conflictedGroups.has(c.atomicGroup),
    );
  }
}

/** Why the claims refuse a desired record's registration (it lost a contested name, or the policy refuses it). */
function claimsVerdict(
  d: Subjected<DnsRecord>,
  losers: ReadonlyMap<string, string>,
  refused: ReadonlyMap<string, string>,
): string | undefined {
  // Most plans refuse nothing: the registration's key is built only when there is something to look it up in.
  if (losers.size === 0 && refused.size === 0) return undefined;
  const key = registrationKey(d);
  return losers.get(key) ?? refused.get(key);
}

/**
 * The current records split as partitionCurrent does, after the tie-break of contested names (claims.ts
 * contestedLosers): a losing registration is no longer desired, so its records are withdrawn where this plan may
 * touch its subject, and it is refused the name.
 */
function partitionWithContests(
  owner: string,
  current: ReadonlyMap<string, CurrentEntry>,
  desired: readonly DesiredEntry[],
  inScope: MayTouch,
  policy: NamePolicy,
): { state: CurrentRecords; losers: Map<string, string> } {
  const first = partitionCurrent(current, desired, policy.filter, inScope);
  const losers = contestedLosers(owner, first.staying, policy);
  if (losers.size === 0) return { state: first, losers };
  const remaining = desired.filter((d) => !losers.has(registrationKey(d.record)));
  return { state: partitionCurrent(current, remaining, policy.filter, inScope), losers };
}

const registrationKey = (r: Pick<Subjected<DnsRecord>, 'subject' | 'zoneId' | 'name'>): string =>
  joinKey(r.subject, r.zoneId, registrationNameOf(r.name, r.subject));

/**
 * A task's claim record is written only beside a record it claims for: when every other record of the registration
 * is refused, the task holds nothing at the name and must not block it for others.
 */
function dropClaimsWithoutRecords(input: PlanInput, conflictedKeys: ReadonlySet<string>, plan: Plan): void {
  // Nothing refused: every claim created has its records beside it.
  if (conflictedKeys.size === 0) return;
  const claimable = new Map<string, { all: number; refused: number }>();
  for (const d of input.desired.records) {
    if (isTaskClaimRecord(input.owner, d)) continue;
    const k = registrationKey(d);
    const n = claimable.get(k) ?? { all: 0, refused: 0 };
    n.all++;
    if (conflictedKeys.has(`${recordKey(d)}#${d.subject}`)) n.refused++;
    claimable.set(k, n);
  }
  plan.changes = plan.changes.filter((c) => {
    if (c.provider !== 'route53' || c.action !== 'CREATE' || !isTaskClaimRecord(input.owner, c.record)) return true;
    const n = claimable.get(registrationKey({ ...c.record, subject: c.subject }));
    return !n || n.refused < n.all;
  });
}

/**
 * Why Route 53 would refuse this record next to the records that stay at its name (foreign ones, or another subject's),
 * or undefined when it can coexist.
 */
function blockingRecord(record: DnsRecord, others: { record: DnsRecord; subject?: string }[]): string | undefined {
  for (const { record: f, subject } of others) {
    const whose = subject ? `${f.type} record registered for ${subject}` : `unowned ${f.type} record`;
    if (f.type === 'CNAME' && record.type !== 'CNAME') {
      return subject
        ? `a CNAME record registered for ${subject} exists at ${record.name}; no other record can share its name`
        : `an unowned CNAME record exists at ${record.name}; no other record can share its name`;
    }
    if (record.type === 'CNAME') return `an ${whose} exists at ${record.name}; a CNAME cannot share its name`;
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
      return `an ${whose} with ${policy(f)} routing exists at ${record.name}; Route 53 does not mix it with ${policy(record)} records`;
    }
  }
  return undefined;
}

function planInstances(input: PlanInput, inScope: MayTouch, plan: Plan): void {
  const current = new Map<string, CloudMapInstance>();
  const ecsManaged = new Set<string>();
  for (const i of input.current.instances) {
    current.set(instanceKey(i), i);
    // Instances ECS registers itself carry its attributes but no owner mark (aws-facts.md §4).
    if (!i.attributes[OWNER_ATTRIBUTE] && i.attributes.ECS_CLUSTER_NAME !== undefined) ecsManaged.add(i.serviceId);
  }
  // Claims on Cloud Map services (cloudmap-claims.ts): held by the owned instances that stay after this plan.
  const wanted = new Set(input.desired.instances.map(instanceKey));
  const staying = [...current.values()].filter((i) => {
    const subject = ownedInstanceSubject(input.owner, i);
    return subject && (wanted.has(instanceKey(i)) || !inScope(subject, i));
  });
  const claims = refusedInstances(input.owner, input.desired.instances, staying, input.policy ?? DEFAULT_NAME_POLICY);
  const desiredKeys = new Set<string>();
  for (const d of input.desired.instances) {
    const key = instanceKey(d);
    const { subject, ...instance } = d;
    const refusal = claims.refused.get(key) ?? claims.withdrawn.get(key);
    if (refusal) {
      // A refused instance keeps what it has; one that lost a contested service is deregistered below (in scope).
      if (!claims.withdrawn.has(key)) desiredKeys.add(key);
      plan.conflicts.push({ provider: 'cloudmap', key, subject, reason: refusal });
      continue;
    }
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
    if (!subject || desiredKeys.has(key) || !inScope(subject, i)) continue;
    plan.changes.push({ provider: 'cloudmap', action: 'DEREGISTER', instance: i, subject });
    const lost = claims.withdrawn.get(key);
    if (lost) plan.withdrawn = [...(plan.withdrawn ?? []), { subject, key, reason: lost }];
  }
}
