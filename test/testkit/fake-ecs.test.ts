import {
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  EC2Client,
  EC2ServiceException,
} from '@aws-sdk/client-ec2';
import {
  ClusterNotFoundException,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ECSServiceException,
  InvalidParameterException,
  ListServicesCommand,
  ListTasksCommand,
  type ListTasksCommandInput,
  ServiceNotFoundException,
} from '@aws-sdk/client-ecs';
import {
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  LoadBalancerNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { ecsErrors } from '../../testkit/aws-errors';
import { FakeEc2 } from '../../testkit/fake-ec2';
import { type EcsTaskStateChangeEvent, FakeEcs } from '../../testkit/fake-ecs';
import { FakeElbv2 } from '../../testkit/fake-elbv2';

const ecsMock = mockClient(ECSClient);
const ecs = new ECSClient({ region: 'us-east-1' });
let fake: FakeEcs;

beforeEach(() => {
  ecsMock.reset();
  fake = new FakeEcs();
  fake.install(ecsMock);
  fake.addCluster('prod');
  fake.registerTaskDefinition({
    family: 'web',
    networkMode: 'awsvpc',
    containerDefinitions: [{ name: 'web', image: 'web:1', portMappings: [{ containerPort: 8080 }] }],
  });
  fake.registerTaskDefinition({
    family: 'api',
    networkMode: 'bridge',
    containerDefinitions: [{ name: 'api', image: 'api:1', portMappings: [{ containerPort: 8080 }] }],
  });
  fake.createService({
    cluster: 'prod',
    name: 'web',
    taskDefinition: 'web',
    tags: [{ key: 'dns:name', value: 'web.example.com' }],
  });
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error('expected the call to be rejected');
}

const runWeb = (n = 1) =>
  fake.runTask({
    cluster: 'prod',
    taskDefinition: 'web',
    group: 'service:web',
    networking: { privateIpv4: `10.0.1.${n}`, eniId: 'eni-0103a2f01bad57d71' },
  });
const eventsOf = (taskArn: string): EcsTaskStateChangeEvent[] =>
  fake.events.filter((e) => e.detail.taskArn === taskArn);
const detail = (e: EcsTaskStateChangeEvent, name: string) =>
  e.detail.attachments[0]?.details.find((d) => d.name === name)?.value;

describe('task lifecycle and events', () => {
  it('walks an awsvpc task through every status with strictly increasing versions, stop requested first', () => {
    // Prepare
    const arn = runWeb();

    // Act
    for (let i = 0; i < 3; i++) fake.advance(arn);
    fake.stopTask(arn);

    // Assess
    const events = eventsOf(arn);
    expect(events.map((e) => `${e.detail.lastStatus}/${e.detail.desiredStatus}`)).toEqual([
      'PROVISIONING/RUNNING',
      'PENDING/RUNNING',
      'ACTIVATING/RUNNING',
      'RUNNING/RUNNING',
      'RUNNING/STOPPED',
      'DEACTIVATING/STOPPED',
      'STOPPING/STOPPED',
      'DEPROVISIONING/STOPPED',
      'STOPPED/STOPPED',
    ]);
    const versions = events.map((e) => e.detail.version);
    expect(versions.every((v, i) => i === 0 || v > (versions[i - 1] ?? Number.POSITIVE_INFINITY))).toBe(true);
    expect(events.at(-1)?.detail).toMatchObject({ stopCode: 'ServiceSchedulerInitiated', group: 'service:web' });
  });

  it('shapes events like EventBridge delivers them: envelope, eni attachment, ISO timestamps', () => {
    // Prepare
    const arn = runWeb(163);

    // Act
    fake.setStatus(arn, 'RUNNING');
    const [provisioning, running] = eventsOf(arn);

    // Assess
    expect(running).toMatchObject({
      version: '0',
      'detail-type': 'ECS Task State Change',
      source: 'aws.ecs',
      account: '123456789012',
      region: 'us-east-1',
      resources: [arn],
      detail: {
        clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod',
        taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1',
        launchType: 'FARGATE',
        startedBy: expect.stringMatching(/^ecs-svc\/\d{19}$/),
        attachments: [{ type: 'eni', status: 'ATTACHED' }],
        containers: [{ name: 'web', lastStatus: 'RUNNING', networkInterfaces: [{ privateIpv4Address: '10.0.1.163' }] }],
      },
    });
    expect(running?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(running?.detail.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(running && detail(running, 'privateIPv4Address')).toBe('10.0.1.163');
    expect(running && detail(running, 'networkInterfaceId')).toBe('eni-0103a2f01bad57d71');
    expect(running?.detail.containers[0]).not.toHaveProperty('networkBindings');
    // The ENI has no address yet while it is being provisioned.
    expect(provisioning?.detail.attachments[0]?.status).toBe('PRECREATED');
    expect(provisioning && detail(provisioning, 'privateIPv4Address')).toBeUndefined();
  });

  it('gives bridge tasks network bindings while their container runs, and no ENI', () => {
    // Prepare
    const instanceArn = fake.addContainerInstance({ cluster: 'prod', ec2InstanceId: 'i-0123456789abcdef0' });
    const arn = fake.runTask({
      cluster: 'prod',
      taskDefinition: 'api',
      networking: {
        containerInstanceArn: instanceArn,
        networkBindings: [{ bindIP: '0.0.0.0', containerPort: 8080, hostPort: 32768, protocol: 'tcp' }],
      },
    });

    // Act
    fake.setStatus(arn, 'RUNNING');
    fake.stopTask(arn);

    // Assess
    const events = eventsOf(arn);
    expect(events.map((e) => e.detail.lastStatus)).toEqual([
      'PENDING',
      'RUNNING',
      'RUNNING',
      'DEACTIVATING',
      'STOPPING',
      'STOPPED',
    ]);
    expect(events[1]?.detail).toMatchObject({
      launchType: 'EC2',
      group: 'family:api',
      containerInstanceArn: instanceArn,
      attachments: [],
      containers: [{ networkBindings: [{ containerPort: 8080, hostPort: 32768, protocol: 'tcp' }] }],
    });
    expect(events.at(-1)?.detail.containers[0]).not.toHaveProperty('networkBindings');
  });

  it('uses 32-hex task ids, long ARNs by default and the old format on request', () => {
    // Prepare
    const old = new FakeEcs({ arnFormat: 'short' });
    old.registerTaskDefinition({ family: 'web', networkMode: 'awsvpc', containerDefinitions: [{ name: 'web' }] });

    // Act
    const longArn = runWeb();
    const shortArn = old.runTask({ cluster: 'prod', taskDefinition: 'web', networking: { privateIpv4: '10.0.0.1' } });

    // Assess
    expect(longArn).toMatch(/^arn:aws:ecs:us-east-1:123456789012:task\/prod\/[0-9a-f]{32}$/);
    expect(shortArn).toMatch(/^arn:aws:ecs:us-east-1:123456789012:task\/[0-9a-f]{32}$/);
  });

  it('hands out events once through takeEvents, each with its own envelope id', () => {
    // Prepare
    const arn = runWeb();
    fake.advance(arn);

    // Act
    const first = fake.takeEvents();
    fake.advance(arn);
    const second = fake.takeEvents();

    // Assess
    expect(first.map((e) => e.detail.version)).toEqual([1, 2]);
    expect(second.map((e) => e.detail.version)).toEqual([3]);
    expect(new Set([...first, ...second].map((e) => e.id)).size).toBe(3);
    expect(fake.events).toEqual([]);
  });

  it('refuses to move a task backwards', () => {
    // Prepare
    const arn = runWeb();
    fake.setStatus(arn, 'RUNNING');

    // Act / Assess
    expect(() => fake.setStatus(arn, 'PENDING')).toThrow(/goes backwards/);
  });
});

describe('DescribeTasks and ListTasks', () => {
  it('describes tasks as the SDK returns them: Dates, ElasticNetworkInterface, version, failures for unknown', async () => {
    // Prepare
    const arn = runWeb(7);
    fake.setStatus(arn, 'RUNNING');

    // Act
    const out = await ecs.send(
      new DescribeTasksCommand({
        cluster: 'prod',
        tasks: [arn, 'ffffffffffffffffffffffffffffffff'],
        include: ['TAGS'],
      }),
    );

    // Assess
    const task = out.tasks?.[0];
    expect(task?.attachments?.[0]?.type).toBe('ElasticNetworkInterface');
    expect(task?.startedAt).toBeInstanceOf(Date);
    expect(task?.createdAt).toBeInstanceOf(Date);
    expect(task?.version).toBe(eventsOf(arn).at(-1)?.detail.version);
    expect(task?.tags).toEqual([]);
    expect(out.failures).toEqual([
      { arn: 'arn:aws:ecs:us-east-1:123456789012:task/prod/ffffffffffffffffffffffffffffffff', reason: 'MISSING' },
    ]);
  });

  it('refuses more than 100 tasks per DescribeTasks call', async () => {
    // Prepare
    const arns = Array.from({ length: 101 }, (_, n) => runWeb(n));

    // Act
    const error = await rejection(ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: arns })));
    const ok = await ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: arns.slice(0, 100) }));

    // Assess
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect(ok.tasks).toHaveLength(100);
  });

  it('keeps stopped tasks visible until they are forgotten', async () => {
    // Prepare
    const arn = runWeb();
    fake.stopTask(arn);

    // Act
    const before = await ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: [arn] }));
    const stoppedList = await ecs.send(new ListTasksCommand({ cluster: 'prod', desiredStatus: 'STOPPED' }));
    fake.forgetStoppedTasks();
    const after = await ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: [arn] }));

    // Assess
    expect(before.tasks?.[0]?.lastStatus).toBe('STOPPED');
    expect(stoppedList.taskArns).toEqual([arn]);
    expect(after.failures?.[0]?.reason).toBe('MISSING');
  });

  it('lists running tasks 100 per page with nextToken, each exactly once', async () => {
    // Prepare
    const arns = Array.from({ length: 250 }, (_, n) => runWeb(n));

    // Act
    const pages: string[][] = [];
    let nextToken: string | undefined;
    do {
      const out = await ecs.send(new ListTasksCommand({ cluster: 'prod', nextToken }));
      pages.push(out.taskArns ?? []);
      nextToken = out.nextToken;
    } while (nextToken);

    // Assess
    expect(pages.map((p) => p.length)).toEqual([100, 100, 50]);
    expect(new Set(pages.flat())).toEqual(new Set(arns));
  });

  it('filters by desiredStatus (RUNNING by default), serviceName, family and startedBy', async () => {
    // Prepare
    const service = runWeb(1);
    const standalone = fake.runTask({
      cluster: 'prod',
      taskDefinition: 'web',
      startedBy: 'me',
      networking: { privateIpv4: '10.0.2.1' },
    });
    const stopping = runWeb(2);
    fake.stopTask(stopping, { until: 'RUNNING' });
    const list = async (input: Omit<ListTasksCommandInput, 'cluster'>) =>
      (await ecs.send(new ListTasksCommand({ cluster: 'prod', ...input }))).taskArns;

    // Act
    const running = await list({});
    const byService = await list({ serviceName: 'web' });
    const byFamily = await list({ family: 'web' });
    const byStartedBy = await list({ startedBy: 'me' });
    const stopped = await list({ desiredStatus: 'STOPPED' });
    const pending = await list({ desiredStatus: 'PENDING' });

    // Assess
    expect(new Set(running)).toEqual(new Set([service, standalone]));
    expect(byService).toEqual([service]);
    expect(new Set(byFamily)).toEqual(new Set([service, standalone]));
    expect(byStartedBy).toEqual([standalone]);
    expect(stopped).toEqual([stopping]);
    expect(pending).toEqual([]);
  });

  it('refuses startedBy with another filter, an unknown service and an unknown cluster', async () => {
    // Act
    const combined = await rejection(
      ecs.send(new ListTasksCommand({ cluster: 'prod', startedBy: 'me', family: 'web' })),
    );
    const noService = await rejection(ecs.send(new ListTasksCommand({ cluster: 'prod', serviceName: 'nope' })));
    const noCluster = await rejection(ecs.send(new ListTasksCommand({ cluster: 'nope' })));
    const tooMany = await rejection(ecs.send(new ListTasksCommand({ cluster: 'prod', maxResults: 101 })));

    // Assess
    expect(combined).toBeInstanceOf(InvalidParameterException);
    expect(noService).toBeInstanceOf(ServiceNotFoundException);
    expect(noCluster).toBeInstanceOf(ClusterNotFoundException);
    expect(tooMany).toBeInstanceOf(InvalidParameterException);
  });
});

describe('services, task definitions and container instances', () => {
  it('lists services 10 per page by default', async () => {
    // Prepare
    for (let n = 0; n < 14; n++) fake.createService({ cluster: 'prod', name: `svc-${n}` });

    // Act
    const first = await ecs.send(new ListServicesCommand({ cluster: 'prod' }));
    const second = await ecs.send(new ListServicesCommand({ cluster: 'prod', nextToken: first.nextToken }));
    const all = await ecs.send(new ListServicesCommand({ cluster: 'prod', maxResults: 100 }));
    const tooMany = await rejection(ecs.send(new ListServicesCommand({ cluster: 'prod', maxResults: 101 })));

    // Assess
    expect(first.serviceArns).toHaveLength(10);
    expect(second.serviceArns).toHaveLength(5);
    expect(second.nextToken).toBeUndefined();
    expect(all.serviceArns).toHaveLength(15);
    expect(tooMany).toBeInstanceOf(InvalidParameterException);
  });

  it('describes at most 10 services, by name or ARN, with tags on request and failures for missing ones', async () => {
    // Prepare
    const arn = 'arn:aws:ecs:us-east-1:123456789012:service/prod/web';
    fake.createService({ cluster: 'prod', name: 'gone' });
    fake.deleteService('prod', 'gone');

    // Act
    const out = await ecs.send(
      new DescribeServicesCommand({ cluster: 'prod', services: [arn, 'nope', 'gone'], include: ['TAGS'] }),
    );
    const untagged = await ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['web'] }));
    const eleven = await rejection(
      ecs.send(
        new DescribeServicesCommand({ cluster: 'prod', services: Array.from({ length: 11 }, (_, n) => `s${n}`) }),
      ),
    );
    const listed = await ecs.send(new ListServicesCommand({ cluster: 'prod' }));

    // Assess
    expect(out.services?.map((s) => [s.serviceArn, s.status])).toEqual([
      [arn, 'ACTIVE'],
      ['arn:aws:ecs:us-east-1:123456789012:service/prod/gone', 'INACTIVE'],
    ]);
    expect(out.services?.[0]?.tags).toEqual([{ key: 'dns:name', value: 'web.example.com' }]);
    expect(out.failures).toEqual([{ arn: 'arn:aws:ecs:us-east-1:123456789012:service/prod/nope', reason: 'MISSING' }]);
    expect(untagged.services?.[0]).not.toHaveProperty('tags');
    expect(eleven).toBeInstanceOf(InvalidParameterException);
    expect(listed.serviceArns).toEqual([arn]);
  });

  it('describes task definitions by family, family:revision and ARN, with tags at the top level', async () => {
    // Prepare
    fake.registerTaskDefinition({
      family: 'web',
      networkMode: 'awsvpc',
      containerDefinitions: [{ name: 'web' }],
      tags: [{ key: 'team', value: 'a' }],
    });

    // Act
    const latest = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web', include: ['TAGS'] }));
    const first = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web:1' }));
    const byArn = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2' }),
    );
    const missing = await rejection(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web:9' })));

    // Assess
    expect(latest.taskDefinition?.revision).toBe(2);
    expect(latest.tags).toEqual([{ key: 'team', value: 'a' }]);
    expect(latest.taskDefinition).not.toHaveProperty('tags');
    expect(first.taskDefinition?.containerDefinitions?.[0]?.portMappings).toEqual([{ containerPort: 8080 }]);
    expect(first).not.toHaveProperty('tags');
    expect(byArn.taskDefinition?.revision).toBe(2);
    expect(missing.name).toBe('ClientException');
  });

  it('maps container instances to EC2 instance ids', async () => {
    // Prepare
    const arn = fake.addContainerInstance({ cluster: 'prod', ec2InstanceId: 'i-0123456789abcdef0' });

    // Act
    const out = await ecs.send(
      new DescribeContainerInstancesCommand({ cluster: 'prod', containerInstances: [arn, 'nope'] }),
    );

    // Assess
    expect(out.containerInstances?.map((c) => c.ec2InstanceId)).toEqual(['i-0123456789abcdef0']);
    expect(out.failures).toEqual([{ arn: 'nope', reason: 'MISSING' }]);
  });

  it('injects ECS throttling and fails loudly on unimplemented commands', async () => {
    // Prepare
    fake.injectFault((operation) => (operation === 'DescribeTasks' ? ecsErrors.throttling() : undefined));

    // Act
    const throttled = await rejection(ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: ['x'] })));
    const { RunTaskCommand } = await import('@aws-sdk/client-ecs');
    const unsupported = await rejection(ecs.send(new RunTaskCommand({ taskDefinition: 'web' })));

    // Assess
    expect(throttled).toBeInstanceOf(ECSServiceException);
    expect(throttled).toMatchObject({
      name: 'ThrottlingException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    expect(fake.callCount('DescribeTasks')).toBe(1);
    expect(unsupported.message).toMatch(/FakeEcs does not implement RunTaskCommand/);
  });
});

describe('FakeEc2', () => {
  const ec2Mock = mockClient(EC2Client);
  const ec2 = new EC2Client({ region: 'us-east-1' });
  let ec2Fake: FakeEc2;

  beforeEach(() => {
    ec2Mock.reset();
    ec2Fake = new FakeEc2();
    ec2Fake.install(ec2Mock);
    ec2Fake.addInstance({
      instanceId: 'i-0123456789abcdef0',
      privateIp: '10.0.0.5',
      publicIp: '203.0.113.5',
      ipv6: '2001:db8::5',
    });
    ec2Fake.addNetworkInterface({
      eniId: 'eni-0103a2f01bad57d71',
      privateIp: '10.0.1.163',
      publicIp: '203.0.113.9',
      ipv6s: ['2001:db8::9'],
    });
  });

  it('describes instances and network interfaces by id', async () => {
    // Act
    const instances = await ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] }));
    const enis = await ec2.send(
      new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ['eni-0103a2f01bad57d71'] }),
    );

    // Assess
    expect(instances.Reservations?.[0]?.Instances?.[0]).toMatchObject({
      PrivateIpAddress: '10.0.0.5',
      PublicIpAddress: '203.0.113.5',
      Ipv6Address: '2001:db8::5',
    });
    expect(enis.NetworkInterfaces?.[0]).toMatchObject({
      PrivateIpAddress: '10.0.1.163',
      Association: { PublicIp: '203.0.113.9' },
      Ipv6Addresses: [{ Ipv6Address: '2001:db8::9' }],
    });
  });

  it('fails the whole call for an unknown id, and refuses MaxResults with NetworkInterfaceIds', async () => {
    // Act
    const unknown = await rejection(
      ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0', 'i-0fffffffffffffff0'] })),
    );
    const combined = await rejection(
      ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ['eni-0103a2f01bad57d71'], MaxResults: 5 })),
    );

    // Assess
    expect(unknown).toBeInstanceOf(EC2ServiceException);
    expect(unknown).toMatchObject({
      name: 'InvalidInstanceID.NotFound',
      message: "The instance ID 'i-0fffffffffffffff0' does not exist",
    });
    expect(combined.name).toBe('InvalidParameterCombination');
  });
});

describe('FakeElbv2', () => {
  const elbMock = mockClient(ElasticLoadBalancingV2Client);
  const elb = new ElasticLoadBalancingV2Client({ region: 'us-east-1' });
  const lbArn = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188';
  const tgArn = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/6d0ecf831eec9f09';
  let elbFake: FakeElbv2;

  beforeEach(() => {
    elbMock.reset();
    elbFake = new FakeElbv2();
    elbFake.install(elbMock);
    elbFake.addLoadBalancer({
      arn: lbArn,
      dnsName: 'web-1.us-east-1.elb.amazonaws.com',
      canonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
      ipAddressType: 'dualstack',
    });
    elbFake.addTargetGroup({ arn: tgArn, loadBalancerArns: [lbArn] });
  });

  it('resolves target group -> load balancer -> alias target', async () => {
    // Act
    const groups = await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [tgArn] }));
    const balancers = await elb.send(
      new DescribeLoadBalancersCommand({ LoadBalancerArns: groups.TargetGroups?.[0]?.LoadBalancerArns }),
    );

    // Assess
    expect(balancers.LoadBalancers?.[0]).toMatchObject({
      DNSName: 'web-1.us-east-1.elb.amazonaws.com',
      CanonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
      Type: 'application',
      IpAddressType: 'dualstack',
      Scheme: 'internet-facing',
      LoadBalancerName: 'web',
    });
  });

  it('fails the whole call when any ARN is unknown, and refuses more than 20 ARNs', async () => {
    // Act
    const unknown = await rejection(
      elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn, `${lbArn}0`] })),
    );
    const tooMany = await rejection(
      elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: Array.from({ length: 21 }, () => lbArn) })),
    );

    // Assess
    expect(unknown).toBeInstanceOf(LoadBalancerNotFoundException);
    expect(tooMany.name).toBe('ValidationError');
  });
});
