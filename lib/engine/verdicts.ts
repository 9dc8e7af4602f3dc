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
