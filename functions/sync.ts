import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { loadAwsCallSettings } from '../lib/config/settings';
import { createEngineDeps } from '../lib/engine/deps';
import { createTelemetry, recordBatchMetrics } from '../lib/observability/telemetry';
import { processEventBatch } from '../lib/sync/process-batch';

const { logger, metrics } = createTelemetry();
// Built once per container: settings fail fast here, naming the bad variable; clients, caches and ledger persist,
// the short-lived view of the zones included (REGISTRAR_ROUTE53_CACHE_SECONDS).
const deps = createEngineDeps({ log: logger, cacheRoute53: true });
const { deadlineMarginMs } = loadAwsCallSettings();

/**
 * SQS -> sync. Each record is one EventBridge event. Records that failed for a retryable reason (throttling after
 * retries, a rejected change, ECS not yet knowing a task) come back in batchItemFailures, so SQS redelivers only them
 * and, after maxReceiveCount, moves them to the dead-letter queue. A permanently invalid event is logged with its
 * reason, its ids and its size, and counted (EventsInvalid) but not returned: redelivery cannot fix it. Its body is
 * never logged: task events carry `overrides.containerOverrides[].environment`, where secrets live.
 *
 * The batch ends before the function's timeout: no work starts and no AWS call is awaited past the remaining time
 * minus REGISTRAR_DEADLINE_MARGIN_MS, and the records not finished by then come back in batchItemFailures. Without
 * this, one hung call would hold the invocation until Lambda kills it and SQS redelivers the whole batch.
 */
export const handler = middy(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  const deadline = Date.now() + context.getRemainingTimeInMillis() - deadlineMarginMs;
  const report = await processEventBatch(
    event.Records.map((r) => ({ id: r.messageId, body: r.body })),
    deps,
    { deadline },
  );
  recordBatchMetrics(metrics, report);
  for (const item of report.items.filter((i) => i.status === 'invalid')) {
    const body = event.Records.find((r) => r.messageId === item.id)?.body ?? '';
    logger.error('invalid event dropped', { messageId: item.id, reason: item.reason, ...eventIds(body) });
  }
  logger.info('batch processed', {
    records: event.Records.length,
    statuses: countBy(report.items.map((i) => i.status)),
    changes: countBy(report.changes.map((c) => `${c.provider}:${c.action}:${c.status}`)),
    conflicts: report.conflicts.length,
  });
  return { batchItemFailures: report.retry.map((itemIdentifier) => ({ itemIdentifier })) };
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));

/** What identifies an event without its content: the EventBridge id, the task ARN, the body's size. */
export function eventIds(body: string): { eventId?: string; taskArn?: string; bodyBytes: number } {
  const out: { eventId?: string; taskArn?: string; bodyBytes: number } = { bodyBytes: Buffer.byteLength(body) };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return out; // not JSON: the reason says so; the size is all that is safe to add
  }
  if (typeof parsed !== 'object' || parsed === null) return out;
  const e = parsed as { id?: unknown; detail?: { taskArn?: unknown } };
  // Only values that look like ids: a free-form string in these fields is not echoed either.
  if (typeof e.id === 'string' && /^[A-Za-z0-9-]{1,128}$/.test(e.id)) out.eventId = e.id;
  const arn = e.detail?.taskArn;
  if (typeof arn === 'string' && /^arn:[a-z-]+:ecs:[a-z0-9-]+:\d{12}:task\/[A-Za-z0-9_/-]{1,300}$/.test(arn))
    out.taskArn = arn;
  return out;
}

function countBy(items: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[i] = (out[i] ?? 0) + 1;
  return out;
}
