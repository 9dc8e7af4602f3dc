import type { ReconcileRequest } from './reconcile';

export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

const KNOWN = new Set(['dryRun', 'clusters', 'force']);

/**
 * The reconcile function's payload: `{ "dryRun"?: boolean, "clusters"?: string[], "force"?: boolean }`. A scheduled
 * invocation (EventBridge Scheduler or a scheduled rule) or an empty payload means a full, real run.
 */
export function parseReconcileRequest(payload: unknown): ReconcileRequest {
  if (payload === undefined || payload === null || payload === '') return {};
  if (typeof payload !== 'object' || Array.isArray(payload))
    throw new InvalidRequestError('payload', 'must be a JSON object');
  const p = payload as Record<string, unknown>;
  if (p['detail-type'] === 'Scheduled Event' || p.source === 'aws.scheduler' || p.source === 'aws.events') {
    // A schedule's envelope carries no options of ours, but one that says dryRun anywhere is a dry run: a run that
    // writes when it was asked not to is the one mistake this parser must never make.
    return saysDryRun(p) ? { dryRun: true } : {};
  }
  const unknown = Object.keys(p).filter((k) => !KNOWN.has(k));
  if (unknown.length > 0)
    throw new InvalidRequestError(unknown[0]!, `unknown field; allowed: ${[...KNOWN].join(', ')}`);
  const out: ReconcileRequest = {};
  if (p.dryRun !== undefined) {
    if (typeof p.dryRun !== 'boolean') throw new InvalidRequestError('dryRun', 'must be true or false');
    out.dryRun = p.dryRun;
  }
  if (p.force !== undefined) {
    if (typeof p.force !== 'boolean') throw new InvalidRequestError('force', 'must be true or false');
    out.force = p.force;
  }
  if (p.clusters !== undefined) {
    if (!Array.isArray(p.clusters) || p.clusters.some((c) => typeof c !== 'string' || c.length === 0)) {
      throw new InvalidRequestError('clusters', 'must be a list of cluster names or ARNs');
    }
    out.clusters = p.clusters as string[];
  }
  return out;
}

function saysDryRun(p: Record<string, unknown>): boolean {
  const detail = p.detail;
  return (
    p.dryRun === true ||
    (typeof detail === 'object' && detail !== null && (detail as Record<string, unknown>).dryRun === true)
  );
}
