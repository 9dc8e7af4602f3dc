import { deadlinePassed, withDeadline } from '../aws/deadline';
import { byApplyOrder } from '../domain/changes';
import { type AppliedChange, applyPlan } from '../engine/apply';
import { withdrawContestedClaims } from '../engine/claim-recheck';
import { retryStaleChanges } from '../engine/current-state';
import type { EngineDeps } from '../engine/deps';
import { withdrawStoppedSinceConfirmed } from '../engine/recheck';
import {
  type PlannedService,
  planServiceEvents,
  type ServiceEntry,
  settleServiceEntries,
} from '../engine/service-registrations';
import { type Settled, type Staged, settleAll } from '../engine/verdicts';
import type { RawInput } from '../events/parse';
import type { TaskFact } from '../events/task-fact';
import type { Conflict, HealthOutcome, Plan } from '../plan/plan';
import { type Collapsed, collapseInputs, type ItemReport } from './collapse';
import { confirmWithEcs, readFailure, readLabels, skipApplied } from './confirm';
import { expandDrains, oneVerdictPerInput } from './drain';
import type { OpenTask, SpecifiedTask } from './open-task';
import { planTasks } from './task-plan';
import { batchVerdicts, settleWrittenTasks } from './verdicts';

export type { ItemStatus } from '../engine/verdicts';
export type { ItemReport } from './collapse';

export interface BatchReport {
  items: ItemReport[];
  changes: AppliedChange[];
  conflicts: Conflict[];
  /** Label errors and partial registrations, by subject. */
  problems: { subject: string; message: string }[];
  /** Input ids to return as batchItemFailures. */
  retry: string[];
  /** Event time -> DNS written, per task with applied changes, in milliseconds. */
  lagsMs: number[];
  /** The health gate's work in this batch (plan/health-gate.ts): withdrawn registrations and fail-open names. */
  health: HealthOutcome;
  dryRun: boolean;
}

export interface BatchOptions {
  /**
   * Wall-clock milliseconds since the epoch (functions/sync.ts: the Lambda deadline minus a margin). After it no
   * stage starts and no AWS call is awaited (deadline.ts); what is not finished by then is returned as a retry, so
   * one hung call costs a redelivery of the unfinished items, never the whole batch.
   */
  deadline?: number;
}

/** The reason given to the inputs a batch could not finish before its deadline. */
export const DEADLINE_REASON = "not finished before the invocation's deadline; retried";

/**
 * The event path: one SQS batch (or a CLI events file) through its stages, each a function from typed input to typed
 * output plus verdicts (no stage changes another's values):
 *   parse + collapse (collapse.ts), tasks of draining instances (drain.ts) -> skip applied, read labels, confirm with
 *   ECS (confirm.ts) -> desire + plan (task-plan.ts; services: engine/service-registrations.ts) -> apply, retry stale
 *   changes, recheck
 *   (engine/) -> verdicts (verdicts.ts).
 * Every input gets a verdict; one bad input never blocks the others.
 */
export function processEventBatch(
  inputs: readonly RawInput[],
  deps: EngineDeps,
  options: BatchOptions = {},
): Promise<BatchReport> {
  return withDeadline(options.deadline, () => runBatch(inputs, deps));
}

/** What the stages have concluded so far: the verdict log of one batch (the entries themselves are never changed). */
class BatchLog {
  readonly tasks: Settled<OpenTask>[] = [];
  readonly services: Settled<ServiceEntry>[] = [];
  readonly problems: BatchReport['problems'] = [];
  health: HealthOutcome = { withdrawn: [], failOpen: [] };

  /** Records a task stage's verdicts and returns the tasks still open. */
  take<T extends OpenTask>(staged: Staged<T>): T[] {
    this.tasks.push(...staged.settled);
    return staged.open;
  }

  /** Past the deadline, everything still open ends as a retry, so no later stage starts work for it. */
  late(tasks: readonly OpenTask[], services: readonly ServiceEntry[]): boolean {
    if (!deadlinePassed()) return false;
    this.tasks.push(...settleAll(tasks, 'retry', DEADLINE_REASON));
    this.services.push(...settleAll(services, 'retry', DEADLINE_REASON));
    return true;
  }
}

async function runBatch(inputs: readonly RawInput[], deps: EngineDeps): Promise<BatchReport> {
  const parsed = collapseInputs(inputs, { region: await deps.ecs.region(), settings: deps.settings, log: deps.log });
  const collapsed = await expandDrains(parsed, deps);
  const log = new BatchLog();
  const report = (changes: AppliedChange[] = [], conflicts: Conflict[] = [], lagsMs: number[] = []) =>
    finish(collapsed, log, { changes, conflicts, lagsMs }, deps);

  const tasks = await confirmedTasks(collapsed.tasks, collapsed.services, deps, log);
  if (!tasks || log.late(tasks, collapsed.services)) return report();

  const taskPlan = await planTasks(tasks, deps);
  log.tasks.push(...taskPlan.settled);
  log.problems.push(...taskPlan.problems);
  if (taskPlan.plan?.health) log.health = taskPlan.plan.health;
  const services = await planServices(collapsed.services, deps, log);

  const planned = taskPlan.plan ? tasks : [];
  const plans = [taskPlan.plan, services.plan].filter((p): p is Plan => !!p);
  if (
    log.late(
      planned,
      services.planned.map((p) => p.entry),
    )
  )
    return report();
  if (plans.length === 0) {
    log.services.push(...settleServiceEntries(services.planned, [], []));
    return report();
  }
  const merged = mergePlans(plans);
  const written = await applyAndRecheck(merged, planned, deps);
  if ('error' in written) {
    const failed = readFailure(written.error);
    log.tasks.push(...settleAll(planned, failed.status, failed.reason));
    log.services.push(
      ...settleAll(
        services.planned.map((p) => p.entry),
        'retry',
        (written.error as Error).message,
      ),
    );
    return report(written.changes, merged.conflicts);
  }
  log.tasks.push(...written.retry);
  const retried = new Set(written.retry.map((r) => r.item));
  const conflicts = [...merged.conflicts, ...written.conflicts];
  const settled = settleWrittenTasks(
    planned.filter((t) => !retried.has(t)),
    { changes: written.changes, conflicts, stopped: written.stopped },
    deps,
  );
  log.tasks.push(...settled.settled);
  log.services.push(...settleServiceEntries(services.planned, written.changes, conflicts));
  const done = report(written.changes, conflicts, settled.lagsMs);
  await refreshAhead(deps);
  return done;
}

/** Stages 2-4: the tasks the batch can act on, confirmed by ECS, with their registrations (undefined: out of time). */
async function confirmedTasks(
  collapsed: readonly OpenTask[],
  services: readonly ServiceEntry[],
  deps: EngineDeps,
  log: BatchLog,
): Promise<SpecifiedTask[] | undefined> {
  let open = log.take(skipApplied(collapsed, deps.ledger));
  if (log.late(open, services)) return undefined;
  const labelled = await readLabels(open, deps);
  log.problems.push(...labelled.problems);
  open = log.take(labelled);
  if (log.late(open, services)) return undefined;
  const confirmed = log.take(await confirmWithEcs(open, deps));
  // ECS named another task definition than the event: its labels decide.
  const before = new Map(open.map((t) => [t.key, t.fact.taskDefinitionArn]));
  const moved = confirmed.filter((t) => before.get(t.key) !== t.fact.taskDefinitionArn);
  const relabelled = await readLabels(moved, deps);
  log.problems.push(...relabelled.problems);
  const movedKeys = new Set(moved.map((t) => t.key));
  const relabelledByKey = new Map(log.take(relabelled).map((t) => [t.key, t]));
  // Batch order kept: a relabelled task takes its place; one whose new labels ended it drops out.
  return confirmed.flatMap((t) => {
    const next = movedKeys.has(t.key) ? relabelledByKey.get(t.key) : t;
    return next ? [next as SpecifiedTask] : [];
  });
}

/** Stage 6 for services: ECS, ELBv2, desired, current, plan (engine/service-registrations.ts). */
async function planServices(
  entries: readonly ServiceEntry[],
  deps: EngineDeps,
  log: BatchLog,
): Promise<{ plan?: Plan; planned: PlannedService[] }> {
  if (entries.length === 0) return { planned: [] };
  if (!deps.services) {
    log.services.push(
      ...settleAll(entries, 'retry', 'this runtime has no service path (EngineDeps.services) configured'),
    );
    return { planned: [] };
  }
  const planned = await planServiceEvents(entries, { ...deps, services: deps.services });
  log.services.push(...planned.settled);
  log.problems.push(...planned.problems);
  const worthApplying = planned.plan.changes.length > 0 || planned.plan.conflicts.length > 0;
  return { plan: worthApplying ? planned.plan : undefined, planned: planned.planned };
}

/**
 * Stage 7: tasks and services applied together (one Route 53 request per zone for the whole batch while within
 * limits); a change refused because the view was stale is settled by reading again and retrying just those records,
 * not by an SQS retry (current-state.ts: retryStaleChanges); then the second look at ECS for the tasks just registered
 * (recheck.ts), and at the claims just written: a name two containers claimed at once is left to one claimant
 * (claim-recheck.ts), the loser's tasks reported in conflict.
 */
async function applyAndRecheck(
  merged: Plan,
  planned: readonly SpecifiedTask[],
  deps: EngineDeps,
): Promise<
  | {
      changes: AppliedChange[];
      conflicts: Conflict[];
      retry: Settled<SpecifiedTask>[];
      stopped: Map<SpecifiedTask, TaskFact>;
    }
  | { error: unknown; changes: AppliedChange[] }
> {
  let changes: AppliedChange[] = [];
  try {
    changes = await applyPlan(merged, { route53: deps.route53Writer, cloudMap: deps.cloudMapWriter }, deps.dryRun);
    if (deps.dryRun) return { changes, conflicts: [], retry: [], stopped: new Map() };
    changes = await retryStaleChanges(merged, changes, {
      reader: deps.route53Reader,
      writer: deps.route53Writer,
      owner: deps.settings.ownerId,
    });
    const look = await withdrawStoppedSinceConfirmed(planned, changes, deps);
    const contest = await withdrawContestedClaims(changes, merged.firstClaims ?? [], deps);
    return {
      changes: [...changes, ...look.changes, ...contest.changes],
      conflicts: contest.conflicts,
      retry: look.retry,
      stopped: look.stopped,
    };
  } catch (error) {
    return { error, changes };
  }
}

/**
 * After a batch's writes (its verdicts are settled, its lag measured), the ranges of this container's view that are
 * about to expire are listed again, so that the next batch plans at once instead of waiting for the listing: in
 * steady traffic the listing moves off the path from an event to its DNS write. Ranges expire one by one (each is as
 * old as its page), so this is a page or a few. Best effort: a failure or the deadline only leaves the ranges to
 * expire; the next batch lists what it needs.
 */
async function refreshAhead(deps: EngineDeps): Promise<void> {
  if (deps.dryRun || deadlinePassed()) return;
  try {
    await deps.route53Reader.refreshExpiring(REFRESH_AHEAD_MS);
  } catch {
    // Nothing lost: the ranges expire and are listed when a batch needs them.
  }
}

/** How soon before it expires a range is listed again after a batch's writes. */
const REFRESH_AHEAD_MS = 5_000;

/** Several plans as one: changes in apply order, conflicts and counts added up. */
function mergePlans(plans: readonly Plan[]): Plan {
  return {
    changes: plans.flatMap((p) => p.changes).sort(byApplyOrder),
    conflicts: plans.flatMap((p) => p.conflicts),
    unchanged: plans.reduce((n, p) => n + p.unchanged, 0),
    firstClaims: plans.flatMap((p) => p.firstClaims ?? []),
  };
}

function finish(
  collapsed: Collapsed,
  log: BatchLog,
  written: { changes: AppliedChange[]; conflicts: Conflict[]; lagsMs: number[] },
  deps: EngineDeps,
): BatchReport {
  const items = oneVerdictPerInput(batchVerdicts(collapsed, log.tasks, log.services, deps));
  // Not `p` itself: Powertools reserves the `message` key and would drop the problem's text.
  for (const p of log.problems) deps.log.warn('registration problem', { subject: p.subject, problem: p.message });
  return {
    items,
    changes: written.changes,
    conflicts: written.conflicts,
    problems: log.problems,
    retry: items.filter((i) => i.status === 'retry').map((i) => i.id),
    lagsMs: written.lagsMs,
    health: log.health,
    dryRun: !!deps.dryRun,
  };
}
