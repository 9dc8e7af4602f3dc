import type { ServiceAliasSpec } from '../config/service-tags';
import { type DnsRecord, normaliseValue } from '../domain/records';
import {
  encodeOwnershipValue,
  type ServiceRecordType,
  type ServiceRef,
  serviceSetIdentifier,
} from '../domain/service-ownership';

/** The load balancer a service's records point at (lib/aws/elb-reader.ts LoadBalancerInfo has this shape). */
export interface LoadBalancerTarget {
  arn: string;
  dnsName: string;
  canonicalHostedZoneId: string;
  /** `application`, `network` or `gateway`. */
  type: string;
  /** `ipv4`, `dualstack` or `dualstack-without-public-ipv4`. */
  ipAddressType: string;
}

/** A service's load balancer entry, as DescribeServices returns it. */
export interface ServiceLoadBalancerEntry {
  targetGroupArn?: string;
  loadBalancerName?: string;
}

export type TargetResolution = { loadBalancer: LoadBalancerTarget } | { problem: string };

/**
 * What the service's records should point at:
 * - `target`: the load balancer (the first usable one in the service's order; others are reported);
 * - `none`: the service has no load balancer: it gets no records (and loses any it had);
 * - `unsupported`: a Classic or Gateway load balancer, or one that cannot be resolved: the service's records are
 *   left as they are and the reason is reported.
 */
export type ServiceTargetChoice =
  | { kind: 'target'; loadBalancer: LoadBalancerTarget; warnings: string[] }
  | { kind: 'none'; reason: string }
  | { kind: 'unsupported'; reason: string };

const ALIASABLE = new Set(['application', 'network']);

export function chooseTarget(
  entries: readonly ServiceLoadBalancerEntry[],
  resolved: ReadonlyMap<string, TargetResolution>,
): ServiceTargetChoice {
  if (entries.length === 0) return { kind: 'none', reason: 'the service has no load balancer' };
  const usable: LoadBalancerTarget[] = [];
  const problems: string[] = [];
  for (const e of entries) {
    if (!e.targetGroupArn) {
      problems.push(
        `Classic Load Balancer ${e.loadBalancerName ?? '(unnamed)'} is not supported: only Application and Network Load Balancers (target groups) can be aliased`,
      );
      continue;
    }
    const r = resolved.get(e.targetGroupArn);
    if (!r) {
      problems.push(`target group ${e.targetGroupArn} was not resolved`);
    } else if ('problem' in r) {
      problems.push(r.problem);
    } else if (!ALIASABLE.has(r.loadBalancer.type)) {
      problems.push(
        `load balancer ${r.loadBalancer.arn} is of type ${r.loadBalancer.type}; only application and network load balancers are supported`,
      );
    } else if (!usable.some((u) => u.arn === r.loadBalancer.arn)) {
      usable.push(r.loadBalancer);
    }
  }
  const [first, ...others] = usable;
  if (!first) return { kind: 'unsupported', reason: problems.join('; ') };
  const warnings = [...problems];
  if (others.length > 0) {
    warnings.push(
      `the service is behind ${usable.length} load balancers (${usable.map((u) => u.arn).join(', ')}); its records point at the first`,
    );
  }
  return { kind: 'target', loadBalancer: first, warnings };
}

/** Dual-stack load balancers answer AAAA too (aws-facts.md §5). */
export const isDualStack = (ipAddressType: string): boolean =>
  ipAddressType === 'dualstack' || ipAddressType === 'dualstack-without-public-ipv4';

/**
 * The records a tagged service should have in its zone (DESIGN.md "Record shapes"):
 * - `alias` (default): an alias A to the load balancer's DNS name with its CanonicalHostedZoneId, and an alias AAAA
 *   when the load balancer is dual-stack; alias records carry no TTL;
 * - `cname`: a simple CNAME to the load balancer's DNS name, with the spec's TTL;
 * plus the ownership record that makes them this owner's (domain/service-ownership.ts), listing exactly their types.
 */
export function desiredForService(
  service: ServiceRef,
  spec: ServiceAliasSpec,
  lb: LoadBalancerTarget,
  owner: string,
  ownershipTtl: number,
): DnsRecord[] {
  const records: DnsRecord[] = [];
  if (spec.kind === 'cname') {
    records.push({
      zoneId: spec.zoneId,
      name: spec.fqdn,
      type: 'CNAME',
      ttl: spec.ttl,
      values: [normaliseValue('CNAME', lb.dnsName)],
    });
  } else {
    const alias = {
      dnsName: normaliseValue('CNAME', lb.dnsName),
      hostedZoneId: lb.canonicalHostedZoneId.replace(/^\/hostedzone\//, ''),
      evaluateTargetHealth: spec.evaluateTargetHealth,
    };
    records.push({ zoneId: spec.zoneId, name: spec.fqdn, type: 'A', alias });
    if (isDualStack(lb.ipAddressType)) records.push({ zoneId: spec.zoneId, name: spec.fqdn, type: 'AAAA', alias });
  }
  const types = records.map((r) => r.type as ServiceRecordType);
  records.push({
    zoneId: spec.zoneId,
    name: spec.ownershipName,
    type: 'TXT',
    setIdentifier: serviceSetIdentifier(owner, service),
    multiValue: true,
    ttl: ownershipTtl,
    values: [encodeOwnershipValue({ owner, ...service, types })],
  });
  return records;
}
