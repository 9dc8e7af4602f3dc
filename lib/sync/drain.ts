import type { EngineDeps } from '../engine/deps';
import type { ItemStatus } from '../engine/verdicts';
import { type Collapsed, type DrainEntry, type ItemReport, ledgerKey } from './collapse';
import { readFailure } from './confirm';
import type { OpenTask } from './open-task';

/**
 * Stage 1b: a container instance turned DRAINING (its `ECS Container Instance State Change` event). Its running
 * tasks (ListTasks on the instance, then DescribeTasks, which reads the instance's status too) join the batch as open
 * tasks whose verdict goes to the instance's input; the rest of the batch treats them like any task, and the plan
 * withdraws them because ECS reports their instance DRAINING (task-plan.ts). A task already in the batch through its
 * own event is not added twice. A failed read retries the instance's input.
 */
export async function expandDrains(collapsed: Collapsed, deps: Pick<EngineDeps, 'ecs' | 'log'>): Promise<Collapsed> {
  if (collapsed.drains.length === 0) return collapsed;
  const known = new Set(collapsed.tasks.map((t) => t.fact.taskArn));
  const tasks: OpenTask[] = [];
  const verdicts: ItemReport[] = [];
  for (const drain of collapsed.drains) {
    const found = await tasksOn(drain, known, deps);
    if ('status' in found) {
      verdicts.push({ id: drain.winnerId, status: found.status, reason: found.reason, subject: subjectOf(drain) });
      continue;
    }
    deps.log.info('container instance draining: its tasks are withdrawn', {
      containerInstanceArn: drain.fact.containerInstanceArn,
      tasks: found.map((t) => t.fact.taskArn),
    });
    for (const t of found) known.add(t.fact.taskArn);
    tasks.push(...found);
  }
  return { ...collapsed, tasks: [...collapsed.tasks, ...tasks], verdicts: [...collapsed.verdicts, ...verdicts] };
}

const subjectOf = (d: DrainEntry) => `container-instance:${d.fact.containerInstanceArn}`;

async function tasksOn(
  drain: DrainEntry,
  known: ReadonlySet<string>,
  deps: Pick<EngineDeps, 'ecs'>,
): Promise<OpenTask[] | { status: ItemStatus; reason: string }> {
  const { clusterArn, containerInstanceArn } = drain.fact;
  try {
    const arns = (await deps.ecs.listTasksOnInstance(clusterArn, containerInstanceArn)).filter((a) => !known.has(a));
    if (arns.length === 0) return { status: 'unchanged', reason: 'no other running task on the draining instance' };
    const { facts } = await deps.ecs.describeTasks(clusterArn, arns);
    return facts.map((fact) => ({
      key: ledgerKey(fact),
      fact: { ...fact, eventTime: drain.fact.eventTime },
      winnerId: drain.winnerId,
      drained: true,
    }));
  } catch (err) {
    return readFailure(err);
  }
}

/** How much a verdict weighs when several tasks answer for one input (a drain): the worst one is the input's. */
const WEIGHT: Record<ItemStatus, number> = {
  retry: 6,
  invalid: 5,
  conflict: 4,
  applied: 3,
  unchanged: 2,
  stale: 1,
  ignored: 0,
};

/** One verdict per input: the tasks of a drained instance share its input, which takes their worst verdict. */
export function oneVerdictPerInput(items: readonly ItemReport[]): ItemReport[] {
  const byId = new Map<string, ItemReport>();
  for (const item of items) {
    const seen = byId.get(item.id);
    if (!seen) byId.set(item.id, item);
    else if (WEIGHT[item.status] > WEIGHT[seen.status]) byId.set(item.id, { ...item, subject: seen.subject });
  }
  return [...byId.values()];
}
