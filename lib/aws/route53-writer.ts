import {
  ChangeResourceRecordSetsCommand,
  type Route53Client,
  type Change as SdkChange,
} from '@aws-sdk/client-route-53';
import type { Route53Change } from '../domain/changes';
import { pushTo } from '../domain/multimap';
import { type DnsRecord, resourceRecordCount, valueCharacters } from '../domain/records';
import { type BackoffOptions, realTiming, retrying, type Timing } from './backoff';
import { errorCode, errorMessage, isRetryable } from './errors';
import type { Route53RecordCache } from './route53-cache';
import { sdkChange } from './route53-records';

export type ChangeStatus = 'applied' | 'rejected' | 'failed';

export interface ChangeOutcome<C> {
  change: C;
  /** applied; rejected: AWS refused this change itself (message says why); failed: could not be sent (retry later). */
  status: ChangeStatus;
  code?: string;
  message?: string;
}

export interface Route53WriterOptions extends Partial<BackoffOptions> {
  /** Route 53 per-request limits (aws-facts.md §3.1): ResourceRecord elements and value characters. */
  maxRecordsPerRequest?: number;
  maxValueCharactersPerRequest?: number;
  /**
   * Attempts per change batch on Throttling / PriorRequestNotComplete / transient faults. This loop is the only one:
   * the Route 53 client makes a single attempt per send (clients.ts).
   */
  maxAttempts?: number;
  timing?: Timing;
  limiter?: { take(): Promise<void> };
  /** Called for every ChangeResourceRecordSets sent, for metrics and reports. */
  onRequest?: (zoneId: string, changes: number) => void;
  /**
   * This container's view of its zones (route53-cache.ts): what a request applied is written into it (own writes are
   * trusted), and the records of a refused change are dropped from it (the view was stale there).
   */
  cache?: Route53RecordCache;
}

/** What is sent, bisected and reported together: one change, or every change of one atomic group. */
interface Unit {
  changes: Route53Change[];
  sdk: SdkChange[];
  /** What `sdk` does, as records (for the cache). */
  parts: [Action, DnsRecord][];
  records: number;
  characters: number;
}

/** Errors that mean "something in this batch is wrong": bisect to find it instead of failing the whole batch. */
const BATCH_REJECTIONS = new Set(['InvalidChangeBatch', 'InvalidInput']);

/**
 * Writes planned changes to Route 53:
 * - one ChangeResourceRecordSets per zone while the changes fit in one request, more only past the limits
 *   (1,000 ResourceRecord elements and 32,000 value characters, an UPSERT counting twice: aws-facts.md §3.1);
 * - a new record is an UPSERT of a key only this owner uses (its SetIdentifier carries the owner), so writing it
 *   twice, from a redelivered event or a reconcile racing the event path, is harmless (aws-facts.md: "prefer UPSERT
 *   for adds");
 * - a DELETE carries the exact current record as read, and an UPDATE is that exact DELETE plus the UPSERT of the
 *   new record in the same request: if anyone changed the record since it was read, Route 53 rejects the change
 *   instead of the registrar clobbering it (optimistic concurrency through atomic batches);
 * - writes to one zone are sequential (Route 53 rejects overlapping requests with PriorRequestNotComplete); zones
 *   are written in parallel;
 * - Throttling and PriorRequestNotComplete are retried with full-jitter backoff, never by splitting the batch, each
 *   attempt through the rate limiter; a retry that could not finish before the invocation's deadline is not made;
 * - InvalidChangeBatch bisects the batch: the good halves are applied and each offending change is reported with
 *   AWS's message, in about 2·log2(n) extra requests;
 * - changes that share an `atomicGroup` (a service's alias records and the ownership record that covers them) always
 *   travel in the same request, whatever the packing or bisection: Route 53 applies a request all or nothing, so an
 *   alias is never written without its ownership record, nor an ownership record left behind without its alias.
 */
export class Route53Writer {
  private readonly maxRecords: number;
  private readonly maxCharacters: number;
  private readonly maxAttempts: number;
  private readonly backoff: BackoffOptions;
  private readonly timing: Timing;

  constructor(
    private readonly client: Route53Client,
    private readonly options: Route53WriterOptions = {},
  ) {
    this.maxRecords = options.maxRecordsPerRequest ?? 1000;
    this.maxCharacters = options.maxValueCharactersPerRequest ?? 32_000;
    this.maxAttempts = options.maxAttempts ?? 8;
    this.backoff = { baseDelayMs: options.baseDelayMs ?? 250, maxDelayMs: options.maxDelayMs ?? 20_000 };
    this.timing = options.timing ?? realTiming;
  }

  async apply(changes: readonly Route53Change[]): Promise<ChangeOutcome<Route53Change>[]> {
    const byZone = new Map<string, Unit[]>();
    const groups = new Map<string, Unit>();
    for (const change of changes) {
      const unit = toUnit(change);
      const zoneId = change.record.zoneId;
      const groupKey = change.atomicGroup === undefined ? undefined : `${zoneId}|${change.atomicGroup}`;
      const group = groupKey === undefined ? undefined : groups.get(groupKey);
      if (group) {
        mergeInto(group, unit);
        continue;
      }
      if (groupKey !== undefined) groups.set(groupKey, unit);
      pushTo(byZone, zoneId, unit);
    }
    const results = await Promise.all([...byZone].map(([zoneId, units]) => this.applyZone(zoneId, units)));
    return results.flat();
  }

  private async applyZone(zoneId: string, units: Unit[]): Promise<ChangeOutcome<Route53Change>[]> {
    const outcomes: ChangeOutcome<Route53Change>[] = [];
    const fitting: Unit[] = [];
    for (const unit of units) {
      if (unit.records > this.maxRecords || unit.characters > this.maxCharacters) {
        outcomes.push(
          ...unit.changes.map((change) => ({
            change,
            status: 'rejected' as const,
            code: 'RequestLimit',
            message: `the change alone exceeds Route 53's per-request limits (${unit.records} records, ${unit.characters} characters)`,
          })),
        );
      } else {
        fitting.push(unit);
      }
    }
    for (const batch of this.pack(fitting)) {
      outcomes.push(...(await this.applyBatch(zoneId, batch)));
    }
    return outcomes;
  }

  /**
   * Requests for one zone, each within Route 53's limits. The changes at one name travel together whenever they fit in
   * one request: a request is atomic, so a rolling update's new tasks and its withdrawn old ones at a name land at
   * once and the name is never empty in between (an empty name is answered NXDOMAIN, which resolvers cache for the
   * zone's SOA minimum). The plan's order holds within each request (deletes first, domain/changes.ts), so a request
   * never holds a create whose delete is in a later one; the only dependencies between changes are within a name.
   */
  private pack(units: Unit[]): Unit[][] {
    const byName = new Map<string, Unit[]>();
    for (const unit of units) {
      const r = unit.changes[0]!.record;
      pushTo(byName, r.name, unit);
    }
    const batches: Unit[][] = [];
    let current: Unit[] = [];
    let records = 0;
    let characters = 0;
    const overflows = (n: { records: number; characters: number }) =>
      records + n.records > this.maxRecords || characters + n.characters > this.maxCharacters;
    const add = (unit: Unit) => {
      if (current.length > 0 && overflows(unit)) {
        batches.push(current);
        current = [];
        records = 0;
        characters = 0;
      }
      current.push(unit);
      records += unit.records;
      characters += unit.characters;
    };
    for (const atName of byName.values()) {
      const size = {
        records: atName.reduce((n, u) => n + u.records, 0),
        characters: atName.reduce((n, u) => n + u.characters, 0),
      };
      // A name that fits in a request of its own is not split across two.
      const fitsAlone = size.records <= this.maxRecords && size.characters <= this.maxCharacters;
      if (current.length > 0 && fitsAlone && overflows(size)) {
        batches.push(current);
        current = [];
        records = 0;
        characters = 0;
      }
      for (const unit of atName) add(unit);
    }
    if (current.length > 0) batches.push(current);
    // Inside a request the plan's order holds across names too (deletes first): the grouping only draws the lines.
    const position = new Map(units.map((u, i) => [u, i]));
    return batches.map((b) => b.sort((x, y) => position.get(x)! - position.get(y)!));
  }

  private async applyBatch(zoneId: string, batch: Unit[]): Promise<ChangeOutcome<Route53Change>[]> {
    const err = await this.send(zoneId, batch);
    const each = (u: Unit) => u.changes;
    if (!err) {
      // Deletes first: an UPDATE is the DELETE of the old record and the UPSERT of the new one at the same key.
      const parts = batch.flatMap((u) => u.parts);
      for (const [action, record] of [
        ...parts.filter(([a]) => a === 'DELETE'),
        ...parts.filter(([a]) => a !== 'DELETE'),
      ])
        this.options.cache?.wrote(zoneId, action, record);
      return batch.flatMap(each).map((change) => ({ change, status: 'applied' }));
    }
    const code = errorCode(err);
    if (!BATCH_REJECTIONS.has(code)) {
      return batch.flatMap(each).map((change) => ({ change, status: 'failed', code, message: errorMessage(err) }));
    }
    if (batch.length === 1) {
      this.forget(zoneId, batch, () => rejectionMessage(err));
      return batch[0]!.changes.map((change) => ({ change, status: 'rejected', code, message: rejectionMessage(err) }));
    }
    // Route 53 names the records it refused: set exactly those aside and send the rest again, one request instead of
    // bisecting (2·log2(n) requests at five a second, for the usual stale DELETE of a record another container removed).
    const named = namedRejections(err, batch);
    if (named) {
      this.forget(zoneId, named.units, (u) => named.messages.get(u) ?? '');
      const rejected = named.units.flatMap((u) =>
        u.changes.map((change) => ({ change, status: 'rejected' as const, code, message: named.messages.get(u) })),
      );
      const rest = batch.filter((u) => !named.units.includes(u));
      return [...rejected, ...(rest.length > 0 ? await this.applyBatch(zoneId, rest) : [])];
    }
    const mid = Math.ceil(batch.length / 2);
    const left = await this.applyBatch(zoneId, batch.slice(0, mid));
    const right = await this.applyBatch(zoneId, batch.slice(mid));
    return [...left, ...right];
  }

  /**
   * Refused units and the cache: a DELETE refused only because its record is gone (`not found`: no record has that
   * name, type and SetIdentifier) tells exactly what is there now, and the cache drops the record; any other refusal
   * means the view was stale in a way not known, and the cache no longer answers for the names (the next read lists
   * them again).
   */
  private forget(zoneId: string, units: readonly Unit[], messageOf: (u: Unit) => string): void {
    const cache = this.options.cache;
    if (!cache) return;
    for (const u of units) {
      const gone = u.parts.every(([a]) => a === 'DELETE') && isOnlyNotFound(messageOf(u));
      if (gone) for (const [, r] of u.parts) cache.wrote(zoneId, 'DELETE', r);
      else
        cache.invalidate(
          zoneId,
          u.parts.map(([, r]) => r.name),
        );
    }
  }

  /** Sends one batch, retrying throttling (every attempt through the limiter); the final error, or undefined. */
  private async send(zoneId: string, batch: Unit[]): Promise<unknown> {
    const command = new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: { Comment: 'ecs-registrar', Changes: batch.flatMap((u) => u.sdk) },
    });
    try {
      await retrying(
        () => {
          this.options.onRequest?.(zoneId, batch.length);
          return this.client.send(command);
        },
        {
          ...this.backoff,
          maxAttempts: this.maxAttempts,
          timing: this.timing,
          limiter: this.options.limiter,
          retryable: isRetryable,
        },
      );
      return undefined;
    } catch (err) {
      return err;
    }
  }
}

type Action = 'DELETE' | 'UPSERT' | 'CREATE';

function toUnit(change: Route53Change): Unit {
  // A record without a SetIdentifier (a service's alias or CNAME) has a key anyone may use: it is CREATEd, so that a
  // record someone else wrote since it was read makes Route 53 reject the change instead of being overwritten.
  const put = change.record.setIdentifier === undefined ? 'CREATE' : 'UPSERT';
  const parts: [Action, DnsRecord][] =
    change.action === 'UPDATE'
      ? [
          ['DELETE', change.previous],
          [put, change.record],
        ]
      : [[change.action === 'CREATE' ? put : 'DELETE', change.record]];
  // Route 53 counts an UPSERT's elements and characters twice.
  const weight = (action: string) => (action === 'UPSERT' ? 2 : 1);
  return {
    changes: [change],
    sdk: parts.map(([action, r]) => sdkChange(action, r)),
    parts,
    records: parts.reduce((n, [a, r]) => n + weight(a) * resourceRecordCount(r), 0),
    characters: parts.reduce((n, [a, r]) => n + weight(a) * valueCharacters(r), 0),
  };
}

/** Adds a change to its group's unit; the group's deletes stay ahead of its creates (an UPDATE's pair included). */
function mergeInto(group: Unit, unit: Unit): void {
  group.changes.push(...unit.changes);
  group.parts.push(...unit.parts);
  const all = [...group.sdk, ...unit.sdk];
  group.sdk = [...all.filter((c) => c.Action === 'DELETE'), ...all.filter((c) => c.Action !== 'DELETE')];
  group.records += unit.records;
  group.characters += unit.characters;
}

const RECORD_IN_MESSAGE = /\[name='([^']*)', type='([^']*)'(?:, set-identifier='([^']*)')?\]/;

/**
 * The units whose records an InvalidChangeBatch names in its messages (`Tried to delete resource record set
 * [name='…', type='…', set-identifier='…'] but it was not found`: aws-facts.md §3.1), with the message for each;
 * undefined when any message names no record of the batch (then bisection finds the culprits).
 */
function namedRejections(err: unknown, batch: Unit[]): { units: Unit[]; messages: Map<Unit, string> } | undefined {
  const raw = (err as { messages?: unknown }).messages;
  const messages = Array.isArray(raw) && raw.length > 0 ? raw.map(String) : [errorMessage(err)];
  const byUnit = new Map<Unit, string[]>();
  for (const message of messages) {
    const m = RECORD_IN_MESSAGE.exec(message);
    if (!m) return undefined;
    const [, name, type, setId] = m;
    const norm = (n: string) => n.toLowerCase().replace(/\.?$/, '.');
    const unit = batch.find((u) =>
      u.sdk.some(
        (c) =>
          norm(c.ResourceRecordSet?.Name ?? '') === norm(name ?? '') &&
          c.ResourceRecordSet?.Type === type &&
          (c.ResourceRecordSet?.SetIdentifier ?? '') === (setId ?? ''),
      ),
    );
    if (!unit) return undefined;
    pushTo(byUnit, unit, message);
  }
  return { units: [...byUnit.keys()], messages: new Map([...byUnit].map(([u, ms]) => [u, ms.join('; ')])) };
}

/** Every message (joined with `; `) says a DELETE found no record (aws-facts.md §3.1). */
export function isOnlyNotFound(message: string): boolean {
  const parts = message.split('; ').filter((m) => m.length > 0);
  return parts.length > 0 && parts.every((m) => NOT_FOUND.test(m));
}

const NOT_FOUND = /^Tried to delete resource record set .* but it was not found$/;

function rejectionMessage(err: unknown): string {
  const messages = (err as { messages?: unknown }).messages;
  if (Array.isArray(messages) && messages.length > 0) return messages.map(String).join('; ');
  return errorMessage(err);
}
