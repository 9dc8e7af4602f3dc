import { createHash } from 'node:crypto';

/**
 * How the registrar marks what it owns, so that a record or instance it did not create is never modified or deleted
 * (DESIGN.md invariant 1).
 *
 * - Per-task DNS records are multivalue-answer records whose SetIdentifier is
 *   `ecs-registrar:<owner>:<taskId>:<region>/<cluster>`. Route 53 keeps a SetIdentifier unique per name and type, so
 *   the identifier is both the ownership mark and the exact key of the task's record: registering, re-registering and
 *   deleting never read-modify-write a shared record set. The location (region and cluster) lets the reconciler tell
 *   a task it cannot see (another Region, a cluster outside its filter) from a task that is gone: only the second may
 *   be deleted. Marks written before the location was recorded (`ecs-registrar:<owner>:<taskId>`) are still read as
 *   owned; their location is unknown.
 * - Cloud Map instances carry the attribute `ECS_REGISTRAR_OWNER=<owner>` (and `ECS_CLUSTER_NAME`); the instance id
 *   is the task id.
 */

export const SET_ID_PREFIX = 'ecs-registrar';
export const OWNER_ATTRIBUTE = 'ECS_REGISTRAR_OWNER';
export const CLUSTER_ATTRIBUTE = 'ECS_CLUSTER_NAME';
export const OWNER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Route 53 allows 1-128 characters in a SetIdentifier. */
export const MAX_SET_IDENTIFIER_LENGTH = 128;

/** Where a task runs: the Region of its ARN and its cluster's name. */
export interface TaskLocation {
  region: string;
  cluster: string;
}

/**
 * What a mark says about where its task runs. Long cluster names (or owners) do not fit in 128 characters, so the
 * cluster, or region and cluster together, are replaced by a short stable hash; such a mark can still be matched
 * against a known location, just not read back.
 */
export type MarkLocation =
  | { kind: 'plain'; region: string; cluster: string }
  | { kind: 'cluster-hashed'; region: string; clusterHash: string }
  | { kind: 'hashed'; hash: string }
  | { kind: 'unknown' };

const HASH_MARK = '~';
const shortHash = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 10);

export function taskSetIdentifier(owner: string, taskId: string, location?: TaskLocation): string {
  const base = `${SET_ID_PREFIX}:${owner}:${taskId}`;
  if (!location) return base;
  const candidates = [
    `${location.region}/${location.cluster}`,
    `${location.region}/${HASH_MARK}${shortHash(location.cluster)}`,
    `${HASH_MARK}${shortHash(`${location.region}/${location.cluster}`)}`,
  ];
  for (const where of candidates) {
    const id = `${base}:${where}`;
    if (id.length <= MAX_SET_IDENTIFIER_LENGTH) return id;
  }
  // Owner (64) + task id (64 at most) leave no room: the mark keeps working, without a location.
  return base;
}

export interface ParsedSetIdentifier {
  owner: string;
  subject: string;
  location: MarkLocation;
}

const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
const CLUSTER = /^[A-Za-z0-9_-]{1,255}$/;
const HASH = /^[0-9a-f]{10}$/;

/** Parsed SetIdentifiers (frozen, so no caller can change another's), bounded: a reconcile parses each several times. */
const parsedSetIdentifiers = new Map<string, Readonly<ParsedSetIdentifier> | undefined>();
const PARSED_KEPT = 100_000;

export function parseSetIdentifier(setIdentifier: string | undefined): Readonly<ParsedSetIdentifier> | undefined {
  if (!setIdentifier) return undefined;
  const known = parsedSetIdentifiers.get(setIdentifier);
  if (known !== undefined || parsedSetIdentifiers.has(setIdentifier)) return known;
  const parsed = decodeSetIdentifier(setIdentifier);
  if (parsedSetIdentifiers.size >= PARSED_KEPT) parsedSetIdentifiers.clear();
  parsedSetIdentifiers.set(
    setIdentifier,
    parsed && Object.freeze({ ...parsed, location: Object.freeze(parsed.location) }),
  );
  return parsedSetIdentifiers.get(setIdentifier);
}

function decodeSetIdentifier(setIdentifier: string): ParsedSetIdentifier | undefined {
  const parts = setIdentifier.split(':');
  if ((parts.length !== 3 && parts.length !== 4) || parts[0] !== SET_ID_PREFIX || !parts[1] || !parts[2])
    return undefined;
  if (parts.length === 3) return { owner: parts[1], subject: parts[2], location: { kind: 'unknown' } };
  const location = parseLocation(parts[3]!);
  return location ? { owner: parts[1], subject: parts[2], location } : undefined;
}

function parseLocation(text: string): MarkLocation | undefined {
  if (text.startsWith(HASH_MARK)) {
    const hash = text.slice(1);
    return HASH.test(hash) ? { kind: 'hashed', hash } : undefined;
  }
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const region = text.slice(0, slash);
  const rest = text.slice(slash + 1);
  if (!REGION.test(region)) return undefined;
  if (rest.startsWith(HASH_MARK)) {
    const clusterHash = rest.slice(1);
    return HASH.test(clusterHash) ? { kind: 'cluster-hashed', region, clusterHash } : undefined;
  }
  return CLUSTER.test(rest) ? { kind: 'plain', region, cluster: rest } : undefined;
}

/** The Region a mark names, when it can be read (undefined for hashed and old marks). */
export function markRegion(location: MarkLocation): string | undefined {
  return location.kind === 'plain' || location.kind === 'cluster-hashed' ? location.region : undefined;
}

/** Whether the mark names this location: true or false, or undefined when the mark does not say (old marks). */
export function markIsAt(location: MarkLocation, at: TaskLocation): boolean | undefined {
  switch (location.kind) {
    case 'plain':
      return location.region === at.region && location.cluster === at.cluster;
    case 'cluster-hashed':
      return location.region === at.region && location.clusterHash === shortHash(at.cluster);
    case 'hashed':
      return location.hash === shortHash(`${at.region}/${at.cluster}`);
    case 'unknown':
      return undefined;
  }
}

/** The task id of a record this owner wrote, or undefined when the record is not ours. */
export function ownedTaskId(owner: string, setIdentifier: string | undefined): string | undefined {
  const parsed = parseSetIdentifier(setIdentifier);
  return parsed && parsed.owner === owner ? parsed.subject : undefined;
}

/** The task id and location of a per-task record this owner wrote. */
export function ownedTaskMark(
  owner: string,
  setIdentifier: string | undefined,
): { taskId: string; location: MarkLocation } | undefined {
  const parsed = parseSetIdentifier(setIdentifier);
  if (!parsed || parsed.owner !== owner || parsed.subject.startsWith('service/')) return undefined;
  return { taskId: parsed.subject, location: parsed.location };
}

export function isOwnedInstance(owner: string, attributes: Record<string, string> | undefined): boolean {
  return attributes?.[OWNER_ATTRIBUTE] === owner;
}
