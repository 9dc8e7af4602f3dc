/**
 * The typed endpoint model shared by desired, plan and the providers: DNS record sets keyed like Route 53
 * (zone, name, type, set identifier) and Cloud Map instances keyed by (service, instance id).
 */

import { joinKey } from './key';

export type RecordType = 'A' | 'AAAA' | 'SRV' | 'CNAME' | 'TXT';

export interface AliasTarget {
  dnsName: string;
  hostedZoneId: string;
  evaluateTargetHealth: boolean;
}

export interface DnsRecord {
  /** Bare zone id, without the `/hostedzone/` prefix. */
  zoneId: string;
  /** Normalised: lowercase with a trailing dot. */
  name: string;
  type: RecordType | string;
  setIdentifier?: string;
  multiValue?: boolean;
  /** Present for a weighted record (foreign records only: the registrar never writes weighted records). */
  weight?: number;
  /** Any other routing policy a foreign record uses (failover, latency, geolocation, ...), by name. */
  otherRouting?: string;
  ttl?: number;
  /** A health check someone attached; kept so that a DELETE carries the exact current record. */
  healthCheckId?: string;
  /** Sorted, normalised values. Absent on alias records. */
  values?: string[];
  alias?: AliasTarget;
}

export interface CloudMapInstance {
  serviceId: string;
  instanceId: string;
  attributes: Record<string, string>;
}

export const recordKey = (r: Pick<DnsRecord, 'zoneId' | 'name' | 'type' | 'setIdentifier'>): string =>
  joinKey(r.zoneId, r.name, r.type, r.setIdentifier ?? '');

export const instanceKey = (i: Pick<CloudMapInstance, 'serviceId' | 'instanceId'>): string =>
  `${i.serviceId}|${i.instanceId}`;

/** Values compare after normalisation: SRV and CNAME targets are names, so case and the trailing dot do not matter. */
export function normaliseValue(type: string, value: string): string {
  if (type === 'SRV') {
    const parts = value.trim().split(/\s+/);
    if (parts.length === 4) {
      const target = parts[3]!.toLowerCase();
      parts[3] = target.endsWith('.') ? target : `${target}.`;
    }
    return parts.join(' ');
  }
  if (type === 'CNAME') {
    const v = value.trim().toLowerCase();
    return v.endsWith('.') ? v : `${v}.`;
  }
  if (type === 'AAAA') return value.trim().toLowerCase();
  return value.trim();
}

export function normaliseAlias(alias: AliasTarget): AliasTarget {
  const dns = alias.dnsName.toLowerCase();
  return {
    dnsName: dns.endsWith('.') ? dns : `${dns}.`,
    hostedZoneId: alias.hostedZoneId.replace(/^\/hostedzone\//, ''),
    evaluateTargetHealth: alias.evaluateTargetHealth,
  };
}

const sameStrings = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/** True when two records with the same key would need no write to turn one into the other. */
export function sameRecordContent(a: DnsRecord, b: DnsRecord): boolean {
  if ((a.ttl ?? null) !== (b.ttl ?? null)) return false;
  if (Boolean(a.multiValue) !== Boolean(b.multiValue)) return false;
  if ((a.weight ?? null) !== (b.weight ?? null)) return false;
  if ((a.healthCheckId ?? null) !== (b.healthCheckId ?? null)) return false;
  if (Boolean(a.alias) !== Boolean(b.alias)) return false;
  if (a.alias && b.alias) {
    const x = normaliseAlias(a.alias);
    const y = normaliseAlias(b.alias);
    if (x.dnsName !== y.dnsName || x.hostedZoneId !== y.hostedZoneId) return false;
    if (x.evaluateTargetHealth !== y.evaluateTargetHealth) return false;
  }
  // The same values as written need no normalising (a reconcile compares tens of thousands of unchanged records).
  if (a.type === b.type && sameStrings(a.values ?? [], b.values ?? [])) return true;
  const av = [...(a.values ?? [])].map((v) => normaliseValue(a.type, v)).sort();
  const bv = [...(b.values ?? [])].map((v) => normaliseValue(b.type, v)).sort();
  return av.length === bv.length && av.every((v, i) => v === bv[i]);
}

export function sameAttributes(a: Record<string, string>, b: Record<string, string>): boolean {
  const ak = Object.keys(a).sort();
  const bk = Object.keys(b).sort();
  return ak.length === bk.length && ak.every((k, i) => k === bk[i] && a[k] === b[k]);
}

/** Characters Route 53 counts against the 32,000-character request limit for this record. */
export function valueCharacters(r: DnsRecord): number {
  if (r.alias) return r.alias.dnsName.length;
  return (r.values ?? []).reduce((n, v) => n + v.length, 0);
}

/** ResourceRecord elements Route 53 counts against the 1,000-element request limit (an alias counts one). */
export function resourceRecordCount(r: DnsRecord): number {
  return r.alias ? 1 : (r.values ?? []).length;
}
