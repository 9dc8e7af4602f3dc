import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { MetricName } from '../observability/metric-names';
import { type MetricSink, recordHealthMetrics } from '../observability/telemetry';
import type { ReconcileReport } from './reconcile';

/** One reconcile report -> drift, repair, duration and success metrics (the "last successful run" is ReconcileSucceeded;
 * dry runs are never counted as runs). */
export function recordReconcileMetrics(metrics: MetricSink, report: ReconcileReport): void {
  const status = (s: string) => Object.values(report.counts).reduce((n, byStatus) => n + (byStatus[s] ?? 0), 0);
  const applied = status('applied');
  metrics.addMetric(MetricName.DriftFound, MetricUnit.Count, report.drift);
  metrics.addMetric(MetricName.DriftRepaired, MetricUnit.Count, applied);
  metrics.addMetric(MetricName.ChangesApplied, MetricUnit.Count, applied);
  metrics.addMetric(MetricName.ChangesRejected, MetricUnit.Count, status('rejected'));
  metrics.addMetric(MetricName.ChangesFailed, MetricUnit.Count, status('failed'));
  metrics.addMetric(MetricName.OwnershipConflicts, MetricUnit.Count, report.conflicts.length);
  metrics.addMetric(MetricName.ReconcileDurationMs, MetricUnit.Milliseconds, report.durationMs);
  metrics.addMetric(
    MetricName.RegisteredEndpoints,
    MetricUnit.Count,
    report.desired.records + report.desired.instances,
  );
  if (report.health) recordHealthMetrics(metrics, report.health);
  // A dry run repairs nothing, so it must not feed the "reconcile not succeeding" alarm: an operator's manual dry runs
  // would otherwise keep it quiet while the scheduled runs fail. It counts as neither a success nor a failure.
  if (report.dryRun) return;
  const ok = report.outcome === 'converged' || report.outcome === 'applied';
  metrics.addMetric(ok ? MetricName.ReconcileSucceeded : MetricName.ReconcileFailed, MetricUnit.Count, 1);
}
