import type { AppliedChange } from '../engine/apply';
import type { EngineDeps } from '../engine/deps';
import { entrySubject, type ServiceEntry } from '../engine/service-registrations';
import { groupBy, type Settled, writeVerdict } from '../engine/verdicts';
import { type TaskFact, taskPhase } from '../events/task-fact';
import { type Conflict, taskSubject } from '../plan/plan';
import type { Collapsed, ItemReport } from './collapse';
import type { OpenTask, SpecifiedTask } from './open-task';

/**
 * Stage 8 for the tasks that were written for: each task's verdict from its own changes and conflicts (the same rule
 * as services: engine/verdicts.ts writeVerdict). A task that ends applied, unchanged or in conflict is done: the ledger
 * records its version (its stop when the second look found it stopping), and a write's event-to-DNS lag is measured.
 */
export function settleWrittenTasks(
  tasks: readonly SpecifiedTask[],
  written: {
    changes: readonly AppliedChange[];
    conflicts: readonly Conflict[];
    stopped: ReadonlyMap<SpecifiedTask, TaskFact>;
  },
  deps: Pick<EngineDeps, 'ledger' | 'now' | 'dryRun'>,
): { settled: Settled<OpenTask>[]; lagsMs: number[] } {
  const changesOf = groupBy(written.changes, (c) => c.subject);
  const conflictsOf = groupBy(written.conflicts, (c) => c.subject);
  const now = deps.now();
  const settled: Settled<OpenTask>[] = [];
  const lagsMs: number[] = [];
  for (const t of tasks) {
    const subject = taskSubject(t.fact.taskId);
    const changes = changesOf.get(subject) ?? [];
    const verdict = writeVerdict(changes, conflictsOf.get(subject) ?? []);
    const fact = written.stopped.get(t) ?? t.fact;
    settled.push({ item: { ...t, fact }, ...verdict });
    if (verdict.status === 'retry' || deps.dryRun) continue;
    deps.ledger.record(t.key, fact.version, taskPhase(fact) === 'stopping');
    if (changes.length > 0 && fact.eventTime) {
      const lag = now - Date.parse(fact.eventTime);
      if (Number.isFinite(lag) && lag >= 0) lagsMs.push(lag);
    }
  }
  return { settled, lagsMs };
}

/**
 * Every input's verdict, in a stable order: the inputs that ended at parse and collapse (input order), then one per
 * task and one per service (order of first appearance). A stop ECS contradicted ends stale whatever the batch wrote.
 * Tasks and services not fully registered are logged with their keys.
 */
export function batchVerdicts(
  collapsed: Collapsed,
  tasks: readonly Settled<OpenTask>[],
  services: readonly Settled<ServiceEntry>[],
  deps: Pick<EngineDeps, 'log'>,
): ItemReport[] {
  const items = [...collapsed.verdicts];
  const taskVerdicts = new Map(tasks.map((s) => [s.item.key, s]));
  for (const open of collapsed.tasks) {
    const s = taskVerdicts.get(open.key);
    const t = s?.item ?? open;
    let status = s?.status ?? 'unchanged';
    let reason = s?.reason;
    if (t.unconfirmed && (status === 'applied' || status === 'unchanged')) {
      status = 'stale';
      reason = t.unconfirmed;
    }
    const subject = taskSubject(t.fact.taskId);
    items.push({ id: t.winnerId, status, reason, subject });
    if (status === 'retry' || status === 'conflict') {
      deps.log.warn('task not fully registered', { subject, taskArn: t.fact.taskArn, status, reason });
    }
  }
  const serviceVerdicts = new Map(services.map((s) => [s.item.winnerId, s]));
  for (const e of collapsed.services) {
    const s = serviceVerdicts.get(e.winnerId);
    const status = s?.status ?? 'unchanged';
    const subject = entrySubject(e);
    items.push({ id: e.winnerId, status, reason: s?.reason, subject });
    if (status === 'retry' || status === 'conflict' || status === 'invalid') {
      deps.log.warn('service not fully registered', { subject, status, reason: s?.reason });
    }
  }
  return items;
}
