import { adoptEcsFact, onDrainingInstance, type TaskFact, taskPhase } from '../events/task-fact';
import { planChanges, taskSubject } from '../plan/plan';
import { type AppliedChange, applyPlan } from './apply';
import { readCurrent, stoppingView } from './current-state';
import type { EngineDeps } from './deps';
import { addToScope, emptyScope, type TaskSpecs } from './task-registrations';
import { groupBy, type Settled, settleAll } from './verdicts';

/** What the second look needs of a task the batch or the run wrote for. */
export interface WrittenTask {
  readonly fact: TaskFact;
  readonly specs: TaskSpecs;
}

/** What the second look found. It changes none of the tasks it is given. */
export interface SecondLook<T> {
  changes: AppliedChange[];
  /** Tasks it could not check or whose withdrawal failed: retried, with the reason. */
  retry: Settled<T>[];
  /** Tasks found stopping, with ECS's stopping fact (the caller's ledger records their stop). */
  stopped: Map<T, TaskFact>;
}

/**
 * The second look at ECS after a batch registered running tasks. DescribeTasks confirmed each task running before the
 * batch read Route 53 and Cloud Map; if the task stops after that confirmation, and another container applies its stop
 * (finding nothing to delete yet) before this batch's write lands, the write would leave a stopped task registered
 * until the next reconcile. So every task this batch wrote records or instances for is described once more, after the
 * write, and the registrations of any that is now stopping are withdrawn at once. Either this look sees the stop (and
 * withdraws), or the stop happened after it, hence after the write, and the container applying the stop reads the
 * records and deletes them: no interleaving of two containers leaves a stopped task registered.
 *
 * Withdrawn tasks take ECS's stopping fact (the ledger then records their stop). A read that fails leaves the tasks it
 * concerns to be retried (SQS redelivers the event, whose DescribeTasks then sees the stop); a withdrawal Route 53
 * rejects or fails is reported like any change, and its task is retried. Costs one DescribeTasks per cluster per batch
 * that wrote for running tasks, and a write only when a task did stop.
 */
export async function withdrawStoppedSinceConfirmed<T extends WrittenTask>(
  written: readonly T[],
  changes: readonly AppliedChange[],
  deps: EngineDeps,
): Promise<SecondLook<T>> {
  const wrote = new Set(
    changes
      .filter(
        (c) => c.status === 'applied' && (c.action === 'CREATE' || c.action === 'UPDATE' || c.action === 'REGISTER'),
      )
      .map((c) => c.subject),
  );
  const candidates = written.filter((t) => taskPhase(t.fact) === 'running' && wrote.has(taskSubject(t.fact.taskId)));
  const look: SecondLook<T> = { changes: [], retry: [], stopped: new Map() };
  for (const [cluster, group] of groupBy(candidates, (t) => t.fact.clusterArn)) {
    let facts: TaskFact[];
    try {
      ({ facts } = await deps.ecs.describeTasks(
        cluster,
        group.map((t) => t.fact.taskArn),
      ));
    } catch (err) {
      const why = `could not check that the task still runs after registering it: ${message(err)}`;
      look.retry.push(...settleAll(group, 'retry', why));
      continue;
    }
    const truth = new Map(facts.map((f) => [f.taskArn, f]));
    for (const t of group) {
      const now = truth.get(t.fact.taskArn);
      if (now && (taskPhase(now) === 'stopping' || onDrainingInstance(now)))
        look.stopped.set(t, adoptEcsFact(now, t.fact));
    }
  }
  if (look.stopped.size === 0) return look;

  const stopped = [...look.stopped.keys()];
  const scope = emptyScope();
  for (const t of stopped) addToScope(scope, t.specs.labels.specs);
  const subjects = new Set(stopped.map((t) => taskSubject(t.fact.taskId)));
  try {
    const view = stoppingView(
      deps.settings.ownerId,
      stopped.map((t) => ({ taskId: t.fact.taskId, stopping: true, specs: t.specs.labels.specs })),
    );
    const current = await readCurrent(deps.route53Reader, deps.cloudMapReader, scope, view);
    const plan = planChanges({
      owner: deps.settings.ownerId,
      desired: { records: [], instances: [] },
      current,
      inScope: (s) => subjects.has(s),
      policy: deps.settings.namePolicy,
      mode: deps.settings.mode,
    });
    deps.log.info('tasks stopped while being registered: registrations withdrawn', {
      tasks: stopped.map((t) => t.fact.taskArn),
      changes: plan.changes.length,
    });
    look.changes = await applyPlan(plan, { route53: deps.route53Writer, cloudMap: deps.cloudMapWriter });
  } catch (err) {
    const why = `could not withdraw the registrations of a task that stopped meanwhile: ${message(err)}`;
    look.retry.push(...settleAll(stopped, 'retry', why));
  }
  return look;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
