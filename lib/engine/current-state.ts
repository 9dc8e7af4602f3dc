import type { CloudMapReader } from '../aws/cloudmap';
import { isUnder } from '../aws/route53-cache';
import type { Route53Reader } from '../aws/route53-reader';
import { isOnlyNotFound, type Route53Writer } from '../aws/route53-writer';
import type { RegistrationSpec } from '../config/labels';
import { byApplyOrder, type Route53Change } from '../domain/changes';
import { normaliseName } from '../domain/dns-name';
import { ownedTaskMark, parseSetIdentifier } from '../domain/ownership';
import { type DnsRecord, recordKey, sameRecordContent } from '../domain/records';
import type { EndpointSet, Plan } from '../plan/plan';
import type { AppliedChange } from './apply';
import { addToScope, emptyScope, type Scope } from './task-registrations';

/**
 * Tasks whose stop the plan applies: a cached view may answer for them only where it shows their records.
 * `names` are the names their registrations live at, per zone (addToScope).
 */
export interface StoppingView {
  owner: string;
  stopping: readonly { taskId: string; names: ReadonlyMap<string, ReadonlySet<string>> }[];
}

/**
 * What is currently registered where a set of registrations lives: every record at and below the names (owned or
 * not, so the plan can see conflicts) and every instance of the Cloud Map services. Zones are read sequentially to
 * respect Route 53's account-wide rate; Cloud Map services in parallel.
 *
 * With `view`, the names this container read a short time ago are answered from its cache (lib/aws/route53-cache.ts:
 * own writes included, other writers' not yet), the rest listed. That is safe for what a running task plans: its
 * records are UPSERTs of keys only it uses, and a DELETE or UPDATE carries the exact cached record, which Route 53
 * refuses when it changed (retryStaleChanges then reads again and retries). It is not safe for absence: a cached view
 * read before another container registered a task does not show the task's records, and a stop planned from it
 * would delete nothing. So for a stopping task the cache answers only where it shows the task's records (they were
 * written in one request per zone, so a view that shows them is no older than that write); where it shows none of
 * them, the task's names are listed again. A listing made after ECS confirmed the stop sees every record a writer
 * could still leave (engine/recheck.ts: a writer that registers after the stop withdraws its own write).
 */
export async function readCurrent(
  route53: Route53Reader,
  cloudMap: CloudMapReader,
  scope: Scope,
  view?: StoppingView,
): Promise<EndpointSet> {
  const records = [];
  for (const [zoneId, names] of scope.names) {
    records.push(...(view ? await readZone(route53, zoneId, names, view) : await route53.recordsUnder(zoneId, names)));
  }
  const instances = (await Promise.all([...scope.services].map((id) => cloudMap.instances(id)))).flat();
  return { records, instances };
}

/** One zone through the cache: names a stopping task needs and the cache cannot vouch for are listed again. */
async function readZone(
  route53: Route53Reader,
  zoneId: string,
  names: ReadonlySet<string>,
  view: StoppingView,
): Promise<DnsRecord[]> {
  const got = await route53.viewUnder(zoneId, names);
  if (got.cached.size === 0) return got.records;
  const relist = new Set<string>();
  for (const task of view.stopping) {
    const fromCache = [...(task.names.get(zoneId) ?? [])].map(normaliseName).filter((n) => got.cached.has(n));
    if (fromCache.length === 0) continue;
    const shown = got.records.some(
      (r) =>
        fromCache.some((n) => isUnder(r.name, n)) && ownedTaskMark(view.owner, r.setIdentifier)?.taskId === task.taskId,
    );
    if (!shown) for (const n of fromCache) relist.add(n);
  }
  if (relist.size === 0) return got.records;
  const listed = await route53.recordsUnder(zoneId, relist);
  const kept = got.records.filter((r) => ![...relist].some((n) => isUnder(r.name, n)));
  const byKey = new Map([...kept, ...listed].map((r) => [recordKey(r), r]));
  return [...byKey.values()];
}

/** The StoppingView of some tasks (those not stopping are left out). */
export function stoppingView(
  owner: string,
  tasks: readonly { taskId: string; stopping: boolean; specs: readonly RegistrationSpec[] }[],
): StoppingView {
  return {
    owner,
    stopping: tasks
      .filter((t) => t.stopping)
      .map((t) => {
        const scope = emptyScope();
        addToScope(scope, t.specs);
        return { taskId: t.taskId, names: scope.names };
      }),
  };
}

/**
 * Route 53's answers to a change planned from a view that went stale (aws-facts.md §3.1): an exact DELETE of a record
 * that is gone or no longer as read, a CREATE of a key someone wrote since.
 */
const STALE = /but it was not found|do not match the current values|but it already exists/;

export interface StaleRetryIo {
  reader: Route53Reader;
  writer: Route53Writer;
  owner: string;
}

/**
 * Changes Route 53 refused because the view they were planned from was stale (another container, the reconciler or
 * a person changed the records since they were read, or since the cache read them: lib/aws/route53-cache.ts, whose
 * entries for those names the writer already dropped). That is not an error but a question, answered by listing the
 * names again, once per zone for the whole batch, and retrying just those records from what is there now:
 * - a DELETE whose record is gone reached its goal (applied): Route 53's `not found` says so without a read (no record
 *   has that name, type and SetIdentifier); one whose record this owner holds in another form is sent again with the
 *   values now there;
 * - an UPDATE or CREATE whose record is now as planned is applied; one of a key this owner holds (its SetIdentifier
 *   carries the owner: no one else writes it) is sent again from what is there now.
 * What is not this owner's (a service's alias or CNAME at a shared key) stays rejected: the item is retried and its
 * next plan, from a fresh read, decides. A retry Route 53 refuses again stays rejected the same way.
 */
export async function retryStaleChanges(
  plan: Plan,
  changes: AppliedChange[],
  io: StaleRetryIo,
): Promise<AppliedChange[]> {
  const refused = changes.filter(
    (c) =>
      c.provider === 'route53' &&
      c.status === 'rejected' &&
      c.code === 'InvalidChangeBatch' &&
      STALE.test(c.message ?? ''),
  );
  if (refused.length === 0) return changes;
  const settled = new Map<AppliedChange, AppliedChange>();
  // Gone: no record has the key any more, which is what the DELETE was for. Nothing to read.
  for (const c of refused) {
    if (c.action === 'DELETE' && isOnlyNotFound(c.message ?? '')) {
      settled.set(c, { ...c, status: 'applied', code: undefined, message: 'already deleted (the view was stale)' });
    }
  }
  const stale = refused.filter((c) => !settled.has(c));
  if (stale.length === 0) return changes.map((c) => settled.get(c) ?? c);
  const planned = new Map(
    plan.changes
      .filter((c): c is Route53Change => c.provider === 'route53')
      .map((c) => [changeId(c.action, recordKey(c.record), c.subject), c]),
  );
  const now = await rereadKeys(io.reader, stale);
  const retries: [AppliedChange, Route53Change][] = [];
  for (const c of stale) {
    const original = planned.get(changeId(c.action, c.key, c.subject));
    const next = original && retryOf(original, now.get(c.key), io.owner);
    if (next === 'done') {
      settled.set(c, {
        ...c,
        status: 'applied',
        code: undefined,
        message: 'already as planned (re-read after a stale view)',
      });
    } else if (next) {
      retries.push([c, next]);
    } else if (c.action === 'DELETE' && !now.has(c.key)) {
      settled.set(c, {
        ...c,
        status: 'applied',
        code: undefined,
        message: 'already deleted (re-read after a stale view)',
      });
    }
  }
  if (retries.length > 0) {
    const outcomes = await io.writer.apply(retries.map(([, change]) => change).sort(byApplyOrder));
    for (const [c, change] of retries) {
      const o = outcomes.find((x) => x.change === change);
      if (o)
        settled.set(c, {
          ...c,
          status: o.status,
          code: o.code,
          message: o.message ?? 'retried after re-reading a stale view',
        });
    }
  }
  return changes.map((c) => settled.get(c) ?? c);
}

const changeId = (action: string, key: string, subject: string) => `${action}|${key}|${subject}`;

/** The records now at the keys of some changes: their names listed again (fresh), one coalesced listing per zone. */
async function rereadKeys(reader: Route53Reader, changes: readonly AppliedChange[]): Promise<Map<string, DnsRecord>> {
  const names = new Map<string, Set<string>>();
  for (const c of changes) {
    const [zoneId, name] = c.key.split('|');
    names.set(zoneId!, (names.get(zoneId!) ?? new Set()).add(name!));
  }
  const now = new Map<string, DnsRecord>();
  for (const [zoneId, zoneNames] of names) {
    for (const r of await reader.recordsUnder(zoneId, zoneNames)) now.set(recordKey(r), r);
  }
  return now;
}

/** What to send again for a refused change, given what is now at its key: nothing more to do, a change, or undefined. */
function retryOf(change: Route53Change, now: DnsRecord | undefined, owner: string): Route53Change | 'done' | undefined {
  const ours = change.atomicGroup === undefined && parseSetIdentifier(change.record.setIdentifier)?.owner === owner;
  if (change.action === 'DELETE') {
    if (!now) return 'done';
    return ours ? { ...change, record: now } : undefined;
  }
  if (now && sameRecordContent(now, change.record)) return 'done';
  if (!ours) return undefined;
  const { provider, subject, record } = change;
  return now
    ? { provider, subject, record, action: 'UPDATE', previous: now }
    : { provider, subject, record, action: 'CREATE' };
}
