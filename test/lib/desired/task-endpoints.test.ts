import {
  type ContainerDefinitionView,
  parseRegistrationSpecs,
  type RegistrationSpec,
  type TaskDefinitionView,
} from '../../../lib/config/labels';
import { desiredForTask, type TaskNetwork } from '../../../lib/desired/task-endpoints';
import { OWNER_ATTRIBUTE } from '../../../lib/domain/ownership';
import type { DnsRecord } from '../../../lib/domain/records';
import { parseTaskFact, type TaskFact } from '../../../lib/events/task-fact';
import { eventFixture, OWNER, PRIVATE_ZONE, taskDefinitionFixture, testSettings, ZONE_DOMAINS } from '../fixtures';

const ctx = { settings: testSettings(), zoneDomains: ZONE_DOMAINS };

function factOf(name: string, patch: (detail: Record<string, unknown>) => void = () => {}): TaskFact {
  const detail = eventFixture(name).detail;
  patch(detail);
  return parseTaskFact(detail, 'event');
}

function specsOf(taskDef: TaskDefinitionView): RegistrationSpec[] {
  const parsed = parseRegistrationSpecs(taskDef, ctx);
  expect(parsed.errors).toEqual([]);
  return parsed.specs;
}

/** The task definition fixture with extra labels on its first container. */
function withLabels(name: string, labels: Record<string, string>): TaskDefinitionView {
  const taskDef = taskDefinitionFixture(name);
  const first = taskDef.containers[0] as ContainerDefinitionView;
  first.dockerLabels = { ...first.dockerLabels, ...labels };
  return taskDef;
}

function run(fact: TaskFact, taskDef: TaskDefinitionView, network: TaskNetwork = {}) {
  return desiredForTask(fact, taskDef, specsOf(taskDef), network, OWNER);
}

/** The records that answer DNS queries: without the task's claim records, which have their own tests below. */
const answering = (records: DnsRecord[]) => records.filter((r) => !r.name.includes('._ecs-registrar.'));

/** `type name value` lines of the answering records: easy to read in a failure. */
const lines = (records: DnsRecord[]) =>
  answering(records).map((r) => `${r.type} ${r.name} ${(r.values ?? []).join(',')}`);

const FG = 'a1173316d40a45dea9b2c3d4e5f60718';
const BR = 'c1ffa94f19a540ed8d9f7e1d2a5d3626';

describe('desiredForTask', () => {
  it('registers an awsvpc task by its private IP: A at the name, SRV and its per-task target', () => {
    // Prepare
    const fact = factOf('fargate-running');

    // Act
    const desired = run(fact, taskDefinitionFixture('fargate-web'));

    // Assess
    expect(desired.problems).toEqual([]);
    expect(desired.instances).toEqual([]);
    const common = {
      zoneId: PRIVATE_ZONE,
      setIdentifier: `ecs-registrar:${OWNER}:${FG}:us-east-1/prod`,
      multiValue: true,
      ttl: 60,
    };
    expect(desired.records).toEqual([
      { ...common, name: 'web.internal.example.com.', type: 'A', values: ['10.0.1.163'] },
      {
        ...common,
        name: '_web._tcp.internal.example.com.',
        type: 'SRV',
        values: [`1 1 8080 ${FG}.web.internal.example.com.`],
      },
      { ...common, name: `${FG}.web.internal.example.com.`, type: 'A', values: ['10.0.1.163'] },
      {
        ...common,
        name: 'web._ecs-registrar.internal.example.com.',
        type: 'TXT',
        values: [`"heritage=ecs-registrar,owner=${OWNER},claimant=service:prod/web"`],
      },
    ]);
  });

  it('claims each name for the task family in its cluster when no service started the task', () => {
    // Act
    const desired = run(factOf('standalone-task'), taskDefinitionFixture('fargate-web'));

    // Assess: one claim record per registration, keyed by the task's own mark, naming cluster and family
    const claims = desired.records.filter((r) => r.type === 'TXT');
    expect(claims).toEqual([
      {
        zoneId: PRIVATE_ZONE,
        name: 'web._ecs-registrar.internal.example.com.',
        type: 'TXT',
        multiValue: true,
        ttl: 60,
        setIdentifier: desired.records[0]!.setIdentifier,
        values: [`"heritage=ecs-registrar,owner=${OWNER},claimant=family:batch/web"`],
      },
    ]);
  });

  it('uses the ENI, not a host, for an awsvpc task on the EC2 launch type', () => {
    // Prepare
    const fact = factOf('fargate-running', (d) => {
      d.launchType = 'EC2';
      d.containerInstanceArn =
        'arn:aws:ecs:us-east-1:123456789012:container-instance/prod/d1d84798400f49f3b21cb61610c1e3aa';
    });

    // Act
    const desired = run(fact, taskDefinitionFixture('fargate-web'), { hostPrivateIpv4: '10.9.9.9' });

    // Assess
    expect(lines(desired.records)).toContain('A web.internal.example.com. 10.0.1.163');
    expect(lines(desired.records).join('\n')).not.toContain('10.9.9.9');
  });

  it('adds AAAA for a dual-stack task by default, at the name and at the SRV target', () => {
    // Prepare
    const fact = factOf('fargate-ipv6');
    const id = '7d3f9a2b1c0e4d5f9a8b7c6d5e4f3a2b';

    // Act
    const desired = run(fact, taskDefinitionFixture('fargate-web'));

    // Assess
    expect(desired.problems).toEqual([]);
    expect(lines(desired.records)).toEqual([
      'A web.internal.example.com. 10.0.3.25',
      'AAAA web.internal.example.com. 2600:1f18:4a3b:9e00:0:0:0:1d',
      `SRV _web._tcp.internal.example.com. 1 1 8080 ${id}.web.internal.example.com.`,
      `A ${id}.web.internal.example.com. 10.0.3.25`,
      `AAAA ${id}.web.internal.example.com. 2600:1f18:4a3b:9e00:0:0:0:1d`,
    ]);
  });

  it('writes no AAAA when records=A is explicit, even for a dual-stack task', () => {
    // Prepare
    const fact = factOf('fargate-ipv6');

    // Act
    const desired = run(fact, withLabels('fargate-web', { 'ecs-registrar.records': 'A' }));

    // Assess
    expect(desired.problems).toEqual([]);
    expect(lines(desired.records)).toEqual(['A web.internal.example.com. 10.0.3.25']);
  });

  it('reports an explicit AAAA it cannot honour, and writes what it can', () => {
    // Prepare
    const fact = factOf('fargate-running');

    // Act
    const desired = run(fact, withLabels('fargate-web', { 'ecs-registrar.records': 'A,AAAA' }));

    // Assess
    expect(lines(desired.records)).toEqual(['A web.internal.example.com. 10.0.1.163']);
    expect(desired.problems).toEqual([expect.stringMatching(/AAAA requested but the task has no IPv6 address/)]);
  });

  it('publishes the dynamic host ports of a bridge task at the host IP the caller resolved', () => {
    // Prepare
    const fact = factOf('bridge-dynamic-ports');

    // Act
    const desired = run(fact, taskDefinitionFixture('bridge-api'), { hostPrivateIpv4: '10.0.0.5' });

    // Assess
    expect(desired.problems).toEqual([]);
    expect(answering(desired.records).map((r) => [...lines([r]), r.ttl])).toEqual([
      ['A api.internal.example.com. 10.0.0.5', 30],
      [`SRV _api._tcp.internal.example.com. 1 1 32768 ${BR}.api.internal.example.com.`, 30],
      [`A ${BR}.api.internal.example.com. 10.0.0.5`, 30],
      // records=SRV: no A at the name itself, only at the SRV target.
      [`SRV _api-metrics._tcp.internal.example.com. 1 1 32769 ${BR}.api-metrics.internal.example.com.`, 10],
      [`A ${BR}.api-metrics.internal.example.com. 10.0.0.5`, 10],
    ]);
  });

  it('registers Cloud Map instances with the ECS attributes, the owner mark and the custom attributes', () => {
    // Prepare
    const fact = factOf('bridge-dynamic-ports');

    // Act
    const desired = run(fact, taskDefinitionFixture('bridge-api'), { hostPrivateIpv4: '10.0.0.5' });

    // Assess
    expect(desired.instances).toEqual([
      {
        serviceId: 'srv-abc123def456',
        instanceId: BR,
        attributes: {
          tier: 'backend',
          AWS_INSTANCE_IPV4: '10.0.0.5',
          AWS_INSTANCE_PORT: '32768',
          AVAILABILITY_ZONE: 'us-east-1b',
          ECS_CLUSTER_NAME: 'prod',
          ECS_SERVICE_NAME: 'api',
          ECS_TASK_DEFINITION_FAMILY: 'api',
          [OWNER_ATTRIBUTE]: OWNER,
        },
      },
      {
        serviceId: 'srv-metrics789',
        instanceId: BR,
        attributes: expect.objectContaining({ AWS_INSTANCE_PORT: '32769', tier: 'backend', [OWNER_ATTRIBUTE]: OWNER }),
      },
    ]);
  });

  it('adds AWS_INSTANCE_IPV6 for a dual-stack task', () => {
    // Prepare
    const fact = factOf('fargate-ipv6');

    // Act
    const desired = run(fact, withLabels('fargate-web', { 'ecs-registrar.cloudmap-service': 'srv-abc123def456' }));

    // Assess
    expect(desired.instances[0]!.attributes).toMatchObject({
      AWS_INSTANCE_IPV4: '10.0.3.25',
      AWS_INSTANCE_IPV6: '2600:1f18:4a3b:9e00:0:0:0:1d',
      AWS_INSTANCE_PORT: '8080',
    });
  });

  it('gives a standalone task no ECS_SERVICE_NAME', () => {
    // Prepare
    const fact = factOf('standalone-task');

    // Act
    const desired = run(fact, withLabels('fargate-web', { 'ecs-registrar.cloudmap-service': 'srv-abc123def456' }));

    // Assess
    expect(desired.instances).toHaveLength(1);
    expect(desired.instances[0]!.attributes).not.toHaveProperty('ECS_SERVICE_NAME');
    expect(desired.instances[0]!.attributes).toMatchObject({
      ECS_CLUSTER_NAME: 'batch',
      AWS_INSTANCE_IPV4: '10.0.4.40',
    });
    expect(lines(desired.records)).toContain('A web.internal.example.com. 10.0.4.40');
  });

  it('publishes the port of a host-mode task and uses _udp for a udp port', () => {
    // Prepare
    const fact = factOf('host-mode-running');
    const id = '5b2e8c1d9f0a4b3c8d7e6f5a4b3c2d1e';

    // Act
    const desired = run(fact, taskDefinitionFixture('host-mode'), { hostPrivateIpv4: '10.0.0.7' });

    // Assess
    expect(desired.problems).toEqual([]);
    expect(lines(desired.records)).toEqual([
      'A statsd.internal.example.com. 10.0.0.7',
      `SRV _statsd._udp.internal.example.com. 1 1 8125 ${id}.statsd.internal.example.com.`,
      `A ${id}.statsd.internal.example.com. 10.0.0.7`,
    ]);
  });

  it('uses the host IPv6 of a host-mode task', () => {
    // Prepare
    const fact = factOf('host-mode-running');

    // Act
    const desired = run(fact, taskDefinitionFixture('host-mode'), {
      hostPrivateIpv4: '10.0.0.7',
      hostIpv6: '2600:1f18::7',
    });

    // Assess
    expect(lines(desired.records)).toContain('AAAA statsd.internal.example.com. 2600:1f18::7');
  });

  it('selects the public IP of the ENI or of the host when ip=public', () => {
    // Prepare
    const fargate = factOf('fargate-running');
    const bridge = factOf('bridge-dynamic-ports');
    const network: TaskNetwork = {
      eniPublicIpv4: '54.1.2.3',
      hostPrivateIpv4: '10.0.0.5',
      hostPublicIpv4: '3.4.5.6',
    };

    // Act
    const a = run(
      fargate,
      withLabels('fargate-web', { 'ecs-registrar.ip': 'public', 'ecs-registrar.records': 'A' }),
      network,
    );
    const b = run(bridge, withLabels('bridge-api', { 'ecs-registrar.ip': 'public' }), network);

    // Assess
    expect(lines(a.records)).toEqual(['A web.internal.example.com. 54.1.2.3']);
    expect(lines(b.records)[0]).toBe('A api.internal.example.com. 3.4.5.6');
    expect(lines(b.records).join('\n')).not.toContain('10.0.0.5');
  });

  it('registers nothing and reports a problem when no IP of the requested kind is known', () => {
    // Prepare
    const fargate = factOf('fargate-running');
    const bridge = factOf('bridge-dynamic-ports');

    // Act
    const noPublic = run(fargate, withLabels('fargate-web', { 'ecs-registrar.ip': 'public' }), {});
    const noHost = run(bridge, taskDefinitionFixture('bridge-api'), {});

    // Assess
    expect(noPublic.records).toEqual([]);
    expect(noPublic.problems).toEqual([expect.stringMatching(/no public IP address is known.*nothing registered/)]);
    expect(noHost.records).toEqual([]);
    expect(noHost.instances).toEqual([]);
    expect(noHost.problems).toHaveLength(2);
    expect(noHost.problems[0]).toMatch(`task ${BR} registration "api/http": no private IP address`);
  });

  it('still registers the A record of a bridge task whose binding is missing, and skips SRV with a problem', () => {
    // Prepare
    const fact = factOf('bridge-dynamic-ports', (d) => {
      const c = (d.containers as { networkBindings: { containerPort: number }[] }[])[0]!;
      c.networkBindings = c.networkBindings.filter((b) => b.containerPort !== 8080);
    });

    // Act
    const desired = run(fact, taskDefinitionFixture('bridge-api'), { hostPrivateIpv4: '10.0.0.5' });

    // Assess
    expect(lines(desired.records)).toEqual([
      'A api.internal.example.com. 10.0.0.5',
      `SRV _api-metrics._tcp.internal.example.com. 1 1 32769 ${BR}.api-metrics.internal.example.com.`,
      `A ${BR}.api-metrics.internal.example.com. 10.0.0.5`,
    ]);
    expect(desired.problems).toEqual([
      expect.stringMatching(/"api\/http": container "api" has no network binding for port 8080\/tcp; SRV .* skipped/),
    ]);
    expect(desired.instances[0]!.attributes).not.toHaveProperty('AWS_INSTANCE_PORT');
    expect(desired.instances[0]!.attributes.AWS_INSTANCE_IPV4).toBe('10.0.0.5');
  });

  it('does not take a binding of another protocol for the port', () => {
    // Prepare
    const fact = factOf('bridge-dynamic-ports', (d) => {
      const c = (d.containers as { networkBindings: { protocol: string }[] }[])[0]!;
      for (const b of c.networkBindings) b.protocol = 'udp';
    });

    // Act
    const desired = run(fact, taskDefinitionFixture('bridge-api'), { hostPrivateIpv4: '10.0.0.5' });

    // Assess
    expect(desired.records.filter((r) => r.type === 'SRV')).toEqual([]);
    expect(desired.problems).toHaveLength(2);
  });

  it('registers only A (no SRV) for a container without port mappings', () => {
    // Prepare
    const fact = factOf('fargate-running');
    const taskDef = taskDefinitionFixture('fargate-web');
    taskDef.containers[0]!.portMappings = [];

    // Act
    const desired = run(fact, taskDef);

    // Assess
    expect(desired.problems).toEqual([]);
    expect(lines(desired.records)).toEqual(['A web.internal.example.com. 10.0.1.163']);
  });

  it('marks every record with the task’s set identifier for this owner', () => {
    // Prepare
    const fact = factOf('bridge-dynamic-ports');

    // Act
    const desired = run(fact, taskDefinitionFixture('bridge-api'), { hostPrivateIpv4: '10.0.0.5' });

    // Assess
    expect(new Set(desired.records.map((r) => r.setIdentifier))).toEqual(
      new Set([`ecs-registrar:${OWNER}:${BR}:us-east-1/prod`]),
    );
    expect(desired.records.every((r) => r.multiValue === true)).toBe(true);
  });
});
