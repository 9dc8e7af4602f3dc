import { type Settings, servesCluster } from '../config/settings';
import { serviceSubject } from '../domain/service-ownership';
import type { ServiceEntry } from '../engine/service-registrations';
import type { ItemStatus } from '../engine/verdicts';
import type { ServiceEventFact } from '../events/cloudtrail';
import type { ContainerInstanceFact } from '../events/container-instance';
import { InvalidEventError } from '../events/errors';
import { parseEvent, type RawInput } from '../events/parse';
import { type TaskFact, taskPhase } from '../events/task-fact';
import type { Log } from '../observability/log';
import { taskSubject } from '../plan/plan';
import type { OpenTask } from './open-task';

/** The verdict of one input, as the batch reports it. */
export interface ItemReport {
  id: string;
  status: ItemStatus;
  subject?: string;
  reason?: string;
}

/** The batch after parse and collapse: one open entry per task and per service, and a verdict for every other input. */
export interface Collapsed {
  tasks: OpenTask[];
  services: ServiceEntry[];
  /** DRAINING container instances: their tasks are looked up and withdrawn (drain.ts). */
  drains: DrainEntry[];
  /** Invalid, ignored and superseded inputs, in input order. */
  verdicts: ItemReport[];
}

/** A container instance the batch saw turn DRAINING, and the input that says so (it carries the verdict). */
export interface DrainEntry {
  fact: ContainerInstanceFact;
  winnerId: string;
}

export interface CollapseContext {
  /** The Region this registrar serves (undefined: not known, every Region's events are taken). */
  region: string | undefined;
  settings: Settings;
  log: Log;
}

/**
 * Stage 1: parse every input and collapse per task to the newest fact (a stop beats any running fact: the lifecycle
 * is final), per service to the latest call (detail.eventTime, then position in the batch). Events for another
 * Region or an unserved cluster are ignored here, before any AWS call.
 */
export function collapseInputs(inputs: readonly RawInput[], ctx: CollapseContext): Collapsed {
  const tasks = new Map<string, OpenTask>();
  const services = new Map<string, ServiceEntry>();
  const drains = new Map<string, DrainEntry>();
  const verdicts: ItemReport[] = [];
  const verdict = (id: string, status: ItemStatus, reason?: string, subject?: string) =>
    verdicts.push({ id, status, reason, subject });

  for (const input of inputs) {
    const parsed = parseOne(input, ctx.log);
    if ('status' in parsed) {
      verdict(input.id, parsed.status, parsed.reason);
    } else if (parsed.kind === 'service') {
      collapseService(services, { fact: parsed.fact, winnerId: input.id }, ctx, verdict);
    } else if (parsed.kind === 'instance') {
      collapseDrain(drains, { fact: parsed.fact, winnerId: input.id }, ctx, verdict);
    } else {
      collapseTask(tasks, parsed.fact, input.id, ctx, verdict);
    }
  }
  return { tasks: [...tasks.values()], services: [...services.values()], drains: [...drains.values()], verdicts };
}

type Verdict = (id: string, status: ItemStatus, reason?: string, subject?: string) => void;

function parseOne(
  input: RawInput,
  log: Log,
):
  | { kind: 'task'; fact: TaskFact }
  | { kind: 'service'; fact: ServiceEventFact }
  | { kind: 'instance'; fact: ContainerInstanceFact }
  | { status: 'invalid' | 'ignored'; reason: string } {
  let parsed: ReturnType<typeof parseEvent>;
  try {
    parsed = parseEvent(input);
  } catch (err) {
    const reason =
      err instanceof InvalidEventError ? err.message : `unexpected error while parsing: ${(err as Error).message}`;
    log.warn('invalid event', { inputId: input.id, reason });
    return { status: 'invalid', reason };
  }
  if (parsed.kind === 'ignored') {
    log.info('event ignored', { inputId: input.id, reason: parsed.reason });
    return { status: 'ignored', reason: parsed.reason };
  }
  return parsed;
}

function collapseService(
  services: Map<string, ServiceEntry>,
  entry: ServiceEntry,
  ctx: CollapseContext,
  verdict: Verdict,
): void {
  const sf = entry.fact;
  const subject = serviceSubject(sf);
  if (!servesCluster(ctx.settings, sf.clusterName)) {
    verdict(entry.winnerId, 'ignored', `cluster ${sf.clusterName} is not in REGISTRAR_CLUSTERS`, subject);
    return;
  }
  const key = `${sf.clusterName}/${sf.serviceName}`;
  const existing = services.get(key);
  if (!existing) {
    services.set(key, entry);
  } else if (laterCall(sf, existing.fact)) {
    verdict(existing.winnerId, 'stale', `superseded by a later ${sf.eventName} in the same batch`, subject);
    services.set(key, entry);
  } else {
    verdict(entry.winnerId, 'stale', `superseded by a later ${existing.fact.eventName} in the same batch`, subject);
  }
}

/**
 * Only DRAINING is acted on: an instance set ACTIVE again gets its tasks back through the reconciler (the rule sends
 * only DRAINING; anything else that arrives is ignored). One entry per instance, the highest version.
 */
function collapseDrain(drains: Map<string, DrainEntry>, entry: DrainEntry, ctx: CollapseContext, verdict: Verdict) {
  const f = entry.fact;
  const subject = `container-instance:${f.containerInstanceArn}`;
  if (f.status !== 'DRAINING') {
    verdict(entry.winnerId, 'ignored', `container instance is ${f.status}; only DRAINING withdraws its tasks`, subject);
  } else if ((ctx.region && f.region !== ctx.region) || !servesCluster(ctx.settings, f.clusterName)) {
    verdict(entry.winnerId, 'ignored', `container instance of ${f.region}/${f.clusterName}, not served here`, subject);
  } else {
    const existing = drains.get(f.containerInstanceArn);
    if (existing && (existing.fact.version ?? -1) >= (f.version ?? -1)) {
      verdict(entry.winnerId, 'stale', 'the same drain is already in this batch', subject);
      return;
    }
    if (existing) verdict(existing.winnerId, 'stale', 'the same drain is already in this batch', subject);
    drains.set(f.containerInstanceArn, entry);
  }
}

function collapseTask(
  tasks: Map<string, OpenTask>,
  fact: TaskFact,
  inputId: string,
  ctx: CollapseContext,
  verdict: Verdict,
): void {
  const subject = taskSubject(fact.taskId);
  if (ctx.region && fact.region !== ctx.region) {
    const why = `task runs in Region ${fact.region}; this registrar serves ${ctx.region} (deploy a stack per Region)`;
    verdict(inputId, 'ignored', why, subject);
    return;
  }
  if (!servesCluster(ctx.settings, fact.clusterName)) {
    verdict(inputId, 'ignored', `cluster ${fact.clusterName} is not in REGISTRAR_CLUSTERS`, subject);
    return;
  }
  const key = ledgerKey(fact);
  const existing = tasks.get(key);
  if (!existing) {
    tasks.set(key, { key, fact, winnerId: inputId });
  } else if (newer(fact, existing.fact)) {
    verdict(existing.winnerId, 'stale', `superseded by version ${fact.version} in the same batch`, subject);
    tasks.set(key, { key, fact, winnerId: inputId });
  } else {
    verdict(inputId, 'stale', `superseded by version ${existing.fact.version} in the same batch`, subject);
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

/** `a` supersedes `b`: any stop beats a running fact, otherwise the higher version wins (ties keep the first). */
function newer(a: TaskFact, b: TaskFact): boolean {
  const sa = taskPhase(a) === 'stopping';
  const sb = taskPhase(b) === 'stopping';
  if (sa !== sb) return sa;
  return (a.version ?? -1) > (b.version ?? -1);
}

/**
 * One task per location: task ids are unique, but the Region and cluster an event names are the event's word, so a
 * forged event for another cluster never shares a ledger entry (or a batch entry) with the real task.
 */
export function ledgerKey(fact: Pick<TaskFact, 'region' | 'clusterName' | 'taskId'>): string {
  return `${fact.region}/${fact.clusterName}/${fact.taskId}`;
}
