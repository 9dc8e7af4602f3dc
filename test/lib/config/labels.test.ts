import {
  type ContainerDefinitionView,
  type LabelContext,
  type LabelError,
  MAX_CUSTOM_ATTRIBUTES,
  type PortMappingView,
  parseRegistrationSpecs,
  type TaskDefinitionView,
} from '../../../lib/config/labels';
import { PRIVATE_ZONE, PUBLIC_ZONE, taskDefinitionFixture, testSettings, ZONE_DOMAINS } from '../fixtures';

const ctx: LabelContext = { settings: testSettings(), zoneDomains: ZONE_DOMAINS };
const HTTP: PortMappingView = { containerPort: 8080, protocol: 'tcp', name: 'http' };
const METRICS: PortMappingView = { containerPort: 9090, protocol: 'tcp', name: 'metrics' };

function container(
  name: string,
  dockerLabels: Record<string, string>,
  portMappings: PortMappingView[] = [HTTP],
): ContainerDefinitionView {
  return { name, dockerLabels, portMappings };
}

function taskDef(...containers: ContainerDefinitionView[]): TaskDefinitionView {
  return {
    taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/app:1',
    family: 'app',
    networkMode: 'awsvpc',
    containers,
  };
}

const parse = (...containers: ContainerDefinitionView[]) => parseRegistrationSpecs(taskDef(...containers), ctx);
const summary = (e: LabelError) => ({ container: e.container, label: e.label, value: e.value, reason: e.reason });

describe('parseRegistrationSpecs: the grammar', () => {
  it('reads the Fargate web fixture with every default', () => {
    // Act
    const parsed = parseRegistrationSpecs(taskDefinitionFixture('fargate-web'), ctx);

    // Assess
    expect(parsed).toEqual({
      specs: [
        {
          id: 'web',
          containerName: 'web',
          zoneId: PRIVATE_ZONE,
          zoneDomain: 'internal.example.com.',
          fqdn: 'web.internal.example.com.',
          recordKinds: ['A', 'AAAA', 'SRV'],
          explicitRecords: false,
          port: { containerPort: 8080, hostPort: 8080, protocol: 'tcp', name: 'http' },
          ip: 'private',
          ttl: 60,
          cloudMapServiceId: undefined,
          attributes: {},
          health: 'ignore',
        },
      ],
      errors: [],
      warnings: [],
    });
  });

  it('reads the bridge api fixture: two per-port registrations inheriting container-level settings', () => {
    // Act
    const parsed = parseRegistrationSpecs(taskDefinitionFixture('bridge-api'), ctx);

    // Assess
    expect(parsed.errors).toEqual([]);
    expect(parsed.warnings).toEqual([]);
    expect(parsed.specs).toEqual([
      expect.objectContaining({
        id: 'api/http',
        containerName: 'api',
        fqdn: 'api.internal.example.com.',
        port: { containerPort: 8080, protocol: 'tcp', name: 'http' },
        recordKinds: ['A', 'AAAA', 'SRV'],
        explicitRecords: false,
        ttl: 30,
        cloudMapServiceId: 'srv-abc123def456',
        attributes: { tier: 'backend' },
      }),
      expect.objectContaining({
        id: 'api/metrics',
        containerName: 'api',
        fqdn: 'api-metrics.internal.example.com.',
        port: { containerPort: 9090, protocol: 'tcp', name: 'metrics' },
        recordKinds: ['SRV'],
        explicitRecords: true,
        ttl: 10,
        cloudMapServiceId: 'srv-metrics789',
        attributes: { tier: 'backend' },
      }),
    ]);
  });

  it('reads the host-mode fixture, choosing a udp port by its mapping name', () => {
    // Act
    const parsed = parseRegistrationSpecs(taskDefinitionFixture('host-mode'), ctx);

    // Assess
    expect(parsed.errors).toEqual([]);
    expect(parsed.specs).toHaveLength(1);
    expect(parsed.specs[0]!.port).toEqual({ containerPort: 8125, hostPort: 8125, protocol: 'udp', name: 'statsd' });
  });

  it('chooses a port by number', () => {
    // Act
    const { specs, errors } = parse(
      container('api', { 'ecs-registrar.name': 'api', 'ecs-registrar.port': ' 9090 ' }, [HTTP, METRICS]),
    );

    // Assess
    expect(errors).toEqual([]);
    expect(specs[0]!.port).toEqual(METRICS);
  });

  it('defaults to the first port mapping, and to no port when there is none', () => {
    // Act
    const withPorts = parse(container('api', { 'ecs-registrar.name': 'api' }, [METRICS, HTTP]));
    const withoutPorts = parse(container('worker', { 'ecs-registrar.name': 'worker' }, []));

    // Assess
    expect(withPorts.specs[0]!.port).toEqual(METRICS);
    expect(withoutPorts.errors).toEqual([]);
    expect(withoutPorts.specs[0]!.port).toBeUndefined();
  });

  it('reads an explicit records list case-insensitively, without duplicates', () => {
    // Act
    const { specs, errors } = parse(
      container('web', { 'ecs-registrar.name': 'web', 'ecs-registrar.records': ' a , srv,A,' }),
    );

    // Assess
    expect(errors).toEqual([]);
    expect(specs[0]).toMatchObject({ recordKinds: ['A', 'SRV'], explicitRecords: true });
  });

  it('reads ip, zone (with or without the /hostedzone/ prefix) and ttl', () => {
    // Act
    const { specs, errors } = parse(
      container('a', {
        'ecs-registrar.name': 'Web',
        'ecs-registrar.ip': 'PUBLIC',
        'ecs-registrar.zone': PUBLIC_ZONE,
        'ecs-registrar.ttl': '0',
      }),
      container('b', { 'ecs-registrar.name': 'web2', 'ecs-registrar.zone': `/hostedzone/${PUBLIC_ZONE}` }),
    );

    // Assess
    expect(errors).toEqual([]);
    expect(specs[0]).toMatchObject({
      zoneId: PUBLIC_ZONE,
      zoneDomain: 'example.com.',
      fqdn: 'web.example.com.',
      ip: 'public',
      ttl: 0,
    });
    expect(specs[1]).toMatchObject({ zoneId: PUBLIC_ZONE, fqdn: 'web2.example.com.', ip: 'private', ttl: 60 });
  });

  it('accepts a multi-label name and an absolute name inside the zone', () => {
    // Act
    const { specs, errors } = parse(
      container('a', { 'ecs-registrar.name': ' api.v2 ' }),
      container('b', { 'ecs-registrar.name': 'Admin.Internal.Example.com.' }),
    );

    // Assess
    expect(errors).toEqual([]);
    expect(specs.map((s) => s.fqdn)).toEqual(['api.v2.internal.example.com.', 'admin.internal.example.com.']);
  });

  it('reads an allowed Cloud Map service and custom attributes', () => {
    // Act
    const { specs, errors, warnings } = parse(
      container('web', {
        'ecs-registrar.name': 'web',
        'ecs-registrar.cloudmap-service': 'srv-abc123def456',
        'ecs-registrar.attr.version': '1.4.2',
        'ecs-registrar.attr.stage': 'blue',
      }),
    );

    // Assess
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(specs[0]).toMatchObject({
      cloudMapServiceId: 'srv-abc123def456',
      attributes: { version: '1.4.2', stage: 'blue' },
    });
  });

  it('lets a per-port label override the container-level one, and merges attributes', () => {
    // Act
    const { specs, errors } = parse(
      container(
        'api',
        {
          'ecs-registrar.ip': 'public',
          'ecs-registrar.ttl': '30',
          'ecs-registrar.cloudmap-service': 'srv-abc123def456',
          'ecs-registrar.attr.tier': 'backend',
          'ecs-registrar.attr.stage': 'blue',
          'ecs-registrar.metrics.name': 'metrics',
          'ecs-registrar.metrics.ip': 'private',
          'ecs-registrar.metrics.attr.stage': 'green',
        },
        [HTTP, METRICS],
      ),
    );

    // Assess
    expect(errors).toEqual([]);
    expect(specs).toHaveLength(1);
    expect(specs[0]).toMatchObject({
      id: 'api/metrics',
      port: METRICS,
      ip: 'private',
      ttl: 30,
      attributes: { tier: 'backend', stage: 'green' },
    });
  });

  it('registers both the container-level name and per-port names of one container', () => {
    // Act
    const { specs, errors } = parse(
      container('api', { 'ecs-registrar.name': 'api', 'ecs-registrar.metrics.name': 'api-metrics' }, [HTTP, METRICS]),
    );

    // Assess
    expect(errors).toEqual([]);
    expect(specs.map((s) => [s.id, s.fqdn, s.port?.name])).toEqual([
      ['api', 'api.internal.example.com.', 'http'],
      ['api/metrics', 'api-metrics.internal.example.com.', 'metrics'],
    ]);
  });

  it('skips an ignored container, and an ignored port, without errors', () => {
    // Act
    const { specs, errors } = parse(
      container('a', { 'ecs-registrar.name': 'a', 'ecs-registrar.ignore': 'TRUE' }),
      container(
        'b',
        {
          'ecs-registrar.http.name': 'b',
          'ecs-registrar.metrics.name': 'b-metrics',
          'ecs-registrar.metrics.ignore': 'true',
        },
        [HTTP, METRICS],
      ),
      container('c', { 'ecs-registrar.name': 'c', 'ecs-registrar.ignore': 'false' }),
    );

    // Assess
    expect(errors).toEqual([]);
    expect(specs.map((s) => s.id)).toEqual(['b/http', 'c']);
  });

  it('ignores containers without registrar labels, silently', () => {
    // Act
    const parsed = parse(container('sidecar', { 'com.example.team': 'platform', 'ecs-registrar': 'x' }));

    // Assess
    expect(parsed).toEqual({ specs: [], errors: [], warnings: [] });
  });
});

describe('parseRegistrationSpecs: warnings', () => {
  it('warns about unknown keys without failing the registration', () => {
    // Act
    const { specs, errors, warnings } = parse(
      container('web', { 'ecs-registrar.name': 'web', 'ecs-registrar.nmae': 'typo', 'ecs-registrar.http.port': '1' }),
    );

    // Assess
    expect(errors).toEqual([]);
    expect(specs).toHaveLength(1);
    expect(warnings).toEqual([
      'container "web": unknown label ecs-registrar.nmae; ignored; did you mean ecs-registrar.name?',
      'container "web": unknown label ecs-registrar.http.port; ignored',
    ]);
  });

  it('suggests the closest known key, per-port keys included, and nothing for a key close to none', () => {
    // Act
    const { warnings } = parse(
      container('web', {
        'ecs-registrar.name': 'web',
        'ecs-registrar.tll': '30',
        'ecs-registrar.cloudmap-servce': 'srv-x',
        'ecs-registrar.http.recrods': 'SRV',
        'ecs-registrar.colour': 'blue',
      }),
    );

    // Assess
    expect(warnings).toEqual([
      'container "web": unknown label ecs-registrar.tll; ignored; did you mean ecs-registrar.ttl?',
      'container "web": unknown label ecs-registrar.cloudmap-servce; ignored; did you mean ecs-registrar.cloudmap-service?',
      'container "web": unknown label ecs-registrar.http.recrods; ignored; did you mean ecs-registrar.http.records?',
      'container "web": unknown label ecs-registrar.colour; ignored',
    ]);
  });

  it('warns about a per-port label naming a port the container does not have', () => {
    // Act
    const { specs, warnings } = parse(container('web', { 'ecs-registrar.grpc.name': 'grpc' }));

    // Assess
    expect(specs).toEqual([]);
    expect(warnings).toEqual([expect.stringContaining('names port "grpc", which is not a named port mapping')]);
  });

  it('warns about settings without a name, attributes without a Cloud Map service, per-port labels without name', () => {
    // Act
    const a = parse(container('a', { 'ecs-registrar.ttl': '30' }));
    const b = parse(container('b', { 'ecs-registrar.name': 'b', 'ecs-registrar.attr.x': '1' }));
    const c = parse(container('c', { 'ecs-registrar.http.ttl': '30' }));

    // Assess
    expect(a.warnings).toEqual(['container "a": label ecs-registrar.ttl has no effect without ecs-registrar.name']);
    expect(b.warnings).toEqual([expect.stringContaining('have no effect without ecs-registrar.cloudmap-service')]);
    expect(b.specs).toHaveLength(1);
    expect(c.warnings).toEqual([
      expect.stringContaining('ecs-registrar.http.* have no effect without ecs-registrar.http.name'),
    ]);
    expect([a.errors, b.errors, c.errors]).toEqual([[], [], []]);
  });
});

describe('parseRegistrationSpecs: errors', () => {
  const fixture = parseRegistrationSpecs(taskDefinitionFixture('label-errors'), ctx);
  const errorsOf = (name: string) => fixture.errors.filter((e) => e.container === name).map(summary);

  it('keeps the good registrations of the fixture and rejects every broken container once', () => {
    // Prepare
    const broken = taskDefinitionFixture('label-errors')
      .containers.map((c) => c.name)
      .filter((n) => n !== 'good' && n !== 'dup-first');

    // Act
    const counts = broken.map((name) => [name, errorsOf(name).length]);

    // Assess
    expect(fixture.specs.map((s) => s.id)).toEqual(['good', 'dup-first']);
    expect(counts).toEqual(broken.map((name) => [name, 1]));
  });

  it.each<[string, string, string | undefined, RegExp]>([
    [
      'long-label',
      'ecs-registrar.name',
      'x'.repeat(64),
      /label "x{64}" is 64 bytes long; a DNS label may have at most 63/,
    ],
    ['long-name', 'ecs-registrar.name', undefined, /is 265 bytes long; a DNS name may have at most 255/],
    ['bad-chars', 'ecs-registrar.name', 'web app', /label "web app" may contain only letters, digits, hyphens/],
    ['leading-hyphen', 'ecs-registrar.name', '-web', /may not start or end with a hyphen/],
    ['trailing-hyphen', 'ecs-registrar.name', 'web-', /may not start or end with a hyphen/],
    ['wildcard', 'ecs-registrar.name', '*.web', /wildcards are not allowed/],
    [
      'outside-zone',
      'ecs-registrar.name',
      'web.example.org.',
      /"web.example.org." is outside the zone internal.example.com./,
    ],
    ['apex', 'ecs-registrar.name', 'internal.example.com.', /zone apex/],
    ['bad-port', 'ecs-registrar.port', '9999', /is not a port mapping of the container \(it has: 8080\/tcp \(http\)\)/],
    ['bad-records', 'ecs-registrar.records', 'A,MX', /unknown record type MX; allowed: A, AAAA, SRV/],
    ['srv-no-port', 'ecs-registrar.records', 'A,SRV', /SRV needs a port/],
    ['bad-ip', 'ecs-registrar.ip', 'elastic', /"private" or "public"/],
    ['bad-ttl', 'ecs-registrar.ttl', '1.5', /integer number of seconds/],
    ['negative-ttl', 'ecs-registrar.ttl', '-5', /integer number of seconds/],
    ['zone-not-allowed', 'ecs-registrar.zone', 'Z9NOTOURS', /not one this stack may write/],
    [
      'cloudmap-not-allowed',
      'ecs-registrar.cloudmap-service',
      'srv-someoneelse',
      /not one of REGISTRAR_CLOUDMAP_SERVICE_IDS/,
    ],
    ['reserved-attr', 'ecs-registrar.attr.ECS_CLUSTER_NAME', 'spoofed', /ECS_CLUSTER_NAME is set by the registrar/],
    ['aws-attr', 'ecs-registrar.attr.AWS_INSTANCE_IPV4', '1.2.3.4', /AWS_INSTANCE_IPV4 is set by the registrar/],
    [
      'too-many-attrs',
      'ecs-registrar.attr.*',
      undefined,
      new RegExp(`at most ${MAX_CUSTOM_ATTRIBUTES} custom attributes`),
    ],
    ['bad-ignore', 'ecs-registrar.ignore', 'maybe', /"true" or "false"/],
    ['dup-second', 'ecs-registrar.name', 'shared.internal.example.com.', /already registered by "dup-first"/],
  ])('reports container %s with label %s', (name, label, value, reason) => {
    // Act
    const errors = errorsOf(name);

    // Assess
    expect(errors).toHaveLength(1);
    expect(errors[0]!.label).toBe(label);
    if (value !== undefined) expect(errors[0]!.value).toBe(value);
    expect(errors[0]!.reason).toMatch(reason);
  });

  it('formats the message with container, label, value and reason', () => {
    // Act
    const err = fixture.errors.find((e) => e.container === 'bad-ip')!;

    // Assess
    expect(err.message).toBe('container "bad-ip": label ecs-registrar.ip="elastic": must be "private" or "public"');
  });

  it('never lets a bad container block a good one beside it', () => {
    // Act
    const { specs, errors } = parse(
      container('bad', { 'ecs-registrar.name': 'bad', 'ecs-registrar.ttl': 'forever' }),
      container('good', { 'ecs-registrar.name': 'good' }),
    );

    // Assess
    expect(specs.map((s) => s.id)).toEqual(['good']);
    expect(errors.map(summary)).toEqual([
      {
        container: 'bad',
        label: 'ecs-registrar.ttl',
        value: 'forever',
        reason: expect.stringMatching(/integer/),
      },
    ]);
  });

  it('rejects a wildcard written as the \\052 escape Route 53 uses', () => {
    // Act
    const { specs, errors } = parse(container('web', { 'ecs-registrar.name': '\\052.web' }));

    // Assess
    expect(specs).toEqual([]);
    expect(errors.map((e) => e.label)).toEqual(['ecs-registrar.name']);
  });

  it('reports a bad port once, not again as SRV without a port', () => {
    // Act
    const { errors } = parse(
      container('web', { 'ecs-registrar.name': 'web', 'ecs-registrar.port': 'grpc', 'ecs-registrar.records': 'SRV' }),
    );

    // Assess
    expect(errors.map((e) => [e.label, e.value])).toEqual([['ecs-registrar.port', 'grpc']]);
  });

  it('rejects an empty name and an empty records list', () => {
    // Act
    const { errors } = parse(
      container('a', { 'ecs-registrar.name': '  ' }),
      container('b', { 'ecs-registrar.name': 'b', 'ecs-registrar.records': ' , ' }),
    );

    // Assess
    expect(errors.map(summary)).toEqual([
      { container: 'a', label: 'ecs-registrar.name', value: '  ', reason: 'must not be empty' },
      { container: 'b', label: 'ecs-registrar.records', value: ' , ', reason: expect.stringMatching(/at least one/) },
    ]);
  });

  describe('name length', () => {
    // internal.example.com. is 21 bytes, so a relative name of n bytes gives an fqdn of n + 22 bytes.
    // Labels of at most 62 bytes, so that only the length of the whole name is at stake (see the 63-byte test).
    const relative = (bytes: number) => {
      const labels: string[] = [];
      let left = bytes;
      while (left > 63) {
        labels.push('n'.repeat(62));
        left -= 63;
      }
      if (left === 63) labels.push('n'.repeat(61), 'n');
      else labels.push('n'.repeat(left));
      return labels.join('.');
    };

    it('builds relative names of the requested length', () => {
      // Act / Assess
      for (const n of [13, 62, 63, 64, 197, 233, 234]) {
        expect(relative(n)).toHaveLength(n);
        expect(
          relative(n)
            .split('.')
            .every((l) => l.length > 0 && l.length <= 62),
        ).toBe(true);
      }
    });

    it('accepts a 255-byte name when no SRV is asked for, and rejects 256 bytes', () => {
      // Act
      const ok = parse(container('a', { 'ecs-registrar.name': relative(233), 'ecs-registrar.records': 'A' }));
      const tooLong = parse(container('a', { 'ecs-registrar.name': relative(234), 'ecs-registrar.records': 'A' }));

      // Assess
      expect(ok.errors).toEqual([]);
      expect(Buffer.byteLength(ok.specs[0]!.fqdn)).toBe(255);
      expect(tooLong.errors.map((e) => [e.label, e.reason])).toEqual([
        ['ecs-registrar.name', expect.stringMatching(/256 bytes long; a DNS name may have at most 255/)],
      ]);
    });

    it('keeps headroom for SRV targets (<task-id>.<name>) when SRV records will be written', () => {
      // Act
      const fits = parse(container('a', { 'ecs-registrar.name': relative(196) }));
      const srvTooLong = parse(container('a', { 'ecs-registrar.name': relative(197) }));
      const withoutSrv = parse(
        container('a', { 'ecs-registrar.name': relative(197), 'ecs-registrar.records': 'A,AAAA' }),
      );

      // Assess
      expect(fits.errors).toEqual([]);
      expect(srvTooLong.errors.map((e) => [e.label, e.reason])).toEqual([
        ['ecs-registrar.name', expect.stringMatching(/too long for SRV targets/)],
      ]);
      expect(withoutSrv.errors).toEqual([]);
    });

    it('needs no SRV headroom for a container without port mappings, as no SRV can be written', () => {
      // Act
      const { specs, errors } = parse(container('worker', { 'ecs-registrar.name': relative(197) }, []));

      // Assess
      expect(errors).toEqual([]);
      expect(specs).toHaveLength(1);
    });

    it('rejects a 63-byte first label when SRV is written, as _<label> would exceed 63 bytes', () => {
      // Act
      const withSrv = parse(container('a', { 'ecs-registrar.name': 'x'.repeat(63) }));
      const withoutSrv = parse(container('a', { 'ecs-registrar.name': 'x'.repeat(63), 'ecs-registrar.records': 'A' }));
      const shorter = parse(container('a', { 'ecs-registrar.name': 'x'.repeat(62) }));

      // Assess
      expect(withSrv.specs).toEqual([]);
      expect(withSrv.errors.map((e) => [e.label, e.reason])).toEqual([
        ['ecs-registrar.name', expect.stringMatching(/SRV/)],
      ]);
      expect(withoutSrv.errors).toEqual([]);
      expect(shorter.errors).toEqual([]);
    });
  });

  it('reports Cloud Map as disabled when the stack lists no Cloud Map service', () => {
    // Prepare
    const noCloudMap: LabelContext = { settings: testSettings({ cloudMapServiceIds: [] }), zoneDomains: ZONE_DOMAINS };

    // Act
    const { specs, errors } = parseRegistrationSpecs(
      taskDef(container('web', { 'ecs-registrar.name': 'web', 'ecs-registrar.cloudmap-service': 'srv-abc123def456' })),
      noCloudMap,
    );

    // Assess
    expect(specs).toEqual([]);
    expect(errors.map(summary)).toEqual([
      {
        container: 'web',
        label: 'ecs-registrar.cloudmap-service',
        value: 'srv-abc123def456',
        reason: expect.stringMatching(/Cloud Map is not enabled for this stack/),
      },
    ]);
  });

  it('reports a zone the stack may write whose domain is unknown', () => {
    // Prepare
    const partial: LabelContext = { settings: testSettings(), zoneDomains: new Map([[PUBLIC_ZONE, 'example.com.']]) };

    // Act
    const { errors } = parseRegistrationSpecs(taskDef(container('web', { 'ecs-registrar.name': 'web' })), partial);

    // Assess
    expect(errors.map((e) => [e.label, e.value, e.reason])).toEqual([
      ['ecs-registrar.zone', PRIVATE_ZONE, expect.stringMatching(/could not be read/)],
    ]);
  });

  it('rejects bad attribute keys, long values and too many characters in total', () => {
    // Act
    const { errors } = parse(
      container('a', {
        'ecs-registrar.name': 'a',
        'ecs-registrar.cloudmap-service': 'srv-abc123def456',
        'ecs-registrar.attr.my key': 'x',
      }),
      container('b', {
        'ecs-registrar.name': 'b',
        'ecs-registrar.cloudmap-service': 'srv-abc123def456',
        'ecs-registrar.attr.big': 'v'.repeat(1025),
      }),
      container('c', {
        'ecs-registrar.name': 'c',
        'ecs-registrar.cloudmap-service': 'srv-metrics789',
        ...Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`ecs-registrar.attr.k${i}`, 'v'.repeat(900)])),
      }),
    );

    // Assess
    expect(errors.map((e) => [e.container, e.label, e.reason])).toEqual([
      ['a', 'ecs-registrar.attr.my key', expect.stringMatching(/printable ASCII/)],
      ['b', 'ecs-registrar.attr.big', expect.stringMatching(/at most 1,024 characters \(got 1025\)/)],
      ['c', 'ecs-registrar.attr.*', expect.stringMatching(/at most 4,000/)],
    ]);
  });

  it('accepts exactly the maximum number of custom attributes', () => {
    // Act
    const { specs, errors } = parse(
      container('a', {
        'ecs-registrar.name': 'a',
        'ecs-registrar.cloudmap-service': 'srv-abc123def456',
        ...Object.fromEntries(
          Array.from({ length: MAX_CUSTOM_ATTRIBUTES }, (_, i) => [`ecs-registrar.attr.k${i}`, 'v']),
        ),
      }),
    );

    // Assess
    expect(errors).toEqual([]);
    expect(Object.keys(specs[0]!.attributes)).toHaveLength(MAX_CUSTOM_ATTRIBUTES);
  });

  it('names the per-port label when a per-port value is bad', () => {
    // Act
    const { specs, errors } = parse(
      container('api', { 'ecs-registrar.http.name': 'api', 'ecs-registrar.http.ttl': 'soon' }, [HTTP]),
    );

    // Assess
    expect(specs).toEqual([]);
    expect(errors.map(summary)).toEqual([
      { container: 'api', label: 'ecs-registrar.http.ttl', value: 'soon', reason: expect.any(String) },
    ]);
  });

  it('names the container-level label when a bad inherited value breaks a per-port registration', () => {
    // Act
    const { errors } = parse(
      container('api', { 'ecs-registrar.ip': 'elastic', 'ecs-registrar.http.name': 'api' }, [HTTP]),
    );

    // Assess
    expect(errors.map(summary)).toEqual([
      { container: 'api', label: 'ecs-registrar.ip', value: 'elastic', reason: expect.any(String) },
    ]);
  });

  it('rejects two registrations of one container that claim one name, naming the second one’s label', () => {
    // Act
    const { specs, errors } = parse(
      container('api', { 'ecs-registrar.name': 'api', 'ecs-registrar.metrics.name': 'API' }, [HTTP, METRICS]),
    );

    // Assess
    expect(specs.map((s) => s.id)).toEqual(['api']);
    expect(errors.map(summary)).toEqual([
      {
        container: 'api',
        label: 'ecs-registrar.metrics.name',
        value: 'api.internal.example.com.',
        reason: 'is already registered by "api" in this task definition',
      },
    ]);
  });

  it('allows one name in two different zones', () => {
    // Act
    const { specs, errors } = parse(
      container('a', { 'ecs-registrar.name': 'web' }),
      container('b', { 'ecs-registrar.name': 'web', 'ecs-registrar.zone': PUBLIC_ZONE }),
    );

    // Assess
    expect(errors).toEqual([]);
    expect(specs.map((s) => s.fqdn)).toEqual(['web.internal.example.com.', 'web.example.com.']);
  });

  it('rejects two registrations that use one Cloud Map service', () => {
    // Act
    const { specs, errors } = parse(
      container('a', { 'ecs-registrar.name': 'a', 'ecs-registrar.cloudmap-service': 'srv-abc123def456' }),
      container('b', { 'ecs-registrar.name': 'b', 'ecs-registrar.cloudmap-service': 'srv-abc123def456' }),
    );

    // Assess
    expect(specs.map((s) => s.id)).toEqual(['a']);
    expect(errors.map(summary)).toEqual([
      {
        container: 'b',
        label: 'ecs-registrar.cloudmap-service',
        value: 'srv-abc123def456',
        reason: expect.stringMatching(/already used by "a"/),
      },
    ]);
  });
});

describe('parseRegistrationSpecs: labels named in collisions of per-port registrations', () => {
  it('names the container-level label when two per-port registrations inherit one Cloud Map service', () => {
    // Act
    const { specs, errors } = parse(
      container(
        'api',
        {
          'ecs-registrar.cloudmap-service': 'srv-abc123def456',
          'ecs-registrar.http.name': 'api',
          'ecs-registrar.metrics.name': 'api-metrics',
        },
        [HTTP, METRICS],
      ),
    );

    // Assess
    expect(specs.map((s) => s.id)).toEqual(['api/http']);
    expect(errors.map((e) => [e.label, e.reason])).toEqual([
      ['ecs-registrar.cloudmap-service', expect.stringMatching(/already used by "api\/http"/)],
    ]);
  });

  it('names the per-port label when the per-port registration set the Cloud Map service itself', () => {
    // Act
    const { errors } = parse(
      container(
        'api',
        {
          'ecs-registrar.name': 'api',
          'ecs-registrar.cloudmap-service': 'srv-abc123def456',
          'ecs-registrar.metrics.name': 'api-metrics',
          'ecs-registrar.metrics.cloudmap-service': 'srv-abc123def456',
        },
        [HTTP, METRICS],
      ),
    );

    // Assess
    expect(errors.map((e) => e.label)).toEqual(['ecs-registrar.metrics.cloudmap-service']);
  });
});

describe('parseRegistrationSpecs: input hygiene (issue 9.7)', () => {
  it('refuses a name ending with the zone domain without its trailing dot, with both ways to write it', () => {
    // Act
    const parsed = parse(container('web', { 'ecs-registrar.name': 'rel.internal.example.com' }));

    // Assess: never rel.internal.example.com.internal.example.com.
    expect(parsed.specs).toEqual([]);
    expect(parsed.errors.map(summary)).toEqual([
      {
        container: 'web',
        label: 'ecs-registrar.name',
        value: 'rel.internal.example.com',
        reason:
          'ends with the zone\'s domain internal.example.com but has no trailing dot: write "rel.internal.example.com." for that absolute name or "rel" relative to the zone',
      },
    ]);
  });

  it('still accepts the absolute name with its dot, and relative names', () => {
    // Act
    const parsed = parse(
      container('a', { 'ecs-registrar.name': 'rel.internal.example.com.' }),
      container('b', { 'ecs-registrar.name': 'rel.internal' }),
    );

    // Assess
    expect(parsed.errors).toEqual([]);
    expect(parsed.specs.map((s) => s.fqdn)).toEqual([
      'rel.internal.example.com.',
      'rel.internal.internal.example.com.',
    ]);
  });

  it.each(['_ecs-registrar', 'web._ecs-registrar', '_ecs-registrar.internal.example.com.'])(
    'reserves the ownership label: %s',
    (name) => {
      // Act
      const parsed = parse(container('web', { 'ecs-registrar.name': name }));

      // Assess
      expect(parsed.specs).toEqual([]);
      expect(parsed.errors.map((e) => e.reason)).toEqual([
        "the label _ecs-registrar is reserved for the registrar's ownership records",
      ]);
    },
  );

  it.each([
    ['0123456789abcdef0123456789abcdef.payments', '0123456789abcdef0123456789abcdef'],
    ['0123456789ABCDEF0123456789ABCDEF.payments', '0123456789abcdef0123456789abcdef'],
    ['12345678-90ab-cdef-1234-567890abcdef.payments', '12345678-90ab-cdef-1234-567890abcdef'],
    ['0123456789abcdef0123456789abcdef.payments.internal.example.com.', '0123456789abcdef0123456789abcdef'],
  ])('reserves the SRV target names <task-id>.<name>: %s', (name, first) => {
    // Act: a task labelled like this would add its address to another task's SRV target.
    const parsed = parse(container('web', { 'ecs-registrar.name': name }));

    // Assess
    expect(parsed.specs).toEqual([]);
    expect(parsed.errors.map((e) => e.reason)).toEqual([
      `its first label "${first}" looks like an ECS task id: <task-id>.<name> is reserved for the SRV targets of the registrar's tasks`,
    ]);
  });

  it('reserves the SRV record names _<name>._tcp and _<name>._udp', () => {
    // Act
    const parsed = parse(container('web', { 'ecs-registrar.name': '_payments._tcp' }));

    // Assess
    expect(parsed.errors.map((e) => e.reason)).toEqual([
      "_<name>._tcp.<domain> is reserved for the registrar's SRV records",
    ]);
  });

  it.each([
    'payments-0123456789abcdef0123456789abcdef', // not a whole label
    '0123456789abcdef0123456789abcde.payments', // 31 hex
    'api.0123456789abcdef0123456789abcdef', // not the first label: no SRV target has this shape
    '_payments.internal',
  ])('keeps names that only resemble the reserved shapes: %s', (name) => {
    // Act
    const parsed = parse(container('web', { 'ecs-registrar.name': name, 'ecs-registrar.records': 'A' }));

    // Assess
    expect(parsed.errors).toEqual([]);
    expect(parsed.specs).toHaveLength(1);
  });

  it('a reserved name blocks only its own registration, never the one beside it', () => {
    // Act
    const parsed = parse(
      container('web', { 'ecs-registrar.name': '0123456789abcdef0123456789abcdef.payments' }),
      container('api', { 'ecs-registrar.name': 'api' }),
    );

    // Assess
    expect(parsed.specs.map((s) => s.fqdn)).toEqual(['api.internal.example.com.']);
    expect(parsed.errors).toHaveLength(1);
  });

  it('refuses attr.__proto__ and lowercase copies of reserved attribute keys with a warning, keeping the rest', () => {
    // Act
    const parsed = parse(
      container('web', {
        'ecs-registrar.name': 'web',
        'ecs-registrar.cloudmap-service': 'srv-abc123def456',
        'ecs-registrar.attr.__proto__': 'polluted',
        'ecs-registrar.attr.ecs_cluster_name': 'other',
        'ecs-registrar.attr.aws_instance_ipv4': '10.9.9.9',
        'ecs-registrar.attr.stage': 'blue',
      }),
    );

    // Assess
    expect(parsed.errors).toEqual([]);
    expect(parsed.specs).toHaveLength(1);
    expect(parsed.specs[0]?.attributes).toEqual({ stage: 'blue' });
    expect(Object.getPrototypeOf(parsed.specs[0]?.attributes)).toBe(Object.prototype);
    expect(parsed.warnings).toEqual([
      'container "web": label ecs-registrar.attr.__proto__: "__proto__" is not accepted as an attribute key; ignored',
      'container "web": label ecs-registrar.attr.ecs_cluster_name: "ecs_cluster_name" differs from the registrar\'s own attribute ECS_CLUSTER_NAME only in case, which readers confuse; ignored',
      'container "web": label ecs-registrar.attr.aws_instance_ipv4: "aws_instance_ipv4" differs from the registrar\'s own attribute AWS_INSTANCE_IPV4 only in case, which readers confuse; ignored',
    ]);
  });
});
