import { type TaskFact, taskPhase } from '../events/task-fact';
import { planChanges, taskSubject } from '../plan/plan';
import { type AppliedChange, applyPlan } from './apply';
import { readCurrent } from './current-state';
import type { EngineDeps } from './deps';
import { addToScope, emptyScope, type TaskSpecs } from './task-registrations';

/** The part of a batch entry the second look needs; process-batch's entries have this shape. */
export interface WrittenTask {
  fact: TaskFact;
  specs?: TaskSpecs;
  status?: string;
  reason?: string;
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
export async function withdrawStoppedSinceConfirmed(
  written: readonly WrittenTask[],
  changes: readonly AppliedChange[],
  deps: EngineDeps,
): Promise<AppliedChange[]> {
  const wrote = new Set(
    changes
      .filter(
        (c) => c.status === 'applied' && (c.action === 'CREATE' || c.action === 'UPDATE' || c.action === 'REGISTER'),
      )
      .map((c) => c.subject),
  );
  const candidates = written.filter(
    (e) => !e.status && e.specs && taskPhase(e.fact) === 'running' && wrote.has(taskSubject(e.fact.taskId)),
  );
  const byCluster = new Map<string, WrittenTask[]>();
  for (const e of candidates) byCluster.set(e.fact.clusterArn, [...(byCluster.get(e.fact.clusterArn) ?? []), e]);

  const stopped: WrittenTask[] = [];
  for (const [cluster, group] of byCluster) {
    let facts: TaskFact[];
    try {
      ({ facts } = await deps.ecs.describeTasks(
        cluster,
        group.map((e) => e.fact.taskArn),
      ));
    } catch (err) {
      for (const e of group) retry(e, `could not check that the task still runs after registering it: ${message(err)}`);
      continue;
    }
    const truth = new Map(facts.map((f) => [f.taskArn, f]));
    for (const e of group) {
      const now = truth.get(e.fact.taskArn);
      if (!now || taskPhase(now) !== 'stopping') continue;
      e.fact = {
        ...now,
        eventTime: e.fact.eventTime,
        containers: now.containers.length > 0 ? now.containers : e.fact.containers,
      };
      stopped.push(e);
    }
  }
  if (stopped.length === 0) return [];

  const scope = emptyScope();
  for (const e of stopped) addToScope(scope, e.specs!.labels.specs);
  const subjects = new Set(stopped.map((e) => taskSubject(e.fact.taskId)));
  try {
    const current = await readCurrent(deps.route53Reader, deps.cloudMapReader, scope);
    const plan = planChanges({
      owner: deps.settings.ownerId,
      desired: { records: [], instances: [] },
      current,
      inScope: (s) => subjects.has(s),
      mode: deps.settings.mode,
    });
    deps.log.info('tasks stopped while being registered: registrations withdrawn', {
      tasks: stopped.map((e) => e.fact.taskArn),
      changes: plan.changes.length,
    });
    return await applyPlan(plan, { route53: deps.route53Writer, cloudMap: deps.cloudMapWriter });
  } catch (err) {
    for (const e of stopped)
      retry(e, `could not withdraw the registrations of a task that stopped meanwhile: ${message(err)}`);
    return [];
  }
}

function retry(e: WrittenTask, reason: string): void {
  e.status = 'retry';
  e.reason = reason;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
