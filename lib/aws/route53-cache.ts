import { normaliseName } from '../domain/dns-name';
import { type DnsRecord, recordKey } from '../domain/records';
import { bareZoneId } from './route53-records';

/** `name` is `root` or a name below it (both normalised). */
export function isUnder(name: string, root: string): boolean {
  return name === root || name.endsWith(`.${root}`);
}

/** Records are keyed with the bare zone id: a plan may name a zone `/hostedzone/Z…` or `Z…`. */
const cacheKey = (r: DnsRecord): string => recordKey({ ...r, zoneId: bareZoneId(r.zoneId) });

interface Entry {
  /** When the listing that filled this entry started (the entry is at least as new as that). */
  readAt: number;
  records: Map<string, DnsRecord>;
}

/**
 * What one sync container read of its zones, kept for a short time (REGISTRAR_ROUTE53_CACHE_SECONDS) so that the
 * batches that follow plan from it instead of listing the same ranges again. Per zone, it holds the subtrees
 * (`root` and every name below it) that ListResourceRecordSets returned, each with the time it was read.
 *
 * - Own writes are trusted: every change this container's writer applied is applied here too (route53-writer.ts), so
 *   a container never plans against the state it itself replaced.
 * - Other writers (another container, the reconciler, a person) are not seen until the entry expires. That is safe
 *   because nothing is written blindly from it: a task record is an UPSERT of a key only that task uses, and a
 *   DELETE or UPDATE carries the exact record as cached, which Route 53 refuses when the record changed or went; a
 *   refusal drops the entries that hold the records (the writer calls `invalidate`) and the engine reads them again
 *   (engine/current-state.ts). Absence is never trusted for a stop: a stop applied from this view needs the view to
 *   show the task's records, else its names are read again (engine/current-state.ts: readCurrent).
 * - Entries expire `ttlMs` after they were read, whatever was written into them since.
 * Providers decide nothing: this only stores and answers; when to trust it is the engine's call.
 */
export class Route53RecordCache {
  private readonly zones = new Map<string, Map<string, Entry>>();

  constructor(
    readonly ttlMs: number,
    /** The clock entries are read and expire by (milliseconds). */
    readonly now: () => number,
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  /** The records at and below `name`, when an entry read less than `ttlMs` ago covers it. */
  lookup(zoneId: string, name: string): DnsRecord[] | undefined {
    const roots = this.zones.get(bareZoneId(zoneId));
    if (!roots) return undefined;
    const n = normaliseName(name);
    const now = this.now();
    for (const [root, entry] of roots) {
      if (now - entry.readAt >= this.ttlMs) {
        roots.delete(root);
        continue;
      }
      if (isUnder(n, root)) return [...entry.records.values()].filter((r) => isUnder(r.name, n));
    }
    return undefined;
  }

  /** Keeps what a listing returned for the subtree of `root` (every record at and below it), read at `readAt`. */
  store(zoneId: string, root: string, records: readonly DnsRecord[], readAt: number): void {
    if (!this.enabled) return;
    const id = bareZoneId(zoneId);
    const r = normaliseName(root);
    const roots = this.zones.get(id) ?? new Map<string, Entry>();
    // A subtree inside this one is superseded by it.
    for (const other of roots.keys()) if (isUnder(other, r)) roots.delete(other);
    roots.set(r, { readAt, records: new Map(records.filter((x) => isUnder(x.name, r)).map((x) => [cacheKey(x), x])) });
    this.zones.set(id, roots);
  }

  /** A change this container's writer applied: the entries that cover the record take it (or lose it). */
  wrote(zoneId: string, action: 'DELETE' | 'UPSERT' | 'CREATE', record: DnsRecord): void {
    const roots = this.zones.get(bareZoneId(zoneId));
    if (!roots) return;
    const name = normaliseName(record.name);
    const stored = { ...record, name };
    for (const [root, entry] of roots) {
      if (!isUnder(name, root)) continue;
      if (action === 'DELETE') entry.records.delete(cacheKey(stored));
      else entry.records.set(cacheKey(stored), stored);
    }
  }

  /** The fresh ranges, per zone, that expire within `withinMs` (oldest first). */
  expiring(withinMs: number): Map<string, string[]> {
    const out = new Map<string, string[]>();
    const now = this.now();
    for (const [zoneId, roots] of this.zones) {
      const soon = [...roots]
        .filter(([, e]) => now - e.readAt < this.ttlMs && e.readAt + this.ttlMs - now <= withinMs)
        .sort(([, a], [, b]) => a.readAt - b.readAt)
        .map(([root]) => root);
      if (soon.length > 0) out.set(zoneId, soon);
    }
    return out;
  }

  /** Forgets every entry that holds one of these names (a write Route 53 refused: the view was stale there). */
  invalidate(zoneId: string, names: Iterable<string>): void {
    const roots = this.zones.get(bareZoneId(zoneId));
    if (!roots) return;
    const ns = [...names].map(normaliseName);
    for (const root of roots.keys()) if (ns.some((n) => isUnder(n, root) || isUnder(root, n))) roots.delete(root);
  }
}
