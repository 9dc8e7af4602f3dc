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
import type { ItemStatus } from './verdicts';

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

/** One service of an event batch: the event that won the collapse, and its verdict once known. */
export interface ServiceEntry {
  fact: ServiceEventFact;
  winnerId: string;
  status?: ItemStatus;
  reason?: string;
  outcome?: ServiceDesiredOutcome;
}

export interface ServicePathDeps {
  settings: Settings;
  services: ServiceRegistrations;
  now: () => number;
  log: Log;
}

export const entrySubject = (e: ServiceEntry): string => serviceSubject(e.fact);

/** A Create/UpdateService that DescribeServices does not know yet is retried for this long, then treated as gone. */
/** Clock skew tolerated on a call's date before a call for a service ECS does not know is refused. */
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;
const MISSING_SERVICE_GRACE_MS = 10 * 60 * 1000;

export interface ServiceBatchPlan {
  plan: Plan;
  problems: { subject: string; message: string }[];
}

/**
 * The event path for services, up to the plan: ECS is the truth (DescribeServices include TAGS for every service of
 * the batch, whatever the event said: a DeleteService that arrives after the service was created again must not delete
 * its records), then desired records, current records, plan. Entries that cannot go on get their verdict here.
 */
export async function planServiceEvents(
  entries: readonly ServiceEntry[],
  deps: ServicePathDeps,
): Promise<ServiceBatchPlan> {
  const empty: ServiceBatchPlan = { plan: { changes: [], conflicts: [], unchanged: 0 }, problems: [] };
  const live = entries.filter((e) => !e.status);
  if (live.length === 0) return empty;

  // 1. The services as ECS sees them now, per cluster (10 per call).
  const byCluster = new Map<string, ServiceEntry[]>();
  for (const e of live) byCluster.set(e.fact.clusterName, [...(byCluster.get(e.fact.clusterName) ?? []), e]);
  const views: ServiceView[] = [];
  for (const [cluster, group] of byCluster) {
    let described: Awaited<ReturnType<EcsServiceReader['describeServices']>>;
    try {
      described = await deps.services.ecs.describeServices(
        cluster,
        group.map((e) => e.fact.serviceName),
      );
    } catch (err) {
      for (const e of group) conclude(e, 'retry', (err as Error).message);
      continue;
    }
    const found = new Map(described.services.map((s) => [s.serviceName, s]));
    for (const e of group) {
      const view = found.get(e.fact.serviceName);
      if (view) {
        // Tags come from DescribeServices; the request's tags only stand in when the response carried none at all.
        views.push(view.tags === undefined && e.fact.requestTags ? { ...view, tags: e.fact.requestTags } : view);
        continue;
      }
      const age = e.fact.eventTime ? deps.now() - Date.parse(e.fact.eventTime) : Number.POSITIVE_INFINITY;
      if (-age > FUTURE_TOLERANCE_MS) {
        // Retrying cannot make a call dated ahead of every clock true: settled, with the reason.
        conclude(
          e,
          'invalid',
          `${e.fact.eventName} is dated ${e.fact.eventTime}, in the future, and ECS does not know the service`,
        );
        continue;
      }
      if (e.fact.eventName !== 'DeleteService' && age < MISSING_SERVICE_GRACE_MS) {
        conclude(e, 'retry', 'DescribeServices does not know the service yet');
        continue;
      }
      views.push({
        serviceName: e.fact.serviceName,
        clusterName: e.fact.clusterName,
        status: 'INACTIVE',
        loadBalancers: [],
      });
    }
  }

  // 2. Desired records.
  const stillLive = live.filter((e) => !e.status);
  if (stillLive.length === 0) return empty;
  let desired: ServiceDesiredState;
  try {
    desired = await deps.services.desiredForServices(views.filter((v) => stillLive.some((e) => same(e, v))));
  } catch (err) {
    // The zones' domains could not be read (GetHostedZone): nothing can be decided, everything is retried.
    for (const e of stillLive) conclude(e, 'retry', (err as Error).message);
    return empty;
  }
  for (const w of desired.warnings) deps.log.warn('service tag warning', { subject: w.subject, warning: w.message });
  const inScope = new Set<string>();
  for (const e of stillLive) {
    const subject = entrySubject(e);
    const outcome = desired.outcomes.get(subject) ?? { kind: 'frozen', status: 'retry', reason: 'not described' };
    e.outcome = outcome;
    if (outcome.kind === 'frozen') conclude(e, outcome.status, outcome.reason);
    else inScope.add(subject);
    if (outcome.kind === 'none')
      deps.log.debug('service has no records to register', { subject, reason: outcome.reason });
  }
  if (inScope.size === 0) return { plan: empty.plan, problems: desired.problems };

  // 3. Current records, plan.
  let current: DnsRecord[];
  try {
    current = await deps.services.currentFor(
      inScope,
      desired.records.filter((r) => inScope.has(r.subject)),
    );
  } catch (err) {
    for (const e of stillLive) if (inScope.has(entrySubject(e))) conclude(e, 'retry', (err as Error).message);
    return { plan: empty.plan, problems: desired.problems };
  }
  const plan = planChanges({
    owner: deps.settings.ownerId,
    desired: { records: desired.records.filter((r) => inScope.has(r.subject)), instances: [] },
    current: { records: current, instances: [] },
    inScope: (s) => inScope.has(s),
    policy: deps.settings.namePolicy,
    mode: deps.settings.mode,
  });
  return { plan, problems: desired.problems };

  function conclude(e: ServiceEntry, status: ItemStatus, reason?: string) {
    e.status = status;
    e.reason = reason;
  }
}

const same = (e: ServiceEntry, v: ServiceView) =>
  e.fact.clusterName === v.clusterName && e.fact.serviceName === v.serviceName;

/** Maps write outcomes back to the services of a batch (entries that already have a verdict keep it). */
export function settleServiceEntries(
  entries: readonly ServiceEntry[],
  changes: readonly AppliedChange[],
  conflicts: readonly Conflict[],
): void {
  for (const e of entries) {
    if (e.status) continue;
    const subject = entrySubject(e);
    const mine = changes.filter((c) => c.subject === subject);
    const bad = mine.filter((c) => c.status === 'failed' || c.status === 'rejected');
    const conflicted = conflicts.filter((c) => c.subject === subject);
    if (bad.length > 0) {
      e.status = 'retry';
      e.reason = bad
        .map((c) => `${c.action} ${c.detail}: ${c.status} (${c.code ?? ''} ${c.message ?? ''})`.trim())
        .join('; ');
    } else if (conflicted.length > 0) {
      e.status = 'conflict';
      e.reason = conflicted.map((c) => `${c.key}: ${c.reason}`).join('; ');
    } else if (mine.length > 0) {
      e.status = 'applied';
    } else if (e.outcome?.kind === 'none' && !e.outcome.deleted) {
      e.status = 'ignored';
      e.reason = e.outcome.reason;
    } else {
      e.status = 'unchanged';
      if (e.outcome?.kind === 'none') e.reason = `${e.outcome.reason}; nothing of it is registered`;
    }
  }
}
