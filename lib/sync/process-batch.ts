import { deadlinePassed, withDeadline } from '../aws/deadline';
import type { EcsReader } from '../aws/ecs-reader';
import { AwsReadError } from '../aws/errors';
import { servesCluster } from '../config/settings';
import { CLUSTER_ATTRIBUTE, isOwnedInstance, markIsAt, ownedTaskMark, type TaskLocation } from '../domain/ownership';
import { type AppliedChange, applyPlan } from '../engine/apply';
import { readCurrent, rereadStaleDeletes } from '../engine/current-state';
import type { EngineDeps } from '../engine/deps';
import { withdrawStoppedSinceConfirmed } from '../engine/recheck';
import {
  entrySubject,
  planServiceEvents,
  type ServiceEntry,
  settleServiceEntries,
} from '../engine/service-registrations';
import { addToScope, emptyScope, type TaskSpecs } from '../engine/task-registrations';
import type { ItemStatus } from '../engine/verdicts';
import type { ServiceEventFact } from '../events/cloudtrail';
import { InvalidEventError } from '../events/errors';
import { parseEvent, type RawInput } from '../events/parse';
import { type TaskFact, taskPhase } from '../events/task-fact';
import { type Conflict, type EndpointSet, type Plan, planChanges, taskSubject } from '../plan/plan';

export type { ItemStatus } from '../engine/verdicts';

export interface ItemReport {
  id: string;
  status: ItemStatus;
  subject?: string;
  reason?: string;
}

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
  dryRun: boolean;
}

interface TaskEntry {
  fact: TaskFact;
  /** The input whose event won; it carries the task's fate (retry, applied, ...). */
  winnerId: string;
  specs?: TaskSpecs;
  status?: ItemStatus;
  reason?: string;
  /** Set when the event claimed a stop that ECS contradicts: the batch acts on ECS's fact, the event ends stale. */
  unconfirmed?: string;
}

/** How far ahead of this clock an event may be dated (clock skew) before an event for a task ECS does not know is refused. */
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

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

/** A RUNNING event that DescribeTasks does not know yet is retried for this long, then treated as stale. */
const MISSING_TASK_GRACE_MS = 10 * 60 * 1000;

/**
 * The event path: one SQS batch (or a CLI events file) -> parsed, collapsed per task to the newest version,
 * confirmed against ECS, turned into desired endpoints, diffed against what Route 53 and Cloud Map hold, applied.
 * Every input gets a verdict; one bad input never blocks the others.
 */
export function processEventBatch(
  inputs: readonly RawInput[],
  deps: EngineDeps,
  options: BatchOptions = {},
): Promise<BatchReport> {
  return withDeadline(options.deadline, () => runBatch(inputs, deps));
}

async function runBatch(inputs: readonly RawInput[], deps: EngineDeps): Promise<BatchReport> {
  const report: BatchReport = {
    items: [],
    changes: [],
    conflicts: [],
    problems: [],
    retry: [],
    lagsMs: [],
    dryRun: !!deps.dryRun,
  };
  const verdict = (id: string, status: ItemStatus, reason?: string, subject?: string) => {
    report.items.push({ id, status, reason, subject });
    if (status === 'retry') report.retry.push(id);
  };

  // 1. Parse and collapse per task: the newest fact wins; a stop beats any running fact (the lifecycle is final).
  //    Service API calls collapse per service to the latest call (detail.eventTime, then position in the batch).
  const tasks = new Map<string, TaskEntry>();
  const services = new Map<string, ServiceEntry>();
  const region = await deps.ecs.region();
  for (const input of inputs) {
    let parsed: ReturnType<typeof parseEvent>;
    try {
      parsed = parseEvent(input);
    } catch (err) {
      const reason =
        err instanceof InvalidEventError ? err.message : `unexpected error while parsing: ${(err as Error).message}`;
      deps.log.warn('invalid event', { inputId: input.id, reason });
      verdict(input.id, 'invalid', reason);
      continue;
    }
    if (parsed.kind === 'ignored') {
      deps.log.info('event ignored', { inputId: input.id, reason: parsed.reason });
      verdict(input.id, 'ignored', parsed.reason);
      continue;
    }
    if (parsed.kind === 'service') {
      const sf = parsed.fact;
      const subject = entrySubject({ fact: sf, winnerId: input.id });
      if (!servesCluster(deps.settings, sf.clusterName)) {
        verdict(input.id, 'ignored', `cluster ${sf.clusterName} is not in REGISTRAR_CLUSTERS`, subject);
        continue;
      }
      const key = `${sf.clusterName}/${sf.serviceName}`;
      const existing = services.get(key);
      if (!existing) {
        services.set(key, { fact: sf, winnerId: input.id });
      } else if (laterCall(sf, existing.fact)) {
        verdict(existing.winnerId, 'stale', `superseded by a later ${sf.eventName} in the same batch`, subject);
        services.set(key, { fact: sf, winnerId: input.id });
      } else {
        verdict(input.id, 'stale', `superseded by a later ${existing.fact.eventName} in the same batch`, subject);
      }
      continue;
    }
    const fact = parsed.fact;
    if (region && fact.region !== region) {
      verdict(
        input.id,
        'ignored',
        `task runs in Region ${fact.region}; this registrar serves ${region} (deploy a stack per Region)`,
        taskSubject(fact.taskId),
      );
      continue;
    }
    if (!servesCluster(deps.settings, fact.clusterName)) {
      verdict(
        input.id,
        'ignored',
        `cluster ${fact.clusterName} is not in REGISTRAR_CLUSTERS`,
        taskSubject(fact.taskId),
      );
      continue;
    }
    const key = ledgerKey(fact);
    const existing = tasks.get(key);
    if (!existing) {
      tasks.set(key, { fact, winnerId: input.id });
    } else if (newer(fact, existing.fact)) {
      verdict(
        existing.winnerId,
        'stale',
        `superseded by version ${fact.version} in the same batch`,
        taskSubject(fact.taskId),
      );
      tasks.set(key, { fact, winnerId: input.id });
    } else {
      verdict(
        input.id,
        'stale',
        `superseded by version ${existing.fact.version} in the same batch`,
        taskSubject(fact.taskId),
      );
    }
  }

  // 2. The ledger drops what this container already applied: no AWS call for duplicates and stale events.
  for (const [key, entry] of tasks) {
    const reason = deps.ledger.skipReason(key, entry.fact.version, taskPhase(entry.fact) === 'stopping');
    if (reason) conclude(entry, 'stale', reason);
  }

  // 3. Registrations from the task definition's labels (cached per revision). Not opted in: nothing to do, and no
  //    ECS call. The event's task definition only filters here; what is registered comes from ECS (step 4).
  const live = () => [...tasks.values()].filter((e) => !e.status);
  const readSpecs = (entries: TaskEntry[]) =>
    Promise.all(
      entries.map(async (entry) => {
        try {
          entry.specs = await deps.registrations.specsFor(entry.fact.taskDefinitionArn);
        } catch (err) {
          failRead(entry, err);
          return;
        }
        const subject = taskSubject(entry.fact.taskId);
        for (const e of entry.specs.labels.errors) report.problems.push({ subject, message: e.message });
        for (const w of entry.specs.labels.warnings) deps.log.warn('label warning', { subject, warning: w });
        if (entry.specs.labels.specs.length === 0) {
          const why =
            entry.specs.labels.errors.length > 0
              ? `no valid registration: ${entry.specs.labels.errors.map((e) => e.message).join('; ')}`
              : 'no ecs-registrar labels';
          conclude(entry, entry.specs.labels.errors.length > 0 ? 'invalid' : 'ignored', why);
        } else if (taskPhase(entry.fact) === 'starting') {
          conclude(entry, 'ignored', `task is ${entry.fact.lastStatus}, not running yet`);
        }
      }),
    );
  outOfTime();
  await readSpecs(live());

  // 4. Events are hints, ECS is the truth: every task left is described (one DescribeTasks per cluster), and the
  //    batch acts on what ECS says: its task definition, addresses and status, never the event body's. A stop is
  //    applied only when ECS says the task is stopping or does not know it; a late RUNNING event cannot resurrect a
  //    stopped task, and a forged stop costs one read.
  outOfTime();
  const beforeConfirm = new Map(live().map((e) => [e, e.fact.taskDefinitionArn]));
  await confirmWithEcs(live(), deps, conclude, failRead);
  // ECS's task definition, when the event named another: its labels decide.
  await readSpecs(live().filter((e) => beforeConfirm.get(e) !== e.fact.taskDefinitionArn));

  // 5. Desired endpoints, current state, plan.
  outOfTime();
  const inBatch = live();
  let taskPlan: Plan | undefined;
  if (inBatch.length > 0) {
    const scope = emptyScope();
    for (const e of inBatch) addToScope(scope, e.specs!.labels.specs);
    try {
      const running = inBatch
        .filter((e) => taskPhase(e.fact) === 'running')
        .map((e) => ({ fact: e.fact, specs: e.specs! }));
      const desired = await deps.registrations.desired(running);
      report.problems.push(...desired.problems);
      // ECS gave no address for a registration: what the task has registered is kept as it is (never deleted for want
      // of an address; the problem is reported). Not retried: ECS reports the addresses of a RUNNING task, so a
      // missing one is a label asking for what the task does not have (AAAA without IPv6), not a passing state.
      const current = withoutMarksElsewhere(
        await readCurrent(deps.route53Reader, deps.cloudMapReader, scope),
        inBatch.filter((e) => taskPhase(e.fact) === 'stopping'),
        deps.settings.ownerId,
      );
      const subjects = new Set(inBatch.map((e) => taskSubject(e.fact.taskId)));
      taskPlan = planChanges({
        owner: deps.settings.ownerId,
        desired,
        current,
        inScope: (s) => subjects.has(s) && !desired.incomplete.has(s),
        policy: deps.settings.namePolicy,
        mode: deps.settings.mode,
      });
    } catch (err) {
      for (const e of inBatch) failRead(e, err);
    }
  }

  // 6. Services: ECS (DescribeServices) is the truth, then ELBv2, desired, current, plan (service-registrations.ts).
  const serviceEntries = [...services.values()];
  let servicePlan: Plan | undefined;
  if (serviceEntries.length > 0) {
    if (deps.services) {
      const planned = await planServiceEvents(serviceEntries, { ...deps, services: deps.services });
      report.problems.push(...planned.problems);
      if (planned.plan.changes.length > 0 || planned.plan.conflicts.length > 0) servicePlan = planned.plan;
    } else {
      for (const e of serviceEntries) {
        e.status = 'retry';
        e.reason = 'this runtime has no service path (EngineDeps.services) configured';
      }
    }
  }

  // 7. Apply tasks and services together: one Route 53 request per zone for the whole batch while within limits.
  if (outOfTime()) {
    taskPlan = undefined;
    servicePlan = undefined;
  }
  if (taskPlan || servicePlan) {
    const merged = mergePlans([taskPlan, servicePlan]);
    report.conflicts.push(...merged.conflicts);
    try {
      report.changes = await applyPlan(
        merged,
        { route53: deps.route53Writer, cloudMap: deps.cloudMapWriter },
        deps.dryRun,
      );
      // A DELETE refused because the view was stale is settled by reading again, not retried (current-state.ts).
      if (!deps.dryRun) report.changes = await rereadStaleDeletes(deps.route53Reader, report.changes);
      // A second look at ECS for the tasks just registered: one that stopped meanwhile is withdrawn (recheck.ts).
      if (taskPlan && !deps.dryRun) {
        report.changes.push(...(await withdrawStoppedSinceConfirmed(inBatch, report.changes, deps)));
      }
      if (taskPlan) settle(inBatch, report, deps);
    } catch (err) {
      if (taskPlan) for (const e of inBatch) failRead(e, err);
      for (const e of serviceEntries) {
        if (e.status) continue;
        e.status = 'retry';
        e.reason = (err as Error).message;
      }
    }
  }
  settleServiceEntries(serviceEntries, report.changes, report.conflicts);

  for (const e of tasks.values()) {
    if (e.unconfirmed && (e.status === 'applied' || e.status === 'unchanged' || !e.status)) {
      e.status = 'stale';
      e.reason = e.unconfirmed;
    }
    verdict(e.winnerId, e.status ?? 'unchanged', e.reason, taskSubject(e.fact.taskId));
    if (e.status === 'retry' || e.status === 'conflict') {
      deps.log.warn('task not fully registered', {
        subject: taskSubject(e.fact.taskId),
        taskArn: e.fact.taskArn,
        status: e.status,
        reason: e.reason,
      });
    }
  }
  for (const e of serviceEntries) {
    const subject = entrySubject(e);
    verdict(e.winnerId, e.status ?? 'unchanged', e.reason, subject);
    if (e.status === 'retry' || e.status === 'conflict' || e.status === 'invalid') {
      deps.log.warn('service not fully registered', { subject, status: e.status, reason: e.reason });
    }
  }
  // Not `p` itself: Powertools reserves the `message` key and would drop the problem's text.
  for (const p of report.problems) deps.log.warn('registration problem', { subject: p.subject, problem: p.message });
  return report;

  /** Past the deadline, everything still open is concluded as a retry, so no later stage starts work for it. */
  function outOfTime(): boolean {
    if (!deadlinePassed()) return false;
    for (const e of tasks.values()) if (!e.status) conclude(e, 'retry', DEADLINE_REASON);
    for (const e of services.values()) {
      if (e.status) continue;
      e.status = 'retry';
      e.reason = DEADLINE_REASON;
    }
    return true;
  }
  function conclude(entry: TaskEntry, status: ItemStatus, reason?: string) {
    entry.status = status;
    entry.reason = reason;
  }
  function failRead(entry: TaskEntry, err: unknown) {
    const retryable = !(err instanceof AwsReadError) || err.retryable || !isPermanentRead(err);
    conclude(entry, retryable ? 'retry' : 'invalid', (err as Error).message);
  }
}

/** `a` (later in the batch) supersedes `b`: the later call by eventTime; equal or unknown times keep the later input. */
function laterCall(a: ServiceEventFact, b: ServiceEventFact): boolean {
  const t = (f: ServiceEventFact) => (f.eventTime ? Date.parse(f.eventTime) : Number.NaN);
  const ta = t(a);
  const tb = t(b);
  if (Number.isNaN(ta) || Number.isNaN(tb)) return Number.isNaN(tb) || !Number.isNaN(ta);
  return ta >= tb;
}

/** Several plans as one: changes in plan order (deletes, updates, creates), conflicts and counts added up. */
function mergePlans(plans: (Plan | undefined)[]): Plan {
  const present = plans.filter((p): p is Plan => !!p);
  const order = { DELETE: 0, DEREGISTER: 0, UPDATE: 1, CREATE: 2, REGISTER: 2 } as const;
  return {
    changes: present.flatMap((p) => p.changes).sort((a, b) => order[a.action] - order[b.action]),
    conflicts: present.flatMap((p) => p.conflicts),
    unchanged: present.reduce((n, p) => n + p.unchanged, 0),
  };
}

/** `a` supersedes `b`: any stop beats a running fact, otherwise the higher version wins (ties keep the first). */
function newer(a: TaskFact, b: TaskFact): boolean {
  const sa = taskPhase(a) === 'stopping';
  const sb = taskPhase(b) === 'stopping';
  if (sa !== sb) return sa;
  return (a.version ?? -1) > (b.version ?? -1);
}

/** A task definition ECS says does not exist will not appear by retrying. */
function isPermanentRead(err: AwsReadError): boolean {
  return (
    err.operation === 'DescribeTaskDefinition' &&
    (err.code === 'ClientException' || err.code === 'InvalidParameterException')
  );
}

/**
 * One task per location: task ids are unique, but the Region and cluster an event names are the event's word, so a
 * forged event for another cluster never shares a ledger entry (or a batch entry) with the real task.
 */
function ledgerKey(fact: Pick<TaskFact, 'region' | 'clusterName' | 'taskId'>): string {
  return `${fact.region}/${fact.clusterName}/${fact.taskId}`;
}

function eventAge(fact: TaskFact, deps: EngineDeps): number {
  const t = fact.eventTime ? Date.parse(fact.eventTime) : Number.NaN;
  return Number.isFinite(t) ? deps.now() - t : 0;
}

async function confirmWithEcs(
  entries: TaskEntry[],
  deps: EngineDeps,
  conclude: (e: TaskEntry, s: ItemStatus, r?: string) => void,
  failRead: (e: TaskEntry, err: unknown) => void,
): Promise<void> {
  const byCluster = new Map<string, TaskEntry[]>();
  for (const e of entries) byCluster.set(e.fact.clusterArn, [...(byCluster.get(e.fact.clusterArn) ?? []), e]);
  await Promise.all(
    [...byCluster].map(async ([cluster, group]) => {
      let result: Awaited<ReturnType<EcsReader['describeTasks']>>;
      try {
        result = await deps.ecs.describeTasks(
          cluster,
          group.map((e) => e.fact.taskArn),
        );
      } catch (err) {
        for (const e of group) failRead(e, err);
        return;
      }
      const facts = new Map(result.facts.map((f) => [f.taskId, f]));
      const failures = new Map(result.failures.map((f) => [f.taskId, f]));
      for (const e of group) {
        const truth = facts.get(e.fact.taskId);
        if (truth) {
          adoptTruth(e, truth, conclude);
          continue;
        }
        const failure = failures.get(e.fact.taskId);
        if (failure?.kind !== 'missing') {
          conclude(
            e,
            'retry',
            `DescribeTasks in ${e.fact.clusterName} could not read the task: ${failure?.reason ?? 'no answer for it'}`,
          );
          continue;
        }
        const age = eventAge(e.fact, deps);
        if (-age > FUTURE_TOLERANCE_MS) {
          conclude(
            e,
            'invalid',
            `event time ${e.fact.eventTime} is in the future and ECS does not know the task in ${e.fact.clusterName}`,
          );
        } else if (taskPhase(e.fact) === 'stopping') {
          // ECS does not know the task in this cluster: it is gone. The stop withdraws only what is recorded for the
          // task at this cluster (withoutMarksElsewhere), so naming the wrong cluster deletes nothing.
        } else if (age > MISSING_TASK_GRACE_MS) {
          conclude(e, 'stale', 'ECS no longer knows the task (stopped long ago)');
        } else {
          conclude(e, 'retry', 'DescribeTasks does not know the task yet');
        }
      }
    }),
  );
}

/** The entry takes ECS's fact (keeping the event's time for the lag metric); a stop ECS contradicts is not applied. */
function adoptTruth(e: TaskEntry, truth: TaskFact, conclude: (e: TaskEntry, s: ItemStatus, r?: string) => void): void {
  const phase = taskPhase(truth);
  if (taskPhase(e.fact) === 'stopping' && phase !== 'stopping') {
    if ((e.fact.version ?? -1) > (truth.version ?? -1)) {
      // ECS may not show the stop yet: the event is retried until it does (or until the dead-letter queue).
      conclude(
        e,
        'retry',
        `the event says version ${e.fact.version} is stopping; ECS still reports ${truth.lastStatus} at version ${truth.version ?? 'unknown'}`,
      );
      return;
    }
    e.unconfirmed = `the event says the task is stopping, but ECS reports it ${truth.lastStatus} (desired ${truth.desiredStatus}, version ${truth.version ?? 'unknown'}): stop not applied`;
  }
  e.fact = { ...filledFrom(truth, e.fact), eventTime: e.fact.eventTime };
  if (phase === 'starting') conclude(e, 'ignored', `task is ${truth.lastStatus}, not running yet`);
}

/**
 * ECS's fact, with the gaps ECS left filled from the event: only fields DescribeTasks omitted altogether (its version,
 * the container instance, a container's network bindings), never an address or a status. Real ECS reports all three
 * for a running task; emulators such as moto do not. The host address still comes from ECS (the container instance
 * is looked up in the task's cluster), so a filled gap can name at most a port or another host of that cluster.
 */
function filledFrom(truth: TaskFact, event: TaskFact): TaskFact {
  const eventBindings = new Map(event.containers.map((c) => [c.name, c.networkBindings]));
  return {
    ...truth,
    version: truth.version ?? event.version,
    containerInstanceArn: truth.containerInstanceArn ?? event.containerInstanceArn,
    containers: truth.containers.map((c) =>
      c.networkBindings.length > 0 ? c : { ...c, networkBindings: eventBindings.get(c.name) ?? [] },
    ),
  };
}

/**
 * The current state a stop may act on: per-task records and instances of the stopping tasks are left out unless
 * their mark says they were written for the task at the cluster (and Region) ECS was asked about. Marks that do not
 * say (written by earlier versions) count as here.
 */
function withoutMarksElsewhere(current: EndpointSet, stopping: TaskEntry[], owner: string): EndpointSet {
  if (stopping.length === 0) return current;
  const at = new Map(
    stopping.map((e) => [e.fact.taskId, { region: e.fact.region, cluster: e.fact.clusterName } as TaskLocation]),
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

/** Maps write outcomes back to tasks, feeds the ledger, and measures event-to-DNS lag. */
function settle(entries: TaskEntry[], report: BatchReport, deps: EngineDeps): void {
  const bySubject = new Map<string, AppliedChange[]>();
  for (const c of report.changes) bySubject.set(c.subject, [...(bySubject.get(c.subject) ?? []), c]);
  const conflicts = new Map<string, Conflict[]>();
  for (const c of report.conflicts) conflicts.set(c.subject, [...(conflicts.get(c.subject) ?? []), c]);
  const now = deps.now();
  for (const e of entries) {
    if (e.status) continue; // already concluded (a failed second look: retried)
    const subject = taskSubject(e.fact.taskId);
    const changes = bySubject.get(subject) ?? [];
    const bad = changes.filter((c) => c.status === 'failed' || c.status === 'rejected');
    if (bad.length > 0) {
      e.status = 'retry';
      e.reason = bad
        .map((c) => `${c.action} ${c.detail}: ${c.status} (${c.code ?? ''} ${c.message ?? ''})`.trim())
        .join('; ');
      continue;
    }
    const conflicted = conflicts.get(subject);
    if (conflicted) {
      e.status = 'conflict';
      e.reason = conflicted.map((c) => `${c.key}: ${c.reason}`).join('; ');
    } else {
      e.status = changes.length > 0 ? 'applied' : 'unchanged';
    }
    if (deps.dryRun) continue;
    deps.ledger.record(ledgerKey(e.fact), e.fact.version, taskPhase(e.fact) === 'stopping');
    if (changes.length > 0 && e.fact.eventTime) {
      const lag = now - Date.parse(e.fact.eventTime);
      if (Number.isFinite(lag) && lag >= 0) report.lagsMs.push(lag);
    }
  }
}
