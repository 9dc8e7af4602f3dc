// In-memory ELBv2 for the alias path of aws-facts.md §5: target group -> load balancer ARNs -> DNSName and
// CanonicalHostedZoneId.

import {
  DescribeLoadBalancersCommand,
  type DescribeLoadBalancersCommandInput,
  type DescribeLoadBalancersCommandOutput,
  DescribeTargetGroupsCommand,
  type DescribeTargetGroupsCommandInput,
  type DescribeTargetGroupsCommandOutput,
  type ElasticLoadBalancingV2Client,
  type IpAddressType,
  type LoadBalancer,
  type LoadBalancerSchemeEnum,
  type LoadBalancerTypeEnum,
  type ProtocolEnum,
  type TargetGroup,
  type TargetTypeEnum,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { elbv2Errors } from './aws-errors';
import { compareAscii, FakeService, pageAfter } from './fake-base';

export interface FakeLoadBalancerInput {
  arn: string;
  dnsName: string;
  canonicalHostedZoneId: string;
  type?: LoadBalancerTypeEnum;
  ipAddressType?: IpAddressType;
  scheme?: LoadBalancerSchemeEnum;
  name?: string;
}

export interface FakeTargetGroupInput {
  arn: string;
  loadBalancerArns?: string[];
  name?: string;
  port?: number;
  protocol?: ProtocolEnum;
  targetType?: TargetTypeEnum;
}

/** `…:loadbalancer/app/NAME/id` and `…:targetgroup/NAME/id` both carry the name in the same place. */
function nameFromArn(arn: string): string {
  const parts = arn.split('/');
  return (arn.includes(':loadbalancer/') ? parts[2] : parts[1]) ?? arn;
}

export class FakeElbv2 extends FakeService {
  readonly #loadBalancers = new Map<string, LoadBalancer>();
  readonly #targetGroups = new Map<string, TargetGroup>();

  constructor() {
    super('elasticloadbalancing');
  }

  addLoadBalancer(input: FakeLoadBalancerInput): void {
    this.#loadBalancers.set(input.arn, {
      LoadBalancerArn: input.arn,
      LoadBalancerName: input.name ?? nameFromArn(input.arn),
      DNSName: input.dnsName,
      CanonicalHostedZoneId: input.canonicalHostedZoneId,
      Type: input.type ?? 'application',
      IpAddressType: input.ipAddressType ?? 'ipv4',
      Scheme: input.scheme ?? 'internet-facing',
      State: { Code: 'active' },
    });
  }

  addTargetGroup(input: FakeTargetGroupInput): void {
    this.#targetGroups.set(input.arn, {
      TargetGroupArn: input.arn,
      TargetGroupName: input.name ?? nameFromArn(input.arn),
      Protocol: input.protocol ?? 'HTTP',
      Port: input.port ?? 80,
      TargetType: input.targetType ?? 'ip',
      LoadBalancerArns: input.loadBalancerArns ?? [],
    });
  }

  install(mock: AwsClientStub<ElasticLoadBalancingV2Client>): void {
    this.rejectUnsupported(mock);
    mock
      .on(DescribeTargetGroupsCommand)
      .callsFake((i: DescribeTargetGroupsCommandInput) => this.describeTargetGroups(i));
    mock
      .on(DescribeLoadBalancersCommand)
      .callsFake((i: DescribeLoadBalancersCommandInput) => this.describeLoadBalancers(i));
  }

  describeTargetGroups(input: DescribeTargetGroupsCommandInput): Promise<DescribeTargetGroupsCommandOutput> {
    return this.invoke('DescribeTargetGroups', input, (i) => {
      const filters = [i.LoadBalancerArn, i.TargetGroupArns, i.Names].filter((f) => f !== undefined);
      if (filters.length > 1) {
        throw elbv2Errors.validation('Only one of LoadBalancerArn, TargetGroupArns or Names can be specified');
      }
      let groups: TargetGroup[];
      if (i.TargetGroupArns !== undefined) {
        groups = i.TargetGroupArns.map((arn) => this.#targetGroups.get(arn)).filter((g) => g !== undefined);
        if (groups.length !== i.TargetGroupArns.length) throw elbv2Errors.targetGroupNotFound();
      } else if (i.Names !== undefined) {
        groups = [...this.#targetGroups.values()].filter((g) => i.Names?.includes(g.TargetGroupName ?? ''));
        if (groups.length !== i.Names.length) throw elbv2Errors.targetGroupNotFound();
      } else if (i.LoadBalancerArn !== undefined) {
        if (!this.#loadBalancers.has(i.LoadBalancerArn)) throw elbv2Errors.loadBalancerNotFound();
        groups = [...this.#targetGroups.values()].filter((g) => g.LoadBalancerArns?.includes(i.LoadBalancerArn ?? ''));
      } else {
        groups = [...this.#targetGroups.values()];
      }
      groups.sort((a, b) => compareAscii(a.TargetGroupArn ?? '', b.TargetGroupArn ?? ''));
      const page = pageAfter(
        groups,
        (g) => g.TargetGroupArn ?? '',
        i.Marker,
        this.#pageSize(i.PageSize),
        () => elbv2Errors.validation('Invalid marker'),
      );
      return { TargetGroups: page.items, ...(page.nextToken ? { NextMarker: page.nextToken } : {}) };
    });
  }

  describeLoadBalancers(input: DescribeLoadBalancersCommandInput): Promise<DescribeLoadBalancersCommandOutput> {
    return this.invoke('DescribeLoadBalancers', input, (i) => {
      if (i.LoadBalancerArns !== undefined && i.Names !== undefined) {
        throw elbv2Errors.validation('LoadBalancerArns and Names cannot be specified together');
      }
      if ((i.LoadBalancerArns?.length ?? 0) > 20) {
        throw elbv2Errors.validation('A maximum of 20 load balancer ARNs can be specified');
      }
      let balancers: LoadBalancer[];
      if (i.LoadBalancerArns !== undefined) {
        // One unknown ARN fails the whole call (aws-facts.md §5).
        balancers = i.LoadBalancerArns.map((arn) => this.#loadBalancers.get(arn)).filter((lb) => lb !== undefined);
        if (balancers.length !== i.LoadBalancerArns.length) throw elbv2Errors.loadBalancerNotFound();
      } else if (i.Names !== undefined) {
        balancers = [...this.#loadBalancers.values()].filter((lb) => i.Names?.includes(lb.LoadBalancerName ?? ''));
        if (balancers.length !== i.Names.length) throw elbv2Errors.loadBalancerNotFound();
      } else {
        balancers = [...this.#loadBalancers.values()];
      }
      balancers.sort((a, b) => compareAscii(a.LoadBalancerArn ?? '', b.LoadBalancerArn ?? ''));
      const page = pageAfter(
        balancers,
        (lb) => lb.LoadBalancerArn ?? '',
        i.Marker,
        this.#pageSize(i.PageSize),
        () => elbv2Errors.validation('Invalid marker'),
      );
      return { LoadBalancers: page.items, ...(page.nextToken ? { NextMarker: page.nextToken } : {}) };
    });
  }

  #pageSize(value: number | undefined): number {
    const size = value ?? 400;
    if (!Number.isInteger(size) || size < 1 || size > 400) throw elbv2Errors.validation('PageSize must be 1-400');
    return size;
  }
}
