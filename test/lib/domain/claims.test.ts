import fc from 'fast-check';
import {
  decodeClaimValue,
  encodeClaimValue,
  readClaim,
  registrationNameOf,
  taskClaimant,
  taskClaimRecord,
} from '../../../lib/domain/claims';
import { isTaskIdShaped } from '../../../lib/domain/dns-name';
import { taskSetIdentifier } from '../../../lib/domain/ownership';
import type { DnsRecord } from '../../../lib/domain/records';
import { coveredName, encodeOwnershipValue, serviceSetIdentifier } from '../../../lib/domain/service-ownership';
import { taskIdOfSubject } from '../../../lib/domain/subject';
import { mayShare, registrationRefusal } from '../../../lib/plan/name-policy';

const TASK = '0123456789abcdef0123456789abcdef';
const mark = taskSetIdentifier('prod', TASK, { region: 'us-east-1', cluster: 'team-a' });
const claim = (owner = 'prod', claimant = 'service:team-a/payments'): DnsRecord =>
  taskClaimRecord(
    { zoneId: 'Z1', setIdentifier: mark, ttl: 60 },
    'payments._ecs-registrar.example.com.',
    owner,
    claimant,
  );

describe('claims in Route 53', () => {
  it('names the claimant of a task: its service, else its family, in its cluster', () => {
    expect(taskClaimant({ clusterName: 'team-a', serviceName: 'payments', family: 'pay' })).toBe(
      'service:team-a/payments',
    );
    expect(taskClaimant({ clusterName: 'team-a', family: 'pay' })).toBe('family:team-a/pay');
  });

  it('reads back a claim record of this owner, with the claimed name relative to the zone', () => {
    expect(readClaim('prod', claim())).toMatchObject({
      subject: `task:${TASK}`,
      zoneId: 'Z1',
      name: 'payments.example.com.',
      relative: 'payments',
      claimant: 'service:team-a/payments',
    });
  });

  it('ignores claim records of another owner, and TXT records that are not claims', () => {
    const other = { ...claim('staging'), setIdentifier: taskSetIdentifier('staging', TASK) };
    const forged = { ...claim(), values: [encodeClaimValue('staging', 'service:team-a/payments')] };
    const handMade: DnsRecord = { ...claim(), values: ['"owned by the web team"'] };
    expect([readClaim('prod', other), readClaim('prod', forged), readClaim('prod', handMade)]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('reads a service ownership record as that service’s claim, and the apex as "@"', () => {
    const ref = { clusterName: 'edge', serviceName: 'gateway' };
    const r: DnsRecord = {
      zoneId: 'Z1',
      name: '_ecs-registrar.example.com.',
      type: 'TXT',
      multiValue: true,
      ttl: 60,
      setIdentifier: serviceSetIdentifier('prod', ref),
      values: [encodeOwnershipValue({ owner: 'prod', ...ref, types: ['A'] })],
    };
    expect(readClaim('prod', r)).toMatchObject({
      subject: 'service:edge/gateway',
      relative: '@',
      name: 'example.com.',
    });
  });

  it('round-trips long claimants through 255-character TXT strings', () => {
    const claimant = `family:${'c'.repeat(200)}/${'f'.repeat(200)}`;
    const value = encodeClaimValue('prod', claimant);
    expect(value.split('" "').length).toBe(2);
    expect(decodeClaimValue(value)).toEqual({ owner: 'prod', claimant });
  });

  it.each([
    ['payments.example.com.', 'payments.example.com.'],
    ['_payments._tcp.example.com.', 'payments.example.com.'],
    ['_payments._udp.eu.example.com.', 'payments.eu.example.com.'],
    [`${TASK}.payments.example.com.`, 'payments.example.com.'],
    ['payments._ecs-registrar.example.com.', 'payments.example.com.'],
  ])('maps the record %s to its registration name %s', (name, registration) => {
    expect(registrationNameOf(name, `task:${TASK}`)).toBe(registration);
  });

  it('does not strip a task-id-shaped label that is not the subject’s own task', () => {
    expect(registrationNameOf(`${TASK}.payments.example.com.`, 'task:ffffffffffffffffffffffffffffffff')).toBe(
      `${TASK}.payments.example.com.`,
    );
  });
});

describe('name policy rules', () => {
  const policy = {
    rules: [
      { clusters: ['team-a-*'], services: ['payments'], names: ['payments', '*.pay'], share: true },
      { clusters: ['edge'], names: ['@'] },
    ],
    foreignSets: 'refuse' as const,
  };

  it('lets a claimant register only the names a rule gives it; only "@" gives the apex', () => {
    expect(registrationRefusal(policy, 'service:team-a-eu/payments', 'Z1', 'payments')).toBeUndefined();
    expect(registrationRefusal(policy, 'service:team-a-eu/payments', 'Z1', 'eu.pay')).toBeUndefined();
    expect(registrationRefusal(policy, 'service:team-a-eu/checkout', 'Z1', 'payments')).toMatch(/no rule/);
    expect(registrationRefusal(policy, 'service:edge/gw', 'Z1', '@')).toBeUndefined();
    expect(registrationRefusal(policy, 'service:team-a-eu/payments', 'Z1', '@')).toMatch(/no rule/);
  });

  it('refuses the apex without rules, and nothing else', () => {
    const none = { rules: [], foreignSets: 'refuse' as const };
    expect(registrationRefusal(none, 'family:x/y', 'Z1', '@')).toMatch(/apex/);
    expect(registrationRefusal(none, 'family:x/y', 'Z1', 'anything')).toBeUndefined();
  });

  it('shares a name only when one sharing rule matches both claimants', () => {
    expect(mayShare(policy, 'service:team-a-eu/payments', 'service:team-a-us/payments', 'Z1', 'payments')).toBe(true);
    expect(mayShare(policy, 'service:team-a-eu/payments', 'service:team-b/payments', 'Z1', 'payments')).toBe(false);
    expect(mayShare(policy, 'service:edge/a', 'service:edge/b', 'Z1', '@')).toBe(false);
  });
});

describe('registrationNameOf, by position', () => {
  // The rule as first written, label by label: the position-based version must agree with it on every name.
  const byLabels = (name: string, subject: string): string => {
    const covered = coveredName(name);
    if (covered) return covered;
    const labels = name.split('.');
    if (labels[0]?.startsWith('_') && (labels[1] === '_tcp' || labels[1] === '_udp'))
      return [labels[0].slice(1), ...labels.slice(2)].join('.');
    if (labels[0] !== undefined && labels[0] === taskIdOfSubject(subject) && isTaskIdShaped(labels[0]))
      return labels.slice(1).join('.');
    return name;
  };
  const taskId = '0123456789abcdef0123456789abcdef';
  const label = fc.constantFrom('web', '_web', '_tcp', '_udp', '_ecs-registrar', taskId, 'example', 'com', '');

  test('agrees with the label-by-label rule on SRV names, task targets, claims and plain names', () => {
    fc.assert(
      fc.property(
        fc.array(label, { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        fc.constantFrom(`task:${taskId}`, 'task:other', 'service:prod/web'),
        (labels, dotted, subject) => {
          const name = labels.join('.') + (dotted ? '.' : '');
          expect(registrationNameOf(name, subject)).toBe(byLabels(name, subject));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
