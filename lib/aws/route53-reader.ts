import {
  GetHostedZoneCommand,
  ListResourceRecordSetsCommand,
  type ListResourceRecordSetsCommandOutput,
  type Route53Client,
  type RRType,
} from '@aws-sdk/client-route-53';
import { normaliseName } from '../domain/dns-name';
import { type DnsRecord, recordKey } from '../domain/records';
import { type BackoffOptions, type RetryOptions, realTiming, retrying, type Timing } from './backoff';
import { AwsReadError, isRetryable } from './errors';
import { isUnder, type Route53RecordCache } from './route53-cache';
import { bareZoneId, fromResourceRecordSet, reversedName } from './route53-records';

interface PageToken {
  name?: string;
  type?: RRType;
  identifier?: string;
}

/**
 * A name's place in Route 53's listing order: labels reversed, with the trailing dot (aws-facts.md §3.2: the dot
 * matters for characters below `.`), so a name's subtree is exactly the keys that start with its key.
 */
function listingKey(name: string): string {
  return `${reversedName(normaliseName(name))}.`;
}

export interface ZoneInfo {
  id: string;
  /** Normalised domain, e.g. `example.com.` */
  domain: string;
  privateZone: boolean;
}

interface Limiter {
  take(): Promise<void>;
}

export interface Route53ReaderOptions extends Partial<BackoffOptions> {
  /** Attempts per read on throttling and transient faults (the client itself makes one: clients.ts). */
  maxAttempts?: number;
  timing?: Timing;
  /** This container's short-lived view of its zones (route53-cache.ts): only `viewUnder` answers from it. */
  cache?: Route53RecordCache;
}

/** Records at and below some names, and which of those names the answer took from the cache. */
export interface ZoneView {
  records: DnsRecord[];
  /** Normalised names served from what this container read earlier (and wrote since), not listed now. */
  cached: Set<string>;
}

/**
 * Reads Route 53. SDK v3 has no paginator for ListResourceRecordSets (aws-facts.md §3.2): the three-part token loop is
 * here. Zone domains are cached for the life of the container (one GetHostedZone per zone), since they never change.
 */
export class Route53Reader {
  private readonly zones = new Map<string, Promise<ZoneInfo>>();
  private readonly retry: RetryOptions;
  private readonly cache?: Route53RecordCache;

  constructor(
    private readonly client: Route53Client,
    limiter?: Limiter,
    options: Route53ReaderOptions = {},
  ) {
    this.cache = options.cache;
    this.retry = {
      maxAttempts: options.maxAttempts ?? 8,
      baseDelayMs: options.baseDelayMs ?? 250,
      maxDelayMs: options.maxDelayMs ?? 20_000,
      timing: options.timing ?? realTiming,
      limiter,
      retryable: isRetryable,
    };
  }

  zone(zoneId: string): Promise<ZoneInfo> {
    const id = bareZoneId(zoneId);
    let cached = this.zones.get(id);
    if (!cached) {
      cached = this.fetchZone(id);
      this.zones.set(id, cached);
      cached.catch(() => this.zones.delete(id));
    }
    return cached;
  }

  /** Domain of each zone, by bare id (cached with the zones). */
  async zoneDomains(zoneIds: readonly string[]): Promise<Map<string, string>> {
    const zones = await Promise.all(zoneIds.map((id) => this.zone(id)));
    return new Map(zones.map((z) => [z.id, z.domain]));
  }

  private async fetchZone(id: string): Promise<ZoneInfo> {
    try {
      const out = await retrying(() => this.client.send(new GetHostedZoneCommand({ Id: id })), this.retry);
      return {
        id,
        domain: normaliseName(out.HostedZone?.Name ?? ''),
        privateZone: out.HostedZone?.Config?.PrivateZone ?? false,
      };
    } catch (err) {
      throw AwsReadError.wrap('route53', 'GetHostedZone', err);
    }
  }

  /**
   * Every record at each name and below it (a name's per-task SRV targets live below it), in as few
   * ListResourceRecordSets as the listing allows. Route 53 lists a zone in one order (label-reversed names, then type,
   * 300 a page: aws-facts.md §3.2), so the subtrees of the names are contiguous ranges of that order. The ranges are
   * read in order and every page is used whole: a range that the pages already read went past costs nothing, a page
   * that ends inside a range is continued, and a range past the last page read starts a new listing at its name.
   * Pages never overlap, so this never costs more than listing the whole zone, and a batch whose names sit close
   * together (one service's A, SRV and per-task names) reads them in one request instead of one per name.
   */
  async recordsUnder(zoneId: string, names: Iterable<string>): Promise<DnsRecord[]> {
    return (await this.listRanges(zoneId, [...names])).records;
  }

  /**
   * As recordsUnder, but the names a fresh entry of the cache covers are answered from it (no request): the sync
   * path's read. Without a cache (the reconciler, the CLI) every name is listed. What is listed refreshes the cache.
   */
  async viewUnder(zoneId: string, names: Iterable<string>): Promise<ZoneView> {
    const wanted = [...new Set([...names].map(normaliseName))];
    const cached = new Set<string>();
    const hits: DnsRecord[] = [];
    const misses: string[] = [];
    for (const name of wanted) {
      const hit = this.cache?.enabled ? this.cache.lookup(zoneId, name) : undefined;
      if (hit) {
        cached.add(name);
        hits.push(...hit);
      } else {
        misses.push(name);
      }
    }
    const listed = misses.length > 0 ? (await this.listRanges(zoneId, misses)).records : [];
    const byKey = new Map([...hits, ...listed].map((r) => [recordKey(r), r]));
    return { records: [...byKey.values()], cached };
  }

  /**
   * Lists again the cached ranges that would expire within `withinMs`, so that the next batch finds them fresh instead
   * of waiting for the listing before it can plan (the sync path calls it after a batch's writes). No cache: nothing.
   */
  async refreshExpiring(withinMs: number): Promise<void> {
    for (const [zoneId, roots] of this.cache?.expiring(withinMs) ?? []) await this.listRanges(zoneId, roots);
  }

  /** The coalesced listing of recordsUnder; each range read is kept in the cache (when there is one). */
  private async listRanges(zoneId: string, names: string[]): Promise<{ records: DnsRecord[] }> {
    // A name inside another scanned subtree is covered by that scan.
    const roots = [...new Set(names.map(normaliseName))]
      .map((n) => ({ name: n, key: listingKey(n) }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .filter((n, i, all) => !all.slice(0, i).some((p) => n.key.startsWith(p.key)));
    const read: DnsRecord[] = [];
    // Where the listing read so far stops: the next record not read (a page's NextRecordName); `ended` once a listing
    // reached the end of the zone; neither before the first page.
    let next: { key: string; token: PageToken } | undefined;
    let ended = false;
    // When each range was read: the request time of the first page that held part of it (a listing of many pages takes
    // seconds at the budget's rate, so its ranges are as old as their own pages, and expire one after the other).
    const readAt = new Map<string, number>();
    let lastPageAt = 0;
    for (const root of roots) {
      // The last page read holds the start of this range (or went past its end, or reached the end of the zone).
      if (ended || (next && next.key >= root.key)) readAt.set(root.name, lastPageAt);
      while (!ended) {
        // The pages read already went past this range: it is in `read` whole.
        if (next && next.key > root.key && !next.key.startsWith(root.key)) break;
        // Continue a listing that stopped inside the range; otherwise start one at the range.
        const token: PageToken = next?.key.startsWith(root.key) ? next.token : { name: root.name };
        lastPageAt = this.cache?.now() ?? 0;
        if (!readAt.has(root.name)) readAt.set(root.name, lastPageAt);
        const page = await this.page(zoneId, token);
        read.push(...page.records);
        next = page.next ? { key: listingKey(page.next.name ?? ''), token: page.next } : undefined;
        ended = !page.next;
      }
    }
    const records = read.filter((r) => roots.some((root) => isUnder(r.name, root.name)));
    for (const root of roots) this.cache?.store(zoneId, root.name, records, readAt.get(root.name) ?? 0);
    return { records };
  }

  /**
   * Every record at each name exactly, not below it: one ListResourceRecordSets per name in the usual case. For names
   * whose subtree may be large (a service alias at the zone apex would otherwise mean a whole-zone scan).
   */
  async recordsAt(zoneId: string, names: Iterable<string>): Promise<DnsRecord[]> {
    const out: DnsRecord[] = [];
    for (const name of new Set([...names].map(normaliseName))) {
      const rev = reversedName(name);
      out.push(...(await this.scan(zoneId, name, (r) => r === rev)));
    }
    return out;
  }

  /** The whole zone, every page. */
  listZone(zoneId: string): Promise<DnsRecord[]> {
    return this.scan(zoneId, undefined, () => true);
  }

  /** One ListResourceRecordSets page from `token`: its records and where the next page starts (none at the end). */
  private async page(zoneId: string, token: PageToken): Promise<{ records: DnsRecord[]; next?: PageToken }> {
    let page: ListResourceRecordSetsCommandOutput;
    try {
      const input = {
        HostedZoneId: zoneId,
        StartRecordName: token.name,
        StartRecordType: token.name ? token.type : undefined,
        StartRecordIdentifier: token.name && token.type ? token.identifier : undefined,
      };
      page = await retrying(() => this.client.send(new ListResourceRecordSetsCommand(input)), this.retry);
    } catch (err) {
      throw AwsReadError.wrap('route53', 'ListResourceRecordSets', err);
    }
    const records = (page.ResourceRecordSets ?? []).map((rr) => fromResourceRecordSet(zoneId, rr));
    if (!page.IsTruncated || !page.NextRecordName) return { records };
    return {
      records,
      next: {
        // As Route 53 sent it (escapes included): it goes back as StartRecordName.
        name: page.NextRecordName,
        type: page.NextRecordType,
        identifier: page.NextRecordIdentifier,
      },
    };
  }

  private async scan(
    zoneId: string,
    start: string | undefined,
    within: (reversed: string) => boolean,
  ): Promise<DnsRecord[]> {
    const out: DnsRecord[] = [];
    let token: PageToken | undefined = { name: start };
    while (token) {
      const { records, next }: { records: DnsRecord[]; next?: PageToken } = await this.page(zoneId, token);
      for (const record of records) {
        if (!within(reversedName(record.name))) return out;
        out.push(record);
      }
      if (next?.name && !within(reversedName(normaliseName(next.name)))) return out;
      token = next;
    }
    return out;
  }
}
