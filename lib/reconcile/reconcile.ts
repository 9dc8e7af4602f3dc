import type { CallCounter } from '../aws/clients';
import { DeadlineExceededError, deadlinePassed, withDeadline } from '../aws/deadline';
import { AwsReadError } from '../aws/errors';
import { isTaskClaimRecord } from '../domain/claims';
import { pushTo } from '../domain/multimap';
import { type DnsRecord, instanceKey, recordKey } from '../domain/records';
import { parseSubject, taskIdOfSubject } from '../domain/subject';
import { type AppliedChange, applyPlan } from '../engine/apply';
import type { EngineDeps } from '../engine/deps';
import { withdrawStoppedSinceConfirmed } from '../engine/recheck';
import type { DesiredState, TaskSpecs } from '../engine/task-registrations';
import { clusterNameOf } from '../events/arn';
import { onDrainingInstance, type TaskFact, taskPhase } from '../events/task-fact';
import {
  type Conflict,
  defaultOwnedRecordSubject,
  type EndpointSet,
  type HealthOutcome,
  ownedInstanceSubject,
  type Plan,
  planChanges,
  taskSubject,
} from '../plan/plan';
import { type OwnedSubject, ownedSubjects, regionsOf } from './owned';

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
  /** The Region this run read ECS in. */
  region?: string;
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
  /** Changes the write mode (REGISTRAR_POLICY upsert-only or create-only) held back: what sync would have done. */
  skipped?: { action: string; key: string; subject: string; reason: string }[];
  /** The health gate's work (plan/health-gate.ts): withdrawn unhealthy registrations and fail-open names. */
  health?: HealthOutcome;
  problems: { subject: string; message: string }[];
  /**
   * Owned subjects kept as they are because ECS could not say whether their task runs (an unreadable task or task
   * definition, a failure other than MISSING): the run is `partial`, the next one looks again.
   */
  held: { subject: string; reason: string }[];
  /** Owned subjects outside what this run can see (another cluster or Region, or no recorded location): never deleted. */
  outsideView: { subject: string; entries: number; where: string; hint: string }[];
  refusal?: string;
  /** Set when the run reached its deadline: what it did not do. The run is then `partial`; the next one goes on. */
  stoppedAtDeadline?: string;
  awsCalls: Record<string, number>;
}

export interface ReconcileOptions {
  /**
   * Wall-clock milliseconds since the epoch (functions/reconcile.ts: the Lambda deadline minus a margin). No AWS call
   * is awaited past it (deadline.ts); a run that reaches it ends `partial` instead of being killed by Lambda.
   */
  deadline?: number;
}

export const CHANGES_SHOWN = 200;
/** The percentage guard ignores runs that delete this few entries: cleaning up one stale task must not need --force. */
export const GUARD_MIN_DELETIONS = 3;

export class ReconcileError extends Error {
  override readonly name = 'ReconcileError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** What ECS said about the owned subjects the run judged. */
interface Judgement {
  running: Map<string, TaskFact>;
  /** Subjects ECS positively says are gone: stopping or stopped, or MISSING in the task's own cluster. */
  gone: Set<string>;
  held: Map<string, string>;
  outside: Map<string, { where: string; hint: string }>;
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
 * 3. An owned entry is deleted only when ECS positively says its task is gone: DescribeTasks finds it stopping, or
 *    answers MISSING in the task's own cluster (recorded in the mark). An unreadable task is kept (`held`), and an
 *    entry of a cluster or Region this run does not serve is never judged (`outsideView`).
 * 4. After writing, the tasks we wrote for are described again and any that is now stopping is withdrawn at once
 *    (recheck.ts): either that look sees the stop, or the stop came after our write and the sync function applying it
 *    reads our records and deletes them.
 * Refused unless forced: a cluster filter naming a cluster ECS does not have, owned entries recorded in another Region
 * than this run's, deleting more than REGISTRAR_MAX_DELETE_PERCENT of the owned entries, or every owned entry of a
 * cluster. An ECS read error fails the run: it is never read as "no tasks".
 */
export async function reconcile(
  request: ReconcileRequest,
  deps: EngineDeps,
  counter?: CallCounter,
  options: ReconcileOptions = {},
): Promise<ReconcileReport> {
  const started = deps.now();
  const callsBefore = counter ? { ...counter.toJSON() } : {};
  try {
    return await withDeadline(options.deadline, () => reconcileRun(request, deps, counter));
  } catch (err) {
    if (options.deadline === undefined || !causedByDeadline(err)) throw err;
    // Out of time while reading: nothing was planned, so nothing was written; the next run starts over.
    const base = {
      dryRun: !!request.dryRun,
      forced: !!request.force,
      region: (await deps.ecs.region()) ?? 'unknown',
      clusters: request.clusters ?? deps.settings.clusters,
      started,
      callsBefore,
      counter,
    };
    const stopped = `the run reached its deadline while reading (${(err as Error).message}); nothing was planned or applied`;
    deps.log.warn('reconcile stopped at its deadline', { stoppedAtDeadline: stopped });
    return buildReport(base, deps, {
      plan: { changes: [], conflicts: [], unchanged: 0 },
      changes: [],
      problems: [],
      judged: { running: new Map(), gone: new Set(), held: new Map(), outside: new Map() },
      owned: { records: 0, instances: 0 },
      desired: { records: 0, instances: 0, runningTasks: 0 },
      stoppedAtDeadline: stopped,
    });
  }
}

function causedByDeadline(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) if (e instanceof DeadlineExceededError) return true;
  return false;
}

async function reconcileRun(
  request: ReconcileRequest,
  deps: EngineDeps,
  counter?: CallCounter,
): Promise<ReconcileReport> {
  const started = deps.now();
  const callsBefore = counter ? { ...counter.toJSON() } : {};
  const region = (await deps.ecs.region()) ?? 'unknown';
  const served = await servedClusters(deps);
  const clusters = selectClusters(request, served);
  const base: RunBase = {
    dryRun: !!request.dryRun,
    forced: !!request.force,
    region,
    clusters,
    started,
    callsBefore,
    counter,
  };
  const absent = deps.settings.clusters.length > 0 ? (await deps.ecs.checkClusters(clusters)).absent : [];
  if (absent.length > 0 && !base.forced) {
    const names = absent.map((a) => `${a.cluster} (${a.reason})`).join(', ');
    return refusedBeforePlanning(
      base,
      deps,
      `the cluster filter names clusters ECS does not have in ${region}: ${names}. Check REGISTRAR_CLUSTERS (or --cluster) and AWS_REGION; nothing was planned or deleted`,
    );
  }
  // 1. Current state first (see above).
  const current = await readOwned(deps, region, served);
  const refusal = foreignRegionRefusal(current.owned, region, deps.settings.ownerId);
  if (refusal && !base.forced) return refusedBeforePlanning(base, deps, refusal);
  // 2. ECS: every running task of the clusters in scope, then a positive answer for each owned task not among them.
  const judged = await judgeOwned(deps, { clusters, served, owned: current.owned, region, forced: base.forced });
  // 3. Desired state.
  const wanted = await desireAll(deps, judged, clusters, current.owned);
  // 4. Plan over everything owned that this run may judge, and the guards.
  const plan = planChanges({
    owner: deps.settings.ownerId,
    desired: wanted.desired,
    current: current.endpoints,
    inScope: (s) => !wanted.keep.has(s),
    policy: deps.settings.namePolicy,
    mode: deps.settings.mode,
  });
  const clusterOf = (subject: string): string | undefined => {
    const taskId = taskIdOfSubject(subject);
    return current.owned.get(subject)?.cluster ?? (taskId ? judged.running.get(taskId)?.clusterName : undefined);
  };
  const guard = guardRefusal(plan, current.owned, clusterOf, deps);
  // 5. Apply, then look at ECS again.
  const applied = await applyAndLook(plan, wanted.withSpecs, judged, deps, base.dryRun || (!!guard && !base.forced));
  const report = buildReport(base, deps, {
    plan,
    changes: applied.changes,
    refusal: guard,
    problems: wanted.problems,
    judged,
    stoppedAtDeadline: applied.stoppedAtDeadline,
    entriesOf: (subject) => current.owned.get(subject)?.entries ?? 0,
    owned: { records: current.records, instances: current.instances },
    desired: {
      records: wanted.desired.records.length,
      instances: wanted.desired.instances.length,
      runningTasks: wanted.withSpecs.length,
    },
  });
  deps.log.info('reconcile finished', {
    outcome: report.outcome,
    drift: report.drift,
    counts: report.counts,
    conflicts: plan.conflicts.length,
    held: report.held.length,
    outsideView: report.outsideView.length,
    refusal: guard,
  });
  return report;
}

/** What the registrar holds in the zones and Cloud Map services, and which of it this owner owns, by subject. */
async function readOwned(
  deps: EngineDeps,
  region: string,
  served: string[],
): Promise<{ endpoints: EndpointSet; owned: Map<string, OwnedSubject>; records: number; instances: number }> {
  const owner = deps.settings.ownerId;
  const records: DnsRecord[] = [];
  for (const zoneId of deps.settings.hostedZoneIds) records.push(...(await deps.route53Reader.listZone(zoneId)));
  const instances = (
    await Promise.all(deps.settings.cloudMapServiceIds.map((id) => deps.cloudMapReader.instances(id)))
  ).flat();
  // With the records read, alias records are recognised through their ownership records (service-ownership.ts).
  const ownedSubject = defaultOwnedRecordSubject(owner, records);
  const ownedRecords = records.filter((r) => ownedSubject(r));
  const ownedInstances = instances.filter((i) => ownedInstanceSubject(owner, i));
  const owned = ownedSubjects({
    owner,
    region,
    records: ownedRecords,
    instances: ownedInstances,
    subjectOf: ownedSubject,
    knownClusters: served,
  });
  return {
    endpoints: { records, instances },
    owned,
    records: ownedRecords.length,
    instances: ownedInstances.length,
  };
}

function foreignRegionRefusal(owned: Map<string, OwnedSubject>, region: string, owner: string): string | undefined {
  const foreignRegions = [...regionsOf(owned.values())].filter(([r]) => r !== region);
  if (foreignRegions.length === 0) return undefined;
  const list = foreignRegions.map(([r, n]) => `${n} in ${r}`).join(', ');
  return `owner "${owner}" has entries recorded for tasks in another Region than this run's (${region}): ${list}. Set AWS_REGION to the Region the tasks run in; if stacks in several Regions share these zones, give each its own REGISTRAR_OWNER_ID. Nothing was planned or deleted`;
}

/**
 * The desired state of every running task and service in scope, and the owned subjects the plan must keep as they
 * are: held, outside the view, incomplete, services not judged, and tasks neither running nor positively gone.
 */
async function desireAll(
  deps: EngineDeps,
  judged: Judgement,
  clusters: string[],
  owned: Map<string, OwnedSubject>,
): Promise<{
  desired: DesiredState;
  withSpecs: { fact: TaskFact; specs: TaskSpecs }[];
  problems: { subject: string; message: string }[];
  keep: Set<string>;
}> {
  const problems: { subject: string; message: string }[] = [];
  const withSpecs: { fact: TaskFact; specs: TaskSpecs }[] = [];
  // A task on a DRAINING container instance runs but is not desired: what it has is withdrawn (task-fact.ts).
  for (const fact of [...judged.running.values()].filter((f) => !onDrainingInstance(f))) {
    const subject = taskSubject(fact.taskId);
    let specs: TaskSpecs;
    try {
      specs = await deps.registrations.specsFor(fact.taskDefinitionArn);
    } catch (err) {
      // One unreadable task definition keeps that task's entries as they are; it does not stop the run.
      judged.held.set(subject, `cannot read task definition ${fact.taskDefinitionArn}: ${(err as Error).message}`);
      continue;
    }
    for (const e of specs.labels.errors) problems.push({ subject, message: e.message });
    if (specs.labels.specs.length > 0) withSpecs.push({ fact, specs });
  }
  const desired = await deps.registrations.desired(withSpecs);
  problems.push(...desired.problems);
  // A registration ECS gives no address for (a label asking for AAAA on an IPv4-only task) is a reported problem; what
  // the task has registered is kept rather than deleted as no longer desired.
  const keep = new Set<string>([...judged.held.keys(), ...judged.outside.keys(), ...desired.incomplete]);
  await desireServices(deps, clusters, desired, problems, keep);
  const clusterScope = new Set(clusters);
  for (const s of owned.values()) {
    const subject = parseSubject(s.subject);
    // Services of clusters outside this run's scope are not this run's to judge either.
    if (subject?.kind === 'service' && (!s.cluster || !clusterScope.has(s.cluster) || !deps.services))
      keep.add(s.subject);
    // A task not running and not positively gone is kept: absence from ListTasks alone proves nothing.
    if (subject?.kind === 'task' && !judged.running.has(subject.taskId) && !judged.gone.has(s.subject))
      keep.add(s.subject);
  }
  return { desired, withSpecs, problems, keep };
}

/**
 * Applies the plan (unless dry, refused and not forced, or out of time: a plan is applied whole or not started), then
 * the same second look at ECS as the event path (recheck.ts): a task that stopped after our ECS read, whose stop the
 * sync function applied before our write landed, is withdrawn now instead of at the next run.
 */
async function applyAndLook(
  plan: Plan,
  withSpecs: { fact: TaskFact; specs: TaskSpecs }[],
  judged: Judgement,
  deps: EngineDeps,
  holdBack: boolean,
): Promise<{ changes: AppliedChange[]; stoppedAtDeadline?: string }> {
  let stoppedAtDeadline = deadlinePassed()
    ? `the run reached its deadline after planning; the ${plan.changes.length} planned change(s) were not applied`
    : undefined;
  const applyNow = !holdBack && !stoppedAtDeadline;
  const changes = await applyPlan(plan, { route53: deps.route53Writer, cloudMap: deps.cloudMapWriter }, !applyNow);
  if (!applyNow) return { changes, stoppedAtDeadline };
  if (deadlinePassed()) {
    stoppedAtDeadline =
      'the run reached its deadline while applying; the changes it could not finish are reported as failed';
  }
  const look = await withdrawStoppedSinceConfirmed(withSpecs, changes, deps);
  changes.push(...look.changes);
  for (const r of look.retry) {
    judged.held.set(taskSubject(r.item.fact.taskId), r.reason ?? 'could not re-check the task after writing');
  }
  return { changes, stoppedAtDeadline };
}

/**
 * ListTasks + DescribeTasks for the clusters in scope, then, for every owned task not among the running ones, a
 * positive answer before anything may be deleted: DescribeTasks in the task's own cluster (from its mark). Marks
 * without a location (written by earlier versions) are looked up in every cluster of the run; one that no cluster
 * knows is kept, as outside the run's view, unless the run is forced.
 */
async function judgeOwned(
  deps: EngineDeps,
  ctx: { clusters: string[]; served: string[]; owned: Map<string, OwnedSubject>; region: string; forced: boolean },
): Promise<Judgement> {
  const j: Judgement = { running: new Map(), gone: new Set(), held: new Map(), outside: new Map() };
  const inScope = new Set(ctx.clusters);
  for (const cluster of ctx.clusters) {
    const arns = await deps.ecs.listRunningTaskArns(cluster);
    const { facts, failures } = await deps.ecs.describeTasks(cluster, arns);
    for (const f of facts) if (taskPhase(f) === 'running') j.running.set(f.taskId, f);
    for (const f of failures) j.held.set(taskSubject(f.taskId), `DescribeTasks in ${cluster}: ${f.reason}`);
  }

  const byCluster = new Map<string, string[]>();
  const unlocated: string[] = [];
  for (const s of ctx.owned.values()) {
    const taskId = taskIdOfSubject(s.subject);
    if (!taskId) continue;
    if (j.running.has(taskId) || j.held.has(s.subject)) continue;
    if (s.unlocated) {
      unlocated.push(taskId);
    } else if (s.cluster && inScope.has(s.cluster)) {
      pushTo(byCluster, s.cluster, taskId);
    } else if (!s.cluster || !ctx.served.includes(s.cluster)) {
      j.outside.set(s.subject, {
        where: `cluster ${s.cluster ?? '(unknown)'} in ${s.region ?? ctx.region}`,
        hint: 'this stack does not serve that cluster (REGISTRAR_CLUSTERS, or the cluster is gone): its entries are kept; delete them by hand if the task is gone',
      });
    }
    // A served cluster outside this run's --cluster selection: not this run's to judge, and nothing to report.
  }
  for (const [cluster, ids] of byCluster) {
    const { facts, failures } = await deps.ecs.describeTasks(cluster, ids);
    for (const f of facts) judgeFact(j, f, inScope);
    for (const f of failures) {
      if (f.kind === 'missing') j.gone.add(taskSubject(f.taskId));
      else j.held.set(taskSubject(f.taskId), `DescribeTasks in ${cluster}: ${f.reason}`);
    }
  }
  if (unlocated.length > 0) await judgeUnlocated(deps, j, unlocated, ctx, inScope);
  return j;
}

function judgeFact(j: Judgement, f: TaskFact, inScope: Set<string>): void {
  const subject = taskSubject(f.taskId);
  const phase = taskPhase(f);
  if (phase === 'stopping') j.gone.add(subject);
  else if (phase === 'running' && inScope.has(f.clusterName)) j.running.set(f.taskId, f);
  else if (phase === 'running') j.outside.set(subject, { where: `cluster ${f.clusterName}`, hint: 'not in this run' });
  else j.held.set(subject, `the task is ${f.lastStatus}`);
}

/** Marks of earlier versions: look in every cluster of the run; MISSING everywhere proves nothing about elsewhere. */
async function judgeUnlocated(
  deps: EngineDeps,
  j: Judgement,
  ids: string[],
  ctx: { clusters: string[]; forced: boolean },
  inScope: Set<string>,
): Promise<void> {
  const missingIn = new Map<string, number>();
  for (const cluster of ctx.clusters) {
    const { facts, failures } = await deps.ecs.describeTasks(cluster, ids);
    for (const f of facts) judgeFact(j, f, inScope);
    for (const f of failures) {
      if (f.kind === 'missing') missingIn.set(f.taskId, (missingIn.get(f.taskId) ?? 0) + 1);
      else j.held.set(taskSubject(f.taskId), `DescribeTasks in ${cluster}: ${f.reason}`);
    }
  }
  for (const id of ids) {
    const subject = taskSubject(id);
    if (j.running.has(id) || j.gone.has(subject) || j.held.has(subject) || j.outside.has(subject)) continue;
    if (ctx.forced && missingIn.get(id) === ctx.clusters.length && ctx.clusters.length > 0) {
      j.gone.add(subject);
      continue;
    }
    j.outside.set(subject, {
      where: 'no recorded cluster (a mark written by an earlier version)',
      hint: `no cluster of this run knows the task; rerun with force to delete such entries when every served cluster answers MISSING`,
    });
  }
}

/** Service aliases: every service of the clusters in scope, as DescribeServices (with tags) has it. */
async function desireServices(
  deps: EngineDeps,
  clusters: string[],
  desired: { records: DesiredState['records'] },
  problems: { subject: string; message: string }[],
  keep: Set<string>,
): Promise<void> {
  if (!deps.services) return;
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

/** Why the plan must not be applied without force, if it must not. */
function guardRefusal(
  plan: Plan,
  owned: Map<string, OwnedSubject>,
  clusterOf: (subject: string) => string | undefined,
  deps: EngineDeps,
): string | undefined {
  const ownedTotal = [...owned.values()].reduce((n, s) => n + s.entries, 0);
  // Task claim records (domain/claims.ts) go with the task's records: counted, they would make every task weigh more.
  // Withdrawals from a contested name (plan.ts `withdrawn`) follow from the claims, not from reading ECS: not counted.
  const withdrawn = new Set((plan.withdrawn ?? []).map((w) => w.key));
  const counted = plan.changes.filter((c) =>
    c.provider === 'route53'
      ? !isTaskClaimRecord(deps.settings.ownerId, c.record) && !withdrawn.has(recordKey(c.record))
      : !withdrawn.has(instanceKey(c.instance)),
  );
  const deletions = counted.filter((c) => c.action === 'DELETE' || c.action === 'DEREGISTER');
  const percent = ownedTotal > 0 ? (deletions.length / ownedTotal) * 100 : 0;
  if (deletions.length > GUARD_MIN_DELETIONS && percent > deps.settings.maxDeletePercent) {
    return `the plan deletes ${deletions.length} of ${ownedTotal} owned entries (${Math.round(percent)}%), more than REGISTRAR_MAX_DELETE_PERCENT=${deps.settings.maxDeletePercent}; rerun with force to apply`;
  }
  // However few: a run that would leave a cluster with nothing registered is more often a misreading than a fact.
  const ownedByCluster = new Map<string, number>();
  const deletedByCluster = new Map<string, number>();
  for (const s of owned.values()) {
    if (s.cluster) ownedByCluster.set(s.cluster, (ownedByCluster.get(s.cluster) ?? 0) + s.entries);
  }
  const writtenTo = new Set<string>();
  for (const c of counted) {
    const cluster = clusterOf(c.subject);
    if (!cluster) continue;
    if (c.action === 'DELETE' || c.action === 'DEREGISTER')
      deletedByCluster.set(cluster, (deletedByCluster.get(cluster) ?? 0) + 1);
    else writtenTo.add(cluster);
  }
  // A cluster whose tasks were all replaced (old entries deleted, new ones written) is not being emptied.
  const emptied = [...deletedByCluster].filter(
    ([cluster, n]) => n >= (ownedByCluster.get(cluster) ?? 0) && !writtenTo.has(cluster),
  );
  if (emptied.length > 0) {
    const list = emptied.map(([cluster, n]) => `${cluster} (${n})`).join(', ');
    return `the plan deletes every owned entry of cluster ${list}; if those tasks and services are really gone, rerun with force to apply`;
  }
  return undefined;
}

interface RunBase {
  dryRun: boolean;
  forced: boolean;
  region: string;
  clusters: string[];
  started: number;
  callsBefore: Record<string, number>;
  counter?: CallCounter;
}

function refusedBeforePlanning(base: RunBase, deps: EngineDeps, refusal: string): ReconcileReport {
  deps.log.warn('reconcile refused', { refusal });
  return buildReport(base, deps, {
    plan: { changes: [], conflicts: [], unchanged: 0 },
    changes: [],
    refusal,
    problems: [],
    judged: { running: new Map(), gone: new Set(), held: new Map(), outside: new Map() },
    owned: { records: 0, instances: 0 },
    desired: { records: 0, instances: 0, runningTasks: 0 },
    refusedEarly: true,
  });
}

function buildReport(
  base: RunBase,
  deps: EngineDeps,
  r: {
    plan: Plan;
    changes: AppliedChange[];
    refusal?: string;
    problems: { subject: string; message: string }[];
    judged: Judgement;
    entriesOf?: (subject: string) => number;
    owned: ReconcileReport['owned'];
    desired: ReconcileReport['desired'];
    refusedEarly?: boolean;
    stoppedAtDeadline?: string;
  },
): ReconcileReport {
  const counts: Record<string, Record<string, number>> = {};
  for (const c of r.changes) {
    const k = `${c.provider}:${c.action}`;
    counts[k] ??= {};
    counts[k][c.status] = (counts[k][c.status] ?? 0) + 1;
  }
  const rejected = r.changes
    .filter((c) => c.status === 'rejected' || c.status === 'failed')
    .map((c) => ({ key: c.key, action: c.action, code: c.code, message: c.message }));
  const held = [...r.judged.held].map(([subject, reason]) => ({ subject, reason }));
  const outcome: ReconcileOutcome = r.refusedEarly
    ? 'refused'
    : r.stoppedAtDeadline
      ? 'partial'
      : r.refusal && !base.forced && !base.dryRun
        ? 'refused'
        : base.dryRun
          ? r.plan.changes.length === 0 && held.length === 0
            ? 'converged'
            : 'planned'
          : rejected.length > 0 || held.length > 0
            ? 'partial'
            : r.plan.changes.length === 0
              ? 'converged'
              : 'applied';
  return {
    outcome,
    dryRun: base.dryRun,
    forced: base.forced,
    region: base.region,
    clusters: base.clusters.map(clusterNameOf),
    startedAt: new Date(base.started).toISOString(),
    durationMs: deps.now() - base.started,
    owned: r.owned,
    desired: r.desired,
    drift: r.plan.changes.length,
    counts,
    changes: r.changes.slice(0, CHANGES_SHOWN),
    totalChanges: r.changes.length,
    rejected,
    conflicts: r.plan.conflicts,
    ...(r.plan.skipped?.length
      ? {
          skipped: r.plan.skipped.map(({ change, reason }) => ({
            action: change.action,
            key: change.provider === 'route53' ? recordKey(change.record) : instanceKey(change.instance),
            subject: change.subject,
            reason,
          })),
        }
      : {}),
    ...(r.plan.health ? { health: r.plan.health } : {}),
    problems: r.problems,
    held,
    outsideView: outsideViewOf(r.judged, r.plan, r.entriesOf),
    refusal: r.refusal,
    ...(r.stoppedAtDeadline ? { stoppedAtDeadline: r.stoppedAtDeadline } : {}),
    awsCalls: diffCalls(base.callsBefore, base.counter?.toJSON() ?? {}),
  };
}

/**
 * Subjects outside what the run may judge (another cluster or Region), then owned records the plan kept because their
 * name is outside the stack's zone and domain filters (plan.ts `outsideView`): kept, never reported as gone.
 */
function outsideViewOf(
  judged: Judgement,
  plan: Plan,
  entriesOf?: (subject: string) => number,
): ReconcileReport['outsideView'] {
  const out = [...judged.outside].map(([subject, o]) => ({ subject, entries: entriesOf?.(subject) ?? 0, ...o }));
  const filtered = new Map<string, { entries: number; reasons: Set<string> }>();
  for (const o of plan.outsideView ?? []) {
    if (judged.outside.has(o.subject)) continue;
    const f = filtered.get(o.subject) ?? { entries: 0, reasons: new Set<string>() };
    f.entries++;
    f.reasons.add(o.reason);
    filtered.set(o.subject, f);
  }
  for (const [subject, f] of filtered) {
    out.push({
      subject,
      entries: f.entries,
      where: 'outside the zone and domain filters',
      hint: [...f.reasons].join('; '),
    });
  }
  return out;
}

async function servedClusters(deps: EngineDeps): Promise<string[]> {
  if (deps.settings.clusters.length > 0) return deps.settings.clusters;
  try {
    return (await deps.ecs.listClusters()).map(clusterNameOf);
  } catch (err) {
    throw new ReconcileError(`cannot list clusters: ${(err as Error).message}`, { cause: err });
  }
}

function selectClusters(request: ReconcileRequest, served: string[]): string[] {
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
  deps: EngineDeps,
  counter?: CallCounter,
  options: ReconcileOptions = {},
): Promise<ReconcileReport> {
  try {
    return await reconcile(request, deps, counter, options);
  } catch (err) {
    if (err instanceof AwsReadError)
      throw new ReconcileError(`reconcile failed, nothing applied: ${err.message}`, { cause: err });
    throw err;
  }
}
