/**
 * CloudWatch metric names (namespace POWERTOOLS_METRICS_NAMESPACE, default EcsRegistrar; dimension service). The
 * template's alarms and dashboard are built on these names: change them together.
 */
export const MetricName = {
  EventsReceived: 'EventsReceived',
  EventsInvalid: 'EventsInvalid',
  EventsIgnored: 'EventsIgnored',
  EventsStale: 'EventsStale',
  ChangesApplied: 'ChangesApplied',
  ChangesRejected: 'ChangesRejected',
  ChangesFailed: 'ChangesFailed',
  OwnershipConflicts: 'OwnershipConflicts',
  RegistrationProblems: 'RegistrationProblems',
  EventToDnsLagMs: 'EventToDnsLagMs',
  RegisteredEndpoints: 'RegisteredEndpoints',
  /** Registrations withdrawn because their container's health check turned UNHEALTHY (README: Health gate). */
  UnhealthyWithdrawn: 'UnhealthyWithdrawn',
  /** Names kept with only unhealthy tasks rather than left empty (fail-open). */
  FailOpenNames: 'FailOpenNames',
  DriftFound: 'DriftFound',
  DriftRepaired: 'DriftRepaired',
  ReconcileDurationMs: 'ReconcileDurationMs',
  ReconcileSucceeded: 'ReconcileSucceeded',
  ReconcileFailed: 'ReconcileFailed',
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];

export const METRICS_NAMESPACE = 'EcsRegistrar';
export const SERVICE_NAME = 'ecs-registrar';
