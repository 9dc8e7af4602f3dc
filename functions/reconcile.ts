import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { CallCounter } from '../lib/aws/clients';
import { MetricName } from '../lib/observability/metric-names';
import { createTelemetry } from '../lib/observability/telemetry';
import { recordReconcileMetrics } from '../lib/reconcile/metrics';
import { type ReconcileReport, reconcileOrFail } from '../lib/reconcile/reconcile';
import { parseReconcileRequest } from '../lib/reconcile/request';
import { createSyncDeps } from '../lib/runtime';

const { logger, metrics } = createTelemetry();
const counter = new CallCounter();
const deps = createSyncDeps({ log: logger, counter });

export class ReconcileRefusedError extends Error {
  override readonly name = 'ReconcileRefusedError';
}

/**
 * Scheduled (ScheduleV2) or manual: `{ "dryRun"?: boolean, "clusters"?: string[], "force"?: boolean }`. Returns the
 * JSON report. A run that fails (an ECS read error) or is refused by the deletion guard throws, so the invocation is
 * marked failed: the Errors alarm and the on-failure destination see it, and ReconcileFailed is counted.
 */
export const handler = middy(async (event: unknown): Promise<ReconcileReport> => {
  const request = parseReconcileRequest(event);
  let report: ReconcileReport;
  try {
    report = await reconcileOrFail(request, deps, counter);
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
