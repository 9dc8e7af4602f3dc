import { METRICS_NAMESPACE, MetricName, SERVICE_NAME } from '../../lib/observability/metric-names';

/**
 * The CloudWatch metrics contract between the functions (Powertools EMF, lib/observability/metric-names.ts) and
 * template.yaml (alarms, dashboard). The stack checks (tools/template-check) assert that the alarms and the dashboard use only these
 * names, in this namespace, with this dimension, and that the dashboard shows the panels issue 5 asks for.
 */
export { METRICS_NAMESPACE, SERVICE_NAME };

/** Powertools adds the dimension `service` = POWERTOOLS_SERVICE_NAME to every metric. */
export const SERVICE_DIMENSION = { Name: 'service', Value: SERVICE_NAME } as const;

export const METRICS: readonly MetricName[] = Object.values(MetricName);

/** What the dashboard must show: each panel names the metrics that make it up. */
export const DASHBOARD_PANELS: Record<string, readonly MetricName[]> = {
  'events processed': ['EventsReceived', 'EventsIgnored', 'EventsStale', 'EventsInvalid'],
  'registered endpoints': ['RegisteredEndpoints'],
  'changes applied and rejected': ['ChangesApplied', 'ChangesRejected'],
  'event-to-DNS lag': ['EventToDnsLagMs'],
  'drift repaired': ['DriftRepaired'],
  'last successful reconcile': ['ReconcileSucceeded'],
};
