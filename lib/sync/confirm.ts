import type { EcsReader } from '../aws/ecs-reader';
import { AwsReadError } from '../aws/errors';
import type { EngineDeps } from '../engine/deps';
import { eventAgeMs, inTheFuture, NOT_YET_KNOWN_GRACE_MS } from '../engine/event-age';
import { groupBy, type ItemStatus, type Staged, StageOutput } from '../engine/verdicts';
import type { VersionLedger } from '../engine/version-ledger';
import { adoptEcsFact, type TaskFact, taskPhase } from '../events/task-fact';
import { taskSubject } from '../plan/plan';
import type { OpenTask } from './open-task';

/** Stage 2: the ledger drops what this container already applied: no AWS call for duplicates and stale events. */
export function skipApplied(tasks: readonly OpenTask[], ledger: VersionLedger): Staged<OpenTask> {
  const out = new StageOutput<OpenTask>();
  for (const t of tasks) {
    const reason = t.drained ? undefined : ledger.skipReason(t.key, t.fact.version, taskPhase(t.fact) === 'stopping');
    if (reason) out.settle(t, 'stale', reason);
    else out.keep(t);
  }
  return out;
}

/**
 * Stage 3 (and again after stage 4 for tasks whose task definition ECS named differently): the registrations from the
 * task definition's labels, cached per revision. Not opted in: nothing to do, and no further AWS call. Label errors
 * are returned as problems, label warnings logged.
 */
export async function readLabels(
  tasks: readonly OpenTask[],
  deps: Pick<EngineDeps, 'registrations' | 'log'>,
): Promise<Staged<OpenTask> & { problems: { subject: string; message: string }[] }> {
  const out = new StageOutput<OpenTask>();
  const problems: { subject: string; message: string }[] = [];
  await Promise.all(
    tasks.map(async (t) => {
      let specs: OpenTask['specs'];
      try {
        specs = await deps.registrations.specsFor(t.fact.taskDefinitionArn);
      } catch (err) {
        const failed = readFailure(err);
        out.settle(t, failed.status, failed.reason);
        return;
      }
      const subject = taskSubject(t.fact.taskId);
      const { errors, warnings } = specs.labels;
      for (const e of errors) problems.push({ subject, message: e.message });
      for (const w of warnings) deps.log.warn('label warning', { subject, warning: w });
      const next = { ...t, specs };
      if (specs.labels.specs.length === 0) {
        if (errors.length > 0)
          out.settle(next, 'invalid', `no valid registration: ${errors.map((e) => e.message).join('; ')}`);
        else out.settle(next, 'ignored', 'no ecs-registrar labels');
      } else if (taskPhase(t.fact) === 'starting') {
        out.settle(next, 'ignored', `task is ${t.fact.lastStatus}, not running yet`);
      } else {
        out.keep(next);
      }
    }),
  );
  return { open: out.open, settled: out.settled, problems };
}

/**
 * Stage 4. Events are hints, ECS is the truth: every open task is described (one DescribeTasks per cluster), and the
 * batch acts on what ECS says: its task definition, addresses and status, never the event body's. A stop is applied
 * only when ECS says the task is stopping or does not know it; a late RUNNING event cannot resurrect a stopped task,
 * and a forged stop costs one read.
 */
export async function confirmWithEcs(
  tasks: readonly OpenTask[],
  deps: Pick<EngineDeps, 'ecs' | 'now'>,
): Promise<Staged<OpenTask>> {
  const out = new StageOutput<OpenTask>();
  await Promise.all(
    [...groupBy(tasks, (t) => t.fact.clusterArn)].map(async ([cluster, group]) => {
      let result: Awaited<ReturnType<EcsReader['describeTasks']>>;
      try {
        result = await deps.ecs.describeTasks(
          cluster,
          group.map((t) => t.fact.taskArn),
        );
      } catch (err) {
        const failed = readFailure(err);
        for (const t of group) out.settle(t, failed.status, failed.reason);
        return;
      }
      const facts = new Map(result.facts.map((f) => [f.taskId, f]));
      const failures = new Map(result.failures.map((f) => [f.taskId, f]));
      for (const t of group) {
        const truth = facts.get(t.fact.taskId);
        if (truth) {
          adoptTruth(t, truth, out);
          continue;
        }
        const failure = failures.get(t.fact.taskId);
        if (failure?.kind !== 'missing') {
          const why = `DescribeTasks in ${t.fact.clusterName} could not read the task: ${failure?.reason ?? 'no answer for it'}`;
          out.settle(t, 'retry', why);
        } else {
          judgeUnknownTask(t, eventAgeMs(t.fact.eventTime, deps.now(), 0), out);
        }
      }
    }),
  );
  return out;
}

/** ECS does not know the task in the event's cluster: what the event may still do depends on what it says and its age. */
function judgeUnknownTask(t: OpenTask, age: number, out: StageOutput<OpenTask>): void {
  if (inTheFuture(age)) {
    const why = `event time ${t.fact.eventTime} is in the future and ECS does not know the task in ${t.fact.clusterName}`;
    out.settle(t, 'invalid', why);
  } else if (taskPhase(t.fact) === 'stopping') {
    // The task is gone. The stop withdraws only what is recorded for the task at this cluster (task-plan.ts:
    // withoutMarksElsewhere), so naming the wrong cluster deletes nothing.
    out.keep(t);
  } else if (age > NOT_YET_KNOWN_GRACE_MS) {
    out.settle(t, 'stale', 'ECS no longer knows the task (stopped long ago)');
  } else {
    out.settle(t, 'retry', 'DescribeTasks does not know the task yet');
  }
}

/** The task takes ECS's fact (keeping the event's time for the lag metric); a stop ECS contradicts is not applied. */
function adoptTruth(t: OpenTask, truth: TaskFact, out: StageOutput<OpenTask>): void {
  const phase = taskPhase(truth);
  let unconfirmed = t.unconfirmed;
  if (taskPhase(t.fact) === 'stopping' && phase !== 'stopping') {
    if ((t.fact.version ?? -1) > (truth.version ?? -1)) {
      // ECS may not show the stop yet: the event is retried until it does (or until the dead-letter queue).
      const why = `the event says version ${t.fact.version} is stopping; ECS still reports ${truth.lastStatus} at version ${truth.version ?? 'unknown'}`;
      out.settle(t, 'retry', why);
      return;
    }
    unconfirmed = `the event says the task is stopping, but ECS reports it ${truth.lastStatus} (desired ${truth.desiredStatus}, version ${truth.version ?? 'unknown'}): stop not applied`;
  }
  const next: OpenTask = { ...t, fact: adoptEcsFact(truth, t.fact), unconfirmed };
  if (phase === 'starting') out.settle(next, 'ignored', `task is ${truth.lastStatus}, not running yet`);
  else out.keep(next);
}

/**
 * A failed read: retried, unless it is one retrying cannot fix (a task definition ECS says does not exist), which is
 * reported as invalid.
 */
export function readFailure(err: unknown): { status: Extract<ItemStatus, 'retry' | 'invalid'>; reason: string } {
  const retryable = !(err instanceof AwsReadError) || err.retryable || !isPermanentRead(err);
  return { status: retryable ? 'retry' : 'invalid', reason: (err as Error).message };
}

/** A task definition ECS says does not exist will not appear by retrying. */
function isPermanentRead(err: AwsReadError): boolean {
  return (
    err.operation === 'DescribeTaskDefinition' &&
    (err.code === 'ClientException' || err.code === 'InvalidParameterException')
  );
}
