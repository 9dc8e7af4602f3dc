/**
 * The health gate (README "Health-aware registration"): whether a registration waits for its container's ECS health
 * check. `ignore` registers at RUNNING (the registrar's behaviour before the gate); `require-healthy` registers when the
 * labelled container's `healthStatus` is HEALTHY and withdraws it when UNHEALTHY, failing open when every task of the
 * name is unhealthy. A container without a health check counts as healthy.
 *
 * Stack default: REGISTRAR_HEALTH (settings.ts); per registration: the label `ecs-registrar.health` (labels.ts).
 * This module imports nothing, so settings and labels both use it without a cycle.
 */
export type HealthMode = 'ignore' | 'require-healthy';
export const HEALTH_MODES: readonly HealthMode[] = ['ignore', 'require-healthy'];
export const DEFAULT_HEALTH_MODE: HealthMode = 'ignore';

/** A health mode from a label or an environment variable; undefined input means the fallback. */
export function parseHealthMode(
  value: string | undefined,
  fallback: HealthMode,
): { mode: HealthMode } | { problem: string } {
  if (value === undefined || value.trim() === '') return { mode: fallback };
  const v = value.trim().toLowerCase();
  if ((HEALTH_MODES as readonly string[]).includes(v)) return { mode: v as HealthMode };
  return { problem: `must be one of ${HEALTH_MODES.join(', ')}` };
}

/** The `ecs-registrar.health` label of one registration (per-port labels inherit the container's), or the default. */
export function parseRegistrationHealth(
  value: string | undefined,
  stackDefault: HealthMode | undefined,
  fail: (field: string, value: string | undefined, reason: string) => void,
): HealthMode {
  const parsed = parseHealthMode(value, stackDefault ?? DEFAULT_HEALTH_MODE);
  if ('mode' in parsed) return parsed.mode;
  fail('health', value, parsed.problem);
  return stackDefault ?? DEFAULT_HEALTH_MODE;
}

/** ECS's stop timeout when neither the container nor the agent sets one (ECS_CONTAINER_STOP_TIMEOUT), in seconds. */
export const ECS_DEFAULT_STOP_TIMEOUT = 30;

/**
 * A registration is withdrawn when ECS decides to stop its task (desired STOPPED) or drains its instance; clients keep
 * the removed address for up to its TTL (plus resolver caching). A container whose stopTimeout is shorter than that
 * TTL can be killed while clients are still sent to it (README "Health-aware registration and drain"). Only a
 * stopTimeout the definition sets is judged: without one, the agent's setting applies (ECS_CONTAINER_STOP_TIMEOUT,
 * 30 s by default), which a task definition cannot show.
 */
export function stopTimeoutWarnings(
  containers: readonly { name: string; stopTimeout?: number }[],
  specs: readonly { id: string; containerName: string; ttl: number }[],
): string[] {
  const warnings: string[] = [];
  for (const spec of specs) {
    const stopTimeout = containers.find((c) => c.name === spec.containerName)?.stopTimeout;
    if (stopTimeout === undefined || stopTimeout >= spec.ttl) continue;
    warnings.push(
      `container "${spec.containerName}": registration "${spec.id}" has TTL ${spec.ttl} s but the container's stopTimeout is ${stopTimeout} s: clients may still be sent to it after it is stopped (fix: set stopTimeout to at least ${spec.ttl}, or lower ecs-registrar.ttl)`,
    );
  }
  return warnings;
}
