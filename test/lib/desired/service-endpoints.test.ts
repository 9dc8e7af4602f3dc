import type { ServiceAliasSpec } from '../../../lib/config/service-tags';
import {
  chooseTarget,
  desiredForService,
  type LoadBalancerTarget,
  type TargetResolution,
} from '../../../lib/desired/service-endpoints';
import { decodeOwnershipValue } from '../../../lib/domain/service-ownership';
import { OWNER, PUBLIC_ZONE } from '../fixtures';

const ALB: LoadBalancerTarget = {
  arn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188',
  dnsName: 'Web-1234567890.us-east-1.ELB.amazonaws.com',
  canonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
  type: 'application',
  ipAddressType: 'ipv4',
};
const NLB_DUAL: LoadBalancerTarget = {
  arn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/grpc/9f1c73f0094f0515',
  dnsName: 'grpc-9f1c73f0094f0515.elb.us-east-1.amazonaws.com',
  canonicalHostedZoneId: 'Z26RNL4JYFTOTI',
  type: 'network',
  ipAddressType: 'dualstack',
};
const spec = (overrides: Partial<ServiceAliasSpec> = {}): ServiceAliasSpec => ({
  zoneId: PUBLIC_ZONE,
  zoneDomain: 'example.com.',
  fqdn: 'api.example.com.',
  ownershipName: 'api._ecs-registrar.example.com.',
  kind: 'alias',
  ttl: 60,
  evaluateTargetHealth: false,
  ...overrides,
});
const service = { clusterName: 'prod', serviceName: 'web-api' };

describe('desiredForService', () => {
  test('an ALB: one alias A to its DNS name with its canonical zone id, and the ownership record listing A', () => {
    // Act
    const records = desiredForService(service, spec(), ALB, OWNER, 300);

    // Assess
    expect(records).toEqual([
      {
        zoneId: PUBLIC_ZONE,
        name: 'api.example.com.',
        type: 'A',
        alias: {
          dnsName: 'web-1234567890.us-east-1.elb.amazonaws.com.',
          hostedZoneId: 'Z35SXDOTRQ7X7K',
          evaluateTargetHealth: false,
        },
      },
      {
        zoneId: PUBLIC_ZONE,
        name: 'api._ecs-registrar.example.com.',
        type: 'TXT',
        setIdentifier: 'ecs-registrar:prod-registrar:service/prod/web-api',
        multiValue: true,
        ttl: 300,
        values: ['"heritage=ecs-registrar,owner=prod-registrar,service=prod/web-api,types=A"'],
      },
    ]);
  });

  test('a dual-stack NLB: alias A and AAAA, both listed in the ownership record', () => {
    // Act
    const records = desiredForService(service, spec({ evaluateTargetHealth: true }), NLB_DUAL, OWNER, 60);

    // Assess
    expect(
      records.map((r) => [r.type, r.alias?.dnsName, r.alias?.hostedZoneId, r.alias?.evaluateTargetHealth]),
    ).toEqual([
      ['A', 'grpc-9f1c73f0094f0515.elb.us-east-1.amazonaws.com.', 'Z26RNL4JYFTOTI', true],
      ['AAAA', 'grpc-9f1c73f0094f0515.elb.us-east-1.amazonaws.com.', 'Z26RNL4JYFTOTI', true],
      ['TXT', undefined, undefined, undefined],
    ]);
    expect(decodeOwnershipValue(records[2]!.values![0]!)?.types).toEqual(['A', 'AAAA']);
  });

  test('dualstack-without-public-ipv4 also answers AAAA', () => {
    // Act
    const records = desiredForService(
      service,
      spec(),
      { ...ALB, ipAddressType: 'dualstack-without-public-ipv4' },
      OWNER,
      60,
    );

    // Assess
    expect(records.map((r) => r.type)).toEqual(['A', 'AAAA', 'TXT']);
  });

  test('alias records carry no TTL and no values (Route 53 rejects both on an alias)', () => {
    // Act
    const [a] = desiredForService(service, spec(), ALB, OWNER, 60);

    // Assess
    expect(a).not.toHaveProperty('ttl');
    expect(a).not.toHaveProperty('values');
  });

  test('alias-type=cname: a CNAME to the DNS name with the spec TTL, even for a dual-stack load balancer', () => {
    // Act
    const records = desiredForService(service, spec({ kind: 'cname', ttl: 120 }), NLB_DUAL, OWNER, 60);

    // Assess
    expect(records[0]).toEqual({
      zoneId: PUBLIC_ZONE,
      name: 'api.example.com.',
      type: 'CNAME',
      ttl: 120,
      values: ['grpc-9f1c73f0094f0515.elb.us-east-1.amazonaws.com.'],
    });
    expect(records).toHaveLength(2);
    expect(decodeOwnershipValue(records[1]!.values![0]!)?.types).toEqual(['CNAME']);
  });

  test('long cluster and service names: a hashed SetIdentifier within 128 characters, the names in a split TXT value', () => {
    // Prepare
    const long = { clusterName: 'c'.repeat(200), serviceName: 's'.repeat(200) };

    // Act
    const txt = desiredForService(long, spec(), ALB, OWNER, 60)[1]!;

    // Assess
    expect(txt.setIdentifier!.length).toBeLessThanOrEqual(128);
    expect(txt.setIdentifier).toMatch(/^ecs-registrar:prod-registrar:service\/#[0-9a-f]{32}$/);
    const strings = txt.values![0]!.match(/"[^"]*"/g)!;
    expect(strings.length).toBeGreaterThan(1);
    expect(strings.every((s) => s.length - 2 <= 255)).toBe(true);
    expect(decodeOwnershipValue(txt.values![0]!)).toEqual({ owner: OWNER, ...long, types: ['A'] });
  });
});

describe('chooseTarget', () => {
  const TG1 = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1';
  const TG2 = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/2';
  const resolved = (entries: [string, TargetResolution][]) => new Map(entries);

  test('no load balancer at all: nothing to point at (the service is skipped)', () => {
    // Act
    const choice = chooseTarget([], new Map());

    // Assess
    expect(choice).toEqual({ kind: 'none', reason: 'the service has no load balancer' });
  });

  test('a Classic Load Balancer is unsupported, with the reason', () => {
    // Act
    const choice = chooseTarget([{ loadBalancerName: 'legacy-elb' }], new Map());

    // Assess
    expect(choice).toEqual({
      kind: 'unsupported',
      reason:
        'Classic Load Balancer legacy-elb is not supported: only Application and Network Load Balancers (target groups) can be aliased',
    });
  });

  test('a gateway load balancer is unsupported', () => {
    // Act
    const choice = chooseTarget(
      [{ targetGroupArn: TG1 }],
      resolved([[TG1, { loadBalancer: { ...ALB, type: 'gateway' } }]]),
    );

    // Assess
    expect(choice.kind).toBe('unsupported');
  });

  test('an unresolvable target group is unsupported, with the ELB reason', () => {
    // Act
    const choice = chooseTarget([{ targetGroupArn: TG1 }], resolved([[TG1, { problem: 'target group gone' }]]));

    // Assess
    expect(choice).toEqual({ kind: 'unsupported', reason: 'target group gone' });
  });

  test('two target groups on one load balancer: that load balancer, no warning', () => {
    // Act
    const choice = chooseTarget(
      [{ targetGroupArn: TG1 }, { targetGroupArn: TG2 }],
      resolved([
        [TG1, { loadBalancer: ALB }],
        [TG2, { loadBalancer: ALB }],
      ]),
    );

    // Assess
    expect(choice).toEqual({ kind: 'target', loadBalancer: ALB, warnings: [] });
  });

  test('two load balancers: the first in the service order, and a warning naming both', () => {
    // Act
    const choice = chooseTarget(
      [{ targetGroupArn: TG2 }, { targetGroupArn: TG1 }],
      resolved([
        [TG1, { loadBalancer: ALB }],
        [TG2, { loadBalancer: NLB_DUAL }],
      ]),
    );

    // Assess
    expect(choice.kind === 'target' && choice.loadBalancer).toBe(NLB_DUAL);
    expect(choice.kind === 'target' && choice.warnings).toEqual([
      `the service is behind 2 load balancers (${NLB_DUAL.arn}, ${ALB.arn}); its records point at the first`,
    ]);
  });
});
