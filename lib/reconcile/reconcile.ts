import type { CallCounter } from '../aws/clients';
import { AwsReadError } from '../aws/errors';
import { clusterNameOf } from '../events/arn';
import { type TaskFact, taskPhase } from '../events/task-fact';
import {
  type Conflict,
  defaultOwnedRecordSubject,
  type EndpointSet,
  ownedInstanceSubject,
  planChanges,
} from '../plan/plan';
import { type AppliedChange, applyPlan } from '../sync/apply';
import type { SyncDeps } from '../sync/process-batch';
import { type WrittenTask, withdrawStoppedSinceConfirmed } from '../sync/recheck';
import type { TaskSpecs } from '../sync/registrations';

export interface ReconcileRequest {
  dryRun?: boolean;
  /** Restrict the run to these clusters (names or ARNs); each must be one the stack serves. */
  clusters?: string[];
  /** Apply even when the deletion guard would refuse. */
  force?: boolean;
}

export type ReconcileOutcome = 'converged' | 'applied' | 'planned' | 'partial' | 'refused';

export interface ReconcileReport {
  outcome: ReconcileOutcome;
  dryRun: boolean;
  forced: boolean;
  clusters: string[];
  startedAt: string;
  durationMs: number;
  /** Entries the registrar owns before the run, and the entries the run found missing, wrong or extra. */
  owned: { records: number; instances: number };
  desired: { records: number; instances: number; runningTasks: number };
  drift: number;
  /** Changes by provider and action, and by status. */
  counts: Record<string, Record<string, number>>;
  /** The first CHANGES_SHOWN changes (all of them are counted in `counts` and `totalChanges`). */
  changes: AppliedChange[];
  totalChanges: number;
  rejected: { key: string; action: string; code?: string; message?: string }[];
  conflicts: Conflict[];
  problems: { subject: string; message: string }[];
  refusal?: string;
  awsCalls: Record<string, number>;
}

export const CHANGES_SHOWN = 200;
/** The guard ignores runs that delete this few entries: cleaning up one stale task must not need --force. */
export const GUARD_MIN_DELETIONS = 3;

export class ReconcileError extends Error {
  override readonly name = 'ReconcileError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * One full reconcile: the registered state is made equal to the desired state, touching only what this owner marked.
 *
 * Why it is safe beside the event path (which keeps running during a reconcile):
 * 1. Current state (Route 53, Cloud Map) is read BEFORE ECS. A record the sync function creates after our read is
 *    not in our "current", so we never delete it; a record the sync function deletes after our read is seen by us as
 *    present, but ECS (read later) already says its task is stopping, so we plan no create for it.
 * 2. Deletes and updates are exact (the values read), creates are UPSERTs of keys only this owner uses. When the
 *    event path changed a record between our read and our write, Route 53 rejects that change, the writer isolates
 *    it by bisection and the run reports it; the next run re-plans from fresh reads.
 * 3. An owned record whose task ListTasks did not return is not deleted on that evidence alone: DescribeTasks must
 *    confirm the task is stopping or gone (ListTasks can lag behind a task that just started).
 * 4. After writing, the tasks we wrote for are described again and any that is now stopping is withdrawn at once
 *    (recheck.ts): either that look sees the stop, or the stop came after our write and the sync function applying it
 *    reads our records and deletes them.
 * An ECS read error fails the run: it is never read as "no tasks". More than REGISTRAR_MAX_DELETE_PERCENT of the
 * owned entries deleted in one run is refused unless forced.
 */
export async function reconcile(
  request: ReconcileRequest,
  deps: SyncDeps,
  counter?: CallCounter,
): Promise<ReconcileReport> {
  const started = deps.now();
  const callsBefore = counter ? { ...counter.toJSON() } : {};
  const dryRun = !!request.dryRun;
  const forced = !!request.force;

  const served = await servedClusters(deps);
  const clusters = selectClusters(request, served, deps);

  // 1. Current state first (see above).
  const zoneIds = deps.settings.hostedZoneIds;
  const records = [];
  for (const zoneId of zoneIds) records.push(...(await deps.route53Reader.listZone(zoneId)));
  const instances = (
    await Promise.all(deps.settings.cloudMapServiceIds.map((id) => deps.cloudMapReader.instances(id)))
  ).flat();
  const current: EndpointSet = { records, instances };
  const owner = deps.settings.ownerId;
  // With the records read, alias records are recognised through their ownership records (service-ownership.ts).
  const ownedSubject = defaultOwnedRecordSubject(owner, records);
  const ownedRecords = records.filter((r) => ownedSubject(r));
  const ownedInstances = instances.filter((i) => ownedInstanceSubject(owner, i));

  // 2. ECS: every running task of the clusters in scope.
  const running = new Map<string, TaskFact>();
  for (const cluster of clusters) {
    const arns = await deps.ecs.listRunningTaskArns(cluster);
    const { facts } = await deps.ecs.describeTasks(cluster, arns);
    for (const f of facts) if (taskPhase(f) === 'running') running.set(f.taskId, f);
  }

  // 3. Owned entries whose task ListTasks did not return: ask DescribeTasks in every served cluster before deleting.
  const clusterScope = new Set(clusters.map(clusterNameOf));
  const keep = new Set<string>();
  const orphanIds = new Set<string>();
  for (const subject of [
    ...ownedRecords.map(ownedSubject),
    ...ownedInstances.map((i) => ownedInstanceSubject(owner, i)),
  ]) {
    if (subject?.startsWith('task:') && !running.has(subject.slice(5))) orphanIds.add(subject.slice(5));
  }
  if (orphanIds.size > 0) {
    for (const cluster of served) {
      const { facts } = await deps.ecs.describeTasks(cluster, [...orphanIds]);
      for (const f of facts) {
        const inScope = clusterScope.has(f.clusterName);
        if (inScope && taskPhase(f) === 'running') running.set(f.taskId, f);
        // A task of a cluster outside this run's scope is not this run's to judge.
        if (!inScope) keep.add(`task:${f.taskId}`);
      }
    }
  }

  // 4. Desired state.
  const withSpecs: { fact: TaskFact; specs: TaskSpecs }[] = [];
  const problems: { subject: string; message: string }[] = [];
  for (const fact of running.values()) {
    let specs: TaskSpecs;
    try {
      specs = await deps.registrations.specsFor(fact.taskDefinitionArn);
    } catch (err) {
      throw new ReconcileError(`cannot read task definition ${fact.taskDefinitionArn}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    for (const e of specs.labels.errors) problems.push({ subject: `task:${fact.taskId}`, message: e.message });
    if (specs.labels.specs.length > 0) withSpecs.push({ fact, specs });
  }
  const desired = await deps.registrations.desired(withSpecs);
  problems.push(...desired.problems);

  // 4b. Service aliases: every service of the clusters in scope, as DescribeServices (with tags) has it.
  if (deps.services) {
    const views = [];
    for (const cluster of clusters) {
      const names = await deps.services.ecs.listServiceNames(cluster);
      views.push(...(await deps.services.ecs.describeServices(cluster, names)).services);
    }
    const services = await deps.services.desiredForServices(views);
    desired.records.push(...services.records);
    problems.push(...services.problems);
    // A service whose records could not be computed (a bad tag, a failed ELBv2 read) keeps what it has.
    for (const [subject, outcome] of services.outcomes) if (outcome.kind === 'frozen') keep.add(subject);
  }
  // Services of clusters outside this run's scope are not this run's to judge either.
  for (const r of ownedRecords) {
    const subject = ownedSubject(r);
    const cluster = subject?.startsWith('service:') ? subject.slice('service:'.length).split('/')[0] : undefined;
    if (subject && cluster !== undefined && (!clusterScope.has(cluster) || !deps.services)) keep.add(subject);
  }

  // 5. Plan over everything owned (minus tasks of clusters outside the run's scope).
  const plan = planChanges({ owner, desired, current, inScope: (s) => !keep.has(s) });
  const deletions = plan.changes.filter((c) => c.action === 'DELETE' || c.action === 'DEREGISTER').length;
  const ownedTotal = ownedRecords.length + ownedInstances.length;
  let refusal: string | undefined;
  if (
    deletions > GUARD_MIN_DELETIONS &&
    ownedTotal > 0 &&
    (deletions / ownedTotal) * 100 > deps.settings.maxDeletePercent
  ) {
    refusal = `the plan deletes ${deletions} of ${ownedTotal} owned entries (${Math.round((deletions / ownedTotal) * 100)}%), more than REGISTRAR_MAX_DELETE_PERCENT=${deps.settings.maxDeletePercent}; rerun with force to apply`;
  }

  // 6. Apply (unless dry, or refused and not forced).
  const applyNow = !dryRun && (!refusal || forced);
  const changes = await applyPlan(plan, { route53: deps.route53Writer, cloudMap: deps.cloudMapWriter }, !applyNow);
  // The same second look at ECS as the event path (recheck.ts): a task that stopped after our ECS read, whose stop the
  // sync function applied before our write landed, is withdrawn now instead of at the next run.
  if (applyNow) {
    const written = withSpecs.map((w): WrittenTask => ({ fact: w.fact, specs: w.specs }));
    changes.push(...(await withdrawStoppedSinceConfirmed(written, changes, deps)));
    for (const w of written.filter((x) => x.status === 'retry')) {
      problems.push({
        subject: `task:${w.fact.taskId}`,
        message: w.reason ?? 'could not re-check the task after writing',
      });
    }
  }

  const counts: Record<string, Record<string, number>> = {};
  for (const c of changes) {
    const k = `${c.provider}:${c.action}`;
    counts[k] ??= {};
    counts[k][c.status] = (counts[k][c.status] ?? 0) + 1;
  }
  const unchecked = problems.some((p) => p.message.startsWith('could not'));
  const rejected = changes
    .filter((c) => c.status === 'rejected' || c.status === 'failed')
    .map((c) => ({ key: c.key, action: c.action, code: c.code, message: c.message }));
  const outcome: ReconcileOutcome =
    plan.changes.length === 0
      ? 'converged'
      : refusal && !forced && !dryRun
        ? 'refused'
        : dryRun
          ? 'planned'
          : rejected.length > 0 || unchecked
            ? 'partial'
            : 'applied';

  const report: ReconcileReport = {
    outcome,
    dryRun,
    forced,
    clusters: clusters.map(clusterNameOf),
    startedAt: new Date(started).toISOString(),
    durationMs: deps.now() - started,
    owned: { records: ownedRecords.length, instances: ownedInstances.length },
    desired: { records: desired.records.length, instances: desired.instances.length, runningTasks: withSpecs.length },
    drift: plan.changes.length,
    counts,
    changes: changes.slice(0, CHANGES_SHOWN),
    totalChanges: changes.length,
    rejected,
    conflicts: plan.conflicts,
    problems,
    refusal,
    awsCalls: diffCalls(callsBefore, counter?.toJSON() ?? {}),
  };
  deps.log.info('reconcile finished', {
    outcome,
    drift: report.drift,
    counts,
    conflicts: plan.conflicts.length,
    refusal,
  });
  return report;
}

async function servedClusters(deps: SyncDeps): Promise<string[]> {
  if (deps.settings.clusters.length > 0) return deps.settings.clusters;
  try {
    return (await deps.ecs.listClusters()).map(clusterNameOf);
  } catch (err) {
    throw new ReconcileError(`cannot list clusters: ${(err as Error).message}`, { cause: err });
  }
}

function selectClusters(request: ReconcileRequest, served: string[], _deps: SyncDeps): string[] {
  if (!request.clusters || request.clusters.length === 0) return served;
  const names = request.clusters.map(clusterNameOf);
  const unknown = names.filter((n) => !served.includes(n));
  if (unknown.length > 0) {
    throw new ReconcileError(
      `cluster(s) ${unknown.join(', ')} not served by this stack (served: ${served.join(', ') || 'none'})`,
    );
  }
  return names;
}

function diffCalls(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}

/** ECS read failures end the run (never read as "no tasks"); anything else propagates as is. */
export async function reconcileOrFail(
  request: ReconcileRequest,
  deps: SyncDeps,
  counter?: CallCounter,
): Promise<ReconcileReport> {
  try {
    return await reconcile(request, deps, counter);
  } catch (err) {
    if (err instanceof AwsReadError)
      throw new ReconcileError(`reconcile failed, nothing applied: ${err.message}`, { cause: err });
    throw err;
  }
}
