import {
  ChangeResourceRecordSetsCommand,
  type ChangeResourceRecordSetsCommandInput,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { Route53Writer } from '../../../lib/aws/route53-writer';
import type { DnsRecord } from '../../../lib/domain/records';
import { planChanges, type Subjected, taskSubject } from '../../../lib/plan/plan';
import { FakeRoute53 } from '../../../testkit/fake-route53';

/**
 * A rolling update whose zone needs several requests (issue 15 "never empty by accident"): the new tasks of a name
 * and the old ones leaving it travel in one request, so after every request the name still answers.
 */
const r53 = mockClient(Route53Client);
const client = new Route53Client({ region: 'us-east-1' });
const timing = { now: () => 0, random: () => 0.5, sleep: async () => undefined };
const ZONE = 'ZROLL00000001';

const task = (name: string, i: number): DnsRecord => ({
  zoneId: ZONE,
  name,
  type: 'A',
  setIdentifier: `ecs-registrar:o:${String(i).padStart(32, '0')}`,
  multiValue: true,
  ttl: 60,
  values: [`10.0.0.${i}`],
});
const desired = (r: DnsRecord): Subjected<DnsRecord> => ({
  ...r,
  subject: taskSubject(r.setIdentifier!.split(':')[2]!),
});

test('after every request of a split zone, a name under a rolling update still has records', async () => {
  // Prepare: web has 3 old tasks and gets 3 new ones; a busy other name fills the requests around it.
  const fake = new FakeRoute53();
  fake.addZone({ id: ZONE, name: 'example.com' });
  r53.reset();
  fake.install(r53);
  const oldWeb = [1, 2, 3].map((i) => task('web.example.com.', i));
  const newWeb = [4, 5, 6].map((i) => task('web.example.com.', i));
  const oldOther = Array.from({ length: 7 }, (_, i) => task('other.example.com.', 10 + i));
  const newOther = Array.from({ length: 7 }, (_, i) => task('other.example.com.', 30 + i));
  const writer = new Route53Writer(client, { timing, maxRecordsPerRequest: 10 });
  await writer.apply(
    [...oldWeb, ...oldOther].map((record) => ({ provider: 'route53', action: 'CREATE', record, subject: 's' })),
  );
  const webAfterEachRequest: number[] = [];
  r53.on(ChangeResourceRecordSetsCommand).callsFake(async (input: ChangeResourceRecordSetsCommandInput) => {
    const out = await fake.changeResourceRecordSets(input);
    webAfterEachRequest.push(fake.records(ZONE).filter((r) => r.Name === 'web.example.com.').length);
    return out;
  });
  const plan = planChanges({
    owner: 'o',
    desired: { records: [...newWeb, ...newOther].map(desired), instances: [] },
    current: { records: [...oldWeb, ...oldOther], instances: [] },
  });

  // Act
  const outcomes = await writer.apply(plan.changes.filter((c) => c.provider === 'route53'));

  // Assess
  expect(outcomes.every((o) => o.status === 'applied')).toBe(true);
  expect(webAfterEachRequest.length).toBeGreaterThan(1);
  expect(webAfterEachRequest.every((n) => n > 0)).toBe(true);
  expect(
    fake
      .records(ZONE)
      .filter((r) => r.Name === 'web.example.com.')
      .map((r) => r.ResourceRecords?.[0]?.Value)
      .sort(),
  ).toEqual(['10.0.0.4', '10.0.0.5', '10.0.0.6']);
});
