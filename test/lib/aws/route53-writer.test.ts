import {
  ChangeResourceRecordSetsCommand,
  InvalidChangeBatch,
  PriorRequestNotComplete,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import type { Timing } from '../../../lib/aws/backoff';
import { Route53Writer } from '../../../lib/aws/route53-writer';
import type { DnsRecord } from '../../../lib/domain/records';
import type { Route53Change } from '../../../lib/plan/plan';

const r53 = mockClient(Route53Client);
const client = new Route53Client({ region: 'us-east-1' });

/** Virtual time: sleeps are recorded, never waited. */
function fakeTiming(): Timing & { slept: number[] } {
  const slept: number[] = [];
  let now = 0;
  return {
    slept,
    now: () => now,
    random: () => 0.5,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

const record = (i: number, zoneId = 'Z1', values = [`10.0.${Math.floor(i / 250)}.${i % 250}`]): DnsRecord => ({
  zoneId,
  name: 'web.example.com.',
  type: 'A',
  setIdentifier: `ecs-registrar:o:task${i}`,
  multiValue: true,
  ttl: 60,
  values,
});
const create = (r: DnsRecord): Route53Change => ({
  provider: 'route53',
  action: 'CREATE',
  record: r,
  subject: `task:${r.setIdentifier}`,
});
const sentChanges = () =>
  r53.commandCalls(ChangeResourceRecordSetsCommand).map((c) => c.args[0].input.ChangeBatch!.Changes!);
const throttling = () =>
  Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });

beforeEach(() => {
  r53.reset();
  r53
    .on(ChangeResourceRecordSetsCommand)
    .resolves({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } });
});

describe('Route53Writer', () => {
  test('writes every change of a zone in one request while within the limits, one request per zone', async () => {
    // Prepare
    const writer = new Route53Writer(client, { timing: fakeTiming() });
    const changes = [...Array.from({ length: 40 }, (_, i) => create(record(i))), create(record(99, 'Z2'))];

    // Act
    const outcomes = await writer.apply(changes);

    // Assess
    expect(r53).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 2);
    expect(r53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, { HostedZoneId: 'Z1' });
    expect(r53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, { HostedZoneId: 'Z2' });
    expect(outcomes.filter((o) => o.status === 'applied')).toHaveLength(41);
  });

  test('splits at 1,000 ResourceRecord elements per request, an UPSERT counting twice, an UPDATE never split', async () => {
    // Prepare: 1,500 creates (UPSERT: 2 elements each), plus 600 updates (DELETE 1 + UPSERT 2)
    const writer = new Route53Writer(client, { timing: fakeTiming() });
    const creates = Array.from({ length: 1500 }, (_, i) => create(record(i)));
    const updates: Route53Change[] = Array.from({ length: 600 }, (_, i) => ({
      provider: 'route53',
      action: 'UPDATE',
      previous: record(2000 + i),
      record: record(2000 + i, 'Z1', ['192.0.2.1']),
      subject: `task:u${i}`,
    }));

    // Act
    await writer.apply([...creates, ...updates]);

    // Assess: every request within 1,000 elements; nothing lost; an UPDATE never split across requests
    const batches = sentChanges();
    const elements = (b: (typeof batches)[number]) =>
      b.reduce((n, c) => n + (c.Action === 'UPSERT' ? 2 : 1) * c.ResourceRecordSet!.ResourceRecords!.length, 0);
    for (const b of batches) expect(elements(b)).toBeLessThanOrEqual(1000);
    expect(batches.flat()).toHaveLength(1500 + 1200);
    for (const b of batches) {
      const deletes = b.filter((c) => c.Action === 'DELETE').map((c) => c.ResourceRecordSet!.SetIdentifier);
      const recreated = b.filter((c) => c.Action === 'UPSERT').map((c) => c.ResourceRecordSet!.SetIdentifier);
      for (const id of deletes) expect(recreated).toContain(id);
    }
    expect(batches).toHaveLength(Math.ceil((1500 * 2 + 600 * 3) / 1000));
  });

  test('splits at 32,000 value characters per request, an UPSERT counting twice', async () => {
    // Prepare: 20 records of 3,000 characters each (TXT-like long values), 6,000 as UPSERTs
    const writer = new Route53Writer(client, { timing: fakeTiming() });
    const changes = Array.from({ length: 20 }, (_, i) =>
      create({ ...record(i), type: 'TXT', values: [`"${'x'.repeat(2998)}"`] }),
    );

    // Act
    await writer.apply(changes);

    // Assess
    for (const b of sentChanges()) {
      const chars = b.reduce(
        (n, c) => n + 2 * c.ResourceRecordSet!.ResourceRecords!.reduce((m, v) => m + v.Value!.length, 0),
        0,
      );
      expect(chars).toBeLessThanOrEqual(32_000);
    }
    expect(sentChanges()).toHaveLength(4);
  });

  test('retries Throttling and PriorRequestNotComplete with backoff, resending the same batch unsplit', async () => {
    // Prepare
    const timing = fakeTiming();
    const writer = new Route53Writer(client, { timing });
    r53
      .on(ChangeResourceRecordSetsCommand)
      .rejectsOnce(throttling())
      .rejectsOnce(new PriorRequestNotComplete({ message: 'still processing', $metadata: { httpStatusCode: 400 } }))
      .resolves({});
    const changes = Array.from({ length: 10 }, (_, i) => create(record(i)));

    // Act
    const outcomes = await writer.apply(changes);

    // Assess
    const batches = sentChanges();
    expect(batches).toHaveLength(3);
    expect(batches.every((b) => b.length === 10)).toBe(true);
    expect(timing.slept).toHaveLength(2);
    expect(timing.slept[1]!).toBeGreaterThan(timing.slept[0]!);
    expect(outcomes.every((o) => o.status === 'applied')).toBe(true);
  });

  test('takes a rate-limiter token for every attempt, retries included', async () => {
    // Prepare
    const take = jest.fn(async () => undefined);
    const writer = new Route53Writer(client, { timing: fakeTiming(), limiter: { take } });
    r53.on(ChangeResourceRecordSetsCommand).rejectsOnce(throttling()).rejectsOnce(throttling()).resolves({});

    // Act
    const outcomes = await writer.apply([create(record(1)), create(record(2, 'Z2'))]);

    // Assess: zone Z1 or Z2 was throttled twice; four sends in all, four tokens
    expect(r53).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 4);
    expect(take).toHaveBeenCalledTimes(4);
    expect(outcomes.every((o) => o.status === 'applied')).toBe(true);
  });

  test('gives up after maxAttempts of throttling and reports the changes as failed (retryable), not rejected', async () => {
    // Prepare
    const writer = new Route53Writer(client, { timing: fakeTiming(), maxAttempts: 3 });
    r53.on(ChangeResourceRecordSetsCommand).rejects(throttling());

    // Act
    const outcomes = await writer.apply([create(record(1)), create(record(2))]);

    // Assess
    expect(r53).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 3);
    expect(outcomes.map((o) => [o.status, o.code])).toEqual([
      ['failed', 'Throttling'],
      ['failed', 'Throttling'],
    ]);
  });

  test('on InvalidChangeBatch, bisects to the offending change, applies the rest and reports AWS message', async () => {
    // Prepare: Route 53 rejects any batch containing task5's change, atomically
    const writer = new Route53Writer(client, { timing: fakeTiming() });
    const message =
      "Tried to create resource record set [name='web.example.com.', type='A', set-identifier='ecs-registrar:o:task5'] but it already exists";
    r53.on(ChangeResourceRecordSetsCommand).callsFake((input) => {
      if (
        input.ChangeBatch.Changes.some((c: { ResourceRecordSet: { SetIdentifier: string } }) =>
          c.ResourceRecordSet.SetIdentifier.endsWith(':task5'),
        )
      ) {
        throw new InvalidChangeBatch({
          message: 'Invalid change batch',
          messages: [message],
          $metadata: { httpStatusCode: 400 },
        });
      }
      return {};
    });
    const changes = Array.from({ length: 16 }, (_, i) => create(record(i)));

    // Act
    const outcomes = await writer.apply(changes);

    // Assess: 15 applied, 1 rejected with the message, in about 2*log2(16) extra calls
    const rejected = outcomes.filter((o) => o.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.change.record.setIdentifier).toBe('ecs-registrar:o:task5');
    expect(rejected[0]!.message).toBe(message);
    expect(outcomes.filter((o) => o.status === 'applied')).toHaveLength(15);
    const calls = r53.commandCalls(ChangeResourceRecordSetsCommand).length;
    expect(calls).toBeLessThanOrEqual(1 + 2 * Math.log2(16));
    const applied = sentChanges().filter((b) => !b.some((c) => c.ResourceRecordSet!.SetIdentifier!.endsWith(':task5')));
    expect(applied.flat()).toHaveLength(15);
  });

  test('a new record is an UPSERT of our own key; an UPDATE is the exact DELETE of the current record plus an UPSERT, in one request', async () => {
    // Prepare
    const writer = new Route53Writer(client, { timing: fakeTiming() });
    const previous = { ...record(1), ttl: 300, healthCheckId: 'hc-1' };
    const change: Route53Change = {
      provider: 'route53',
      action: 'UPDATE',
      previous,
      record: record(1, 'Z1', ['10.9.9.9']),
      subject: 'task:1',
    };

    // Act
    await writer.apply([change, create(record(2))]);

    // Assess
    expect(sentChanges()).toEqual([
      [
        {
          Action: 'DELETE',
          ResourceRecordSet: expect.objectContaining({
            TTL: 300,
            HealthCheckId: 'hc-1',
            ResourceRecords: [{ Value: '10.0.0.1' }],
          }),
        },
        {
          Action: 'UPSERT',
          ResourceRecordSet: expect.objectContaining({ TTL: 60, ResourceRecords: [{ Value: '10.9.9.9' }] }),
        },
        { Action: 'UPSERT', ResourceRecordSet: expect.objectContaining({ SetIdentifier: 'ecs-registrar:o:task2' }) },
      ],
    ]);
  });

  test('a change too big for any request is rejected with a reason, never silently dropped, and does not block others', async () => {
    // Prepare
    const writer = new Route53Writer(client, { timing: fakeTiming(), maxRecordsPerRequest: 5 });
    const huge = create({ ...record(1), values: Array.from({ length: 3 }, (_, i) => `10.1.1.${i}`) });

    // Act
    const outcomes = await writer.apply([huge, create(record(2))]);

    // Assess
    expect(outcomes.find((o) => o.change === huge)).toMatchObject({ status: 'rejected', code: 'RequestLimit' });
    expect(outcomes.find((o) => o.change !== huge)?.status).toBe('applied');
  });

  test('an access error fails the batch as retryable without bisecting', async () => {
    // Prepare
    const writer = new Route53Writer(client, { timing: fakeTiming() });
    r53
      .on(ChangeResourceRecordSetsCommand)
      .rejects(
        Object.assign(new Error('not authorized'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
      );

    // Act
    const outcomes = await writer.apply(Array.from({ length: 8 }, (_, i) => create(record(i))));

    // Assess
    expect(r53).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 1);
    expect(new Set(outcomes.map((o) => `${o.status}:${o.code}`))).toEqual(new Set(['failed:AccessDenied']));
  });
});
