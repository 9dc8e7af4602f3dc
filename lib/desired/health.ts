import type { RegistrationSpec, TaskDefinitionView } from '../config/labels';
import type { TaskFact } from '../events/task-fact';

/**
 * What the health gate (config/health.ts) says about one registration of a running task:
 * - `healthy`: register (the gate is `ignore`, the labelled container has no health check, or ECS reports it HEALTHY);
 * - `unhealthy`: ECS reports the labelled container UNHEALTHY: withdraw, unless that would leave the name with no task
 *   that is not known to be unhealthy (fail-open, plan/health-gate.ts);
 * - `pending`: the container has a health check that has not passed yet (UNKNOWN): not registered yet, but what is
 *   already registered is never withdrawn for it.
 * The labelled container's own healthStatus counts, not the task's (which ECS builds from the essential containers):
 * the gate is per container, like the labels.
 */
export type RegistrationHealth = 'healthy' | 'unhealthy' | 'pending';

export function registrationHealth(
  fact: Pick<TaskFact, 'containers'>,
  taskDef: Pick<TaskDefinitionView, 'containers'>,
  spec: Pick<RegistrationSpec, 'containerName' | 'health'>,
): RegistrationHealth {
  if ((spec.health ?? 'ignore') === 'ignore') return 'healthy';
  const definition = taskDef.containers.find((c) => c.name === spec.containerName);
  if (!definition?.hasHealthCheck) return 'healthy';
  const status = fact.containers.find((c) => c.name === spec.containerName)?.healthStatus;
  if (status === 'HEALTHY') return 'healthy';
  return status === 'UNHEALTHY' ? 'unhealthy' : 'pending';
}
