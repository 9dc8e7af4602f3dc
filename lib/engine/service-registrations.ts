import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { EcsServiceReader, ServiceView } from '../aws/ecs-service-reader';
import { ElbReader } from '../aws/elb-reader';
import type { Route53Reader } from '../aws/route53-reader';
import { parseServiceTags } from '../config/service-tags';
import type { Settings } from '../config/settings';
import { chooseTarget, desiredForService, type TargetResolution } from '../desired/service-endpoints';
import { type DnsRecord, recordKey } from '../domain/records';
import { ownershipRoot, readOwnershipRecord, type ServiceRef, serviceSubject } from '../domain/service-ownership';
import type { ServiceEventFact } from '../events/cloudtrail';
import type { Log } from '../observability/log';
import { type Conflict, type Plan, planChanges, type Subjected } from '../plan/plan';
import type { AppliedChange } from './apply';
import { eventAgeMs, inTheFuture, NOT_YET_KNOWN_GRACE_MS } from './event-age';
import { groupBy, type ItemStatus, type Settled, StageOutput, settleAll, writeVerdict } from './verdicts';

/**
 * ECS service -> the alias (or CNAME) records of its load balancer, for the event path (CloudTrail Create/Update/
 * DeleteService events) and the reconciler. Records are found where they were recorded: every ownership record of a
 * zone lives below `_ecs-registrar.<zone domain>` (domain/service-ownership.ts), so one read per zone finds every name
 * a service holds, including a name it no longer wants (a renamed alias, a removed tag, a deleted service). Deletes
 * use the records as read, never values recomputed from a load balancer that may be gone.
 */

/** What became of one service when its desired records were computed. */
export type ServiceDesiredOutcome =
  /** Records computed: the service's owned records are planned against them. */
  | { kind: 'desired' }
  /** No records wanted (no tag, no load balancer, service deleted): any it holds are deleted. */
  | { kind: 'none'; reason: string; deleted?: boolean }
  /** Could not be computed (bad tag, unsupported load balancer, failed read): its records are left as they are. */
  | { kind: 'frozen'; status: Extract<ItemStatus, 'invalid' | 'retry'>; reason: string };

export interface ServiceDesiredState {
  records: Subjected<DnsRecord>[];
  /** By subject (`service:<cluster>/<service>`). */
  outcomes: Map<string, ServiceDesiredOutcome>;
  /** Bad tags, unsupported load balancers, several load balancers: reported (RegistrationProblems). */
  problems: { subject: string; message: string }[];
  /** Unknown `ecs-registrar:` tags and tags with no effect: logged only, like label warnings. */
  warnings: { subject: string; message: string }[];
}

export class ServiceRegistrations {
  constructor(
    private readonly settings: Settings,
    readonly ecs: EcsServiceReader,
    private readonly route53: Route53Reader,
    /** The client, or a thunk creating it on first use (createAwsClients loads ELBv2 lazily). */
    private readonly elbv2: ElasticLoadBalancingV2Client | (() => ElasticLoadBalancingV2Client),
  ) {}

  /** A fresh ELBv2 reader: its cache lives as long as one batch or one reconcile run. */
  elbReader(): ElbReader {
    return new ElbReader(typeof this.elbv2 === 'function' ? this.elbv2() : this.elbv2);
  }

  zoneDomains(): Promise<Map<string, string>> {
    return this.route53.zoneDomains(this.settings.hostedZoneIds);
  }

  /**
   * Desired records of services as DescribeServices (include TAGS) returns them. `deleted` services (DRAINING,
   * INACTIVE) want nothing. Load balancers are resolved in one batched ELBv2 pass. A failed ELBv2 read freezes the
   * services that needed it (retry); it never reads as "no load balancer".
   */
  async desiredForServices(
    services: readonly ServiceView[],
    elb: ElbReader = this.elbReader(),
  ): Promise<ServiceDesiredState> {
    const out: ServiceDesiredState = { records: [], outcomes: new Map(), problems: [], warnings: [] };
    const zoneDomains = await this.zoneDomains();
    const pending: {
      ref: ServiceRef;
      subject: string;
      view: ServiceView;
      spec: NonNullable<ReturnType<typeof parseServiceTags>['spec']>;
    }[] = [];
    for (const view of services) {
      const ref = { clusterName: view.clusterName, serviceName: view.serviceName };
      const subject = serviceSubject(ref);
      if (view.status !== 'ACTIVE') {
        out.outcomes.set(subject, { kind: 'none', reason: `the service is ${view.status}`, deleted: true });
        continue;
      }
      const tags = parseServiceTags(view.tags ?? {}, { settings: this.settings, zoneDomains });
      for (const w of tags.warnings) out.warnings.push({ subject, message: w });
      if (tags.errors.length > 0) {
        for (const e of tags.errors) out.problems.push({ subject, message: e.message });
        out.outcomes.set(subject, {
          kind: 'frozen',
          status: 'invalid',
          reason: `no valid registration: ${tags.errors.map((e) => e.message).join('; ')}`,
        });
        continue;
      }
      if (!tags.spec) {
        out.outcomes.set(subject, { kind: 'none', reason: 'the service has no ecs-registrar:alias tag' });
        continue;
      }
      if (view.loadBalancers.length === 0) {
        out.outcomes.set(subject, { kind: 'none', reason: 'the service has no load balancer' });
        continue;
      }
      pending.push({ ref, subject, view, spec: tags.spec });
    }
    if (pending.length === 0) return out;

    const targetGroups = pending.flatMap((p) =>
      p.view.loadBalancers.flatMap((lb) => (lb.targetGroupArn ? [lb.targetGroupArn] : [])),
    );
    let resolved: Map<string, TargetResolution>;
    try {
      resolved = targetGroups.length > 0 ? await elb.resolve(targetGroups) : new Map();
    } catch (err) {
      for (const p of pending) {
        out.outcomes.set(p.subject, { kind: 'frozen', status: 'retry', reason: (err as Error).message });
      }
      return out;
    }
    for (const p of pending) {
      const choice = chooseTarget(p.view.loadBalancers, resolved);
      if (choice.kind === 'none') {
        out.outcomes.set(p.subject, { kind: 'none', reason: choice.reason });
        continue;
      }
      if (choice.kind === 'unsupported') {
        out.problems.push({ subject: p.subject, message: choice.reason });
        out.outcomes.set(p.subject, { kind: 'frozen', status: 'invalid', reason: choice.reason });
        continue;
      }
      for (const w of choice.warnings) out.problems.push({ subject: p.subject, message: w });
      const records = desiredForService(
        p.ref,
        p.spec,
        choice.loadBalancer,
        this.settings.ownerId,
        this.settings.defaultTtl,
      );
      out.records.push(...records.map((r) => ({ ...r, subject: p.subject })));
      out.outcomes.set(p.subject, { kind: 'desired' });
    }
    return out;
  }

  /** Every ownership record of the stack's zones: one subtree read (`_ecs-registrar.<domain>`) per zone. */
  async ownershipRecords(): Promise<DnsRecord[]> {
    const out: DnsRecord[] = [];
    // Sequential: Route 53's request rate is account-wide.
    for (const [zoneId, domain] of await this.zoneDomains()) {
      out.push(...(await this.route53.recordsUnder(zoneId, [ownershipRoot(domain)])));
    }
    return out;
  }

  /**
   * The current records for a plan over `subjects`: every ownership record of the stack's zones (so the plan sees who
   * owns what) plus every record at the names those subjects have recorded and at the names `desired` wants (so it
   * sees foreign records there). Exact-name reads: an alias at the apex does not mean a whole-zone scan.
   */
  async currentFor(subjects: ReadonlySet<string>, desired: readonly DnsRecord[]): Promise<DnsRecord[]> {
    const ownership = await this.ownershipRecords();
    const names = new Map<string, Set<string>>();
    const add = (zoneId: string, name: string) => names.set(zoneId, (names.get(zoneId) ?? new Set()).add(name));
    for (const r of ownership) {
      const own = readOwnershipRecord(this.settings.ownerId, r);
      if (own && subjects.has(own.subject)) add(r.zoneId, own.coveredName);
    }
    for (const r of desired) if (r.type !== 'TXT') add(r.zoneId, r.name);
    const byKey = new Map(ownership.map((r) => [recordKey(r), r]));
    for (const [zoneId, zoneNames] of names) {
      for (const r of await this.route53.recordsAt(zoneId, zoneNames)) byKey.set(recordKey(r), r);
    }
    return [...byKey.values()];
  }
}

/** One service of an event batch: the call that won the collapse. Immutable; verdicts travel beside it. */
export interface ServiceEntry {
  readonly fact: ServiceEventFact;
  readonly winnerId: string;
}

/** A service entry that reached the plan, with what its desired records came to. */
export interface PlannedService {
  readonly entry: ServiceEntry;
  readonly outcome: ServiceDesiredOutcome;
}

export interface ServicePathDeps {
  settings: Settings;
  services: ServiceRegistrations;
  now: () => number;
  log: Log;
}

export const entrySubject = (e: ServiceEntry): string => serviceSubject(e.fact);

export interface ServiceBatchPlan {
  plan: Plan;
  problems: { subject: string; message: string }[];
  /** Entries that ended before the plan (unknown to ECS, bad tags, failed reads), with their verdicts. */
  settled: Settled<ServiceEntry>[];
  /** Entries the plan covers: their verdicts come from the writes (settleServiceEntries). */
  planned: PlannedService[];
}

/**
 * The event path for services, up to the plan: ECS is the truth (DescribeServices include TAGS for every service of
 * the batch, whatever the event said: a DeleteService that arrives after the service was created again must not delete
 * its records), then desired records, current records, plan.
 */
export async function planServiceEvents(
  entries: readonly ServiceEntry[],
  deps: ServicePathDeps,
): Promise<ServiceBatchPlan> {
  const noPlan: Plan = { changes: [], conflicts: [], unchanged: 0 };
  if (entries.length === 0) return { plan: noPlan, problems: [], settled: [], planned: [] };
  const described = await describeBatchServices(entries, deps);
  const settled = [...described.settled];
  if (described.open.length === 0) return { plan: noPlan, problems: [], settled, planned: [] };

  const open = described.open;
  let desired: ServiceDesiredState;
  try {
    desired = await deps.services.desiredForServices(open.map((o) => o.view));
  } catch (err) {
    // The zones' domains could not be read (GetHostedZone): nothing can be decided, everything is retried.
    settled.push(
      ...settleAll(
        open.map((o) => o.entry),
        'retry',
        (err as Error).message,
      ),
    );
    return { plan: noPlan, problems: [], settled, planned: [] };
  }
  for (const w of desired.warnings) deps.log.warn('service tag warning', { subject: w.subject, warning: w.message });
  const planned: PlannedService[] = [];
  for (const { entry } of open) {
    const subject = entrySubject(entry);
    const outcome = desired.outcomes.get(subject) ?? { kind: 'frozen', status: 'retry', reason: 'not described' };
    if (outcome.kind === 'frozen') settled.push({ item: entry, status: outcome.status, reason: outcome.reason });
    else planned.push({ entry, outcome });
    if (outcome.kind === 'none')
      deps.log.debug('service has no records to register', { subject, reason: outcome.reason });
  }
  const problems = desired.problems;
  if (planned.length === 0) return { plan: noPlan, problems, settled, planned };

  const inScope = new Set(planned.map((p) => entrySubject(p.entry)));
  const wanted = desired.records.filter((r) => inScope.has(r.subject));
  let current: DnsRecord[];
  try {
    current = await deps.services.currentFor(inScope, wanted);
  } catch (err) {
    settled.push(
      ...settleAll(
        planned.map((p) => p.entry),
        'retry',
        (err as Error).message,
      ),
    );
    return { plan: noPlan, problems, settled, planned: [] };
  }
  const plan = planChanges({
    owner: deps.settings.ownerId,
    desired: { records: wanted, instances: [] },
    current: { records: current, instances: [] },
    inScope: (s) => inScope.has(s),
    policy: deps.settings.namePolicy,
    mode: deps.settings.mode,
  });
  for (const o of plan.outsideView ?? []) problems.push({ subject: o.subject, message: o.reason });
  return { plan, problems, settled, planned };
}

/**
 * The services as ECS sees them now, per cluster (10 per call). A service ECS does not know is retried while the call
 * is young (DescribeServices lags CreateService), refused when dated in the future, and otherwise read as gone.
 */
async function describeBatchServices(
  entries: readonly ServiceEntry[],
  deps: ServicePathDeps,
): Promise<{ open: { entry: ServiceEntry; view: ServiceView }[]; settled: Settled<ServiceEntry>[] }> {
  const out = new StageOutput<{ entry: ServiceEntry; view: ServiceView }>();
  const settled: Settled<ServiceEntry>[] = [];
  for (const [cluster, group] of groupBy(entries, (e) => e.fact.clusterName)) {
    let described: Awaited<ReturnType<EcsServiceReader['describeServices']>>;
    try {
      described = await deps.services.ecs.describeServices(
        cluster,
        group.map((e) => e.fact.serviceName),
      );
    } catch (err) {
      settled.push(...settleAll(group, 'retry', (err as Error).message));
      continue;
    }
    const found = new Map(described.services.map((s) => [s.serviceName, s]));
    for (const entry of group) {
      const view = found.get(entry.fact.serviceName);
      if (view) {
        // Tags come from DescribeServices; the request's tags only stand in when the response carried none at all.
        const tags = view.tags === undefined && entry.fact.requestTags ? entry.fact.requestTags : view.tags;
        out.keep({ entry, view: { ...view, tags } });
        continue;
      }
      const age = eventAgeMs(entry.fact.eventTime, deps.now(), Number.POSITIVE_INFINITY);
      if (inTheFuture(age)) {
        // Retrying cannot make a call dated ahead of every clock true: settled, with the reason.
        const why = `${entry.fact.eventName} is dated ${entry.fact.eventTime}, in the future, and ECS does not know the service`;
        settled.push({ item: entry, status: 'invalid', reason: why });
      } else if (entry.fact.eventName !== 'DeleteService' && age < NOT_YET_KNOWN_GRACE_MS) {
        settled.push({ item: entry, status: 'retry', reason: 'DescribeServices does not know the service yet' });
      } else {
        const { serviceName, clusterName } = entry.fact;
        out.keep({ entry, view: { serviceName, clusterName, status: 'INACTIVE', loadBalancers: [] } });
      }
    }
  }
  return { open: out.open, settled };
}

/** Maps write outcomes back to the planned services of a batch. */
export function settleServiceEntries(
  planned: readonly PlannedService[],
  changes: readonly AppliedChange[],
  conflicts: readonly Conflict[],
): Settled<ServiceEntry>[] {
  const changesOf = groupBy(changes, (c) => c.subject);
  const conflictsOf = groupBy(conflicts, (c) => c.subject);
  return planned.map(({ entry, outcome }): Settled<ServiceEntry> => {
    const subject = entrySubject(entry);
    const written = writeVerdict(changesOf.get(subject) ?? [], conflictsOf.get(subject) ?? []);
    if (written.status !== 'unchanged' || outcome.kind !== 'none') return { item: entry, ...written };
    if (!outcome.deleted) return { item: entry, status: 'ignored', reason: outcome.reason };
    return { item: entry, status: 'unchanged', reason: `${outcome.reason}; nothing of it is registered` };
  });
}
