import {
  type DnsRecord,
  instanceKey,
  normaliseAlias,
  normaliseValue,
  recordKey,
  resourceRecordCount,
  sameAttributes,
  sameRecordContent,
  valueCharacters,
} from '../../../lib/domain/records';

const record = (overrides: Partial<DnsRecord> = {}): DnsRecord => ({
  zoneId: 'Z0PRIVATE123',
  name: 'web.internal.example.com.',
  type: 'A',
  setIdentifier: 'ecs-registrar:prod:a1173316d40a45dea9b2c3d4e5f60718',
  multiValue: true,
  ttl: 60,
  values: ['10.0.1.163'],
  ...overrides,
});

describe('normaliseValue', () => {
  it.each([
    ['SRV', '1 1 8080 A1173316.Web.Internal.Example.com', '1 1 8080 a1173316.web.internal.example.com.'],
    ['SRV', '  1   1  8080   t.example.com.  ', '1 1 8080 t.example.com.'],
    ['CNAME', ' LB-123.elb.amazonaws.com ', 'lb-123.elb.amazonaws.com.'],
    ['AAAA', '2600:1F18::1D', '2600:1f18::1d'],
    ['A', ' 10.0.1.163 ', '10.0.1.163'],
    ['TXT', '"Hello World"', '"Hello World"'],
  ])('%s %s -> %s', (type, value, expected) => {
    // Act / Assess
    expect(normaliseValue(type, value)).toBe(expected);
  });
});

describe('normaliseAlias', () => {
  it('lowercases the DNS name, adds the dot and strips /hostedzone/', () => {
    // Act
    const alias = normaliseAlias({
      dnsName: 'Dualstack.My-ALB-123.us-east-1.elb.amazonaws.com',
      hostedZoneId: '/hostedzone/Z35SXDOTRQ7X7K',
      evaluateTargetHealth: true,
    });

    // Assess
    expect(alias).toEqual({
      dnsName: 'dualstack.my-alb-123.us-east-1.elb.amazonaws.com.',
      hostedZoneId: 'Z35SXDOTRQ7X7K',
      evaluateTargetHealth: true,
    });
  });
});

describe('sameRecordContent', () => {
  it('treats value order, case and trailing dots of targets as irrelevant', () => {
    // Prepare
    const a = record({ type: 'SRV', values: ['1 1 8080 a.web.example.com.', '1 1 8081 b.web.example.com.'] });
    const b = record({ type: 'SRV', values: ['1 1 8081 B.web.example.com', '1 1 8080 a.WEB.example.com'] });

    // Act / Assess
    expect(sameRecordContent(a, b)).toBe(true);
  });

  it('compares AAAA values case-insensitively', () => {
    // Act / Assess
    expect(
      sameRecordContent(
        record({ type: 'AAAA', values: ['2600:1F18::1'] }),
        record({ type: 'AAAA', values: ['2600:1f18::1'] }),
      ),
    ).toBe(true);
  });

  it.each<[string, Partial<DnsRecord>]>([
    ['another value', { values: ['10.0.1.164'] }],
    ['an extra value', { values: ['10.0.1.163', '10.0.1.164'] }],
    ['no values', { values: [] }],
    ['another TTL', { ttl: 300 }],
    ['no TTL', { ttl: undefined }],
    ['not multivalue', { multiValue: false }],
    ['a weight', { weight: 10 }],
    ['a health check', { healthCheckId: 'hc-1' }],
    [
      'an alias instead of values',
      { values: undefined, alias: { dnsName: 'lb.example.com.', hostedZoneId: 'Z1', evaluateTargetHealth: false } },
    ],
  ])('sees %s as a difference', (_what, change) => {
    // Act / Assess
    expect(sameRecordContent(record(), record(change))).toBe(false);
    expect(sameRecordContent(record(change), record())).toBe(false);
  });

  it('compares alias targets after normalisation, and their health evaluation', () => {
    // Prepare
    const alias = (dnsName: string, hostedZoneId: string, evaluateTargetHealth: boolean) =>
      record({
        multiValue: false,
        values: undefined,
        ttl: undefined,
        alias: { dnsName, hostedZoneId, evaluateTargetHealth },
      });

    // Act / Assess
    expect(
      sameRecordContent(alias('LB.example.com', '/hostedzone/Z1', true), alias('lb.example.com.', 'Z1', true)),
    ).toBe(true);
    expect(sameRecordContent(alias('lb.example.com.', 'Z1', true), alias('lb2.example.com.', 'Z1', true))).toBe(false);
    expect(sameRecordContent(alias('lb.example.com.', 'Z1', true), alias('lb.example.com.', 'Z2', true))).toBe(false);
    expect(sameRecordContent(alias('lb.example.com.', 'Z1', true), alias('lb.example.com.', 'Z1', false))).toBe(false);
  });

  it('is true for a record and its copy', () => {
    // Act / Assess
    expect(sameRecordContent(record(), { ...record() })).toBe(true);
  });
});

describe('sameAttributes', () => {
  it('compares keys and values regardless of order', () => {
    // Act / Assess
    expect(sameAttributes({ a: '1', b: '2' }, { b: '2', a: '1' })).toBe(true);
    expect(sameAttributes({ a: '1', b: '2' }, { a: '1', b: '3' })).toBe(false);
    expect(sameAttributes({ a: '1' }, { a: '1', b: '2' })).toBe(false);
    expect(sameAttributes({ a: '1', c: '2' }, { a: '1', b: '2' })).toBe(false);
  });
});

describe('keys and request accounting', () => {
  it('keys records by zone, name, type and set identifier, and instances by service and id', () => {
    // Act / Assess
    expect(recordKey(record())).toBe(
      'Z0PRIVATE123|web.internal.example.com.|A|ecs-registrar:prod:a1173316d40a45dea9b2c3d4e5f60718',
    );
    expect(recordKey(record({ setIdentifier: undefined }))).toBe('Z0PRIVATE123|web.internal.example.com.|A|');
    expect(recordKey(record({ type: 'AAAA' }))).not.toBe(recordKey(record()));
    expect(instanceKey({ serviceId: 'srv-1', instanceId: 'abc' })).toBe('srv-1|abc');
  });

  it('counts value characters and resource records as Route 53 does', () => {
    // Prepare
    const values = record({ values: ['10.0.1.163', '10.0.1.2'] });
    const alias = record({
      values: undefined,
      alias: { dnsName: 'lb.example.com.', hostedZoneId: 'Z1', evaluateTargetHealth: false },
    });

    // Act / Assess
    expect(valueCharacters(values)).toBe(18);
    expect(resourceRecordCount(values)).toBe(2);
    expect(valueCharacters(alias)).toBe('lb.example.com.'.length);
    expect(resourceRecordCount(alias)).toBe(1);
    expect(resourceRecordCount(record({ values: undefined }))).toBe(0);
  });
});
