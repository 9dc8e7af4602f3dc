import type { DnsRecord } from '../../../lib/domain/records';
import {
  encodeOwnershipValue,
  readOwnershipRecord,
  type ServiceRecordType,
  serviceSetIdentifier,
} from '../../../lib/domain/service-ownership';
import { defaultOwnedRecordSubject, planChanges, type Subjected } from '../../../lib/plan/plan';
import { OWNER } from '../fixtures';

const Z = 'Z0PUBLIC456';
const WEB = { clusterName: 'prod', serviceName: 'web' };
const API = { clusterName: 'prod', serviceName: 'api' };
const alias = (name: string, type: 'A' | 'AAAA' = 'A', dnsName = 'web-1.us-east-1.elb.amazonaws.com.'): DnsRecord => ({
  zoneId: Z,
  name,
  type,
  alias: { dnsName, hostedZoneId: 'Z35SXDOTRQ7X7K', evaluateTargetHealth: false },
});
const ownership = (
  rel: string,
  svc: { clusterName: string; serviceName: string },
  types: ServiceRecordType[],
  owner = OWNER,
): DnsRecord => ({
  zoneId: Z,
  name: `${rel}._ecs-registrar.example.com.`,
  type: 'TXT',
  setIdentifier: serviceSetIdentifier(owner, svc),
  multiValue: true,
  ttl: 60,
  values: [encodeOwnershipValue({ owner, ...svc, types })],
});
const subjectOf = (s: { clusterName: string; serviceName: string }) => `service:${s.clusterName}/${s.serviceName}`;
const want = (subject: string, ...records: DnsRecord[]): Subjected<DnsRecord>[] =>
  records.map((r) => ({ ...r, subject }));
const plan = (desired: Subjected<DnsRecord>[], current: DnsRecord[], scope?: string[]) =>
  planChanges({
    owner: OWNER,
    desired: { records: desired, instances: [] },
    current: { records: current, instances: [] },
    inScope: scope ? (s) => scope.includes(s) : undefined,
  });
const summary = (p: ReturnType<typeof plan>) =>
  p.changes.map((c) => `${c.action} ${c.provider === 'route53' ? `${c.record.name} ${c.record.type}` : ''}`);

describe('ownership of service records', () => {
  test('an alias record is owned only through an ownership record of this owner that lists its type', () => {
    // Prepare
    const current = [alias('web.example.com.'), alias('web.example.com.', 'AAAA'), ownership('web', WEB, ['A'])];

    // Act
    const subject = defaultOwnedRecordSubject(OWNER, current);

    // Assess
    expect(subject(current[0]!)).toBe('service:prod/web');
    expect(subject(current[1]!)).toBeUndefined();
    expect(subject(current[2]!)).toBe('service:prod/web');
  });

  test.each([
    ['another owner', ownership('web', WEB, ['A'], 'someone-else')],
    [
      'a value naming another service than its SetIdentifier',
      { ...ownership('web', WEB, ['A']), values: [encodeOwnershipValue({ owner: OWNER, ...API, types: ['A'] })] },
    ],
    ['a value that is not an ownership claim', { ...ownership('web', WEB, ['A']), values: ['"hello"'] }],
    ['a simple (not multivalue) TXT', { ...ownership('web', WEB, ['A']), multiValue: undefined }],
  ])('an ownership record with %s makes nothing owned, and is not owned itself', (_title, txt) => {
    // Prepare
    const current = [alias('web.example.com.'), txt as DnsRecord];

    // Act
    const subject = defaultOwnedRecordSubject(OWNER, current);

    // Assess
    expect(subject(current[0]!)).toBeUndefined();
    expect(subject(current[1]!)).toBeUndefined();
  });

  test('a service ownership record is never taken for a task record, even without the current records', () => {
    // Prepare
    const txt = ownership('web', WEB, ['A']);

    // Act
    const subject = defaultOwnedRecordSubject(OWNER)(txt);

    // Assess
    expect(subject).toBe('service:prod/web');
    expect(readOwnershipRecord(OWNER, txt)?.coveredName).toBe('web.example.com.');
  });

  test("two ownership records claiming one record make it nobody's (left alone)", () => {
    // Prepare
    const current = [alias('web.example.com.'), ownership('web', WEB, ['A']), ownership('web', API, ['A'])];

    // Act
    const subject = defaultOwnedRecordSubject(OWNER, current);

    // Assess
    expect(subject(current[0]!)).toBeUndefined();
  });
});

describe('planChanges with service records', () => {
  test('a new alias and its ownership record are created in one atomic group', () => {
    // Prepare
    const desired = want(subjectOf(WEB), alias('web.example.com.'), ownership('web', WEB, ['A']));

    // Act
    const p = plan(desired, [], [subjectOf(WEB)]);

    // Assess
    expect(summary(p)).toEqual(['CREATE web.example.com. A', 'CREATE web._ecs-registrar.example.com. TXT']);
    const groups = new Set(p.changes.map((c) => c.provider === 'route53' && c.atomicGroup));
    expect(groups).toEqual(new Set(['service:prod/web|Z0PUBLIC456|web.example.com.']));
  });

  test('an unowned record at the name: a conflict, and neither the alias nor its ownership record is written', () => {
    // Prepare
    const foreign: DnsRecord = { zoneId: Z, name: 'web.example.com.', type: 'A', ttl: 300, values: ['192.0.2.10'] };
    const desired = want(
      subjectOf(WEB),
      alias('web.example.com.'),
      alias('web.example.com.', 'AAAA'),
      ownership('web', WEB, ['A', 'AAAA']),
    );

    // Act
    const p = plan(desired, [foreign], [subjectOf(WEB)]);

    // Assess
    expect(p.changes).toEqual([]);
    expect(p.conflicts).toEqual([
      {
        provider: 'route53',
        key: 'Z0PUBLIC456|web.example.com.|A|',
        subject: 'service:prod/web',
        reason: 'a record with this name, type and set identifier exists and is not owned by this registrar',
      },
    ]);
  });

  test('an unowned record at the name blocks a CNAME, and the CNAME group is dropped whole', () => {
    // Prepare
    const foreign: DnsRecord = {
      zoneId: Z,
      name: 'web.example.com.',
      type: 'TXT',
      ttl: 300,
      values: ['"v=spf1 -all"'],
    };
    const cname: DnsRecord = {
      zoneId: Z,
      name: 'web.example.com.',
      type: 'CNAME',
      ttl: 60,
      values: ['web-1.elb.amazonaws.com.'],
    };

    // Act
    const p = plan(want(subjectOf(WEB), cname, ownership('web', WEB, ['CNAME'])), [foreign], [subjectOf(WEB)]);

    // Assess
    expect(p.changes).toEqual([]);
    expect(p.conflicts[0]?.reason).toBe(
      'an unowned TXT record exists at web.example.com.; a CNAME cannot share its name',
    );
  });

  test('a renamed alias: the recorded old name is deleted (as read), the new one created, each group atomic', () => {
    // Prepare
    const current = [alias('web.example.com.'), ownership('web', WEB, ['A'])];
    const desired = want(subjectOf(WEB), alias('www.example.com.'), ownership('www', WEB, ['A']));

    // Act
    const p = plan(desired, current, [subjectOf(WEB)]);

    // Assess
    expect(summary(p)).toEqual([
      'DELETE web.example.com. A',
      'DELETE web._ecs-registrar.example.com. TXT',
      'CREATE www.example.com. A',
      'CREATE www._ecs-registrar.example.com. TXT',
    ]);
    const deletes = p.changes.filter((c) => c.action === 'DELETE');
    expect(deletes.map((c) => c.provider === 'route53' && c.record)).toEqual(current);
    expect(new Set(deletes.map((c) => c.provider === 'route53' && c.atomicGroup)).size).toBe(1);
  });

  test('a load balancer that went dual-stack then back: the AAAA goes, and the ownership record follows in the same group', () => {
    // Prepare
    const current = [
      alias('web.example.com.'),
      alias('web.example.com.', 'AAAA'),
      ownership('web', WEB, ['A', 'AAAA']),
    ];
    const desired = want(subjectOf(WEB), alias('web.example.com.'), ownership('web', WEB, ['A']));

    // Act
    const p = plan(desired, current, [subjectOf(WEB)]);

    // Assess
    expect(summary(p)).toEqual(['DELETE web.example.com. AAAA', 'UPDATE web._ecs-registrar.example.com. TXT']);
    expect(new Set(p.changes.map((c) => c.provider === 'route53' && c.atomicGroup)).size).toBe(1);
    expect(p.unchanged).toBe(1);
  });

  test('a name another service of this registrar holds is a conflict, unless that service gives it up in the same plan', () => {
    // Prepare
    const current = [alias('web.example.com.'), ownership('web', API, ['A'])];
    const desired = want(subjectOf(WEB), alias('web.example.com.'), ownership('web', WEB, ['A']));

    // Act: api is not in this plan's scope, then it is (and wants nothing any more)
    const held = plan(desired, current, [subjectOf(WEB)]);
    const released = plan(desired, current, [subjectOf(WEB), subjectOf(API)]);

    // Assess
    expect(held.changes).toEqual([]);
    // Issue 13: the claim is refused before any record is compared, naming the holder, once per record of the group.
    expect(held.conflicts.map((c) => c.reason)).toEqual(
      Array(2).fill(
        'web.example.com. is held by service:prod/api; service:prod/web may not register it unless a name policy rule with "share": true covers both',
      ),
    );
    expect(summary(released)).toEqual([
      'DELETE web.example.com. A',
      'DELETE web._ecs-registrar.example.com. TXT',
      'CREATE web.example.com. A',
      'CREATE web._ecs-registrar.example.com. TXT',
    ]);
  });

  test('a deleted service: its alias and ownership record are deleted together; a foreign record beside them stays', () => {
    // Prepare
    const foreign: DnsRecord = {
      zoneId: Z,
      name: 'web.example.com.',
      type: 'MX',
      ttl: 300,
      values: ['10 mail.example.com.'],
    };
    const current = [alias('web.example.com.'), ownership('web', WEB, ['A']), foreign];

    // Act
    const p = plan([], current, [subjectOf(WEB)]);

    // Assess
    expect(summary(p)).toEqual(['DELETE web.example.com. A', 'DELETE web._ecs-registrar.example.com. TXT']);
  });

  test('task records at the name a service wants as an alias: a conflict naming the task, nothing written', () => {
    // Prepare
    const taskRecord: DnsRecord = {
      zoneId: Z,
      name: 'web.example.com.',
      type: 'A',
      setIdentifier: `ecs-registrar:${OWNER}:0123456789abcdef0123456789abcdef`,
      multiValue: true,
      ttl: 60,
      values: ['10.0.0.1'],
    };

    // Act
    const p = plan(
      want(subjectOf(WEB), alias('web.example.com.'), ownership('web', WEB, ['A'])),
      [taskRecord],
      [subjectOf(WEB)],
    );

    // Assess
    expect(p.changes).toEqual([]);
    expect(p.conflicts[0]?.reason).toBe(
      'an A record registered for task:0123456789abcdef0123456789abcdef with multivalue routing exists at web.example.com.; Route 53 does not mix it with simple records',
    );
  });
});
