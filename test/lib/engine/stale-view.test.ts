import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import type { CloudMapWriter } from '../../../lib/aws/cloudmap';
import { Route53Reader } from '../../../lib/aws/route53-reader';
import { toResourceRecordSet } from '../../../lib/aws/route53-records';
import { Route53Writer } from '../../../lib/aws/route53-writer';
import type { DnsRecord } from '../../../lib/domain/records';
import { applyPlan } from '../../../lib/engine/apply';
import { retryStaleChanges } from '../../../lib/engine/current-state';
import type { Route53Change } from '../../../lib/plan/plan';
import { FakeRoute53 } from '../../../testkit/fake-route53';

const mock = mockClient(Route53Client);
const ZONE = 'ZSTALE0000000001';
let fake: FakeRoute53;
const client = () => new Route53Client({ region: 'us-east-1' });

beforeEach(() => {
  mock.reset();
  fake = new FakeRoute53();
  fake.install(mock);
  fake.addZone({ id: ZONE, name: 'example.com' });
});

const rec = (i: number, value = `10.0.0.${i + 1}`): DnsRecord => ({
  zoneId: ZONE,
  name: 'web.example.com.',
  type: 'A',
  setIdentifier: `ecs-registrar:o:task${i}`,
  multiValue: true,
  ttl: 60,
  values: [value],
});
const put = (r: DnsRecord) => fake.putRecordDirect(ZONE, toResourceRecordSet(r));
const del = (r: DnsRecord, subject: string): Route53Change => ({
  provider: 'route53',
  action: 'DELETE',
  record: r,
  subject,
});
const create = (r: DnsRecord, subject: string): Route53Change => ({
  provider: 'route53',
  action: 'CREATE',
  record: r,
  subject,
});
const writes = () => fake.callCount('ChangeResourceRecordSets');

describe('a stale view: DELETEs of records another container already removed', () => {
  test('the writer sets aside exactly the records Route 53 names and applies the rest in one more request', async () => {
    for (let i = 0; i < 40; i++) put(rec(i));
    // Tasks 3 and 17 were deleted by someone else since the plan read them.
    const deletes = Array.from({ length: 40 }, (_, i) => del(rec(i), `task/t${i}`));
    const creates = Array.from({ length: 10 }, (_, i) => create(rec(100 + i), `task/t${100 + i}`));
    // Records 3 and 17 removed through the API, as another container would.
    await client().send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: ZONE,
        ChangeBatch: {
          Changes: [3, 17].map((i) => ({
            Action: 'DELETE',
            ResourceRecordSet: {
              Name: 'web.example.com.',
              Type: 'A',
              TTL: 60,
              SetIdentifier: `ecs-registrar:o:task${i}`,
              MultiValueAnswer: true,
              ResourceRecords: [{ Value: `10.0.0.${i + 1}` }],
            },
          })),
        },
      }),
    );
    fake.calls.length = 0;
    const outcomes = await new Route53Writer(client()).apply([...deletes, ...creates]);
    // One refused request and one that carries the other 48: no bisection (which would take about 12 more).
    expect(writes()).toBe(2);
    const rejected = outcomes.filter((o) => o.status === 'rejected').map((o) => o.change.subject);
    expect(rejected.sort()).toEqual(['task/t17', 'task/t3']);
    expect(outcomes.filter((o) => o.status === 'applied')).toHaveLength(48);
    expect(outcomes.find((o) => o.change.subject === 'task/t3')?.message).toMatch(/task3.*not found/);
    const left = fake
      .records(ZONE)
      .filter((r) => r.SetIdentifier)
      .map((r) => r.SetIdentifier);
    expect(left.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `ecs-registrar:o:task${100 + i}`).sort());
  });

  test('a refused DELETE is re-read and retried: gone counts as applied; rewritten is deleted as it is now', async () => {
    put(rec(1));
    put(rec(2));
    const reader = new Route53Reader(client());
    const view = (await reader.recordsUnder(ZONE, ['web.example.com'])).sort((a, b) =>
      (a.setIdentifier ?? '') < (b.setIdentifier ?? '') ? -1 : 1,
    );
    // Since the read: task1's record was deleted by another container, task2's rewritten with another address.
    const [one, two] = view as [DnsRecord, DnsRecord];
    await client().send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: ZONE,
        ChangeBatch: {
          Changes: [
            { Action: 'DELETE', ResourceRecordSet: fake.records(ZONE).find((r) => r.SetIdentifier?.endsWith('task1')) },
            {
              Action: 'UPSERT',
              ResourceRecordSet: {
                ...fake.records(ZONE).find((r) => r.SetIdentifier?.endsWith('task2'))!,
                ResourceRecords: [{ Value: '10.9.9.9' }],
              },
            },
          ],
        },
      }),
    );
    const plan = { changes: [del(one, 'task/t1'), del(two, 'task/t2')], conflicts: [], unchanged: 0 };
    const writer = new Route53Writer(client());
    const applied = await applyPlan(
      plan,
      // No Cloud Map change in this plan: a writer that is never given any.
      { route53: writer, cloudMap: { apply: async () => [] } as unknown as CloudMapWriter },
    );
    expect(applied.map((c) => c.status)).toEqual(['rejected', 'rejected']);
    fake.calls.length = 0;
    const settled = await retryStaleChanges(plan, applied, { reader, writer, owner: 'o' });
    // One listing of the name for both, one request for the retry (task2's DELETE with the values there now).
    expect(fake.callCount('ListResourceRecordSets')).toBe(1);
    expect(writes()).toBe(1);
    expect(settled.find((c) => c.subject === 'task/t1')?.status).toBe('applied');
    expect(settled.find((c) => c.subject === 'task/t2')?.status).toBe('applied');
    expect(fake.records(ZONE).filter((r) => r.SetIdentifier)).toEqual([]);
  });

  test("a refused change of a key another owner holds is not retried: it stays rejected for the item's next plan", async () => {
    put({ ...rec(1), setIdentifier: 'ecs-registrar:other:task1' });
    const reader = new Route53Reader(client());
    const [theirs] = (await reader.recordsUnder(ZONE, ['web.example.com'])) as [DnsRecord];
    await client().send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: ZONE,
        ChangeBatch: {
          Changes: [
            {
              Action: 'UPSERT',
              ResourceRecordSet: {
                ...fake.records(ZONE).find((r) => r.SetIdentifier)!,
                ResourceRecords: [{ Value: '10.9.9.9' }],
              },
            },
          ],
        },
      }),
    );
    const plan = { changes: [del(theirs, 'task/t1')], conflicts: [], unchanged: 0 };
    const writer = new Route53Writer(client());
    const applied = await applyPlan(plan, {
      route53: writer,
      cloudMap: { apply: async () => [] } as unknown as CloudMapWriter,
    });
    fake.calls.length = 0;
    const settled = await retryStaleChanges(plan, applied, { reader, writer, owner: 'o' });
    expect(writes()).toBe(0);
    expect(settled[0]?.status).toBe('rejected');
    expect(fake.records(ZONE).find((r) => r.SetIdentifier)?.ResourceRecords).toEqual([{ Value: '10.9.9.9' }]);
  });
});
