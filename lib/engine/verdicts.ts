/**
 * What became of one input:
 * - applied / unchanged: done (unchanged = already correct, no write);
 * - invalid: can never be applied (bad JSON, bad field): reported with the reason, not retried;
 * - ignored: not for this registrar (other detail-type, cluster not served, task not opted in, not running yet);
 * - stale: superseded by a newer or equal version, in this batch or already applied;
 * - conflict: would touch a record or instance someone else owns: reported, not retried (the reconciler retries);
 * - retry: a retryable failure or a rejected change: returned in batchItemFailures, so SQS redelivers it and, after
 *   maxReceiveCount, moves it to the dead-letter queue.
 */
export type ItemStatus = 'applied' | 'unchanged' | 'invalid' | 'ignored' | 'stale' | 'conflict' | 'retry';

/** An item a stage is done with, and why. Stages never mutate their input: they return what stays open and what ends. */
export interface Settled<T> {
  readonly item: T;
  readonly status: ItemStatus;
  readonly reason?: string;
}

/** A stage's output: the items the next stage works on, and the items that got their verdict here. */
export interface Staged<T> {
  readonly open: T[];
  readonly settled: Settled<T>[];
}

/** Collects one stage's output (local to the stage: nothing outside it sees the arrays until it returns). */
export class StageOutput<T> implements Staged<T> {
  readonly open: T[] = [];
  readonly settled: Settled<T>[] = [];

  keep(item: T): void {
    this.open.push(item);
  }

  settle(item: T, status: ItemStatus, reason?: string): void {
    this.settled.push({ item, status, reason });
  }
}

/** Every item settled with one status and reason: a stage that cannot run (failed read, deadline) ends them all. */
export const settleAll = <T>(items: readonly T[], status: ItemStatus, reason: string): Settled<T>[] =>
  items.map((item) => ({ item, status, reason }));

/** The part of a change and a conflict a write verdict reads (AppliedChange and Conflict have these fields). */
interface ChangeOutcome {
  action: string;
  detail: string;
  status: string;
  code?: string;
  message?: string;
}
interface ConflictOutcome {
  key: string;
  reason: string;
}

/**
 * What one subject's writes came to, for tasks and services alike: a failed or rejected change retries it; else a
 * conflict is reported; else it is applied when anything was written, unchanged when nothing needed to be.
 */
export function writeVerdict(
  changes: readonly ChangeOutcome[],
  conflicts: readonly ConflictOutcome[],
): { status: Extract<ItemStatus, 'retry' | 'conflict' | 'applied' | 'unchanged'>; reason?: string } {
  const bad = changes.filter((c) => c.status === 'failed' || c.status === 'rejected');
  if (bad.length > 0) {
    return {
      status: 'retry',
      reason: bad
        .map((c) => `${c.action} ${c.detail}: ${c.status} (${c.code ?? ''} ${c.message ?? ''})`.trim())
        .join('; '),
    };
  }
  if (conflicts.length > 0)
    return { status: 'conflict', reason: conflicts.map((c) => `${c.key}: ${c.reason}`).join('; ') };
  return { status: changes.length > 0 ? 'applied' : 'unchanged' };
}

/** Groups items by a key, keeping their order: changes and conflicts by subject, tasks by cluster. */
export function groupBy<T>(items: readonly T[], keyOf: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) {
    const k = keyOf(t);
    const list = out.get(k);
    if (list) list.push(t);
    else out.set(k, [t]);
  }
  return out;
}
