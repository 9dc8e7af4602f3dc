import { isTaskIdShaped } from './dns-name';
import { ownedTaskMark } from './ownership';
import type { DnsRecord } from './records';
import {
  coveredName,
  HERITAGE,
  OWNERSHIP_LABEL,
  readOwnershipRecord,
  txtPayload,
  withoutFinalDot,
} from './service-ownership';
import { isTaskSubject, taskIdOfSubject, taskSubject } from './subject';

/**
 * Who holds a name (docs/names.md). A claimant is an ECS service (`service:<cluster>/<service>`, its tasks and its
 * alias records alike) or, for tasks no service started, a task family in a cluster (`family:<cluster>/<family>`).
 *
 * Claims live in Route 53 itself, beside the ownership records, so there is no store to lose and nothing to migrate:
 * - a service's claim on name N is its ownership record at `<N>._ecs-registrar.<zone>` (service-ownership.ts);
 * - a task's claim on N is a claim record there too: a multivalue TXT whose SetIdentifier is the task's own mark
 *   (`ecs-registrar:<owner>:<taskId>:<region>/<cluster>`) and whose value names the claimant:
 *     payments._ecs-registrar.example.com.  TXT  "heritage=ecs-registrar,owner=<owner>,claimant=service:<cluster>/<svc>"
 *   It is one more record of the task, keyed by its mark, written and deleted with the task's other records: a claim
 *   is released exactly when the holder's last task goes, with no shared record to read-modify-write.
 * - task records written before claims were recorded have no claim record; their mark still says the cluster, so they
 *   hold the name for that cluster (`cluster:<cluster>`), and for nobody in particular when the mark has no readable
 *   location (old or hashed marks: those block no one, so an upgrade never refuses a service its own name).
 */

export type Claimant = string;

export const serviceClaimant = (cluster: string, service: string): Claimant => `service:${cluster}/${service}`;
export const familyClaimant = (cluster: string, family: string): Claimant => `family:${cluster}/${family}`;

/** The claimant of a task: its service when a service started it (ECS group `service:<name>`), else its family. */
export function taskClaimant(task: { clusterName: string; serviceName?: string; family: string }): Claimant {
  return task.serviceName
    ? serviceClaimant(task.clusterName, task.serviceName)
    : familyClaimant(task.clusterName, task.family);
}

/** The cluster part of a claimant (`cluster:<c>` claims from old marks included). */
export function claimantCluster(claimant: Claimant): string {
  const rest = claimant.slice(claimant.indexOf(':') + 1);
  const slash = rest.indexOf('/');
  return slash < 0 ? rest : rest.slice(0, slash);
}

/** The service or family name of a claimant, undefined for a cluster-only claim. */
export function claimantMember(claimant: Claimant): string | undefined {
  const rest = claimant.slice(claimant.indexOf(':') + 1);
  const slash = rest.indexOf('/');
  return slash < 0 ? undefined : rest.slice(slash + 1);
}

/** Characters per TXT character-string; longer values are split into several strings. */
const TXT_STRING_MAX = 255;

export function encodeClaimValue(owner: string, claimant: Claimant): string {
  const payload = `heritage=${HERITAGE},owner=${owner},claimant=${claimant}`;
  const strings: string[] = [];
  for (let i = 0; i < payload.length; i += TXT_STRING_MAX) strings.push(payload.slice(i, i + TXT_STRING_MAX));
  return strings.map((s) => `"${s}"`).join(' ');
}

const CLAIM_VALUE =
  /^heritage=ecs-registrar,owner=([A-Za-z0-9._-]+),claimant=((?:service|family):[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+)$/;

export function decodeClaimValue(value: string): { owner: string; claimant: Claimant } | undefined {
  const m = CLAIM_VALUE.exec(txtPayload(value));
  return m ? { owner: m[1]!, claimant: m[2]! } : undefined;
}

/** The claim record of a task on `fqdn`: `<rel>._ecs-registrar.<zone>`, the name the zone's ownership records use. */
export function taskClaimRecord(
  base: Pick<DnsRecord, 'zoneId' | 'setIdentifier' | 'ttl'>,
  ownershipName: string,
  owner: string,
  claimant: Claimant,
): DnsRecord {
  return { ...base, name: ownershipName, type: 'TXT', multiValue: true, values: [encodeClaimValue(owner, claimant)] };
}

/** A claim on a name, read from a claim record or an ownership record this owner wrote. */
export interface NameClaim {
  /** The subject whose record makes the claim (`task:<id>` or `service:<cluster>/<service>`). */
  subject: string;
  zoneId: string;
  /** The claimed name, normalised (`payments.example.com.`). */
  name: string;
  /** The name relative to its zone (`payments`; `@` for the apex), as name policies match it. */
  relative: string;
  claimant: Claimant;
  record: DnsRecord;
}

/** The name relative to the zone, from the ownership-record name: `a.b._ecs-registrar.zone.` -> `a.b`; apex `@`. */
function relativeOf(ownershipName: string): string | undefined {
  const labels = withoutFinalDot(ownershipName).split('.');
  const at = labels.indexOf(OWNERSHIP_LABEL);
  if (at < 0) return undefined;
  return at === 0 ? '@' : labels.slice(0, at).join('.');
}

/**
 * What readClaim found for a record, for the owner that asked last (a process serves one owner): a plan asks about
 * every record several times (partition, refusals, contests), and a reconcile plans tens of thousands of them.
 * Records are values, never changed once read.
 */
const claimsRead = new WeakMap<DnsRecord, { owner: string; claim: NameClaim | undefined }>();

/** The claim a record makes, when it is this owner's claim record or ownership record; undefined otherwise. */
export function readClaim(owner: string, r: DnsRecord): NameClaim | undefined {
  if (r.type !== 'TXT' || !r.multiValue) return undefined;
  const known = claimsRead.get(r);
  if (known?.owner === owner) return known.claim;
  const claim = decodeClaimRecord(owner, r);
  claimsRead.set(r, { owner, claim });
  return claim;
}

function decodeClaimRecord(owner: string, r: DnsRecord): NameClaim | undefined {
  const name = coveredName(r.name);
  const relative = relativeOf(r.name);
  if (!name || !relative) return undefined;
  const service = readOwnershipRecord(owner, r);
  if (service)
    return { subject: service.subject, zoneId: r.zoneId, name, relative, claimant: service.subject, record: r };
  const mark = ownedTaskMark(owner, r.setIdentifier);
  if (!mark || r.values?.length !== 1) return undefined;
  const value = decodeClaimValue(r.values[0]!);
  if (!value || value.owner !== owner) return undefined;
  return { subject: taskSubject(mark.taskId), zoneId: r.zoneId, name, relative, claimant: value.claimant, record: r };
}

/**
 * The registration name a record of `subject` belongs to: the name itself for A/AAAA, `x.<rest>` for the SRV record
 * `_x._tcp.<rest>`, N for the task's SRV target `<task-id>.N` and for the claim or ownership record of N. Unambiguous
 * because labels cannot produce those shapes (dns-name.ts reservedNameProblem).
 */
export function registrationNameOf(name: string, subject: string): string {
  const covered = coveredName(name);
  if (covered) return covered;
  // Only the first two labels matter: sliced out by position rather than splitting the whole name (a hot path).
  const dot = name.indexOf('.');
  const first = dot < 0 ? name : name.slice(0, dot);
  if (first.startsWith('_') && dot >= 0) {
    const next = name.indexOf('.', dot + 1);
    const second = next < 0 ? name.slice(dot + 1) : name.slice(dot + 1, next);
    if (second === '_tcp' || second === '_udp') return first.slice(1) + (next < 0 ? '' : name.slice(next));
  }
  if (first === taskIdOfSubject(subject) && isTaskIdShaped(first)) return dot < 0 ? '' : name.slice(dot + 1);
  return name;
}

/**
 * A task's claim record: bookkeeping that travels with the task's records, so deletion guards and entry counts leave
 * it out (a task weighs the same with or without it, and upgrades do not change what a guard allows).
 */
export function isTaskClaimRecord(owner: string, r: DnsRecord): boolean {
  const c = r.type === 'TXT' ? readClaim(owner, r) : undefined;
  return !!c && isTaskSubject(c.subject);
}
