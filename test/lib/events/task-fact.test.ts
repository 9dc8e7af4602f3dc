import { InvalidEventError } from '../../../lib/events/errors';
import {
  type DesiredStatus,
  parseTaskFact,
  TASK_STATUSES,
  type TaskPhase,
  type TaskStatus,
  taskPhase,
} from '../../../lib/events/task-fact';
import { eventFixture, loadFixture, thrownBy } from '../fixtures';

const invalid = (fn: () => unknown) => thrownBy(InvalidEventError, fn);
const detailOf = (name: string) => eventFixture(name).detail;

describe('parseTaskFact', () => {
  it('normalises a Fargate event in the long ARN format', () => {
    // Prepare
    const detail = detailOf('fargate-running');

    // Act
    const fact = parseTaskFact(detail, 'event');

    // Assess
    expect(fact).toEqual({
      source: 'event',
      taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/prod/a1173316d40a45dea9b2c3d4e5f60718',
      taskId: 'a1173316d40a45dea9b2c3d4e5f60718',
      clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod',
      clusterName: 'prod',
      region: 'us-east-1',
      account: '123456789012',
      taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:5',
      family: 'web',
      version: 3,
      lastStatus: 'RUNNING',
      desiredStatus: 'RUNNING',
      group: 'service:web',
      serviceName: 'web',
      launchType: 'FARGATE',
      availabilityZone: 'us-east-1b',
      containerInstanceArn: undefined,
      eni: {
        attachmentId: 'fe3a9a46-6a47-40ee-afd9-7952ae90a75a',
        networkInterfaceId: 'eni-0103a2f01bad57d71',
        privateIpv4: '10.0.1.163',
        ipv6: undefined,
      },
      containers: [{ name: 'web', networkBindings: [] }],
    });
  });

  it('takes the cluster from clusterArn when the task ARN is in the old format', () => {
    // Prepare
    const detail = detailOf('fargate-running-old-arn');

    // Act
    const fact = parseTaskFact(detail, 'event');

    // Assess
    expect(fact.taskId).toBe('0f4e2a8b9c1d4e5f8a7b6c5d4e3f2a1b');
    expect(fact.clusterName).toBe('prod');
    expect(fact.eni?.privateIpv4).toBe('10.0.2.17');
  });

  it('reads dynamic host ports in bridge mode and drops the IPv6 (::) duplicate binding', () => {
    // Prepare
    const detail = detailOf('bridge-dynamic-ports');

    // Act
    const fact = parseTaskFact(detail, 'event');

    // Assess
    expect(fact.launchType).toBe('EC2');
    expect(fact.containerInstanceArn).toBe(
      'arn:aws:ecs:us-east-1:123456789012:container-instance/prod/d1d84798400f49f3b21cb61610c1e3aa',
    );
    expect(fact.eni).toBeUndefined();
    expect(fact.containers).toEqual([
      {
        name: 'api',
        networkBindings: [
          { containerPort: 8080, hostPort: 32768, protocol: 'tcp' },
          { containerPort: 9090, hostPort: 32769, protocol: 'tcp' },
        ],
      },
    ]);
  });

  it('reads a host-mode task, which has neither ENI nor bindings', () => {
    // Act
    const fact = parseTaskFact(detailOf('host-mode-running'), 'event');

    // Assess
    expect(fact.eni).toBeUndefined();
    expect(fact.containers).toEqual([{ name: 'statsd', networkBindings: [] }]);
    expect(fact.containerInstanceArn).toMatch(/container-instance\/prod\//);
    expect(fact.serviceName).toBe('statsd');
  });

  it('reads a stopped task with its stop status and still-known ENI', () => {
    // Act
    const fact = parseTaskFact(detailOf('fargate-stopped'), 'event');

    // Assess
    expect([fact.lastStatus, fact.desiredStatus, fact.version]).toEqual(['STOPPED', 'STOPPED', 7]);
    expect(taskPhase(fact)).toBe('stopping');
  });

  it('reads a dual-stack ENI and lowercases the IPv6 address', () => {
    // Act
    const fact = parseTaskFact(detailOf('fargate-ipv6'), 'event');

    // Assess
    expect(fact.eni).toMatchObject({ privateIpv4: '10.0.3.25', ipv6: '2600:1f18:4a3b:9e00:0:0:0:1d' });
  });

  it('gives a standalone task (group family:...) no service name', () => {
    // Act
    const fact = parseTaskFact(detailOf('standalone-task'), 'event');

    // Assess
    expect(fact.group).toBe('family:web');
    expect(fact.serviceName).toBeUndefined();
    expect(fact.clusterName).toBe('batch');
    expect(taskPhase(fact)).toBe('running');
  });

  it('reads a DescribeTasks Task: ElasticNetworkInterface attachment, no version, epoch timestamps', () => {
    // Prepare
    const task = loadFixture('events/describe-tasks-shape.json');

    // Act
    const fact = parseTaskFact(task, 'api');

    // Assess
    expect(fact.source).toBe('api');
    expect(fact.version).toBeUndefined();
    expect(fact.eni).toEqual({
      attachmentId: 'aa11bb22-cc33-4d44-8e55-ff6677889900',
      networkInterfaceId: 'eni-0a1b2c3d4e5f60718',
      privateIpv4: '10.0.1.99',
      ipv6: undefined,
    });
    expect(fact.serviceName).toBe('web');
  });

  it('reads the ENI from an `eni` attachment and an `ElasticNetworkInterface` one alike', () => {
    // Prepare
    const fromEvent = detailOf('fargate-running');
    const fromApi = detailOf('fargate-running');
    (fromApi.attachments as { type: string }[])[0]!.type = 'ElasticNetworkInterface';

    // Act
    const a = parseTaskFact(fromEvent, 'event');
    const b = parseTaskFact(fromApi, 'api');

    // Assess
    expect(b.eni).toEqual(a.eni);
  });

  it('ignores attachments of other types', () => {
    // Prepare
    const detail = detailOf('fargate-running');
    detail.attachments = [
      { id: 'sc', type: 'Service Connect', status: 'ATTACHED', details: [{ name: 'privateIPv4Address', value: 'x' }] },
    ];

    // Act
    const fact = parseTaskFact(detail, 'event');

    // Assess
    expect(fact.eni).toBeUndefined();
  });

  it('falls back to the containers’ network interfaces when the ENI details carry no address', () => {
    // Prepare
    const detail = detailOf('fargate-ipv6');
    const att = (detail.attachments as { details: { name: string }[] }[])[0]!;
    att.details = att.details.filter((d) => d.name !== 'privateIPv4Address' && d.name !== 'ipv6Address');

    // Act
    const fact = parseTaskFact(detail, 'event');

    // Assess
    expect(fact.eni).toMatchObject({ privateIpv4: '10.0.3.25', ipv6: '2600:1f18:4a3b:9e00:0:0:0:1d' });
  });

  it('does not take an address from a network interface of another attachment', () => {
    // Prepare
    const detail = detailOf('fargate-running');
    const att = (detail.attachments as { details: { name: string }[] }[])[0]!;
    att.details = att.details.filter((d) => d.name !== 'privateIPv4Address');
    (detail.containers as { networkInterfaces: { attachmentId: string }[] }[])[0]!.networkInterfaces[0]!.attachmentId =
      'another-attachment';

    // Act
    const fact = parseTaskFact(detail, 'event');

    // Assess
    expect(fact.eni?.privateIpv4).toBeUndefined();
  });

  it('tolerates unknown fields at every level', () => {
    // Prepare
    const detail = detailOf('bridge-dynamic-ports');
    detail.someFutureField = { nested: [1, 2, 3] };
    const container = (detail.containers as Record<string, unknown>[])[0]!;
    container.futureContainerField = 'x';
    (container.networkBindings as Record<string, unknown>[])[0]!.futureBindingField = true;

    // Act
    const fact = parseTaskFact(detail, 'event');

    // Assess
    expect(fact.containers[0]!.networkBindings).toHaveLength(2);
  });

  it('skips port-range bindings, which have no single port to publish', () => {
    // Prepare
    const detail = detailOf('bridge-dynamic-ports');
    (detail.containers as { networkBindings: unknown[] }[])[0]!.networkBindings.push({
      bindIP: '0.0.0.0',
      containerPortRange: '10000-10010',
      hostPortRange: '40000-40010',
      protocol: 'udp',
    });

    // Act
    const fact = parseTaskFact(detail, 'event');

    // Assess
    expect(fact.containers[0]!.networkBindings).toHaveLength(2);
  });

  it('keeps tcp and udp bindings of one port apart and defaults the protocol to tcp', () => {
    // Prepare
    const detail = detailOf('bridge-dynamic-ports');
    (detail.containers as { networkBindings: unknown[] }[])[0]!.networkBindings = [
      { containerPort: 53, hostPort: 32770, protocol: 'udp' },
      { containerPort: 53, hostPort: 32771 },
    ];

    // Act
    const fact = parseTaskFact(detail, 'event');

    // Assess
    expect(fact.containers[0]!.networkBindings).toEqual([
      { containerPort: 53, hostPort: 32770, protocol: 'udp' },
      { containerPort: 53, hostPort: 32771, protocol: 'tcp' },
    ]);
  });

  it('accepts a missing version from the API but not from an event', () => {
    // Prepare
    const detail = detailOf('fargate-running');
    delete detail.version;

    // Act
    const fromApi = parseTaskFact(detail, 'api');
    const err = invalid(() => parseTaskFact(detail, 'event'));

    // Assess
    expect(fromApi.version).toBeUndefined();
    expect(err.field).toBe('detail.version');
  });

  it('accepts version 0', () => {
    // Prepare
    const detail = detailOf('fargate-running');
    detail.version = 0;

    // Act / Assess
    expect(parseTaskFact(detail, 'event').version).toBe(0);
  });

  type Mutation = (d: Record<string, unknown>) => void;
  const containers = (d: Record<string, unknown>) => d.containers as Record<string, unknown>[];
  const bindings = (d: Record<string, unknown>) => containers(d)[0]!.networkBindings as Record<string, unknown>[];
  const details = (d: Record<string, unknown>) =>
    (d.attachments as { details: { name: string; value: unknown }[] }[])[0]!.details;
  const setDetail = (name: string, value: unknown) => (d: Record<string, unknown>) => {
    details(d).find((x) => x.name === name)!.value = value;
  };

  it.each<[string, string, Mutation, string, RegExp]>([
    ['missing taskArn', 'fargate-running', (d) => delete d.taskArn, 'detail.taskArn', /non-empty task ARN/],
    [
      'a cluster ARN where the task ARN belongs',
      'fargate-running',
      (d) => {
        d.taskArn = 'arn:aws:ecs:us-east-1:123456789012:cluster/prod';
      },
      'detail.taskArn',
      /is a cluster ARN, expected a task ARN/,
    ],
    [
      'a task ARN naming another cluster',
      'fargate-running',
      (d) => {
        d.clusterArn = 'arn:aws:ecs:us-east-1:123456789012:cluster/staging';
      },
      'detail.taskArn',
      /names cluster "prod" but clusterArn is "staging"/,
    ],
    ['missing clusterArn', 'fargate-running', (d) => delete d.clusterArn, 'detail.clusterArn', /cluster ARN/],
    [
      'a task definition ARN without revision',
      'fargate-running',
      (d) => {
        d.taskDefinitionArn = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web';
      },
      'detail.taskDefinitionArn',
      /<family>:<revision>/,
    ],
    [
      'an unknown lastStatus',
      'fargate-running',
      (d) => {
        d.lastStatus = 'EXPLODED';
      },
      'detail.lastStatus',
      /unknown value "EXPLODED"/,
    ],
    ['a missing desiredStatus', 'fargate-running', (d) => delete d.desiredStatus, 'detail.desiredStatus', /one of/],
    [
      'version as a string',
      'fargate-running',
      (d) => {
        d.version = '3';
      },
      'detail.version',
      /non-negative integer, got "3"/,
    ],
    [
      'a negative version',
      'fargate-running',
      (d) => {
        d.version = -1;
      },
      'detail.version',
      /non-negative integer, got -1/,
    ],
    [
      'a fractional version',
      'fargate-running',
      (d) => {
        d.version = 2.5;
      },
      'detail.version',
      /non-negative integer/,
    ],
    [
      'IP garbage in privateIPv4Address',
      'fargate-running',
      setDetail('privateIPv4Address', '10.0.1.999'),
      'detail.attachments[0].details.privateIPv4Address',
      /"10.0.1.999" is not an IPv4 address/,
    ],
    [
      'an IPv6 address in privateIPv4Address',
      'fargate-running',
      setDetail('privateIPv4Address', '2600:1f18::1'),
      'detail.attachments[0].details.privateIPv4Address',
      /not an IPv4 address/,
    ],
    [
      '0.0.0.0 in privateIPv4Address (unspecified)',
      'fargate-running',
      setDetail('privateIPv4Address', '0.0.0.0'),
      'detail.attachments[0].details.privateIPv4Address',
      /unspecified/,
    ],
    [
      '127.0.0.1 in privateIPv4Address (loopback)',
      'fargate-running',
      setDetail('privateIPv4Address', '127.0.0.1'),
      'detail.attachments[0].details.privateIPv4Address',
      /loopback/,
    ],
    [
      '169.254.10.1 in privateIPv4Address (link-local)',
      'fargate-running',
      setDetail('privateIPv4Address', '169.254.10.1'),
      'detail.attachments[0].details.privateIPv4Address',
      /link-local/,
    ],
    [
      '224.0.0.251 in privateIPv4Address (multicast)',
      'fargate-running',
      setDetail('privateIPv4Address', '224.0.0.251'),
      'detail.attachments[0].details.privateIPv4Address',
      /multicast/,
    ],
    [
      '255.255.255.255 in privateIPv4Address (broadcast)',
      'fargate-running',
      setDetail('privateIPv4Address', '255.255.255.255'),
      'detail.attachments[0].details.privateIPv4Address',
      /broadcast/,
    ],
    [
      'fe80::1%eth0 in ipv6Address (zone index)',
      'fargate-ipv6',
      setDetail('ipv6Address', 'fe80::1%eth0'),
      'detail.attachments[0].details.ipv6Address',
      /zone index/,
    ],
    [
      ':: in ipv6Address (unspecified)',
      'fargate-ipv6',
      setDetail('ipv6Address', '::'),
      'detail.attachments[0].details.ipv6Address',
      /unspecified/,
    ],
    [
      '::1 in ipv6Address (loopback)',
      'fargate-ipv6',
      setDetail('ipv6Address', '::1'),
      'detail.attachments[0].details.ipv6Address',
      /loopback/,
    ],
    [
      'fe80::1 in ipv6Address (link-local)',
      'fargate-ipv6',
      setDetail('ipv6Address', 'fe80::1'),
      'detail.attachments[0].details.ipv6Address',
      /link-local/,
    ],
    [
      'ff02::1 in ipv6Address (multicast)',
      'fargate-ipv6',
      setDetail('ipv6Address', 'ff02::1'),
      'detail.attachments[0].details.ipv6Address',
      /multicast/,
    ],
    [
      'an IPv4 address in ipv6Address',
      'fargate-ipv6',
      setDetail('ipv6Address', '10.0.0.1'),
      'detail.attachments[0].details.ipv6Address',
      /not an IPv6 address/,
    ],
    [
      'garbage in a container network interface',
      'fargate-running',
      (d) => {
        details(d).splice(
          details(d).findIndex((x) => x.name === 'privateIPv4Address'),
          1,
        );
        (containers(d)[0]!.networkInterfaces as Record<string, unknown>[])[0]!.privateIpv4Address = 'nope';
      },
      'detail.containers[0].networkInterfaces[0].privateIpv4Address',
      /not an IPv4 address/,
    ],
    [
      'an ENI detail value that is not a string',
      'fargate-running',
      setDetail('privateIPv4Address', 167772161),
      'detail.attachments[0].details[4]',
      /string name and value/,
    ],
    [
      'attachments that are not an array',
      'fargate-running',
      (d) => {
        d.attachments = {};
      },
      'detail.attachments',
      /must be an array/,
    ],
    [
      'an attachment without type',
      'fargate-running',
      (d) => {
        (d.attachments as Record<string, unknown>[])[0]!.type = undefined;
      },
      'detail.attachments[0].type',
      /must be a string/,
    ],
    [
      'a container without name',
      'fargate-running',
      (d) => {
        containers(d)[0]!.name = '';
      },
      'detail.containers[0].name',
      /non-empty string/,
    ],
    [
      'a host port of 0',
      'bridge-dynamic-ports',
      (d) => {
        bindings(d)[2]!.hostPort = 0;
      },
      'detail.containers[0].networkBindings[2].hostPort',
      /between 1 and 65535, got 0/,
    ],
    [
      'a host port above 65535',
      'bridge-dynamic-ports',
      (d) => {
        bindings(d)[0]!.hostPort = 65536;
      },
      'detail.containers[0].networkBindings[0].hostPort',
      /between 1 and 65535, got 65536/,
    ],
    [
      'a container port as a string',
      'bridge-dynamic-ports',
      (d) => {
        bindings(d)[0]!.containerPort = '8080';
      },
      'detail.containers[0].networkBindings[0].containerPort',
      /got "8080"/,
    ],
    [
      'an unknown protocol',
      'bridge-dynamic-ports',
      (d) => {
        bindings(d)[0]!.protocol = 'sctp';
      },
      'detail.containers[0].networkBindings[0].protocol',
      /"tcp" or "udp"/,
    ],
    [
      'a service ARN as containerInstanceArn',
      'bridge-dynamic-ports',
      (d) => {
        d.containerInstanceArn = 'arn:aws:ecs:us-east-1:123456789012:service/prod/api';
      },
      'detail.containerInstanceArn',
      /expected a container-instance ARN/,
    ],
    [
      'a group that is not a string',
      'fargate-running',
      (d) => {
        d.group = 7;
      },
      'detail.group',
      /must be a string/,
    ],
  ])('rejects %s with the exact field path', (_what, fixture, mutate, field, reason) => {
    // Prepare
    const detail = detailOf(fixture);
    mutate(detail);

    // Act
    const err = invalid(() => parseTaskFact(detail, 'event'));

    // Assess
    expect(err.field).toBe(field);
    expect(err.reason).toMatch(reason);
  });

  it('uses the given prefix in field paths', () => {
    // Prepare
    const task = loadFixture('events/describe-tasks-shape.json');
    task.lastStatus = 'BOGUS';

    // Act
    const err = invalid(() => parseTaskFact(task, 'api', 'tasks[3]'));

    // Assess
    expect(err.field).toBe('tasks[3].lastStatus');
  });

  it('rejects a detail that is not an object', () => {
    // Act
    const err = invalid(() => parseTaskFact([], 'event'));

    // Assess
    expect(err.field).toBe('detail');
  });
});

describe('taskPhase', () => {
  it.each<[TaskStatus, DesiredStatus, TaskPhase]>([
    ['PROVISIONING', 'RUNNING', 'starting'],
    ['PENDING', 'RUNNING', 'starting'],
    ['ACTIVATING', 'RUNNING', 'starting'],
    ['RUNNING', 'RUNNING', 'running'],
    // ECS decided to stop the task: deregister now, the stop timeout is the drain window.
    ['RUNNING', 'STOPPED', 'stopping'],
    ['PENDING', 'STOPPED', 'stopping'],
    ['PROVISIONING', 'STOPPED', 'stopping'],
    // Past RUNNING, whatever desiredStatus says.
    ['DEACTIVATING', 'RUNNING', 'stopping'],
    ['DEACTIVATING', 'STOPPED', 'stopping'],
    ['STOPPING', 'STOPPED', 'stopping'],
    ['DEPROVISIONING', 'STOPPED', 'stopping'],
    ['STOPPED', 'STOPPED', 'stopping'],
    ['STOPPED', 'RUNNING', 'stopping'],
    ['DELETED', 'STOPPED', 'stopping'],
  ])('lastStatus %s, desiredStatus %s -> %s', (lastStatus, desiredStatus, phase) => {
    // Act / Assess
    expect(taskPhase({ lastStatus, desiredStatus })).toBe(phase);
  });

  it('never goes back to running once a status past RUNNING is reached', () => {
    // Prepare
    const after = TASK_STATUSES.slice(TASK_STATUSES.indexOf('RUNNING') + 1);

    // Act
    const phases = after.map((lastStatus) => taskPhase({ lastStatus, desiredStatus: 'RUNNING' }));

    // Assess
    expect(after.length).toBeGreaterThan(0);
    expect(new Set(phases)).toEqual(new Set(['stopping']));
  });

  it('reads the desired-stopped fixture as stopping while lastStatus is still RUNNING', () => {
    // Act
    const fact = parseTaskFact(detailOf('fargate-desired-stopped'), 'event');

    // Assess
    expect(fact.lastStatus).toBe('RUNNING');
    expect(taskPhase(fact)).toBe('stopping');
  });
});
