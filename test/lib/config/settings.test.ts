import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_DEADLINE_MARGIN_MS,
  DEFAULT_MAX_DELETE_PERCENT,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_TTL,
  type Env,
  loadAwsCallSettings,
  loadSettings,
  SettingsError,
  servesCluster,
} from '../../../lib/config/settings';
import { thrownBy } from '../fixtures';

const base: Env = { REGISTRAR_HOSTED_ZONE_IDS: 'Z0PRIVATE123', REGISTRAR_OWNER_ID: 'prod-registrar' };
const settingsError = (env: Env) => thrownBy(SettingsError, () => loadSettings(env));

describe('loadSettings', () => {
  it('applies defaults to a minimal environment', () => {
    // Act
    const settings = loadSettings(base);

    // Assess
    expect(settings).toEqual({
      hostedZoneIds: ['Z0PRIVATE123'],
      ownerId: 'prod-registrar',
      defaultTtl: DEFAULT_TTL,
      clusters: [],
      cloudMapServiceIds: [],
      maxDeletePercent: DEFAULT_MAX_DELETE_PERCENT,
      namePolicy: { rules: [], foreignSets: 'refuse' },
      mode: 'sync',
      health: 'ignore',
    });
  });

  it('reads every variable, trimming list items and dropping empty ones', () => {
    // Prepare
    const env: Env = {
      REGISTRAR_HOSTED_ZONE_IDS: ' Z0PRIVATE123 , /hostedzone/Z0PUBLIC456,,hostedzone/Z0THIRD789 ',
      REGISTRAR_OWNER_ID: '  my-stack.v2_blue ',
      REGISTRAR_DEFAULT_TTL: ' 30 ',
      REGISTRAR_CLUSTERS: 'prod, arn:aws:ecs:us-east-1:123456789012:cluster/staging',
      REGISTRAR_CLOUDMAP_SERVICE_IDS: 'srv-abc123def456,srv-metrics789',
      REGISTRAR_MAX_DELETE_PERCENT: '100',
      REGISTRAR_NAME_POLICY:
        '{"rules":[{"clusters":["team-a-*"],"services":["payments*"],"zones":["/hostedzone/Z0PUBLIC456"],"names":["payments","@"],"share":true}],"foreignSets":"join","ttl":{"min":10,"max":300}}',
      REGISTRAR_POLICY: ' upsert-only ',
      REGISTRAR_HEALTH: ' Require-Healthy ',
    };

    // Act
    const settings = loadSettings(env);

    // Assess
    expect(settings).toEqual({
      hostedZoneIds: ['Z0PRIVATE123', 'Z0PUBLIC456', 'Z0THIRD789'],
      ownerId: 'my-stack.v2_blue',
      defaultTtl: 30,
      clusters: ['prod', 'staging'],
      cloudMapServiceIds: ['srv-abc123def456', 'srv-metrics789'],
      maxDeletePercent: 100,
      namePolicy: {
        rules: [
          {
            clusters: ['team-a-*'],
            services: ['payments*'],
            zones: ['Z0PUBLIC456'],
            names: ['payments', '@'],
            share: true,
          },
        ],
        foreignSets: 'join',
        ttl: { min: 10, max: 300 },
      },
      mode: 'upsert-only',
      health: 'require-healthy',
    });
  });

  it.each<[string, Env, string, RegExp]>([
    ['missing zones', { REGISTRAR_OWNER_ID: 'x' }, 'REGISTRAR_HOSTED_ZONE_IDS', /is required/],
    ['only commas for zones', { ...base, REGISTRAR_HOSTED_ZONE_IDS: ' , ,' }, 'REGISTRAR_HOSTED_ZONE_IDS', /required/],
    [
      'a lowercase zone id',
      { ...base, REGISTRAR_HOSTED_ZONE_IDS: 'z0private123' },
      'REGISTRAR_HOSTED_ZONE_IDS',
      /"z0private123" is not a hosted zone id/,
    ],
    [
      'a zone name instead of an id',
      { ...base, REGISTRAR_HOSTED_ZONE_IDS: 'example.com' },
      'REGISTRAR_HOSTED_ZONE_IDS',
      /not a hosted zone id/,
    ],
    [
      'a zone ARN',
      { ...base, REGISTRAR_HOSTED_ZONE_IDS: 'arn:aws:route53:::hostedzone/Z0PRIVATE123' },
      'REGISTRAR_HOSTED_ZONE_IDS',
      /not a hosted zone id/,
    ],
    [
      'the same zone twice, once with the prefix',
      { ...base, REGISTRAR_HOSTED_ZONE_IDS: 'Z0PRIVATE123,/hostedzone/Z0PRIVATE123' },
      'REGISTRAR_HOSTED_ZONE_IDS',
      /twice/,
    ],
    ['a missing owner', { REGISTRAR_HOSTED_ZONE_IDS: 'Z1' }, 'REGISTRAR_OWNER_ID', /is required/],
    ['a blank owner', { ...base, REGISTRAR_OWNER_ID: '   ' }, 'REGISTRAR_OWNER_ID', /is required/],
    [
      'an owner with a colon (it would break set identifiers)',
      { ...base, REGISTRAR_OWNER_ID: 'a:b' },
      'REGISTRAR_OWNER_ID',
      /1-64 characters/,
    ],
    ['an owner starting with a hyphen', { ...base, REGISTRAR_OWNER_ID: '-stack' }, 'REGISTRAR_OWNER_ID', /starting/],
    ['an owner of 65 characters', { ...base, REGISTRAR_OWNER_ID: 'a'.repeat(65) }, 'REGISTRAR_OWNER_ID', /1-64/],
    ['a TTL that is not a number', { ...base, REGISTRAR_DEFAULT_TTL: 'soon' }, 'REGISTRAR_DEFAULT_TTL', /integer/],
    ['a fractional TTL', { ...base, REGISTRAR_DEFAULT_TTL: '1.5' }, 'REGISTRAR_DEFAULT_TTL', /integer/],
    ['a negative TTL', { ...base, REGISTRAR_DEFAULT_TTL: '-1' }, 'REGISTRAR_DEFAULT_TTL', /between 0 and 2147483647/],
    ['a TTL too large', { ...base, REGISTRAR_DEFAULT_TTL: '2147483648' }, 'REGISTRAR_DEFAULT_TTL', /2147483647/],
    [
      'a percentage over 100',
      { ...base, REGISTRAR_MAX_DELETE_PERCENT: '101' },
      'REGISTRAR_MAX_DELETE_PERCENT',
      /between 0 and 100/,
    ],
    [
      'a negative percentage',
      { ...base, REGISTRAR_MAX_DELETE_PERCENT: '-5' },
      'REGISTRAR_MAX_DELETE_PERCENT',
      /between 0 and 100/,
    ],
    [
      'a cluster name with a space',
      { ...base, REGISTRAR_CLUSTERS: 'my cluster' },
      'REGISTRAR_CLUSTERS',
      /"my cluster"/,
    ],
    [
      'a cluster ARN with nothing after the slash',
      { ...base, REGISTRAR_CLUSTERS: 'arn:aws:ecs:us-east-1:123456789012:cluster/' },
      'REGISTRAR_CLUSTERS',
      /not a cluster name or ARN/,
    ],
    [
      'a service ARN where a cluster belongs',
      { ...base, REGISTRAR_CLUSTERS: 'arn:aws:ecs:us-east-1:123456789012:service/prod/web' },
      'REGISTRAR_CLUSTERS',
      /not a cluster name or ARN/,
    ],
    [
      'a Cloud Map service ARN instead of an id',
      { ...base, REGISTRAR_CLOUDMAP_SERVICE_IDS: 'arn:aws:servicediscovery:us-east-1:123456789012:service/srv-abc' },
      'REGISTRAR_CLOUDMAP_SERVICE_IDS',
      /not a Cloud Map service id/,
    ],
    [
      'a namespace id instead of a service id',
      { ...base, REGISTRAR_CLOUDMAP_SERVICE_IDS: 'ns-abc123' },
      'REGISTRAR_CLOUDMAP_SERVICE_IDS',
      /not a Cloud Map service id/,
    ],
    [
      'an unknown health gate',
      { ...base, REGISTRAR_HEALTH: 'healthy' },
      'REGISTRAR_HEALTH',
      /"healthy" must be one of ignore, require-healthy/,
    ],
    [
      'an unknown mode',
      { ...base, REGISTRAR_POLICY: 'upsert' },
      'REGISTRAR_POLICY',
      /must be one of sync, upsert-only, create-only/,
    ],
    [
      'a name policy that is not JSON',
      { ...base, REGISTRAR_NAME_POLICY: '{rules' },
      'REGISTRAR_NAME_POLICY',
      /is not valid JSON/,
    ],
    [
      'a name policy that is a list',
      { ...base, REGISTRAR_NAME_POLICY: '[]' },
      'REGISTRAR_NAME_POLICY',
      /must be a JSON object/,
    ],
    [
      'an unknown policy field',
      { ...base, REGISTRAR_NAME_POLICY: '{"rule":[]}' },
      'REGISTRAR_NAME_POLICY.rule',
      /unknown field; known: rules, foreignSets, ttl/,
    ],
    [
      'a rule without names',
      { ...base, REGISTRAR_NAME_POLICY: '{"rules":[{"clusters":["*"]}]}' },
      'REGISTRAR_NAME_POLICY.rules[0].names',
      /is required/,
    ],
    [
      'a rule with empty clusters',
      { ...base, REGISTRAR_NAME_POLICY: '{"rules":[{"clusters":[],"names":["*"]}]}' },
      'REGISTRAR_NAME_POLICY.rules[0].clusters',
      /non-empty list/,
    ],
    [
      'an absolute name in a rule',
      { ...base, REGISTRAR_NAME_POLICY: '{"rules":[{"clusters":["*"],"names":["api.example.com."]}]}' },
      'REGISTRAR_NAME_POLICY.rules[0].names',
      /relative to the zone/,
    ],
    [
      'a share flag that is not a boolean',
      { ...base, REGISTRAR_NAME_POLICY: '{"rules":[{"clusters":["*"],"names":["*"],"share":"yes"}]}' },
      'REGISTRAR_NAME_POLICY.rules[0].share',
      /true or false/,
    ],
    [
      'a rule zone the stack does not write',
      { ...base, REGISTRAR_NAME_POLICY: '{"rules":[{"clusters":["*"],"names":["*"],"zones":["Z0OTHER"]}]}' },
      'REGISTRAR_NAME_POLICY.rules[0].zones',
      /"Z0OTHER" is not one of REGISTRAR_HOSTED_ZONE_IDS/,
    ],
    [
      'foreignSets neither refuse nor join',
      { ...base, REGISTRAR_NAME_POLICY: '{"foreignSets":"allow"}' },
      'REGISTRAR_NAME_POLICY.foreignSets',
      /"refuse" or "join"/,
    ],
    [
      'TTL bounds upside down',
      { ...base, REGISTRAR_NAME_POLICY: '{"ttl":{"min":300,"max":10}}' },
      'REGISTRAR_NAME_POLICY.ttl',
      /min \(300\) is greater than max \(10\)/,
    ],
    [
      'a negative TTL bound',
      { ...base, REGISTRAR_NAME_POLICY: '{"ttl":{"min":-1}}' },
      'REGISTRAR_NAME_POLICY.ttl.min',
      /integer number of seconds/,
    ],
    [
      'a zone filter naming a zone the stack does not write',
      { ...base, REGISTRAR_ZONE_ID_FILTER: 'Z0OTHER' },
      'REGISTRAR_ZONE_ID_FILTER',
      /"Z0OTHER" is not one of REGISTRAR_HOSTED_ZONE_IDS \(Z0PRIVATE123\)/,
    ],
    [
      'an excluded zone the stack does not write',
      { ...base, REGISTRAR_EXCLUDE_ZONE_IDS: 'Z0OTHER' },
      'REGISTRAR_EXCLUDE_ZONE_IDS',
      /"Z0OTHER" is not one of REGISTRAR_HOSTED_ZONE_IDS/,
    ],
    [
      'zone filters that leave no zone',
      { ...base, REGISTRAR_EXCLUDE_ZONE_IDS: 'Z0PRIVATE123' },
      'REGISTRAR_EXCLUDE_ZONE_IDS',
      /leaves no zone in the stack's view/,
    ],
    [
      'a domain filter with a pattern',
      { ...base, REGISTRAR_DOMAIN_FILTER: '*.example.com' },
      'REGISTRAR_DOMAIN_FILTER',
      /"\*\.example\.com" is a pattern; list domains/,
    ],
    [
      'an excluded domain that is not a domain name',
      { ...base, REGISTRAR_EXCLUDE_DOMAINS: 'legacy..example.com' },
      'REGISTRAR_EXCLUDE_DOMAINS',
      /"legacy\.\.example\.com" is not a domain name/,
    ],
  ])('rejects %s, naming the variable', (_what, env, variable, reason) => {
    // Act
    const err = settingsError(env);

    // Assess
    expect(err.variable).toBe(variable);
    expect(err.reason).toMatch(reason);
    expect(err.message.startsWith(`${variable}: `)).toBe(true);
  });

  it.each([
    ['0', 0],
    ['2147483647', 2_147_483_647],
  ])('accepts the TTL bound %s', (value, ttl) => {
    // Act / Assess
    expect(loadSettings({ ...base, REGISTRAR_DEFAULT_TTL: value }).defaultTtl).toBe(ttl);
  });

  it('treats a blank TTL or percentage as unset', () => {
    // Act
    const settings = loadSettings({ ...base, REGISTRAR_DEFAULT_TTL: ' ', REGISTRAR_MAX_DELETE_PERCENT: '' });

    // Assess
    expect([settings.defaultTtl, settings.maxDeletePercent]).toEqual([DEFAULT_TTL, DEFAULT_MAX_DELETE_PERCENT]);
  });

  it('accepts an owner of exactly 64 characters', () => {
    // Act / Assess
    expect(loadSettings({ ...base, REGISTRAR_OWNER_ID: `A${'b'.repeat(63)}` }).ownerId).toHaveLength(64);
  });

  it('reads process.env when no environment is given', () => {
    // Prepare
    const saved = { ...process.env };
    process.env.REGISTRAR_HOSTED_ZONE_IDS = 'Z0FROMENV1';
    process.env.REGISTRAR_OWNER_ID = 'from-env';

    try {
      // Act
      const settings = loadSettings();

      // Assess
      expect(settings.hostedZoneIds).toEqual(['Z0FROMENV1']);
      expect(settings.ownerId).toBe('from-env');
    } finally {
      process.env = saved;
    }
  });
});

describe('zone and domain filters', () => {
  it('reads the four lists into the name policy, normalising zone ids and domains', () => {
    // Prepare
    const env: Env = {
      ...base,
      REGISTRAR_HOSTED_ZONE_IDS: 'Z0PRIVATE123,Z0PUBLIC456,Z0THIRD789',
      REGISTRAR_ZONE_ID_FILTER: '/hostedzone/Z0PRIVATE123, Z0PUBLIC456',
      REGISTRAR_EXCLUDE_ZONE_IDS: 'Z0PUBLIC456',
      REGISTRAR_DOMAIN_FILTER: 'Team-A.Example.com., example.org',
      REGISTRAR_EXCLUDE_DOMAINS: 'legacy.team-a.example.com',
    };

    // Act
    const settings = loadSettings(env);

    // Assess
    expect(settings.namePolicy).toEqual({
      rules: [],
      foreignSets: 'refuse',
      filter: {
        zoneIds: ['Z0PRIVATE123', 'Z0PUBLIC456'],
        excludeZoneIds: ['Z0PUBLIC456'],
        domains: ['team-a.example.com.', 'example.org.'],
        excludeDomains: ['legacy.team-a.example.com.'],
      },
    });
  });

  it('sets no filter when every list is empty', () => {
    // Act
    const settings = loadSettings({ ...base, REGISTRAR_DOMAIN_FILTER: ' , ', REGISTRAR_ZONE_ID_FILTER: '' });

    // Assess
    expect(settings.namePolicy?.filter).toBeUndefined();
  });
});

describe('servesCluster', () => {
  it('serves every cluster when none is configured, otherwise only the listed ones', () => {
    // Prepare
    const all = loadSettings(base);
    const some = loadSettings({ ...base, REGISTRAR_CLUSTERS: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod' });

    // Act / Assess
    expect(servesCluster(all, 'anything')).toBe(true);
    expect(servesCluster(some, 'prod')).toBe(true);
    expect(servesCluster(some, 'staging')).toBe(false);
  });
});

describe('loadAwsCallSettings', () => {
  it('defaults to a few seconds per call and a margin before the deadline', () => {
    // Act / Assess
    expect(loadAwsCallSettings({})).toEqual({
      connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
      requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
      deadlineMarginMs: DEFAULT_DEADLINE_MARGIN_MS,
    });
    expect(DEFAULT_CONNECT_TIMEOUT_MS + DEFAULT_REQUEST_TIMEOUT_MS).toBeLessThan(10_000);
  });

  it('reads each variable', () => {
    // Act
    const calls = loadAwsCallSettings({
      REGISTRAR_AWS_CONNECT_TIMEOUT_MS: '250',
      REGISTRAR_AWS_REQUEST_TIMEOUT_MS: ' 1500 ',
      REGISTRAR_DEADLINE_MARGIN_MS: '0',
    });

    // Assess
    expect(calls).toEqual({ connectTimeoutMs: 250, requestTimeoutMs: 1500, deadlineMarginMs: 0 });
  });

  it.each<[string, string, RegExp]>([
    ['REGISTRAR_AWS_CONNECT_TIMEOUT_MS', '0', /between 1 and 120000/],
    ['REGISTRAR_AWS_CONNECT_TIMEOUT_MS', '3s', /"3s" must be an integer/],
    ['REGISTRAR_AWS_REQUEST_TIMEOUT_MS', '-5', /between 1 and 900000/],
    ['REGISTRAR_AWS_REQUEST_TIMEOUT_MS', '1.5', /must be an integer/],
    ['REGISTRAR_DEADLINE_MARGIN_MS', 'soon', /must be an integer between 0 and 600000/],
  ])('refuses %s=%s naming the variable', (variable, value, reason) => {
    // Act
    const error = thrownBy(SettingsError, () => loadAwsCallSettings({ [variable]: value }));

    // Assess
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(new RegExp(`^${variable}: `));
    expect(error.reason).toMatch(reason);
  });
});
