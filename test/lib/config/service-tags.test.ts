import { parseServiceTags, type ServiceAliasSpec } from '../../../lib/config/service-tags';
import { PRIVATE_ZONE, PUBLIC_ZONE, testSettings, ZONE_DOMAINS } from '../fixtures';

const ctx = { settings: testSettings({ defaultTtl: 45 }), zoneDomains: ZONE_DOMAINS };
const parse = (tags: Record<string, string>) => parseServiceTags(tags, ctx);

describe('parseServiceTags', () => {
  test('a relative alias lands in the default zone, as an alias with its ownership record beside it', () => {
    // Prepare
    const tags = { 'ecs-registrar:alias': 'Api', team: 'payments' };

    // Act
    const parsed = parse(tags);

    // Assess
    expect(parsed).toEqual({
      optedIn: true,
      errors: [],
      warnings: [],
      spec: {
        zoneId: PRIVATE_ZONE,
        zoneDomain: 'internal.example.com.',
        fqdn: 'api.internal.example.com.',
        ownershipName: 'api._ecs-registrar.internal.example.com.',
        kind: 'alias',
        ttl: 45,
        evaluateTargetHealth: false,
      } satisfies ServiceAliasSpec,
    });
  });

  test('an absolute name inside the chosen zone, a CNAME with its own TTL', () => {
    // Prepare
    const tags = {
      'ecs-registrar:alias': 'shop.eu.example.com.',
      'ecs-registrar:alias-zone': `/hostedzone/${PUBLIC_ZONE}`,
      'ecs-registrar:alias-type': 'CNAME',
      'ecs-registrar:alias-ttl': '300',
    };

    // Act
    const { spec, errors } = parse(tags);

    // Assess
    expect(errors).toEqual([]);
    expect(spec).toMatchObject({
      zoneId: PUBLIC_ZONE,
      fqdn: 'shop.eu.example.com.',
      ownershipName: 'shop.eu._ecs-registrar.example.com.',
      kind: 'cname',
      ttl: 300,
    });
  });

  test('"@" names the zone apex, where an alias (not a CNAME) may live; its ownership record is the subtree root', () => {
    // Prepare
    const tags = { 'ecs-registrar:alias': '@', 'ecs-registrar:alias-zone': PUBLIC_ZONE };

    // Act
    const { spec } = parse(tags);

    // Assess
    expect(spec).toMatchObject({ fqdn: 'example.com.', ownershipName: '_ecs-registrar.example.com.', kind: 'alias' });
  });

  test('evaluate-target-health can be turned on for alias records', () => {
    // Prepare
    const tags = { 'ecs-registrar:alias': 'api', 'ecs-registrar:alias-evaluate-target-health': 'TRUE' };

    // Act
    const { spec } = parse(tags);

    // Assess
    expect(spec?.evaluateTargetHealth).toBe(true);
  });

  test('no alias tag: not opted in; the other registrar tags are reported as having no effect', () => {
    // Prepare
    const tags = { 'ecs-registrar:alias-zone': PUBLIC_ZONE, team: 'x' };

    // Act
    const parsed = parse(tags);

    // Assess
    expect(parsed.optedIn).toBe(false);
    expect(parsed.spec).toBeUndefined();
    expect(parsed.errors).toEqual([]);
    expect(parsed.warnings).toEqual(['tags ecs-registrar:alias-zone have no effect without ecs-registrar:alias']);
  });

  test.each([
    [
      'a zone the stack may not write',
      { 'ecs-registrar:alias': 'api', 'ecs-registrar:alias-zone': 'Z9OTHER' },
      'tag ecs-registrar:alias-zone="Z9OTHER": zone Z9OTHER is not one this stack may write (REGISTRAR_HOSTED_ZONE_IDS: Z0PRIVATE123, Z0PUBLIC456)',
    ],
    [
      'a CNAME at the zone apex',
      { 'ecs-registrar:alias': '@', 'ecs-registrar:alias-type': 'cname' },
      'tag ecs-registrar:alias="@": names the zone apex internal.example.com., where DNS allows no CNAME; use ecs-registrar:alias-type=alias (the default)',
    ],
    [
      'a CNAME at the apex written as an absolute name',
      {
        'ecs-registrar:alias': 'example.com.',
        'ecs-registrar:alias-zone': PUBLIC_ZONE,
        'ecs-registrar:alias-type': 'cname',
      },
      'tag ecs-registrar:alias="example.com.": names the zone apex example.com., where DNS allows no CNAME; use ecs-registrar:alias-type=alias (the default)',
    ],
    [
      'an absolute name outside the zone',
      { 'ecs-registrar:alias': 'api.example.org.' },
      'tag ecs-registrar:alias="api.example.org.": "api.example.org." is outside the zone internal.example.com.',
    ],
    ['a wildcard', { 'ecs-registrar:alias': '*.api' }, 'tag ecs-registrar:alias="*.api": wildcards are not allowed'],
    ['an empty name', { 'ecs-registrar:alias': ' ' }, 'tag ecs-registrar:alias=" ": must not be empty'],
    [
      'a bad label',
      { 'ecs-registrar:alias': 'api..v2' },
      'tag ecs-registrar:alias="api..v2": the name "api..v2.internal.example.com." label "" is empty (two dots in a row, or a leading dot)',
    ],
    [
      'the reserved ownership label',
      { 'ecs-registrar:alias': 'x._ecs-registrar' },
      'tag ecs-registrar:alias="x._ecs-registrar": the label _ecs-registrar is reserved for the registrar\'s ownership records',
    ],
    [
      'an SRV target name of a task',
      { 'ecs-registrar:alias': '0123456789abcdef0123456789abcdef.payments' },
      'tag ecs-registrar:alias="0123456789abcdef0123456789abcdef.payments": its first label "0123456789abcdef0123456789abcdef" looks like an ECS task id: <task-id>.<name> is reserved for the SRV targets of the registrar\'s tasks',
    ],
    [
      'a UUID-shaped SRV target name',
      { 'ecs-registrar:alias': '12345678-90ab-cdef-1234-567890abcdef.payments.internal.example.com.' },
      'tag ecs-registrar:alias="12345678-90ab-cdef-1234-567890abcdef.payments.internal.example.com.": its first label "12345678-90ab-cdef-1234-567890abcdef" looks like an ECS task id: <task-id>.<name> is reserved for the SRV targets of the registrar\'s tasks',
    ],
    [
      'an SRV record name',
      { 'ecs-registrar:alias': '_payments._udp' },
      'tag ecs-registrar:alias="_payments._udp": _<name>._udp.<domain> is reserved for the registrar\'s SRV records',
    ],
    [
      'an unknown type',
      { 'ecs-registrar:alias': 'api', 'ecs-registrar:alias-type': 'weighted' },
      'tag ecs-registrar:alias-type="weighted": must be "alias" or "cname"',
    ],
    [
      'a bad TTL',
      { 'ecs-registrar:alias': 'api', 'ecs-registrar:alias-type': 'cname', 'ecs-registrar:alias-ttl': '-5' },
      'tag ecs-registrar:alias-ttl="-5": must be an integer number of seconds between 0 and 2147483647',
    ],
    [
      'a bad evaluate flag',
      { 'ecs-registrar:alias': 'api', 'ecs-registrar:alias-evaluate-target-health': 'yes' },
      'tag ecs-registrar:alias-evaluate-target-health="yes": must be "true" or "false"',
    ],
  ])('%s is a clear error and no spec', (_title, tags, message) => {
    // Act
    const parsed = parse(tags);

    // Assess
    expect(parsed.optedIn).toBe(true);
    expect(parsed.spec).toBeUndefined();
    expect(parsed.errors.map((e) => e.message)).toEqual([message]);
  });

  test('a name whose ownership record would pass 255 bytes is refused', () => {
    // Prepare: the name itself fits (250 of 255 bytes with the zone), its ownership record (15 bytes more) does not
    const label = 'a'.repeat(60);
    const rel = [label, label, label, 'b'.repeat(45)].join('.');

    // Act
    const parsed = parse({ 'ecs-registrar:alias': rel });

    // Assess
    expect(parsed.spec).toBeUndefined();
    expect(parsed.errors[0]?.message).toMatch(
      /is too long: its ownership record ".*\._ecs-registrar\.internal\.example\.com\." is \d+ bytes long/,
    );
  });

  test('tags with no effect and unknown registrar tags are warnings, not errors', () => {
    // Prepare
    const tags = {
      'ecs-registrar:alias': 'api',
      'ecs-registrar:alias-ttl': '30',
      'ecs-registrar:aliass': 'typo',
    };

    // Act
    const parsed = parse(tags);

    // Assess
    expect(parsed.errors).toEqual([]);
    expect(parsed.spec?.ttl).toBe(45);
    expect(parsed.warnings).toEqual([
      expect.stringContaining('unknown tag ecs-registrar:aliass; ignored; did you mean ecs-registrar:alias?'),
      "tag ecs-registrar:alias-ttl has no effect on alias records (Route 53 answers with the load balancer's TTL); it applies to ecs-registrar:alias-type=cname",
    ]);
  });
});

describe('parseServiceTags: input hygiene (issue 9.7)', () => {
  test('an alias ending with the zone domain without its trailing dot is refused, never doubled', () => {
    // Act
    const parsed = parse({ 'ecs-registrar:alias': 'api.internal.example.com' });

    // Assess
    expect(JSON.stringify(parsed)).not.toContain('api.internal.example.com.internal.example.com.');
    expect(JSON.stringify(parsed)).toContain(
      'ends with the zone\'s domain internal.example.com but has no trailing dot: write \\"api.internal.example.com.\\" for that absolute name',
    );
  });
});
