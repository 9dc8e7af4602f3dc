import type { ResourceRecordSet, Change as SdkChange } from '@aws-sdk/client-route-53';
import { normaliseName } from '../domain/dns-name';
import { type DnsRecord, normaliseAlias, normaliseValue } from '../domain/records';

export const bareZoneId = (id: string): string => id.replace(/^\/?hostedzone\//, '');

/** Route 53's record set -> the registrar's normalised record (names lowercase with a dot, escapes decoded). */
export function fromResourceRecordSet(zoneId: string, rr: ResourceRecordSet): DnsRecord {
  const record: DnsRecord = { zoneId, name: normaliseName(rr.Name ?? ''), type: rr.Type ?? '' };
  if (rr.SetIdentifier !== undefined) record.setIdentifier = rr.SetIdentifier;
  if (rr.MultiValueAnswer) record.multiValue = true;
  if (rr.Weight !== undefined) record.weight = rr.Weight;
  const other = rr.Failover
    ? 'failover'
    : rr.Region
      ? 'latency'
      : rr.GeoLocation
        ? 'geolocation'
        : rr.GeoProximityLocation
          ? 'geoproximity'
          : rr.CidrRoutingConfig
            ? 'cidr'
            : undefined;
  if (other) record.otherRouting = other;
  // Alias records have no TTL of their own (Route 53 uses the target's); moto reports TTL 0 on them.
  if (rr.TTL !== undefined && !rr.AliasTarget) record.ttl = rr.TTL;
  if (rr.HealthCheckId) record.healthCheckId = rr.HealthCheckId;
  if (rr.AliasTarget) {
    record.alias = normaliseAlias({
      dnsName: rr.AliasTarget.DNSName ?? '',
      hostedZoneId: rr.AliasTarget.HostedZoneId ?? '',
      evaluateTargetHealth: rr.AliasTarget.EvaluateTargetHealth ?? false,
    });
  } else {
    record.values = (rr.ResourceRecords ?? []).map((v) => normaliseValue(record.type, v.Value ?? '')).sort();
  }
  return record;
}

/** The registrar's record -> Route 53's record set, exactly as it must be sent (DELETE needs every current value). */
export function toResourceRecordSet(r: DnsRecord): ResourceRecordSet {
  const rr: ResourceRecordSet = { Name: r.name, Type: r.type as ResourceRecordSet['Type'] };
  if (r.setIdentifier !== undefined) rr.SetIdentifier = r.setIdentifier;
  if (r.multiValue) rr.MultiValueAnswer = true;
  if (r.weight !== undefined) rr.Weight = r.weight;
  if (r.healthCheckId) rr.HealthCheckId = r.healthCheckId;
  if (r.alias) {
    rr.AliasTarget = {
      DNSName: r.alias.dnsName,
      HostedZoneId: r.alias.hostedZoneId,
      EvaluateTargetHealth: r.alias.evaluateTargetHealth,
    };
  } else {
    if (r.ttl !== undefined) rr.TTL = r.ttl;
    rr.ResourceRecords = (r.values ?? []).map((Value) => ({ Value }));
  }
  return rr;
}

export function sdkChange(action: 'CREATE' | 'DELETE' | 'UPSERT', r: DnsRecord): SdkChange {
  return { Action: action, ResourceRecordSet: toResourceRecordSet(r) };
}

/**
 * Route 53 lists records by label-reversed name (`com.example.www`). Every name whose reversed form starts with a
 * root's reversed form (the root's subtree, plus siblings such as `www-2` that merely share the prefix) is one
 * contiguous range, whether or not the trailing dot takes part in the ordering (AWS: yes, moto: no).
 */
export function reversedName(name: string): string {
  return name.replace(/\.$/, '').split('.').reverse().join('.');
}
