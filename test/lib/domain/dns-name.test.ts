import {
  hostNameProblem,
  isWithinZone,
  labelProblem,
  MAX_LABEL_BYTES,
  MAX_NAME_BYTES,
  normaliseName,
  srvName,
} from '../../../lib/domain/dns-name';

describe('normaliseName', () => {
  it.each([
    ['web.example.com', 'web.example.com.'],
    ['web.example.com.', 'web.example.com.'],
    ['Web.EXAMPLE.com', 'web.example.com.'],
    ['\\052.example.com.', '*.example.com.'],
    ['_web._tcp.Example.com', '_web._tcp.example.com.'],
    // Route 53 escapes characters outside [a-z0-9-_]; an escaped capital letter still compares lowercase.
    ['\\101pi.example.com.', 'api.example.com.'],
  ])('%s -> %s', (input, expected) => {
    // Act / Assess
    expect(normaliseName(input)).toBe(expected);
  });

  it('is idempotent', () => {
    // Prepare
    const once = normaliseName('\\052.Web.Example.COM');

    // Act / Assess
    expect(normaliseName(once)).toBe(once);
  });

  it('keeps an escaped dot (\\056) inside its label instead of turning it into a label separator', () => {
    // Act
    const escaped = normaliseName('a\\056b.example.com.');

    // Assess
    expect(escaped).not.toBe(normaliseName('a.b.example.com.'));
    expect(escaped).toBe('a\\056b.example.com.');
  });
});

describe('hostNameProblem and labelProblem', () => {
  it.each(['web.example.com.', 'web.example.com', 'a-b_c.x1.example.com.', `${'a'.repeat(63)}.example.com.`])(
    'accepts %s',
    (name) => {
      // Act / Assess
      expect(hostNameProblem(name)).toBeUndefined();
    },
  );

  it.each<[string, RegExp]>([
    ['.', /is empty/],
    ['web..example.com.', /label "" is empty/],
    [`${'a'.repeat(64)}.example.com.`, /64 bytes long; a DNS label may have at most 63/],
    ['web app.example.com.', /may contain only letters/],
    ['Web.example.com.', /may contain only letters/],
    ['*.example.com.', /may contain only letters/],
    ['-web.example.com.', /start or end with a hyphen/],
    ['web-.example.com.', /start or end with a hyphen/],
    ['wéb.example.com.', /may contain only letters/],
  ])('rejects %s', (name, reason) => {
    // Act / Assess
    expect(hostNameProblem(name)).toMatch(reason);
  });

  it('counts bytes, with the trailing dot, against the 255-byte limit', () => {
    // Prepare: four 62-byte labels and a 2-byte one, each with its dot: 4 * 63 + 3 = 255 bytes.
    const fits = `${Array.from({ length: 4 }, () => 'a'.repeat(62)).join('.')}.ab.`;
    const tooLong = `${Array.from({ length: 4 }, () => 'a'.repeat(62)).join('.')}.abc.`;

    // Act / Assess
    expect(Buffer.byteLength(fits)).toBe(MAX_NAME_BYTES);
    expect(hostNameProblem(fits)).toBeUndefined();
    expect(hostNameProblem(tooLong)).toMatch(/256 bytes long; a DNS name may have at most 255/);
  });

  it('measures labels in bytes, not characters', () => {
    // Prepare: 32 two-byte characters are 64 bytes.
    const label = 'é'.repeat(32);

    // Act / Assess
    expect(label.length).toBeLessThan(MAX_LABEL_BYTES);
    expect(labelProblem(label)).toMatch(/64 bytes long/);
  });
});

describe('isWithinZone', () => {
  it.each([
    ['example.com.', 'example.com.', true],
    ['web.example.com.', 'example.com.', true],
    ['a.b.example.com.', 'example.com.', true],
    ['badexample.com.', 'example.com.', false],
    ['example.org.', 'example.com.', false],
    ['com.', 'example.com.', false],
  ])('%s within %s: %s', (name, zone, expected) => {
    // Act / Assess
    expect(isWithinZone(name, zone)).toBe(expected);
  });
});

describe('srvName', () => {
  it('prefixes the service label and the protocol', () => {
    // Act / Assess
    expect(srvName('web.internal.example.com.', 'tcp')).toBe('_web._tcp.internal.example.com.');
    expect(srvName('statsd.example.com.', 'udp')).toBe('_statsd._udp.example.com.');
  });
});
