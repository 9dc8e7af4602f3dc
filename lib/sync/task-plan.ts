import { CLUSTER_ATTRIBUTE, isOwnedInstance, markIsAt, ownedTaskMark, type TaskLocation } from '../domain/ownership';
import { readCurrent, stoppingView } from '../engine/current-state';
import type { EngineDeps } from '../engine/deps';
import { addToScope, emptyScope } from '../engine/task-registrations';
import { type Settled, settleAll } from '../engine/verdicts';
import { onDrainingInstance, taskPhase } from '../events/task-fact';
import { type EndpointSet, type Plan, planChanges, taskSubject } from '../plan/plan';
import { readFailure } from './confirm';
import type { SpecifiedTask } from './open-task';

export interface TaskPlan {
  /** Undefined when the stage could not plan (every task is then in `settled`). */
  plan?: Plan;
  settled: Settled<SpecifiedTask>[];
  problems: { subject: string; message: string }[];
}

/**
 * Stage 5: desired endpoints of the running tasks, the current state at their names (and the stopping tasks'), one
 * plan. A read that fails ends every task of the stage with that failure: nothing is planned from a partial view.
 */
export async function planTasks(tasks: readonly SpecifiedTask[], deps: EngineDeps): Promise<TaskPlan> {
  if (tasks.length === 0) return { settled: [], problems: [] };
  const scope = emptyScope();
  for (const t of tasks) addToScope(scope, t.specs.labels.specs);
  let problems: TaskPlan['problems'] = [];
  try {
    // A task on a DRAINING container instance is not desired: its registrations are withdrawn like a stop's.
    const running = tasks.filter((t) => taskPhase(t.fact) === 'running' && !onDrainingInstance(t.fact));
    const desired = await deps.registrations.desired(running);
    problems = desired.problems;
    // ECS gave no address for a registration: what the task has registered is kept as it is (never deleted for want
    // of an address; the problem is reported). Not retried: ECS reports the addresses of a RUNNING task, so a
    // missing one is a label asking for what the task does not have (AAAA without IPv6), not a passing state.
    const stops = tasks.map((t) => ({
      taskId: t.fact.taskId,
      stopping: taskPhase(t.fact) === 'stopping',
      specs: t.specs.labels.specs,
    }));
    const current = withoutMarksElsewhere(
      await readCurrent(deps.route53Reader, deps.cloudMapReader, scope, stoppingView(deps.settings.ownerId, stops)),
      tasks.filter((t) => taskPhase(t.fact) === 'stopping'),
      deps.settings.ownerId,
    );
    const subjects = new Set(tasks.map((t) => taskSubject(t.fact.taskId)));
    const plan = planChanges({
      owner: deps.settings.ownerId,
      desired,
      current,
      inScope: (s) => subjects.has(s) && !desired.incomplete.has(s),
      policy: deps.settings.namePolicy,
      mode: deps.settings.mode,
    });
    // Owned records outside the stack's view (zone and domain filters) are kept, not deleted: said, not retried.
    for (const o of plan.outsideView ?? []) problems.push({ subject: o.subject, message: o.reason });
    return { plan, settled: [], problems };
  } catch (err) {
    const failed = readFailure(err);
    return { settled: settleAll(tasks, failed.status, failed.reason), problems };
  }
}

/**
 * The current state a stop may act on: per-task records and instances of the stopping tasks are left out unless
 * their mark says they were written for the task at the cluster (and Region) ECS was asked about. Marks that do not
 * say (written by earlier versions) count as here.
 */
function withoutMarksElsewhere(current: EndpointSet, stopping: readonly SpecifiedTask[], owner: string): EndpointSet {
  if (stopping.length === 0) return current;
  const at = new Map(
    stopping.map((t) => [t.fact.taskId, { region: t.fact.region, cluster: t.fact.clusterName } as TaskLocation]),
  );
  const records = current.records.filter((r) => {
    const mark = ownedTaskMark(owner, r.setIdentifier);
    const where = mark && at.get(mark.taskId);
    return !where || markIsAt(mark.location, where) !== false;
  });
  const instances = current.instances.filter((i) => {
    const where = isOwnedInstance(owner, i.attributes) ? at.get(i.instanceId) : undefined;
    const cluster = i.attributes?.[CLUSTER_ATTRIBUTE];
    return !where || !cluster || cluster === where.cluster;
  });
  return { records, instances };
}
