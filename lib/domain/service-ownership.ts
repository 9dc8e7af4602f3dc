import { createHash } from 'node:crypto';
import { MAX_SET_IDENTIFIER_LENGTH, parseSetIdentifier, SET_ID_PREFIX } from './ownership';
import type { DnsRecord } from './records';

/**
 * How the registrar marks the records it writes for an ECS service (an alias A/AAAA, or a CNAME, to the service's
 * load balancer). Those records cannot carry an owner in a SetIdentifier: Route 53 has no multivalue alias records and
 * a CNAME must be alone at its name (aws-facts.md §3.3, §3.4). So each alias name gets an ownership record:
 *
 *   web._ecs-registrar.example.com.  TXT  multivalue, SetIdentifier ecs-registrar:<owner>:service/<cluster>/<service>
 *                                         "heritage=ecs-registrar,owner=<owner>,service=<cluster>/<service>,types=A,AAAA"
 *
 * The records at `web.example.com.` are this owner's only when such a record exists for that name with this owner
 * and lists their type. The ownership record of `<rel>.<zone domain>` lives at `<rel>._ecs-registrar.<zone domain>`
 * (the apex's at `_ecs-registrar.<zone domain>`): every ownership record of a zone sits in one subtree, so one
 * ListResourceRecordSets from `_ecs-registrar.<zone domain>` finds every name a service has recorded, and a renamed or
 * untagged service's old records are found by what was recorded, never by recomputing it. The ownership record is a
 * different name from the alias, so it never collides with a CNAME there.
 *
 * The ownership record is written in the same Route 53 request as the records it covers and deleted in the same
 * request as them (plan.ts gives them one atomic group), so neither exists without the other.
 */

export const OWNERSHIP_LABEL = '_ecs-registrar';
export const HERITAGE = 'ecs-registrar';
export { MAX_SET_IDENTIFIER_LENGTH };

/** Characters per TXT character-string; longer values are split into several strings. */
const TXT_STRING_MAX = 255;

export const SERVICE_RECORD_TYPES = ['A', 'AAAA', 'CNAME'] as const;
export type ServiceRecordType = (typeof SERVICE_RECORD_TYPES)[number];

export interface ServiceRef {
  clusterName: string;
  serviceName: string;
}

import { serviceSubject } from './subject';

export { isServiceSubject, serviceSubject } from './subject';

/** `ecs-registrar:<owner>:service/<cluster>/<service>`, or a stable hash of the names past 128 characters. */
export function serviceSetIdentifier(owner: string, s: ServiceRef): string {
  const plain = `${SET_ID_PREFIX}:${owner}:service/${s.clusterName}/${s.serviceName}`;
  if (plain.length <= MAX_SET_IDENTIFIER_LENGTH) return plain;
  const hash = createHash('sha256').update(`${s.clusterName}/${s.serviceName}`).digest('hex').slice(0, 32);
  return `${SET_ID_PREFIX}:${owner}:service/#${hash}`;
}

/** `web._ecs-registrar.example.com.` for `web.example.com.` in `example.com.`; `_ecs-registrar.example.com.` at the apex. */
export function ownershipRecordName(fqdn: string, zoneDomain: string): string {
  if (fqdn === zoneDomain) return `${OWNERSHIP_LABEL}.${zoneDomain}`;
  if (!fqdn.endsWith(`.${zoneDomain}`)) throw new Error(`${fqdn} is not inside ${zoneDomain}`);
  return `${fqdn.slice(0, -(zoneDomain.length + 1))}.${OWNERSHIP_LABEL}.${zoneDomain}`;
}

/** The root of a zone's ownership subtree: reading it lists every ownership record of the zone. */
export const ownershipRoot = (zoneDomain: string): string => `${OWNERSHIP_LABEL}.${zoneDomain}`;

/** The name without its trailing dot, if it has one. */
export const withoutFinalDot = (name: string): string => (name.endsWith('.') ? name.slice(0, -1) : name);

/** The alias name an ownership record covers (its name without the `_ecs-registrar` label), if it is one. */
export function coveredName(ownershipName: string): string | undefined {
  // Most names a plan looks at are not ownership names: a substring test spares them the split (a hot path at scale).
  if (!ownershipName.includes(OWNERSHIP_LABEL)) return undefined;
  const labels = withoutFinalDot(ownershipName).split('.');
  const at = labels.indexOf(OWNERSHIP_LABEL);
  if (at < 0 || labels.lastIndexOf(OWNERSHIP_LABEL) !== at || labels.length < 2) return undefined;
  labels.splice(at, 1);
  return `${labels.join('.')}.`;
}

export interface OwnershipClaim extends ServiceRef {
  owner: string;
  /** Record types at the covered name that this service owns, in A, AAAA, CNAME order. */
  types: ServiceRecordType[];
}

export function sortTypes(types: Iterable<ServiceRecordType>): ServiceRecordType[] {
  const set = new Set(types);
  return SERVICE_RECORD_TYPES.filter((t) => set.has(t));
}

/** The TXT value, quoted as Route 53 wants it; split into 255-character strings when the names are long. */
export function encodeOwnershipValue(claim: OwnershipClaim): string {
  const payload = `heritage=${HERITAGE},owner=${claim.owner},service=${claim.clusterName}/${claim.serviceName},types=${sortTypes(claim.types).join(',')}`;
  const strings: string[] = [];
  for (let i = 0; i < payload.length; i += TXT_STRING_MAX) strings.push(payload.slice(i, i + TXT_STRING_MAX));
  return strings.map((s) => `"${s}"`).join(' ');
}

const CLAIM =
  /^heritage=ecs-registrar,owner=([A-Za-z0-9._-]+),service=([A-Za-z0-9_-]+)\/([A-Za-z0-9_-]+),types=((?:A|AAAA|CNAME)(?:,(?:A|AAAA|CNAME))*)$/;

/**
 * The text a TXT value carries: its quoted character-strings joined (long values are split into several), or the
 * value itself, trimmed, when nothing in it is quoted.
 */
export function txtPayload(value: string): string {
  // One character-string with nothing escaped, the shape the registrar writes, is read without the regex: a reconcile
  // reads a claim record per task.
  const single = value.length >= 2 && value[0] === '"' && value.indexOf('"', 1) === value.length - 1;
  if (single && !value.includes('\\')) return value.slice(1, -1);
  const strings = [...value.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1] ?? '');
  return strings.length > 0 ? strings.join('') : value.trim();
}

export function decodeOwnershipValue(value: string): OwnershipClaim | undefined {
  const m = CLAIM.exec(txtPayload(value));
  if (!m) return undefined;
  return {
    owner: m[1]!,
    clusterName: m[2]!,
    serviceName: m[3]!,
    types: sortTypes(m[4]!.split(',') as ServiceRecordType[]),
  };
}

/** An ownership record this owner wrote, read back: whose it is and what it covers. */
export interface OwnershipRecord {
  record: DnsRecord;
  subject: string;
  /** The alias name it covers. */
  coveredName: string;
  claim: OwnershipClaim;
}

/**
 * The record as one of this owner's ownership records, or undefined. Everything must agree: a multivalue TXT, a
 * SetIdentifier with this owner that is exactly the one its value's service gets, one value naming this owner.
 */
export function readOwnershipRecord(owner: string, r: DnsRecord): OwnershipRecord | undefined {
  if (r.type !== 'TXT' || !r.multiValue || !r.setIdentifier) return undefined;
  const parsed = parseSetIdentifier(r.setIdentifier);
  if (!parsed || parsed.owner !== owner || !parsed.subject.startsWith('service/')) return undefined;
  const name = coveredName(r.name);
  if (!name || r.values?.length !== 1) return undefined;
  const claim = decodeOwnershipValue(r.values[0]!);
  if (!claim || claim.owner !== owner || serviceSetIdentifier(owner, claim) !== r.setIdentifier) return undefined;
  return { record: r, subject: serviceSubject(claim), coveredName: name, claim };
}

/** A SetIdentifier this owner uses for service ownership records (whatever the record's value says). */
export function isServiceSetIdentifier(owner: string, setIdentifier: string | undefined): boolean {
  const parsed = parseSetIdentifier(setIdentifier);
  return !!parsed && parsed.owner === owner && parsed.subject.startsWith('service/');
}

/** A record shape a service may own through an ownership record: a simple-routing A, AAAA or CNAME. */
export function isServiceRecordShape(r: DnsRecord): boolean {
  return (
    (SERVICE_RECORD_TYPES as readonly string[]).includes(r.type) &&
    r.setIdentifier === undefined &&
    !r.multiValue &&
    r.weight === undefined &&
    r.otherRouting === undefined
  );
}

/**
 * Owner lookup for the records at alias names, from the ownership records among `records`: the subject of the one
 * service whose ownership record covers the record's name and lists its type. Two claims on one record (never
 * written by the registrar, which plans a conflict instead) make it nobody's: it is left alone and reported.
 */
export function serviceRecordOwners(
  owner: string,
  records: readonly DnsRecord[],
): (r: DnsRecord) => string | undefined {
  const claims = new Map<string, Set<string>>();
  for (const r of records) {
    const own = readOwnershipRecord(owner, r);
    if (!own) continue;
    for (const type of own.claim.types) {
      const key = `${r.zoneId}|${own.coveredName}|${type}`;
      claims.set(key, (claims.get(key) ?? new Set()).add(own.subject));
    }
  }
  return (r) => {
    if (!isServiceRecordShape(r)) return undefined;
    const subjects = claims.get(`${r.zoneId}|${r.name}|${r.type}`);
    return subjects && subjects.size === 1 ? [...subjects][0] : undefined;
  };
}
