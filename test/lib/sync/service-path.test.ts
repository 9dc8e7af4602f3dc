import { EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeServicesCommand,
  type DescribeServicesCommandInput,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  type Service,
  type Task,
} from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { type ResourceRecordSet, Route53Client } from '@aws-sdk/client-route-53';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { mockClient } from 'aws-sdk-client-mock';
import type { Timing } from '../../../lib/aws/backoff';
import type { Settings } from '../../../lib/config/settings';
import { createEngineDeps } from '../../../lib/engine/deps';
import { clusterNameOf } from '../../../lib/events/arn';
import type { Log } from '../../../lib/observability/log';
import { type BatchReport, processEventBatch } from '../../../lib/sync/process-batch';
import { FakeElbv2 } from '../../../testkit/fake-elbv2';
import { FakeRoute53 } from '../../../testkit/fake-route53';
import { loadFixture, OWNER, PRIVATE_ZONE, PUBLIC_ZONE, testSettings } from '../fixtures';

/**
 * The service path of the sync function (processEventBatch) on CloudTrail Create/Update/DeleteService events: ECS
 * answered by a stub that holds the services' current state, ELBv2 and Route 53 by the project's semantics-faithful
 * fakes (atomic batches, InvalidChangeBatch on a CREATE of an existing record, CNAME rules).
 */

const ecsMock = mockClient(ECSClient);
const elbMock = mockClient(ElasticLoadBalancingV2Client);
const r53Mock = mockClient(Route53Client);
mockClient(EC2Client);
mockClient(ServiceDiscoveryClient);

const ACCOUNT = '123456789012';
const TG1 = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:targetgroup/web-api/6d0ecf831eec9f09`;
const TG2 = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:targetgroup/web-api-v2/0a1b2c3d4e5f6a7b`;
const TG_NLB = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:targetgroup/grpc-gw/73e2d6bc24d8a067`;
const ALB1 = {
  arn: `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:loadbalancer/app/web/50dc6c495c0c9188`,
  dnsName: 'internal-web-1234567890.us-east-1.elb.amazonaws.com',
  canonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
};
const ALB2 = {
  arn: `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:loadbalancer/app/web-v2/7a8b9c0d1e2f3a4b`,
  dnsName: 'internal-web-v2-987654321.us-east-1.elb.amazonaws.com',
  canonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
};
const NLB = {
  arn: `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:loadbalancer/net/grpc/9f1c73f0094f0515`,
  dnsName: 'grpc-9f1c73f0094f0515.elb.us-east-1.amazonaws.com',
  canonicalHostedZoneId: 'Z26RNL4JYFTOTI',
};

/** ECS as it is now: what DescribeServices answers, by `cluster/name`. */
const services = new Map<string, Service>();
function putService(s: {
  cluster: string;
  name: string;
  tags?: Record<string, string>;
  targetGroups?: string[];
  classic?: string;
  status?: string;
}): void {
  services.set(`${s.cluster}/${s.name}`, {
    serviceArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/${s.cluster}/${s.name}`,
    serviceName: s.name,
    clusterArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/${s.cluster}`,
    status: s.status ?? 'ACTIVE',
    loadBalancers: [
      ...(s.targetGroups ?? []).map((targetGroupArn) => ({
        targetGroupArn,
        containerName: 'web',
        containerPort: 8080,
      })),
      ...(s.classic ? [{ loadBalancerName: s.classic, containerName: 'web', containerPort: 8080 }] : []),
    ],
    tags: Object.entries(s.tags ?? {}).map(([key, value]) => ({ key, value })),
  });
}
const setStatus = (key: string, status: string) => {
  services.get(key)!.status = status;
};

let route53: FakeRoute53;
let elbv2: FakeElbv2;
let log: Log & { lines: { level: string; message: string; extra: Record<string, unknown> }[] };

function virtualTiming(start: number): Timing {
  let now = start;
  return {
    now: () => now,
    random: () => 0.5,
    sleep: async (ms) => {
      now += ms;
    },
  };
}

function installElb(withLoadBalancers: boolean): void {
  elbMock.reset();
  elbv2 = new FakeElbv2();
  if (withLoadBalancers) {
    elbv2.addLoadBalancer({ ...ALB1, type: 'application' });
    elbv2.addLoadBalancer({ ...ALB2, type: 'application' });
    elbv2.addLoadBalancer({ ...NLB, type: 'network', ipAddressType: 'dualstack' });
    elbv2.addTargetGroup({ arn: TG1, loadBalancerArns: [ALB1.arn] });
    elbv2.addTargetGroup({ arn: TG2, loadBalancerArns: [ALB2.arn] });
    elbv2.addTargetGroup({ arn: TG_NLB, loadBalancerArns: [NLB.arn] });
  }
  elbv2.install(elbMock);
}

beforeEach(() => {
  ecsMock.reset();
  r53Mock.reset();
  services.clear();
  ecsMock.on(DescribeServicesCommand).callsFake(async (input: DescribeServicesCommandInput) => {
    const cluster = clusterNameOf(input.cluster ?? 'default');
    const found: Service[] = [];
    const failures = [];
    for (const name of input.services ?? []) {
      const s = services.get(`${cluster}/${name}`);
      if (s)
        found.push(input.include?.includes('TAGS') ? structuredClone(s) : { ...structuredClone(s), tags: undefined });
      else failures.push({ arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/${cluster}/${name}`, reason: 'MISSING' });
    }
    return { services: found, failures };
  });
  route53 = new FakeRoute53();
  route53.addZone({ id: PRIVATE_ZONE, name: 'internal.example.com', private: true });
  route53.addZone({ id: PUBLIC_ZONE, name: 'example.com' });
  for (const lb of [ALB1, ALB2, NLB])
    route53.addAliasTarget({ hostedZoneId: lb.canonicalHostedZoneId, dnsName: lb.dnsName });
  route53.install(r53Mock);
  installElb(true);
  const lines: { level: string; message: string; extra: Record<string, unknown> }[] = [];
  const record =
    (level: string) =>
    (message: string, ...extra: Record<string, unknown>[]) =>
      lines.push({ level, message, extra: Object.assign({}, ...extra) });
  log = { lines, debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
});

function deps(settings: Partial<Settings> = {}) {
  return createEngineDeps({
    settings: testSettings(settings),
    clients: {
      ecs: new ECSClient({ region: 'us-east-1' }),
      ec2: new EC2Client({ region: 'us-east-1' }),
      elbv2: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
      route53: new Route53Client({ region: 'us-east-1' }),
      serviceDiscovery: new ServiceDiscoveryClient({ region: 'us-east-1' }),
    },
    log,
    // Virtual time well after the fixtures' events.
    timing: virtualTiming(Date.parse('2025-07-01T00:00:00Z')),
  });
}

type Deps = ReturnType<typeof deps>;
const fixture = (name: string) => loadFixture(`cloudtrail/${name}.json`);
const run = (d: Deps, ...names: string[]): Promise<BatchReport> =>
  processEventBatch(
    names.map((n, i) => ({ id: `m${i + 1}`, body: JSON.stringify(fixture(n)) })),
    d,
  );
const records = (zoneId: string): ResourceRecordSet[] =>
  route53.records(zoneId).filter((r) => r.Type !== 'SOA' && r.Type !== 'NS');
const at = (zoneId: string, name: string) => records(zoneId).filter((r) => r.Name === name);
const statuses = (r: BatchReport) => r.items.map((i) => i.status);
const writes = () => route53.callCount('ChangeResourceRecordSets');
const ownershipValue = (cluster: string, service: string, types: string) =>
  `"heritage=ecs-registrar,owner=${OWNER},service=${cluster}/${service},types=${types}"`;

/** The world after CreateService of prod/web-api (tag alias=api) behind ALB1, registered. */
async function registeredWebApi(d: Deps, tags: Record<string, string> = { 'ecs-registrar:alias': 'api' }) {
  putService({ cluster: 'prod', name: 'web-api', tags, targetGroups: [TG1] });
  const report = await run(d, 'create-service-alb');
  expect(statuses(report)).toEqual(['applied']);
  route53.calls.length = 0;
  elbv2.calls.length = 0;
  ecsMock.resetHistory();
}

describe('service path: CreateService', () => {
  test('with an ALB: an alias A at the tagged name to the ALB, with its canonical zone id, and the ownership record', async () => {
    // Prepare
    putService({
      cluster: 'prod',
      name: 'web-api',
      tags: { 'ecs-registrar:alias': 'api', team: 'payments' },
      targetGroups: [TG1],
    });
    const d = deps();

    // Act
    const report = await run(d, 'create-service-alb');

    // Assess
    expect(report.items).toEqual([{ id: 'm1', status: 'applied', subject: 'service:prod/web-api', reason: undefined }]);
    expect(report.retry).toEqual([]);
    expect(at(PRIVATE_ZONE, 'api.internal.example.com.')).toEqual([
      {
        Name: 'api.internal.example.com.',
        Type: 'A',
        AliasTarget: {
          DNSName: 'internal-web-1234567890.us-east-1.elb.amazonaws.com.',
          HostedZoneId: 'Z35SXDOTRQ7X7K',
          EvaluateTargetHealth: false,
        },
      },
    ]);
    expect(at(PRIVATE_ZONE, 'api._ecs-registrar.internal.example.com.')).toEqual([
      {
        Name: 'api._ecs-registrar.internal.example.com.',
        Type: 'TXT',
        SetIdentifier: `ecs-registrar:${OWNER}:service/prod/web-api`,
        MultiValueAnswer: true,
        TTL: 60,
        ResourceRecords: [{ Value: ownershipValue('prod', 'web-api', 'A') }],
      },
    ]);
    expect(records(PUBLIC_ZONE)).toEqual([]);
    expect(ecsMock).toHaveReceivedCommandWith(DescribeServicesCommand, {
      cluster: 'prod',
      services: ['web-api'],
      include: ['TAGS'],
    });
  });

  test('costs one DescribeServices, one DescribeTargetGroups, one DescribeLoadBalancers and one write; a duplicate writes nothing', async () => {
    // Prepare
    putService({ cluster: 'prod', name: 'web-api', tags: { 'ecs-registrar:alias': 'api' }, targetGroups: [TG1] });
    const d = deps();

    // Act
    await run(d, 'create-service-alb');
    const first = {
      ecs: ecsMock.commandCalls(DescribeServicesCommand).length,
      elb: { tg: elbv2.callCount('DescribeTargetGroups'), lb: elbv2.callCount('DescribeLoadBalancers') },
      route53: {
        list: route53.callCount('ListResourceRecordSets'),
        change: route53.callCount('ChangeResourceRecordSets'),
        zone: route53.callCount('GetHostedZone'),
      },
    };
    route53.calls.length = 0;
    const again = await run(d, 'create-service-alb');

    // Assess: two zones configured: one ownership read per zone, one read at the alias name
    expect(first).toEqual({ ecs: 1, elb: { tg: 1, lb: 1 }, route53: { list: 3, change: 1, zone: 2 } });
    expect(statuses(again)).toEqual(['unchanged']);
    expect(writes()).toBe(0);
  });

  test('with a dual-stack NLB: alias A and AAAA at an absolute name in the tagged zone, both listed as owned', async () => {
    // Prepare
    putService({
      cluster: 'edge',
      name: 'grpc-gateway',
      tags: { 'ecs-registrar:alias': 'grpc.example.com.', 'ecs-registrar:alias-zone': PUBLIC_ZONE },
      targetGroups: [TG_NLB],
    });

    // Act
    const report = await run(deps(), 'create-service-nlb-dualstack');

    // Assess
    expect(statuses(report)).toEqual(['applied']);
    const alias = { DNSName: `${NLB.dnsName}.`, HostedZoneId: NLB.canonicalHostedZoneId, EvaluateTargetHealth: false };
    expect(at(PUBLIC_ZONE, 'grpc.example.com.')).toEqual([
      { Name: 'grpc.example.com.', Type: 'A', AliasTarget: alias },
      { Name: 'grpc.example.com.', Type: 'AAAA', AliasTarget: alias },
    ]);
    expect(at(PUBLIC_ZONE, 'grpc._ecs-registrar.example.com.')[0]?.ResourceRecords).toEqual([
      { Value: ownershipValue('edge', 'grpc-gateway', 'A,AAAA') },
    ]);
    expect(records(PRIVATE_ZONE)).toEqual([]);
  });

  test('with no load balancer: skipped with a debug line, no ELBv2 call, no write', async () => {
    // Prepare
    putService({ cluster: 'prod', name: 'worker', tags: { 'ecs-registrar:alias': 'worker' } });

    // Act
    const report = await run(deps(), 'create-service-no-load-balancer');

    // Assess
    expect(report.items).toEqual([
      { id: 'm1', status: 'ignored', subject: 'service:prod/worker', reason: 'the service has no load balancer' },
    ]);
    expect(elbv2.calls).toEqual([]);
    expect(writes()).toBe(0);
    expect(log.lines).toContainEqual({
      level: 'debug',
      message: 'service has no records to register',
      extra: { subject: 'service:prod/worker', reason: 'the service has no load balancer' },
    });
  });

  test('an unknown registrar tag is a logged warning, not a problem; the alias is still written', async () => {
    // Prepare
    putService({
      cluster: 'prod',
      name: 'web-api',
      tags: { 'ecs-registrar:alias': 'api', 'ecs-registrar:ttl': '30' },
      targetGroups: [TG1],
    });

    // Act
    const report = await run(deps(), 'create-service-alb');

    // Assess
    expect(statuses(report)).toEqual(['applied']);
    expect(report.problems).toEqual([]);
    expect(log.lines).toContainEqual({
      level: 'warn',
      message: 'service tag warning',
      extra: { subject: 'service:prod/web-api', warning: expect.stringContaining('unknown tag ecs-registrar:ttl') },
    });
  });

  test('a failed call (errorCode) is ignored without a single AWS call', async () => {
    // Act
    const report = await run(deps(), 'create-service-failed');

    // Assess
    expect(statuses(report)).toEqual(['ignored']);
    expect(report.items[0]?.reason).toContain('InvalidParameterException');
    expect(ecsMock.calls()).toHaveLength(0);
    expect(route53.calls).toHaveLength(0);
  });

  test('alias-type=cname: a CNAME to the load balancer DNS name with the tagged TTL, and its ownership record', async () => {
    // Prepare
    putService({
      cluster: 'prod',
      name: 'web-api',
      tags: { 'ecs-registrar:alias': 'api', 'ecs-registrar:alias-type': 'cname', 'ecs-registrar:alias-ttl': '120' },
      targetGroups: [TG1],
    });

    // Act
    const report = await run(deps(), 'create-service-alb');

    // Assess
    expect(statuses(report)).toEqual(['applied']);
    expect(at(PRIVATE_ZONE, 'api.internal.example.com.')).toEqual([
      { Name: 'api.internal.example.com.', Type: 'CNAME', TTL: 120, ResourceRecords: [{ Value: `${ALB1.dnsName}.` }] },
    ]);
    expect(at(PRIVATE_ZONE, 'api._ecs-registrar.internal.example.com.')[0]?.ResourceRecords).toEqual([
      { Value: ownershipValue('prod', 'web-api', 'CNAME') },
    ]);
  });

  test('an unowned record at the name is left alone and reported; nothing is written there', async () => {
    // Prepare
    const foreign: ResourceRecordSet = {
      Name: 'api.internal.example.com.',
      Type: 'A',
      TTL: 300,
      ResourceRecords: [{ Value: '192.0.2.10' }],
    };
    route53.putRecordDirect(PRIVATE_ZONE, foreign);
    putService({ cluster: 'prod', name: 'web-api', tags: { 'ecs-registrar:alias': 'api' }, targetGroups: [TG1] });

    // Act
    const report = await run(deps(), 'create-service-alb');

    // Assess
    expect(statuses(report)).toEqual(['conflict']);
    expect(report.retry).toEqual([]);
    expect(report.conflicts).toEqual([
      {
        provider: 'route53',
        key: `${PRIVATE_ZONE}|api.internal.example.com.|A|`,
        subject: 'service:prod/web-api',
        reason: 'a record with this name, type and set identifier exists and is not owned by this registrar',
      },
    ]);
    expect(records(PRIVATE_ZONE)).toEqual([foreign]);
    expect(writes()).toBe(0);
  });

  test('a Classic load balancer is reported as unsupported (invalid, not retried), never a crash', async () => {
    // Prepare
    putService({ cluster: 'prod', name: 'web-api', tags: { 'ecs-registrar:alias': 'api' }, classic: 'legacy-elb' });

    // Act
    const report = await run(deps(), 'create-service-alb');

    // Assess
    expect(statuses(report)).toEqual(['invalid']);
    expect(report.items[0]?.reason).toBe(
      'Classic Load Balancer legacy-elb is not supported: only Application and Network Load Balancers (target groups) can be aliased',
    );
    expect(report.problems).toContainEqual({ subject: 'service:prod/web-api', message: report.items[0]?.reason });
    expect(report.retry).toEqual([]);
    expect(writes()).toBe(0);
  });

  test('a tag naming a zone the stack may not write is a clear error; nothing is written', async () => {
    // Prepare
    putService({
      cluster: 'prod',
      name: 'web-api',
      tags: { 'ecs-registrar:alias': 'api', 'ecs-registrar:alias-zone': 'Z0SOMEONEELSE' },
      targetGroups: [TG1],
    });

    // Act
    const report = await run(deps(), 'create-service-alb');

    // Assess
    expect(statuses(report)).toEqual(['invalid']);
    expect(report.problems).toEqual([
      {
        subject: 'service:prod/web-api',
        message: `tag ecs-registrar:alias-zone="Z0SOMEONEELSE": zone Z0SOMEONEELSE is not one this stack may write (REGISTRAR_HOSTED_ZONE_IDS: ${PRIVATE_ZONE}, ${PUBLIC_ZONE})`,
      },
    ]);
    expect(elbv2.calls).toEqual([]);
    expect(writes()).toBe(0);
  });

  test('a service of a cluster outside REGISTRAR_CLUSTERS is ignored without an AWS call', async () => {
    // Act
    const report = await run(deps({ clusters: ['staging'] }), 'create-service-alb');

    // Assess
    expect(report.items).toEqual([
      {
        id: 'm1',
        status: 'ignored',
        subject: 'service:prod/web-api',
        reason: 'cluster prod is not in REGISTRAR_CLUSTERS',
      },
    ]);
    expect(ecsMock.calls()).toHaveLength(0);
  });

  test('a failed ELBv2 read is retried (batchItemFailures) and writes nothing', async () => {
    // Prepare
    putService({ cluster: 'prod', name: 'web-api', tags: { 'ecs-registrar:alias': 'api' }, targetGroups: [TG1] });
    elbv2.injectFault((op) =>
      op === 'DescribeTargetGroups'
        ? Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } })
        : undefined,
    );

    // Act
    const report = await run(deps(), 'create-service-alb');

    // Assess
    expect(statuses(report)).toEqual(['retry']);
    expect(report.retry).toEqual(['m1']);
    expect(writes()).toBe(0);
  });
});

describe('service path beside the task path', () => {
  test('a batch with a task event and a service event writes their zone once, and both are applied', async () => {
    // Prepare: a RUNNING Fargate task labelled ecs-registrar.name=web, and the tagged service
    const taskEvent = loadFixture('events/fargate-running.json') as { detail: Record<string, unknown> };
    const task = structuredClone(taskEvent.detail) as { attachments: { type: string }[] };
    for (const a of task.attachments) a.type = 'ElasticNetworkInterface';
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [task as Task], failures: [] });
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: {
        taskDefinitionArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/web:5`,
        family: 'web',
        networkMode: 'awsvpc',
        containerDefinitions: [
          {
            name: 'web',
            dockerLabels: { 'ecs-registrar.name': 'web' },
            portMappings: [{ containerPort: 8080, protocol: 'tcp', name: 'http' }],
          },
        ],
      },
    });
    putService({ cluster: 'prod', name: 'web-api', tags: { 'ecs-registrar:alias': 'api' }, targetGroups: [TG1] });

    // Act
    const report = await processEventBatch(
      [
        { id: 'task', body: JSON.stringify(taskEvent) },
        { id: 'service', body: JSON.stringify(fixture('create-service-alb')) },
      ],
      deps(),
    );

    // Assess
    expect(report.items.map((i) => [i.id, i.status])).toEqual([
      ['task', 'applied'],
      ['service', 'applied'],
    ]);
    expect(writes()).toBe(1);
    expect(records(PRIVATE_ZONE).map((r) => `${r.Name} ${r.Type}`)).toEqual(
      expect.arrayContaining([
        'web.internal.example.com. A',
        '_web._tcp.internal.example.com. SRV',
        'api.internal.example.com. A',
        'api._ecs-registrar.internal.example.com. TXT',
      ]),
    );
  });
});

describe('service path: failed reads', () => {
  test.each([
    ['DescribeServices', () => ecsMock.on(DescribeServicesCommand).rejects(throttle())],
    ['GetHostedZone', () => route53.injectFault((op) => (op === 'GetHostedZone' ? throttle() : undefined))],
    [
      'ListResourceRecordSets',
      () => route53.injectFault((op) => (op === 'ListResourceRecordSets' ? throttle() : undefined)),
    ],
  ])('a failed %s is retried (batchItemFailures), never read as "nothing there"', async (_op, inject) => {
    // Prepare
    putService({ cluster: 'prod', name: 'web-api', tags: { 'ecs-registrar:alias': 'api' }, targetGroups: [TG1] });
    inject();

    // Act
    const report = await run(deps(), 'create-service-alb');

    // Assess
    expect(statuses(report)).toEqual(['retry']);
    expect(report.retry).toEqual(['m1']);
    expect(writes()).toBe(0);
  });
});

function throttle(): Error {
  return Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });
}

describe('service path: UpdateService', () => {
  test('a new target group on another load balancer: the alias is replaced in one atomic request, ownership unchanged', async () => {
    // Prepare
    const d = deps();
    await registeredWebApi(d);
    putService({ cluster: 'prod', name: 'web-api', tags: { 'ecs-registrar:alias': 'api' }, targetGroups: [TG2] });

    // Act
    const report = await run(d, 'update-service-target-group');

    // Assess
    expect(statuses(report)).toEqual(['applied']);
    expect(at(PRIVATE_ZONE, 'api.internal.example.com.').map((r) => r.AliasTarget?.DNSName)).toEqual([
      `${ALB2.dnsName}.`,
    ]);
    expect(writes()).toBe(1);
    expect(at(PRIVATE_ZONE, 'api._ecs-registrar.internal.example.com.')).toHaveLength(1);
    expect(report.changes.map((c) => `${c.action} ${c.key}`)).toEqual([
      `UPDATE ${PRIVATE_ZONE}|api.internal.example.com.|A|`,
    ]);
  });

  test('the tag removed (UntagResource, then UpdateService): the owned alias and its ownership record are deleted', async () => {
    // Prepare
    const d = deps();
    await registeredWebApi(d);
    putService({ cluster: 'prod', name: 'web-api', tags: { team: 'payments' }, targetGroups: [TG1] });

    // Act
    const report = await run(d, 'update-service-tag-removed');

    // Assess
    expect(statuses(report)).toEqual(['applied']);
    expect(records(PRIVATE_ZONE)).toEqual([]);
    expect(writes()).toBe(1);
    expect(elbv2.calls).toEqual([]);
  });

  test('a renamed alias: the old name (found through its ownership record) is deleted, the new one created', async () => {
    // Prepare
    const d = deps();
    await registeredWebApi(d);
    putService({ cluster: 'prod', name: 'web-api', tags: { 'ecs-registrar:alias': 'api-v2' }, targetGroups: [TG1] });

    // Act
    const report = await run(d, 'update-service-tag-removed');

    // Assess
    expect(statuses(report)).toEqual(['applied']);
    expect(
      records(PRIVATE_ZONE)
        .map((r) => `${r.Name} ${r.Type}`)
        .sort(),
    ).toEqual(['api-v2._ecs-registrar.internal.example.com. TXT', 'api-v2.internal.example.com. A']);
  });

  test('a move to another zone: the old zone is cleaned, the new zone written', async () => {
    // Prepare
    const d = deps();
    await registeredWebApi(d);
    putService({
      cluster: 'prod',
      name: 'web-api',
      tags: { 'ecs-registrar:alias': 'api', 'ecs-registrar:alias-zone': PUBLIC_ZONE },
      targetGroups: [TG1],
    });

    // Act
    const report = await run(d, 'update-service-tag-removed');

    // Assess
    expect(statuses(report)).toEqual(['applied']);
    expect(records(PRIVATE_ZONE)).toEqual([]);
    expect(
      records(PUBLIC_ZONE)
        .map((r) => `${r.Name} ${r.Type}`)
        .sort(),
    ).toEqual(['api._ecs-registrar.example.com. TXT', 'api.example.com. A']);
  });

  test('an unowned record beside the owned ones survives a rename untouched', async () => {
    // Prepare
    const d = deps();
    await registeredWebApi(d);
    const foreign: ResourceRecordSet = {
      Name: 'api.internal.example.com.',
      Type: 'TXT',
      TTL: 300,
      ResourceRecords: [{ Value: '"owned by the payments team"' }],
    };
    route53.putRecordDirect(PRIVATE_ZONE, foreign);
    putService({ cluster: 'prod', name: 'web-api', tags: { 'ecs-registrar:alias': 'api-v2' }, targetGroups: [TG1] });

    // Act
    await run(d, 'update-service-tag-removed');

    // Assess
    expect(at(PRIVATE_ZONE, 'api.internal.example.com.')).toEqual([foreign]);
  });
});

describe('service path: DeleteService', () => {
  test('with a cluster ARN: the alias and its ownership record are deleted', async () => {
    // Prepare
    const d = deps();
    await registeredWebApi(d);
    setStatus('prod/web-api', 'DRAINING');

    // Act
    const report = await run(d, 'delete-service-cluster-arn');

    // Assess
    expect(statuses(report)).toEqual(['applied']);
    expect(records(PRIVATE_ZONE)).toEqual([]);
    expect(ecsMock).toHaveReceivedCommandWith(DescribeServicesCommand, { cluster: 'prod', services: ['web-api'] });
  });

  test('in the default cluster (no cluster parameter): the default cluster is asked, and its service cleaned', async () => {
    // Prepare: legacy-admin of the default cluster registered as a CNAME in the public zone
    const d = deps();
    putService({
      cluster: 'default',
      name: 'legacy-admin',
      tags: {
        'ecs-registrar:alias': 'admin',
        'ecs-registrar:alias-zone': PUBLIC_ZONE,
        'ecs-registrar:alias-type': 'cname',
      },
      targetGroups: [TG1],
    });
    const create = fixture('create-service-alb') as {
      detail: { requestParameters: Record<string, unknown>; responseElements?: unknown };
    };
    create.detail.requestParameters = { serviceName: 'legacy-admin', taskDefinition: 'admin:1' };
    delete create.detail.responseElements;
    const created = await processEventBatch([{ id: 'c1', body: create }], d);
    expect(statuses(created)).toEqual(['applied']);
    expect(at(PUBLIC_ZONE, 'admin.example.com.').map((r) => r.Type)).toEqual(['CNAME']);
    setStatus('default/legacy-admin', 'INACTIVE');

    // Act
    const report = await run(d, 'delete-service-default-cluster');

    // Assess
    expect(statuses(report)).toEqual(['applied']);
    expect(records(PUBLIC_ZONE)).toEqual([]);
    expect(ecsMock).toHaveReceivedCommandWith(DescribeServicesCommand, {
      cluster: 'default',
      services: ['legacy-admin'],
    });
  });

  test('after the load balancer was deleted: the records are deleted as recorded, without asking ELBv2', async () => {
    // Prepare: registered, then the load balancer and target group disappear and the service is deleted
    const d = deps();
    await registeredWebApi(d);
    installElb(false);
    services.delete('prod/web-api');

    // Act
    const report = await run(d, 'delete-service-load-balancer-gone');

    // Assess
    expect(statuses(report)).toEqual(['applied']);
    expect(records(PRIVATE_ZONE)).toEqual([]);
    expect(elbv2.calls).toEqual([]);
  });

  test('a DeleteService that arrives after the service was created again does not delete its records', async () => {
    // Prepare: ECS says the service is ACTIVE (re-created since the delete)
    const d = deps();
    await registeredWebApi(d);

    // Act
    const report = await run(d, 'delete-service-cluster-arn');

    // Assess
    expect(statuses(report)).toEqual(['unchanged']);
    expect(at(PRIVATE_ZONE, 'api.internal.example.com.')).toHaveLength(1);
    expect(writes()).toBe(0);
  });

  test('a DeleteService of a service that never had records changes nothing', async () => {
    // Act
    const report = await run(deps(), 'delete-service-default-cluster');

    // Assess
    expect(statuses(report)).toEqual(['unchanged']);
    expect(writes()).toBe(0);
  });

  test('several calls for one service in a batch collapse to the latest (eventTime): Create then Delete deletes', async () => {
    // Prepare
    const d = deps();
    await registeredWebApi(d);
    setStatus('prod/web-api', 'DRAINING');

    // Act: the Delete (later eventTime) is listed first
    const report = await run(d, 'delete-service-cluster-arn', 'create-service-alb');

    // Assess
    expect(report.items).toEqual([
      expect.objectContaining({
        id: 'm2',
        status: 'stale',
        reason: 'superseded by a later DeleteService in the same batch',
      }),
      expect.objectContaining({ id: 'm1', status: 'applied' }),
    ]);
    expect(ecsMock.commandCalls(DescribeServicesCommand)).toHaveLength(1);
    expect(records(PRIVATE_ZONE)).toEqual([]);
  });
});

describe('service path: input hygiene (issue 9.7)', () => {
  test('a CreateService call dated in the future for a service ECS does not know is settled as invalid, not retried', async () => {
    // Prepare: the service was never created (DescribeServices answers MISSING); the call claims tomorrow
    const call = fixture('create-service-alb') as { time: string; detail: { eventTime: string } };
    const d = deps();
    const tomorrow = new Date(d.now() + 24 * 3600 * 1000).toISOString();
    call.time = tomorrow;
    call.detail.eventTime = tomorrow;

    // Act
    const report = await processEventBatch([{ id: 'm1', body: JSON.stringify(call) }], d);

    // Assess
    expect(statuses(report)).toEqual(['invalid']);
    expect(report.items[0]?.reason).toMatch(/in the future, and ECS does not know the service/);
    expect(report.retry).toEqual([]);
    expect(writes()).toBe(0);
  });

  test('the same call dated now is retried while ECS may not show the service yet', async () => {
    // Prepare
    const call = fixture('create-service-alb') as { time: string; detail: { eventTime: string } };
    const d = deps();
    call.detail.eventTime = new Date(d.now()).toISOString();

    // Act
    const report = await processEventBatch([{ id: 'm1', body: JSON.stringify(call) }], d);

    // Assess
    expect(report.retry).toEqual(['m1']);
  });
});
