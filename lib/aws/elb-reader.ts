import {
  DescribeLoadBalancersCommand,
  type DescribeLoadBalancersCommandOutput,
  DescribeTargetGroupsCommand,
  type DescribeTargetGroupsCommandOutput,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsReadError, errorCode } from './errors';

/** What an alias or CNAME to a load balancer needs (aws-facts.md §5). */
export interface LoadBalancerInfo {
  arn: string;
  name?: string;
  dnsName: string;
  /** The hosted zone of the load balancer's DNS name: an alias target's HostedZoneId (not the registrar's zone). */
  canonicalHostedZoneId: string;
  /** `application`, `network` or `gateway`. */
  type: string;
  /** `ipv4`, `dualstack` or `dualstack-without-public-ipv4`. */
  ipAddressType: string;
  scheme?: string;
}

/** A target group resolved to its load balancer, or the reason it cannot be. */
export type TargetGroupResolution =
  | { targetGroupArn: string; loadBalancer: LoadBalancerInfo }
  | { targetGroupArn: string; problem: string };

/** DescribeLoadBalancers takes at most 20 ARNs per call; target groups are asked for in the same chunks. */
const MAX_ARNS_PER_CALL = 20;

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));

/**
 * ELBv2 reads for the service path: ECS gives a service's target group ARNs, not its load balancer, so
 * targetGroupArn -> DescribeTargetGroups (LoadBalancerArns) -> DescribeLoadBalancers (DNSName, CanonicalHostedZoneId,
 * IpAddressType). Lookups are batched (all target groups of a batch in one call, up to 20 load balancers per call)
 * and cached for the life of this reader: build one per batch or reconcile run, since load balancers come and go.
 * One unknown ARN may fail a whole call (TargetGroupNotFoundException, LoadBalancerNotFoundException); the ARNs of
 * that call are then asked one by one, so one deleted load balancer does not hide the others.
 */
export class ElbReader {
  /** Target group ARN -> its load balancer ARNs; null when ELBv2 does not know it. */
  private readonly targetGroups = new Map<string, string[] | null>();
  /** Load balancer ARN -> what it is; null when ELBv2 does not know it. */
  private readonly loadBalancers = new Map<string, LoadBalancerInfo | null>();

  constructor(private readonly client: ElasticLoadBalancingV2Client) {}

  /** Resolves target groups to load balancers. Throws AwsReadError only for a failed read (throttling, access). */
  async resolve(targetGroupArns: readonly string[]): Promise<Map<string, TargetGroupResolution>> {
    await this.loadTargetGroups([...new Set(targetGroupArns)].filter((a) => !this.targetGroups.has(a)));
    const lbArns = new Set<string>();
    for (const arn of targetGroupArns) for (const lb of this.targetGroups.get(arn) ?? []) lbArns.add(lb);
    await this.loadLoadBalancers([...lbArns].filter((a) => !this.loadBalancers.has(a)));

    const out = new Map<string, TargetGroupResolution>();
    for (const targetGroupArn of targetGroupArns) {
      const lbs = this.targetGroups.get(targetGroupArn);
      if (lbs === null || lbs === undefined) {
        out.set(targetGroupArn, { targetGroupArn, problem: `target group ${targetGroupArn} does not exist` });
        continue;
      }
      if (lbs.length === 0) {
        out.set(targetGroupArn, {
          targetGroupArn,
          problem: `target group ${targetGroupArn} is not attached to a load balancer (no listener or rule forwards to it)`,
        });
        continue;
      }
      const found = lbs.map((a) => this.loadBalancers.get(a)).find((lb): lb is LoadBalancerInfo => !!lb);
      out.set(
        targetGroupArn,
        found
          ? { targetGroupArn, loadBalancer: found }
          : {
              targetGroupArn,
              problem: `load balancer ${lbs.join(', ')} of target group ${targetGroupArn} does not exist`,
            },
      );
    }
    return out;
  }

  private async loadTargetGroups(arns: string[]): Promise<void> {
    for (const chunk of chunks(arns, MAX_ARNS_PER_CALL)) {
      try {
        for (const tg of await this.describeTargetGroups(chunk)) {
          if (tg.arn) this.targetGroups.set(tg.arn, tg.loadBalancerArns);
        }
      } catch (err) {
        if (errorCode(err) !== 'TargetGroupNotFoundException')
          throw AwsReadError.wrap('elbv2', 'DescribeTargetGroups', err);
        // One of them is gone: ask one by one.
        for (const arn of chunk) {
          try {
            for (const tg of await this.describeTargetGroups([arn])) {
              if (tg.arn) this.targetGroups.set(tg.arn, tg.loadBalancerArns);
            }
          } catch (inner) {
            if (errorCode(inner) !== 'TargetGroupNotFoundException') {
              throw AwsReadError.wrap('elbv2', 'DescribeTargetGroups', inner);
            }
          }
        }
      }
      for (const arn of chunk) if (!this.targetGroups.has(arn)) this.targetGroups.set(arn, null);
    }
  }

  private async describeTargetGroups(arns: string[]): Promise<{ arn?: string; loadBalancerArns: string[] }[]> {
    const out: { arn?: string; loadBalancerArns: string[] }[] = [];
    let Marker: string | undefined;
    do {
      const page: DescribeTargetGroupsCommandOutput = await this.client.send(
        new DescribeTargetGroupsCommand({ TargetGroupArns: arns, Marker }),
      );
      for (const tg of page.TargetGroups ?? []) {
        out.push({ arn: tg.TargetGroupArn, loadBalancerArns: [...(tg.LoadBalancerArns ?? [])] });
      }
      Marker = page.NextMarker;
    } while (Marker);
    return out;
  }

  private async loadLoadBalancers(arns: string[]): Promise<void> {
    for (const chunk of chunks(arns, MAX_ARNS_PER_CALL)) {
      try {
        this.remember(await this.describeLoadBalancers(chunk));
      } catch (err) {
        if (errorCode(err) !== 'LoadBalancerNotFoundException') {
          throw AwsReadError.wrap('elbv2', 'DescribeLoadBalancers', err);
        }
        for (const arn of chunk) {
          try {
            this.remember(await this.describeLoadBalancers([arn]));
          } catch (inner) {
            if (errorCode(inner) !== 'LoadBalancerNotFoundException') {
              throw AwsReadError.wrap('elbv2', 'DescribeLoadBalancers', inner);
            }
          }
        }
      }
      for (const arn of chunk) if (!this.loadBalancers.has(arn)) this.loadBalancers.set(arn, null);
    }
  }

  private async describeLoadBalancers(arns: string[]): Promise<LoadBalancerInfo[]> {
    const out: LoadBalancerInfo[] = [];
    let Marker: string | undefined;
    do {
      const page: DescribeLoadBalancersCommandOutput = await this.client.send(
        new DescribeLoadBalancersCommand({ LoadBalancerArns: arns, Marker }),
      );
      for (const lb of page.LoadBalancers ?? []) {
        if (!lb.LoadBalancerArn || !lb.DNSName || !lb.CanonicalHostedZoneId) continue;
        out.push({
          arn: lb.LoadBalancerArn,
          name: lb.LoadBalancerName,
          dnsName: lb.DNSName,
          canonicalHostedZoneId: lb.CanonicalHostedZoneId,
          type: lb.Type ?? 'application',
          ipAddressType: lb.IpAddressType ?? 'ipv4',
          scheme: lb.Scheme,
        });
      }
      Marker = page.NextMarker;
    } while (Marker);
    return out;
  }

  private remember(lbs: LoadBalancerInfo[]): void {
    for (const lb of lbs) this.loadBalancers.set(lb.arn, lb);
  }
}
