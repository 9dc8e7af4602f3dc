import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { CallCounter } from '../lib/aws/clients';
import { loadAwsCallSettings } from '../lib/config/settings';
import { createEngineDeps } from '../lib/engine/deps';
import { MetricName } from '../lib/observability/metric-names';
import { createTelemetry } from '../lib/observability/telemetry';
import { recordReconcileMetrics } from '../lib/reconcile/metrics';
import { type ReconcileReport, reconcileOrFail } from '../lib/reconcile/reconcile';
import { parseReconcileRequest } from '../lib/reconcile/request';

const { logger, metrics } = createTelemetry();
const counter = new CallCounter();
const deps = createEngineDeps({ log: logger, counter });
const { deadlineMarginMs } = loadAwsCallSettings();

export class ReconcileRefusedError extends Error {
  override readonly name = 'ReconcileRefusedError';
}

/**
 * Scheduled (ScheduleV2) or manual: `{ "dryRun"?: boolean, "clusters"?: string[], "force"?: boolean }`. Returns the
 * JSON report. A run that fails (an ECS read error) or is refused by the deletion guard throws, so the invocation is
 * marked failed: the Errors alarm and the on-failure destination see it, and ReconcileFailed is counted.
 * A run that reaches the function's remaining time minus REGISTRAR_DEADLINE_MARGIN_MS stops and reports `partial`
 * (stoppedAtDeadline says what it did not do) instead of being killed by the timeout.
 */
export const handler = middy(async (event: unknown, context: Context): Promise<ReconcileReport> => {
  const request = parseReconcileRequest(event);
  const deadline = Date.now() + context.getRemainingTimeInMillis() - deadlineMarginMs;
  let report: ReconcileReport;
  try {
    report = await reconcileOrFail(request, deps, counter, { deadline });
  } catch (err) {
    metrics.addMetric(MetricName.ReconcileFailed, MetricUnit.Count, 1);
    logger.error('reconcile failed', { error: (err as Error).message });
    throw err;
  }
  recordReconcileMetrics(metrics, report);
  logger.info('reconcile report', { report: { ...report, changes: report.changes.slice(0, 50) } });
  if (report.outcome === 'refused') throw new ReconcileRefusedError(report.refusal);
  return report;
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
