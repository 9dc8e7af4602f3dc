import {
  GetHostedZoneCommand,
  ListResourceRecordSetsCommand,
  type ListResourceRecordSetsCommandOutput,
  type Route53Client,
  type RRType,
} from '@aws-sdk/client-route-53';
import { normaliseName } from '../domain/dns-name';
import type { DnsRecord } from '../domain/records';
import { type BackoffOptions, type RetryOptions, realTiming, retrying, type Timing } from './backoff';
import { AwsReadError, isRetryable } from './errors';
import { bareZoneId, fromResourceRecordSet, reversedName } from './route53-records';

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
}

/**
 * Reads Route 53. SDK v3 has no paginator for ListResourceRecordSets (aws-facts.md §3.2): the three-part token loop is
 * here. Zone domains are cached for the life of the container (one GetHostedZone per zone), since they never change.
 */
export class Route53Reader {
  private readonly zones = new Map<string, Promise<ZoneInfo>>();
  private readonly retry: RetryOptions;

  constructor(
    private readonly client: Route53Client,
    limiter?: Limiter,
    options: Route53ReaderOptions = {},
  ) {
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

  /** Every record at each name and below it (a name's per-task SRV targets live below it). */
  async recordsUnder(zoneId: string, names: Iterable<string>): Promise<DnsRecord[]> {
    // A name inside another scanned subtree is covered by that scan.
    const roots = [...new Set([...names].map(normaliseName))]
      .map((n) => ({ name: n, rev: reversedName(n) }))
      .sort((a, b) => (a.rev < b.rev ? -1 : a.rev > b.rev ? 1 : 0))
      .filter((n, i, all) => !all.slice(0, i).some((p) => n.rev === p.rev || n.rev.startsWith(`${p.rev}.`)));
    const out: DnsRecord[] = [];
    for (const root of roots) {
      const records = await this.scan(zoneId, root.name, (rev) => rev.startsWith(root.rev));
      out.push(...records.filter((r) => r.name === root.name || r.name.endsWith(`.${root.name}`)));
    }
    return out;
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

  private async scan(
    zoneId: string,
    start: string | undefined,
    within: (reversed: string) => boolean,
  ): Promise<DnsRecord[]> {
    const out: DnsRecord[] = [];
    let token: { name?: string; type?: RRType; identifier?: string } = { name: start };
    for (;;) {
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
      for (const rr of page.ResourceRecordSets ?? []) {
        const record = fromResourceRecordSet(zoneId, rr);
        if (!within(reversedName(record.name))) return out;
        out.push(record);
      }
      if (!page.IsTruncated || !page.NextRecordName) return out;
      if (!within(reversedName(normaliseName(page.NextRecordName)))) return out;
      token = { name: page.NextRecordName, type: page.NextRecordType, identifier: page.NextRecordIdentifier };
    }
  }
}
