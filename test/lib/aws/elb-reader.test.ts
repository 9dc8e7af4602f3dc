import {
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  type LoadBalancer,
  LoadBalancerNotFoundException,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { ElbReader } from '../../../lib/aws/elb-reader';
import { AwsReadError } from '../../../lib/aws/errors';

const elb = mockClient(ElasticLoadBalancingV2Client);
const client = new ElasticLoadBalancingV2Client({ region: 'us-east-1' });

const tgArn = (n: number) =>
  `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg-${n}/${n.toString(16).padStart(16, '0')}`;
const lbArn = (n: number) =>
  `arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/lb-${n}/${n.toString(16).padStart(16, '0')}`;
const lb = (n: number, extra: Partial<LoadBalancer> = {}): LoadBalancer => ({
  LoadBalancerArn: lbArn(n),
  LoadBalancerName: `lb-${n}`,
  DNSName: `lb-${n}-123.us-east-1.elb.amazonaws.com`,
  CanonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
  Type: 'application',
  IpAddressType: 'ipv4',
  Scheme: 'internal',
  ...extra,
});

/** A tiny ELBv2 world answering by ARN, with AWS's "one unknown ARN fails the call" behaviour. */
function world(targetGroups: Record<string, string[]>, loadBalancers: LoadBalancer[]) {
  elb.on(DescribeTargetGroupsCommand).callsFake(async (input: { TargetGroupArns: string[] }) => {
    if (input.TargetGroupArns.some((a) => !(a in targetGroups))) {
      throw new TargetGroupNotFoundException({ $metadata: {}, message: 'One or more target groups not found' });
    }
    return {
      TargetGroups: input.TargetGroupArns.map((a) => ({ TargetGroupArn: a, LoadBalancerArns: targetGroups[a] })),
    };
  });
  elb.on(DescribeLoadBalancersCommand).callsFake(async (input: { LoadBalancerArns: string[] }) => {
    const found = input.LoadBalancerArns.map((a) => loadBalancers.find((l) => l.LoadBalancerArn === a));
    if (found.some((l) => !l)) {
      throw new LoadBalancerNotFoundException({ $metadata: {}, message: 'One or more load balancers not found' });
    }
    return { LoadBalancers: found as LoadBalancer[] };
  });
}

beforeEach(() => elb.reset());

describe('ElbReader', () => {
  test('target group -> load balancer in one DescribeTargetGroups and one DescribeLoadBalancers for the whole batch', async () => {
    // Prepare
    world({ [tgArn(1)]: [lbArn(1)], [tgArn(2)]: [lbArn(2)], [tgArn(3)]: [lbArn(1)] }, [
      lb(1),
      lb(2, { Type: 'network', IpAddressType: 'dualstack' }),
    ]);
    const reader = new ElbReader(client);

    // Act
    const resolved = await reader.resolve([tgArn(1), tgArn(2), tgArn(3)]);

    // Assess
    expect(elb).toHaveReceivedCommandTimes(DescribeTargetGroupsCommand, 1);
    expect(elb).toHaveReceivedCommandTimes(DescribeLoadBalancersCommand, 1);
    expect(elb).toHaveReceivedCommandWith(DescribeLoadBalancersCommand, { LoadBalancerArns: [lbArn(1), lbArn(2)] });
    expect(resolved.get(tgArn(2))).toEqual({
      targetGroupArn: tgArn(2),
      loadBalancer: {
        arn: lbArn(2),
        name: 'lb-2',
        dnsName: 'lb-2-123.us-east-1.elb.amazonaws.com',
        canonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
        type: 'network',
        ipAddressType: 'dualstack',
        scheme: 'internal',
      },
    });
    expect(resolved.get(tgArn(3))).toMatchObject({ loadBalancer: { arn: lbArn(1) } });
  });

  test('answers are cached for the life of the reader: asking again costs no call', async () => {
    // Prepare
    world({ [tgArn(1)]: [lbArn(1)] }, [lb(1)]);
    const reader = new ElbReader(client);
    await reader.resolve([tgArn(1)]);
    elb.resetHistory();

    // Act
    const again = await reader.resolve([tgArn(1)]);

    // Assess
    expect(elb.calls()).toHaveLength(0);
    expect(again.get(tgArn(1))).toMatchObject({ loadBalancer: { arn: lbArn(1) } });
  });

  test('at most 20 load balancers per DescribeLoadBalancers call', async () => {
    // Prepare: 25 target groups on 25 load balancers
    const n = Array.from({ length: 25 }, (_, i) => i + 1);
    world(
      Object.fromEntries(n.map((i) => [tgArn(i), [lbArn(i)]])),
      n.map((i) => lb(i)),
    );
    const reader = new ElbReader(client);

    // Act
    const resolved = await reader.resolve(n.map(tgArn));

    // Assess
    const lbCalls = elb.commandCalls(DescribeLoadBalancersCommand).map((c) => c.args[0].input.LoadBalancerArns!.length);
    expect(lbCalls).toEqual([20, 5]);
    const tgCalls = elb.commandCalls(DescribeTargetGroupsCommand).map((c) => c.args[0].input.TargetGroupArns!.length);
    expect(tgCalls).toEqual([20, 5]);
    expect([...resolved.values()].every((r) => 'loadBalancer' in r)).toBe(true);
  });

  test('a deleted load balancer fails the call; the others are asked one by one and still resolve', async () => {
    // Prepare: lb-2 is gone
    world({ [tgArn(1)]: [lbArn(1)], [tgArn(2)]: [lbArn(2)] }, [lb(1)]);
    const reader = new ElbReader(client);

    // Act
    const resolved = await reader.resolve([tgArn(1), tgArn(2)]);

    // Assess
    expect(resolved.get(tgArn(1))).toMatchObject({ loadBalancer: { arn: lbArn(1) } });
    expect(resolved.get(tgArn(2))).toEqual({
      targetGroupArn: tgArn(2),
      problem: `load balancer ${lbArn(2)} of target group ${tgArn(2)} does not exist`,
    });
    expect(elb).toHaveReceivedCommandTimes(DescribeLoadBalancersCommand, 3);
  });

  test('a deleted target group, and one no listener forwards to, are problems; the rest resolve', async () => {
    // Prepare
    world({ [tgArn(1)]: [lbArn(1)], [tgArn(3)]: [] }, [lb(1)]);
    const reader = new ElbReader(client);

    // Act
    const resolved = await reader.resolve([tgArn(1), tgArn(2), tgArn(3)]);

    // Assess
    expect(resolved.get(tgArn(1))).toMatchObject({ loadBalancer: { arn: lbArn(1) } });
    expect(resolved.get(tgArn(2))).toEqual({
      targetGroupArn: tgArn(2),
      problem: `target group ${tgArn(2)} does not exist`,
    });
    expect(resolved.get(tgArn(3))).toEqual({
      targetGroupArn: tgArn(3),
      problem: `target group ${tgArn(3)} is not attached to a load balancer (no listener or rule forwards to it)`,
    });
  });

  test('moto-style partial answers (no error, the unknown ARN simply absent) resolve the same way', async () => {
    // Prepare
    elb
      .on(DescribeTargetGroupsCommand)
      .resolves({ TargetGroups: [{ TargetGroupArn: tgArn(1), LoadBalancerArns: [lbArn(1)] }] });
    elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [lb(1)] });
    const reader = new ElbReader(client);

    // Act
    const resolved = await reader.resolve([tgArn(1), tgArn(2)]);

    // Assess
    expect(resolved.get(tgArn(1))).toMatchObject({ loadBalancer: { arn: lbArn(1) } });
    expect(resolved.get(tgArn(2))).toMatchObject({ problem: expect.stringContaining('does not exist') });
  });

  test('target group pages are followed (NextMarker)', async () => {
    // Prepare
    elb
      .on(DescribeTargetGroupsCommand)
      .resolvesOnce({ TargetGroups: [{ TargetGroupArn: tgArn(1), LoadBalancerArns: [lbArn(1)] }], NextMarker: 'm1' })
      .resolvesOnce({ TargetGroups: [{ TargetGroupArn: tgArn(2), LoadBalancerArns: [lbArn(1)] }] });
    elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [lb(1)] });
    const reader = new ElbReader(client);

    // Act
    const resolved = await reader.resolve([tgArn(1), tgArn(2)]);

    // Assess
    expect(elb).toHaveReceivedNthCommandWith(2, DescribeTargetGroupsCommand, { Marker: 'm1' });
    expect(resolved.get(tgArn(2))).toMatchObject({ loadBalancer: { arn: lbArn(1) } });
  });

  test('throttling is a failed read (retryable), never "no load balancer"', async () => {
    // Prepare
    elb
      .on(DescribeTargetGroupsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));
    const reader = new ElbReader(client);

    // Act
    const err = await reader.resolve([tgArn(1)]).catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(AwsReadError);
    expect((err as AwsReadError).operation).toBe('DescribeTargetGroups');
    expect((err as AwsReadError).retryable).toBe(true);
  });
});
