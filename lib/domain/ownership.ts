/**
 * How the registrar marks what it owns, so that a record or instance it did not create is never modified or deleted
 * (DESIGN.md invariant 1).
 *
 * - Per-task DNS records are multivalue-answer records whose SetIdentifier is `ecs-registrar:<owner>:<taskId>`. Route 53
 *   keeps a SetIdentifier unique per name and type, so the identifier is both the ownership mark and the exact key of
 *   the task's record: registering, re-registering and deleting never read-modify-write a shared record set.
 * - Cloud Map instances carry the attribute `ECS_REGISTRAR_OWNER=<owner>`; the instance id is the task id.
 */

export const SET_ID_PREFIX = 'ecs-registrar';
export const OWNER_ATTRIBUTE = 'ECS_REGISTRAR_OWNER';
export const OWNER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function taskSetIdentifier(owner: string, taskId: string): string {
  return `${SET_ID_PREFIX}:${owner}:${taskId}`;
}

export interface ParsedSetIdentifier {
  owner: string;
  subject: string;
}

export function parseSetIdentifier(setIdentifier: string | undefined): ParsedSetIdentifier | undefined {
  if (!setIdentifier) return undefined;
  const parts = setIdentifier.split(':');
  if (parts.length !== 3 || parts[0] !== SET_ID_PREFIX || !parts[1] || !parts[2]) return undefined;
  return { owner: parts[1], subject: parts[2] };
}

/** The task id of a record this owner wrote, or undefined when the record is not ours. */
export function ownedTaskId(owner: string, setIdentifier: string | undefined): string | undefined {
  const parsed = parseSetIdentifier(setIdentifier);
  return parsed && parsed.owner === owner ? parsed.subject : undefined;
}

export function isOwnedInstance(owner: string, attributes: Record<string, string> | undefined): boolean {
  return attributes?.[OWNER_ATTRIBUTE] === owner;
}
