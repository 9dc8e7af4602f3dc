import {
  type Change,
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  GetChangeCommand,
  GetHostedZoneCommand,
  InvalidChangeBatch,
  InvalidInput,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  type ListResourceRecordSetsCommandInput,
  NoSuchHostedZone,
  PriorRequestNotComplete,
  type ResourceRecordSet,
  Route53Client,
  Route53ServiceException,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { route53Errors } from '../../testkit/aws-errors';
import { FakeRoute53 } from '../../testkit/fake-route53';

const r53Mock = mockClient(Route53Client);
const client = new Route53Client({ region: 'us-east-1' });
let fake: FakeRoute53;

beforeEach(() => {
  r53Mock.reset();
  fake = new FakeRoute53();
  fake.install(r53Mock);
  fake.addZone({ id: 'Z1', name: 'example.com' });
});

const a = (name: string, ip: string, extra: Partial<ResourceRecordSet> = {}): ResourceRecordSet => ({
  Name: name,
  Type: 'A',
  TTL: 60,
  ResourceRecords: [{ Value: ip }],
  ...extra,
});
const mv = (name: string, id: string, ip: string): ResourceRecordSet =>
  a(name, ip, { SetIdentifier: id, MultiValueAnswer: true });
const create = (rr: ResourceRecordSet): Change => ({ Action: 'CREATE', ResourceRecordSet: rr });
const upsert = (rr: ResourceRecordSet): Change => ({ Action: 'UPSERT', ResourceRecordSet: rr });
const del = (rr: ResourceRecordSet): Change => ({ Action: 'DELETE', ResourceRecordSet: rr });

function submit(...changes: Change[]) {
  return client.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: 'Z1', ChangeBatch: { Changes: changes } }));
}

async function rejection(promise: Promise<unknown>): Promise<Error & { messages?: string[] }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error('expected the call to be rejected');
}

async function batchMessages(...changes: Change[]): Promise<string[]> {
  const error = await rejection(submit(...changes));
  expect(error).toBeInstanceOf(InvalidChangeBatch);
  return error.messages ?? [];
}

const names = () => fake.records('Z1').map((r) => `${r.Name} ${r.Type} ${r.SetIdentifier ?? ''}`.trim());

describe('zones', () => {
  it('starts each zone with the apex SOA and NS and answers GetHostedZone in AWS form for either id form', async () => {
    // Prepare
    fake.addZone({ id: '/hostedzone/Z2', name: 'Internal.Example.org.', private: true });

    // Act
    const bare = await client.send(new GetHostedZoneCommand({ Id: 'Z2' }));
    const prefixed = await client.send(new GetHostedZoneCommand({ Id: '/hostedzone/Z2' }));

    // Assess
    expect(bare.HostedZone).toEqual(prefixed.HostedZone);
    expect(bare.HostedZone).toMatchObject({
      Id: '/hostedzone/Z2',
      Name: 'internal.example.org.',
      Config: { PrivateZone: true },
      ResourceRecordSetCount: 2,
    });
    expect(fake.records('Z2').map((r) => [r.Name, r.Type])).toEqual([
      ['internal.example.org.', 'NS'],
      ['internal.example.org.', 'SOA'],
    ]);
  });

  it('rejects an unknown zone with NoSuchHostedZone', async () => {
    // Act
    const error = await rejection(client.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'ZNOPE' })));

    // Assess
    expect(error).toBeInstanceOf(NoSuchHostedZone);
    expect(error.message).toBe('No hosted zone found with ID: ZNOPE');
  });

  it('finds zones by name in label-reversed order', async () => {
    // Prepare
    fake.addZone({ id: 'Z3', name: 'a.example.net' });
    fake.addZone({ id: 'Z4', name: 'example.net' });

    // Act
    const out = await client.send(new ListHostedZonesByNameCommand({ DNSName: 'example.net' }));

    // Assess
    expect(out.HostedZones?.map((z) => z.Name)).toEqual(['example.net.', 'a.example.net.']);
  });
});

describe('ChangeResourceRecordSets', () => {
  it('rejects CREATE of an existing record with the AWS message, including the set identifier', async () => {
    // Prepare
    await submit(create(mv('api.example.com', 'task-1', '10.0.0.1')));

    // Act
    const error = await rejection(submit(create(mv('api.example.com', 'task-1', '10.0.0.2'))));

    // Assess
    expect(error).toBeInstanceOf(InvalidChangeBatch);
    expect(error.name).toBe('InvalidChangeBatch');
    expect((error as InvalidChangeBatch).$metadata.httpStatusCode).toBe(400);
    expect(error.messages).toEqual([
      "Tried to create resource record set [name='api.example.com.', type='A', set-identifier='task-1'] but it already exists",
    ]);
    expect(error.message).toBe(`[${error.messages?.[0]}]`);
  });

  it('rejects DELETE of a missing record and DELETE whose TTL or values differ, accepts an exact DELETE', async () => {
    // Prepare
    await submit(
      create(a('www.example.com', '10.0.0.1', { ResourceRecords: [{ Value: '10.0.0.1' }, { Value: '10.0.0.2' }] })),
    );

    // Act
    const missing = await batchMessages(del(a('nope.example.com', '10.0.0.1')));
    const wrongTtl = await batchMessages(
      del(a('www.example.com', '', { TTL: 300, ResourceRecords: [{ Value: '10.0.0.1' }, { Value: '10.0.0.2' }] })),
    );
    const wrongValues = await batchMessages(del(a('www.example.com', '10.0.0.1')));
    await submit(del(a('WWW.example.com.', '', { ResourceRecords: [{ Value: '10.0.0.2' }, { Value: '10.0.0.1' }] })));

    // Assess
    expect(missing).toEqual([
      "Tried to delete resource record set [name='nope.example.com.', type='A'] but it was not found",
    ]);
    const mismatch =
      "Tried to delete resource record set [name='www.example.com.', type='A'] but the values provided do not match the current values";
    expect(wrongTtl).toEqual([mismatch]);
    expect(wrongValues).toEqual([mismatch]);
    expect(names()).toEqual(['example.com. NS', 'example.com. SOA']);
  });

  it('applies a batch atomically: one bad change leaves the zone byte-identical', async () => {
    // Prepare
    await submit(create(a('keep.example.com', '10.0.0.9')));
    const before = JSON.stringify(fake.snapshot('Z1'));

    // Act
    const messages = await batchMessages(
      create(a('new.example.com', '10.0.0.1')),
      upsert(a('keep.example.com', '10.0.0.10')),
      del(a('gone.example.com', '10.0.0.3')),
    );

    // Assess
    expect(messages).toEqual([
      "Tried to delete resource record set [name='gone.example.com.', type='A'] but it was not found",
    ]);
    expect(JSON.stringify(fake.snapshot('Z1'))).toBe(before);
  });

  it('reports every problem of a batch, not only the first', async () => {
    // Prepare
    await submit(create(a('dup.example.com', '10.0.0.1')));

    // Act
    const messages = await batchMessages(
      create(a('dup.example.com', '10.0.0.1')),
      del(a('nope.example.com', '10.0.0.1')),
    );

    // Assess
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/but it already exists$/);
    expect(messages[1]).toMatch(/but it was not found$/);
  });

  it('rejects the same record deleted twice in one batch, but accepts DELETE then CREATE of it', async () => {
    // Prepare
    await submit(create(a('x.example.com', '10.0.0.1')));

    // Act
    const twice = await batchMessages(del(a('x.example.com', '10.0.0.1')), del(a('x.example.com', '10.0.0.1')));
    await submit(del(a('x.example.com', '10.0.0.1')), create(a('x.example.com', '10.0.0.2')));

    // Assess
    expect(twice).toEqual([
      "The request contains an invalid set of changes for a resource record set 'A x.example.com.'",
    ]);
    expect(fake.records('Z1').find((r) => r.Name === 'x.example.com.')?.ResourceRecords).toEqual([
      { Value: '10.0.0.2' },
    ]);
  });

  it('upserts: creates when missing and replaces when present', async () => {
    // Act
    await submit(upsert(a('u.example.com', '10.0.0.1')));
    await submit(upsert(a('u.example.com', '10.0.0.2', { TTL: 30 })));

    // Assess
    expect(fake.records('Z1').filter((r) => r.Name === 'u.example.com.')).toEqual([
      a('u.example.com.', '10.0.0.2', { TTL: 30 }),
    ]);
  });

  it('rejects names outside the zone, including names that only end with the same characters', async () => {
    // Act
    const messages = await batchMessages(
      create(a('www.other.com', '10.0.0.1')),
      create(a('badexample.com', '10.0.0.1')),
    );

    // Assess
    expect(messages).toEqual([
      'RRSet with DNS name www.other.com. is not permitted in zone example.com.',
      'RRSet with DNS name badexample.com. is not permitted in zone example.com.',
    ]);
  });

  describe('CNAME', () => {
    const cname = (name: string, target: string, extra: Partial<ResourceRecordSet> = {}): ResourceRecordSet => ({
      Name: name,
      Type: 'CNAME',
      TTL: 60,
      ResourceRecords: [{ Value: target }],
      ...extra,
    });

    it('is refused at the apex', async () => {
      // Act
      const messages = await batchMessages(create(cname('example.com', 'lb.example.net')));

      // Assess
      expect(messages).toEqual([
        'RRSet of type CNAME with DNS name example.com. is not permitted at apex in zone example.com.',
      ]);
    });

    it('cannot coexist with another type at its name, in either order', async () => {
      // Prepare
      await submit(create(a('a.example.com', '10.0.0.1')), create(cname('c.example.com', 'x.example.net')));

      // Act
      const cnameOnA = await batchMessages(create(cname('a.example.com', 'x.example.net')));
      const aOnCname = await batchMessages(create(a('c.example.com', '10.0.0.1')));

      // Assess
      expect(cnameOnA).toEqual([
        'RRSet of type CNAME with DNS name a.example.com. is not permitted because a conflicting RRSet of type A with the same DNS name already exists in zone example.com.',
      ]);
      expect(aOnCname).toEqual([
        'RRSet of type A with DNS name c.example.com. is not permitted because a conflicting RRSet of type CNAME with the same DNS name already exists in zone example.com.',
      ]);
    });

    it('may replace the other records of its name within one batch, in any order', async () => {
      // Prepare
      await submit(create(a('a.example.com', '10.0.0.1')));

      // Act
      await submit(create(cname('a.example.com', 'x.example.net')), del(a('a.example.com', '10.0.0.1')));

      // Assess
      expect(
        fake
          .records('Z1')
          .filter((r) => r.Name === 'a.example.com.')
          .map((r) => r.Type),
      ).toEqual(['CNAME']);
    });

    it('holds a single value and cannot be multivalue', async () => {
      // Act
      const twoValues = await batchMessages(
        create(
          cname('c.example.com', 'x.example.net', {
            ResourceRecords: [{ Value: 'x.example.net' }, { Value: 'y.example.net' }],
          }),
        ),
      );
      const multivalue = await rejection(
        submit(create(cname('m.example.com', 'x.example.net', { SetIdentifier: 's', MultiValueAnswer: true }))),
      );

      // Assess
      expect(twoValues).toEqual(['RRSet of type CNAME with DNS name c.example.com. has more than one value']);
      expect(multivalue).toBeInstanceOf(InvalidInput);
    });
  });

  describe('routing policies', () => {
    it('refuses a simple record next to multivalue records of the same name and type, and vice versa', async () => {
      // Prepare
      await submit(create(mv('m.example.com', 't1', '10.0.0.1')), create(a('s.example.com', '10.0.0.2')));

      // Act
      const simpleOnMulti = await batchMessages(create(a('m.example.com', '10.0.0.3')));
      const multiOnSimple = await batchMessages(create(mv('s.example.com', 't2', '10.0.0.4')));
      await submit(
        create(a('m.example.com', '', { Type: 'TXT', ResourceRecords: [{ Value: '"other type is fine"' }] })),
      );

      // Assess
      expect(simpleOnMulti).toEqual([
        'RRSet with DNS name m.example.com., type A cannot be created as multivalue answer sets exist with the same name and type.',
      ]);
      expect(multiOnSimple).toEqual([
        'RRSet with DNS name s.example.com., type A, SetIdentifier t2 cannot be created as a non-multivalue answer set exists with the same name and type.',
      ]);
    });

    it('refuses weighted records next to multivalue records of the same name and type', async () => {
      // Prepare
      await submit(create(mv('m.example.com', 't1', '10.0.0.1')));

      // Act
      const messages = await batchMessages(create(a('m.example.com', '10.0.0.2', { SetIdentifier: 'w1', Weight: 10 })));

      // Assess
      expect(messages).toEqual([
        'RRSet with DNS name m.example.com., type A, SetIdentifier w1 cannot be created as a non-weighted set exists with the same name and type.',
      ]);
    });

    it('requires a SetIdentifier of 1-128 characters on multivalue and weighted records', async () => {
      // Act
      const noId = await rejection(submit(create(a('m.example.com', '10.0.0.1', { MultiValueAnswer: true }))));
      const noIdWeighted = await rejection(submit(create(a('w.example.com', '10.0.0.1', { Weight: 1 }))));
      const tooLong = await rejection(submit(create(mv('m.example.com', 'x'.repeat(129), '10.0.0.1'))));
      await submit(create(mv('m.example.com', 'x'.repeat(128), '10.0.0.1')));

      // Assess
      for (const error of [noId, noIdWeighted, tooLong]) expect(error).toBeInstanceOf(InvalidInput);
      expect(noId.message).toMatch(/Missing field 'SetIdentifier'/);
      expect(fake.records('Z1')).toHaveLength(3);
    });

    it('allows at most 100 records with a SetIdentifier per name and type', async () => {
      // Prepare
      const hundred = Array.from({ length: 100 }, (_, n) =>
        create(mv('m.example.com', `t${n}`, `10.0.${n >> 8}.${n & 255}`)),
      );
      await submit(...hundred);

      // Act
      const messages = await batchMessages(create(mv('m.example.com', 't100', '10.1.0.0')));

      // Assess
      expect(messages).toEqual([
        'RRSet with DNS name m.example.com., type A, SetIdentifier t100 cannot be created because the limit of 100 record sets with the same name and type would be exceeded.',
      ]);
      expect(fake.records('Z1')).toHaveLength(102);
    });
  });

  describe('alias records', () => {
    const alias = (extra: Partial<ResourceRecordSet> = {}): ResourceRecordSet => ({
      Name: 'lb.example.com',
      Type: 'A',
      AliasTarget: {
        HostedZoneId: 'Z35SXDOTRQ7X7K',
        DNSName: 'My-ALB-1.us-east-1.elb.amazonaws.com',
        EvaluateTargetHealth: true,
      },
      ...extra,
    });

    it('are stored with a normalised DNS name and need no TTL', async () => {
      // Act
      await submit(create(alias()));

      // Assess
      expect(fake.records('Z1').find((r) => r.Name === 'lb.example.com.')?.AliasTarget).toEqual({
        HostedZoneId: 'Z35SXDOTRQ7X7K',
        DNSName: 'my-alb-1.us-east-1.elb.amazonaws.com.',
        EvaluateTargetHealth: true,
      });
    });

    it('must point at an existing target: own zone records, or registered external targets', async () => {
      // Prepare
      await submit(create(a('web.example.com', '10.0.0.1')));
      fake.addAliasTarget({ hostedZoneId: 'Z35SXDOTRQ7X7K', dnsName: 'my-alb-1.us-east-1.elb.amazonaws.com' });
      const ownZone = (DNSName: string) => ({ HostedZoneId: '/hostedzone/Z1', DNSName, EvaluateTargetHealth: false });

      // Act
      const wrongZoneId = await batchMessages(
        create(alias({ AliasTarget: ownZone('my-alb-1.us-east-1.elb.amazonaws.com') })),
      );
      const missing = await batchMessages(create(alias({ AliasTarget: ownZone('nope.example.com') })));
      const unknownLb = await batchMessages(
        create(
          alias({
            AliasTarget: {
              HostedZoneId: 'Z35SXDOTRQ7X7K',
              DNSName: 'other.elb.amazonaws.com',
              EvaluateTargetHealth: true,
            },
          }),
        ),
      );
      await submit(
        create(alias({ Name: 'www.example.com', AliasTarget: ownZone('web.example.com') })),
        create(
          alias({
            AliasTarget: {
              HostedZoneId: 'Z35SXDOTRQ7X7K',
              DNSName: 'dualstack.my-alb-1.us-east-1.elb.amazonaws.com',
              EvaluateTargetHealth: true,
            },
          }),
        ),
      );

      // Assess
      expect(wrongZoneId).toEqual([
        'Tried to create an alias that targets my-alb-1.us-east-1.elb.amazonaws.com., type A in zone Z1, but the alias target name does not lie within the target zone',
      ]);
      expect(missing).toEqual([
        'Tried to create an alias that targets nope.example.com., type A in zone Z1, but that target was not found',
      ]);
      expect(unknownLb).toEqual([
        'Tried to create an alias that targets other.elb.amazonaws.com., type A in zone Z35SXDOTRQ7X7K, but that target was not found',
      ]);
      expect(names()).toEqual([
        'example.com. NS',
        'example.com. SOA',
        'lb.example.com. A',
        'web.example.com. A',
        'www.example.com. A',
      ]);
    });

    it('refuse a TTL, refuse multivalue, and a non-alias record refuses a missing TTL', async () => {
      // Act
      const withTtl = await rejection(submit(create(alias({ TTL: 60 }))));
      const multivalue = await rejection(submit(create(alias({ SetIdentifier: 's', MultiValueAnswer: true }))));
      const noTtl = await rejection(submit(create(a('x.example.com', '10.0.0.1', { TTL: undefined }))));

      // Assess
      expect(withTtl).toBeInstanceOf(InvalidInput);
      expect(withTtl.message).toBe(
        'Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found more than one in Change with [Action=CREATE, Name=lb.example.com, Type=A, SetIdentifier=null]',
      );
      expect(multivalue).toBeInstanceOf(InvalidInput);
      expect(noTtl).toBeInstanceOf(InvalidInput);
      expect(noTtl.message).toMatch(/but found none in Change with \[Action=CREATE, Name=x\.example\.com/);
      expect(fake.records('Z1')).toHaveLength(2);
    });
  });

  describe('per-request limits (InvalidChangeBatch)', () => {
    const ips = (count: number, action: (rr: ResourceRecordSet) => Change) =>
      Array.from({ length: count }, (_, n) => action(a(`h${n}.example.com`, `10.0.${n >> 8}.${n & 255}`)));
    const txt = (n: number): ResourceRecordSet => ({
      Name: `t${n}.example.com`,
      Type: 'TXT',
      TTL: 60,
      ResourceRecords: [{ Value: 'x'.repeat(4000) }],
    });

    it('counts ResourceRecord elements, UPSERT twice: 1,000 pass, 1,001 fail', async () => {
      // Act
      await submit(...ips(1000, create));
      await submit(...ips(500, upsert));
      const over = await batchMessages(...ips(501, upsert));

      // Assess
      expect(over).toEqual(['Number of records limit of 1000 exceeded.']);
      expect(fake.records('Z1')).toHaveLength(1002);
    });

    it('counts value characters, UPSERT twice: 32,000 pass, more fail', async () => {
      // Act
      await submit(...Array.from({ length: 8 }, (_, n) => create(txt(n))));
      await submit(...Array.from({ length: 4 }, (_, n) => upsert(txt(n))));
      const over = await batchMessages(...Array.from({ length: 5 }, (_, n) => upsert(txt(n))));

      // Assess
      expect(over).toEqual(['Number of characters in record values limit of 32000 exceeded.']);
    });
  });

  describe('names and values', () => {
    it('stores names lowercase with a trailing dot and octal escapes, and matches escaped and raw spellings', async () => {
      // Act
      await submit(create(a('*.Apps.Example.COM', '10.0.0.1')));
      const duplicate = await batchMessages(create(a('\\052.apps.example.com.', '10.0.0.1')));
      await submit(del(a('*.apps.example.com', '10.0.0.1')), create(a('Under_Score.example.com', '10.0.0.2')));

      // Assess
      expect(duplicate).toEqual([
        "Tried to create resource record set [name='\\052.apps.example.com.', type='A'] but it already exists",
      ]);
      expect(names()).toEqual(['example.com. NS', 'example.com. SOA', 'under_score.example.com. A']);
    });

    it('rejects malformed values and names', async () => {
      // Act
      const messages = await batchMessages(
        create(a('bad.example.com', '300.1.1.1')),
        create(a('a..example.com', '10.0.0.1')),
        create({
          Name: 'srv.example.com',
          Type: 'SRV',
          TTL: 60,
          ResourceRecords: [{ Value: '1 1 http host.example.com' }],
        }),
      );

      // Assess
      expect(messages).toEqual([
        "Invalid Resource Record: 'FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '300.1.1.1''",
        "FATAL problem: DomainLabelEmpty (Domain label is empty) encountered with 'a..example.com'",
        "Invalid Resource Record: 'FATAL problem: SRVRRDATAIllegal (Value is not a valid SRV record) encountered with '1 1 http host.example.com''",
      ]);
    });

    it('keeps the apex NS record', async () => {
      // Prepare
      const ns = fake.records('Z1').find((r) => r.Type === 'NS') as ResourceRecordSet;

      // Act
      const messages = await batchMessages(del(ns));

      // Assess
      expect(messages).toEqual(['A HostedZone must contain at least one NS record for the zone itself.']);
    });
  });
});

describe('ListResourceRecordSets', () => {
  type Key = { name: string; type: string; id: string };
  const reversed = (name: string) => `${name.slice(0, -1).split('.').reverse().join('.')}.`;
  const awsOrder = (x: Key, y: Key) => {
    const cmp = (p: string, q: string) => (p < q ? -1 : p > q ? 1 : 0);
    return cmp(reversed(x.name), reversed(y.name)) || cmp(x.type, y.type) || cmp(x.id, y.id);
  };

  async function listAll(extra: Partial<ListResourceRecordSetsCommandInput> = {}) {
    const pages: { records: ResourceRecordSet[]; nextIdentifier?: string }[] = [];
    let start: Partial<ListResourceRecordSetsCommandInput> = {};
    for (;;) {
      const out = await client.send(
        new ListResourceRecordSetsCommand({ HostedZoneId: '/hostedzone/Z1', ...extra, ...start }),
      );
      pages.push({
        records: out.ResourceRecordSets ?? [],
        ...(out.NextRecordIdentifier ? { nextIdentifier: out.NextRecordIdentifier } : {}),
      });
      if (!out.IsTruncated) return pages;
      start = {
        StartRecordName: out.NextRecordName,
        StartRecordType: out.NextRecordType,
        ...(out.NextRecordIdentifier !== undefined ? { StartRecordIdentifier: out.NextRecordIdentifier } : {}),
      };
    }
  }

  it('orders by label-reversed name in ASCII order, then type', async () => {
    // Prepare
    await submit(
      ...['z', 'a.www', 'www', 'b', 'a-b', 'a'].map((n) => create(a(`${n}.example.com`, '10.0.0.1'))),
      create({ Name: 'a.example.com', Type: 'TXT', TTL: 60, ResourceRecords: [{ Value: '"t"' }] }),
      create({ Name: 'a.example.com', Type: 'AAAA', TTL: 60, ResourceRecords: [{ Value: '2001:db8::1' }] }),
    );

    // Act
    const [page] = await listAll();

    // Assess
    expect(page?.records.map((r) => `${r.Name} ${r.Type}`)).toEqual([
      'example.com. NS',
      'example.com. SOA',
      'a-b.example.com. A',
      'a.example.com. A',
      'a.example.com. AAAA',
      'a.example.com. TXT',
      'b.example.com. A',
      'www.example.com. A',
      'a.www.example.com. A',
      'z.example.com. A',
    ]);
  });

  it('pages 700 multivalue records 300 at a time with identifier tokens, returning each exactly once in AWS order', async () => {
    // Prepare: 7 names x 100 identified records, submitted in a scrambled order
    const changes = Array.from({ length: 700 }, (_, n) => {
      const k = (n * 383) % 700;
      return create(mv(`svc${k % 7}.example.com`, `task-${String(k).padStart(3, '0')}`, `10.1.${k >> 8}.${k & 255}`));
    });
    for (let i = 0; i < changes.length; i += 350) await submit(...changes.slice(i, i + 350));
    const expected = fake
      .records('Z1')
      .map((r) => ({ name: r.Name ?? '', type: r.Type ?? '', id: r.SetIdentifier ?? '' }))
      .sort(awsOrder);

    // Act
    const pages = await listAll();

    // Assess
    const listed = pages
      .flatMap((p) => p.records)
      .map((r) => ({ name: r.Name ?? '', type: r.Type ?? '', id: r.SetIdentifier ?? '' }));
    expect(pages.map((p) => p.records.length)).toEqual([300, 300, 102]);
    expect(pages.slice(0, -1).every((p) => p.nextIdentifier !== undefined)).toBe(true);
    expect(listed).toEqual(expected);
    expect(new Set(listed.map((k) => `${k.name} ${k.type} ${k.id}`)).size).toBe(702);
    expect(new Set(listed.map((k) => k.id).filter((id) => id !== '')).size).toBe(700);
  });

  it('gives NextRecordIdentifier only when the next record has one, and honours a smaller MaxItems', async () => {
    // Prepare
    await submit(
      create(mv('m.example.com', 'b', '10.0.0.2')),
      create(mv('m.example.com', 'a', '10.0.0.1')),
      create(a('s.example.com', '10.0.0.3')),
    );

    // Act
    const pages = await listAll({ MaxItems: 2 });

    // Assess
    expect(pages.map((p) => p.records.map((r) => `${r.Name}${r.SetIdentifier ? `/${r.SetIdentifier}` : ''}`))).toEqual([
      ['example.com.', 'example.com.'],
      ['m.example.com./a', 'm.example.com./b'],
      ['s.example.com.'],
    ]);
    expect(pages.map((p) => p.nextIdentifier)).toEqual(['a', undefined, undefined]);
  });

  it('starts at StartRecordName and refuses StartRecordType without it', async () => {
    // Prepare
    await submit(create(a('b.example.com', '10.0.0.1')), create(a('d.example.com', '10.0.0.2')));

    // Act
    const fromC = await client.send(
      new ListResourceRecordSetsCommand({ HostedZoneId: 'Z1', StartRecordName: 'c.example.com' }),
    );
    const error = await rejection(
      client.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'Z1', StartRecordType: 'A' })),
    );

    // Assess
    expect(fromC.ResourceRecordSets?.map((r) => r.Name)).toEqual(['d.example.com.']);
    expect(fromC.IsTruncated).toBe(false);
    expect(error).toBeInstanceOf(InvalidInput);
  });
});

describe('fault injection and observation', () => {
  it('injects unmodelled Throttling shaped like the SDK error, and records every call', async () => {
    // Prepare
    let calls = 0;
    const remove = fake.injectFault((operation) =>
      operation === 'ChangeResourceRecordSets' && ++calls === 1 ? route53Errors.throttling() : undefined,
    );

    // Act
    const throttled = await rejection(submit(create(a('x.example.com', '10.0.0.1'))));
    await submit(create(a('x.example.com', '10.0.0.1')));
    remove();

    // Assess
    expect(throttled).toBeInstanceOf(Route53ServiceException);
    expect(throttled).toMatchObject({
      name: 'Throttling',
      message: 'Rate exceeded',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    expect(fake.callCount('ChangeResourceRecordSets')).toBe(2);
    expect(fake.records('Z1')).toHaveLength(3);
    expect(r53Mock).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 2);
  });

  it('answers PriorRequestNotComplete while a zone is busy', async () => {
    // Prepare
    fake.busy('Z1');

    // Act
    const busy = await rejection(submit(create(a('x.example.com', '10.0.0.1'))));
    const ok = await submit(create(a('x.example.com', '10.0.0.1')));

    // Assess
    expect(busy).toBeInstanceOf(PriorRequestNotComplete);
    expect(ok.ChangeInfo?.Status).toBe('PENDING');
  });

  it('reports changes INSYNC through GetChange', async () => {
    // Prepare
    const out = await submit(create(a('x.example.com', '10.0.0.1')));

    // Act
    const change = await client.send(new GetChangeCommand({ Id: out.ChangeInfo?.Id }));

    // Assess
    expect(out.ChangeInfo?.Id).toMatch(/^\/change\/C[0-9A-Z]+$/);
    expect(change.ChangeInfo).toMatchObject({ Id: out.ChangeInfo?.Id, Status: 'INSYNC' });
  });

  it('fails loudly on commands it does not implement', async () => {
    // Act
    const error = await rejection(client.send(new CreateHostedZoneCommand({ Name: 'x.com', CallerReference: 'r' })));

    // Assess
    expect(error.message).toMatch(/FakeRoute53 does not implement CreateHostedZoneCommand/);
  });

  it('seeds records directly and gives snapshots that are deep copies, stable across fakes', async () => {
    // Prepare
    const other = new FakeRoute53();
    other.addZone({ id: 'Z1', name: 'example.com' });
    const foreign = a('Foreign.example.com', '10.9.9.9');

    // Act
    fake.putRecordDirect('Z1', foreign);
    other.putRecordDirect('Z1', {
      ResourceRecords: [{ Value: '10.9.9.9' }],
      TTL: 60,
      Type: 'A',
      Name: 'foreign.example.com.',
    });
    const snapshot = fake.snapshot('Z1');
    snapshot[0] = { Name: 'mutated.', Type: 'A' };

    // Assess
    expect(JSON.stringify(fake.snapshot('Z1'))).toBe(JSON.stringify(other.snapshot('Z1')));
    expect(fake.snapshot('Z1')[0]?.Name).toBe('example.com.');
  });
});
