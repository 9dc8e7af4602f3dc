import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, MetricName, SERVICE_NAME } from './metric-names';

/** Powertools logger and metrics with the registrar's defaults; env (POWERTOOLS_*) overrides them. */
export function createTelemetry(): { logger: Logger; metrics: Metrics } {
  const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME });
  const metrics = new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
  });
  return { logger, metrics };
}

export interface MetricSink {
  addMetric(name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number): unknown;
}

/**
 * What the event-path metrics need of a batch's report (lib/sync's BatchReport has this shape). Declared here, not
 * imported, so observability stays below the drivers it serves.
 */
export interface BatchMetricsInput {
  items: readonly { status: string }[];
  changes: readonly { status: string }[];
  conflicts: readonly unknown[];
  problems: readonly unknown[];
  lagsMs: readonly number[];
  /** The health gate's work (plan/health-gate.ts HealthOutcome). */
  health?: { withdrawn: readonly unknown[]; failOpen: readonly unknown[] };
}

/** One batch's report -> the event-path metrics. */
export function recordBatchMetrics(metrics: MetricSink, report: BatchMetricsInput): void {
  const count = (status: string) => report.items.filter((i) => i.status === status).length;
  const changes = (status: string) => report.changes.filter((c) => c.status === status).length;
  metrics.addMetric(MetricName.EventsReceived, MetricUnit.Count, report.items.length);
  metrics.addMetric(MetricName.EventsInvalid, MetricUnit.Count, count('invalid'));
  metrics.addMetric(MetricName.EventsIgnored, MetricUnit.Count, count('ignored'));
  metrics.addMetric(MetricName.EventsStale, MetricUnit.Count, count('stale'));
  metrics.addMetric(MetricName.ChangesApplied, MetricUnit.Count, changes('applied'));
  metrics.addMetric(MetricName.ChangesRejected, MetricUnit.Count, changes('rejected'));
  metrics.addMetric(MetricName.ChangesFailed, MetricUnit.Count, changes('failed'));
  metrics.addMetric(MetricName.OwnershipConflicts, MetricUnit.Count, report.conflicts.length);
  metrics.addMetric(MetricName.RegistrationProblems, MetricUnit.Count, report.problems.length);
  if (report.health) recordHealthMetrics(metrics, report.health);
  for (const lag of report.lagsMs) metrics.addMetric(MetricName.EventToDnsLagMs, MetricUnit.Milliseconds, lag);
}

/** The health gate's metrics, for a batch and for a reconcile run alike. */
export function recordHealthMetrics(
  metrics: MetricSink,
  health: { withdrawn: readonly unknown[]; failOpen: readonly unknown[] },
): void {
  metrics.addMetric(MetricName.UnhealthyWithdrawn, MetricUnit.Count, health.withdrawn.length);
  metrics.addMetric(MetricName.FailOpenNames, MetricUnit.Count, health.failOpen.length);
}
