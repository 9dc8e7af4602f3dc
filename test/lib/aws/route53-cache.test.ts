import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import type { CloudMapReader, CloudMapWriter } from '../../../lib/aws/cloudmap';
import { Route53RecordCache } from '../../../lib/aws/route53-cache';
import { Route53Reader } from '../../../lib/aws/route53-reader';
import { toResourceRecordSet } from '../../../lib/aws/route53-records';
import { Route53Writer } from '../../../lib/aws/route53-writer';
import type { RegistrationSpec } from '../../../lib/config/labels';
import { DEFAULT_ROUTE53_CACHE_SECONDS, loadRoute53CacheSeconds, SettingsError } from '../../../lib/config/settings';
import type { DnsRecord } from '../../../lib/domain/records';
import { applyPlan } from '../../../lib/engine/apply';
import { readCurrent, retryStaleChanges, stoppingView } from '../../../lib/engine/current-state';
import { createEngineDeps } from '../../../lib/engine/deps';
import { emptyScope } from '../../../lib/engine/task-registrations';
import { silentLog } from '../../../lib/observability/log';
import type { Route53Change } from '../../../lib/plan/plan';
import { FakeRoute53 } from '../../../testkit/fake-route53';
import { FakeWorld } from '../../../testkit/fake-world';

const mock = mockClient(Route53Client);
const ZONE = 'ZCACHE0000000001';
const OWNER = 'o';
const TTL_MS = 30_000;
let fake: FakeRoute53;
let now: number;
let cache: Route53RecordCache;
let reader: Route53Reader;
let writer: Route53Writer;
const client = () => new Route53Client({ region: 'us-east-1' });
const lists = () => fake.callCount('ListResourceRecordSets');
const writes = () => fake.callCount('ChangeResourceRecordSets');

beforeEach(() => {
  mock.reset();
  fake = new FakeRoute53();
  fake.install(mock);
  fake.addZone({ id: ZONE, name: 'example.com' });
  now = 1_000_000;
  cache = new Route53RecordCache(TTL_MS, () => now);
  reader = new Route53Reader(client(), undefined, { cache });
  writer = new Route53Writer(client(), { cache });
});

const rec = (task: string, value: string, owner = OWNER): DnsRecord => ({
  zoneId: ZONE,
  name: 'web.example.com.',
  type: 'A',
  setIdentifier: `ecs-registrar:${owner}:${task}`,
  multiValue: true,
  ttl: 60,
  values: [value],
});
const put = (r: DnsRecord) => fake.putRecordDirect(ZONE, toResourceRecordSet(r));
/** A write by someone else (another container, the reconciler): through the API, never through this writer. */
const otherWriter = (Action: 'UPSERT' | 'DELETE', r: DnsRecord) =>
  client().send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: ZONE,
      ChangeBatch: {
        Changes: [
          {
            Action,
            ResourceRecordSet: {
              Name: r.name,
              Type: 'A',
              TTL: 60,
              SetIdentifier: r.setIdentifier,
              MultiValueAnswer: true,
              ResourceRecords: (r.values ?? []).map((Value) => ({ Value })),
            },
          },
        ],
      },
    }),
  );
const owned = (records: readonly DnsRecord[]) =>
  records
    .filter((r) => r.setIdentifier)
    .map((r) => `${r.setIdentifier}=${(r.values ?? []).join(',')}`)
    .sort();
const change = (action: 'CREATE' | 'DELETE', record: DnsRecord, subject: string): Route53Change => ({
  provider: 'route53',
  action,
  record,
  subject,
});
const noCloudMap = { apply: async () => [] } as unknown as CloudMapWriter;

describe('the per-container view of a zone (REGISTRAR_ROUTE53_CACHE_SECONDS)', () => {
  test('a second read within the time answers from the cache: no request', async () => {
    put(rec('t1', '10.0.0.1'));
    const first = await reader.viewUnder(ZONE, ['web.example.com']);
    expect(first.cached.size).toBe(0);
    expect(lists()).toBe(1);
    const second = await reader.viewUnder(ZONE, ['web.example.com', 't1.web.example.com']);
    expect(lists()).toBe(1);
    expect([...second.cached].sort()).toEqual(['t1.web.example.com.', 'web.example.com.']);
    expect(owned(second.records)).toEqual(['ecs-registrar:o:t1=10.0.0.1']);
  });

  test('each range is as old as the page that read it: a long listing expires range by range', async () => {
    // 350 records under a.example.com: the listing takes two pages, and z.example.com comes in the second.
    for (let i = 0; i < 350; i++) put({ ...rec(`a${i}`, `10.1.${i >> 8}.${i & 255}`), name: `a${i}.a.example.com.` });
    put({ ...rec('z1', '10.2.0.1'), name: 'z.example.com.' });
    // Each page is answered 10 s after the one before (the budget's pace, compressed).
    fake.injectFault((op) => {
      if (op === 'ListResourceRecordSets') now += 10_000;
      return undefined;
    });
    const first = now;
    await reader.viewUnder(ZONE, ['a.example.com', 'z.example.com']);
    expect(lists()).toBe(2);
    // The first range was read by the first page, the second by the second page, 10 s later.
    now = first + TTL_MS + 1;
    fake.calls.length = 0;
    expect((await reader.viewUnder(ZONE, ['z.example.com'])).cached.has('z.example.com.')).toBe(true);
    expect(lists()).toBe(0);
    const a = await reader.viewUnder(ZONE, ['a.example.com']);
    expect(a.cached.size).toBe(0);
    expect(lists()).toBe(2);
    expect(a.records).toHaveLength(350);
  });

  test('ranges about to expire are listed again ahead of time (after a batch), and stay fresh past the first expiry', async () => {
    put(rec('t1', '10.0.0.1'));
    await reader.viewUnder(ZONE, ['web.example.com']);
    await otherWriter('UPSERT', rec('t2', '10.0.0.2'));
    now += TTL_MS - 10_000;
    fake.calls.length = 0;
    // Not within 5 s of expiring yet: nothing to do.
    await reader.refreshExpiring(5_000);
    expect(lists()).toBe(0);
    now += 6_000;
    await reader.refreshExpiring(5_000);
    expect(lists()).toBe(1);
    now += 10_000;
    const view = await reader.viewUnder(ZONE, ['web.example.com']);
    expect(lists()).toBe(1);
    expect(view.cached.has('web.example.com.')).toBe(true);
    expect(owned(view.records)).toEqual(['ecs-registrar:o:t1=10.0.0.1', 'ecs-registrar:o:t2=10.0.0.2']);
  });

  test("the container's own writes are in the view at once; others' are not until it expires", async () => {
    put(rec('t1', '10.0.0.1'));
    await reader.viewUnder(ZONE, ['web.example.com']);
    await writer.apply([
      change('CREATE', rec('t2', '10.0.0.2'), 'task/t2'),
      change('DELETE', rec('t1', '10.0.0.1'), 'task/t1'),
    ]);
    await otherWriter('UPSERT', rec('t3', '10.0.0.3'));
    fake.calls.length = 0;
    const view = await reader.viewUnder(ZONE, ['web.example.com']);
    expect(lists()).toBe(0);
    expect(owned(view.records)).toEqual(['ecs-registrar:o:t2=10.0.0.2']);

    now += TTL_MS;
    const later = await reader.viewUnder(ZONE, ['web.example.com']);
    expect(lists()).toBe(1);
    expect(later.cached.size).toBe(0);
    expect(owned(later.records)).toEqual(['ecs-registrar:o:t2=10.0.0.2', 'ecs-registrar:o:t3=10.0.0.3']);
  });

  test('a DELETE planned from a stale view is refused, the names are invalidated, re-read and the change retried: applied, not an error', async () => {
    put(rec('t1', '10.0.0.1'));
    put(rec('t2', '10.0.0.2'));
    const view = await reader.viewUnder(ZONE, ['web.example.com']);
    // Since the read: t1 removed by another container, t2 rewritten (same key, other address).
    await otherWriter('DELETE', rec('t1', '10.0.0.1'));
    await otherWriter('UPSERT', rec('t2', '10.9.9.9'));
    const [one, two] = [...view.records].sort((a, b) => ((a.setIdentifier ?? '') < (b.setIdentifier ?? '') ? -1 : 1));
    const plan = {
      changes: [change('DELETE', one!, 'task/t1'), change('DELETE', two!, 'task/t2')],
      conflicts: [],
      unchanged: 0,
    };
    fake.calls.length = 0;
    const applied = await applyPlan(plan, { route53: writer, cloudMap: noCloudMap });
    expect(applied.map((c) => c.status)).toEqual(['rejected', 'rejected']);
    // The refusal dropped the cached names: the next read of them lists them again.
    expect(cache.lookup(ZONE, 'web.example.com')).toBeUndefined();
    const settled = await retryStaleChanges(plan, applied, { reader, writer, owner: OWNER });
    expect(settled.map((c) => c.status)).toEqual(['applied', 'applied']);
    expect(lists()).toBe(1);
    expect(owned(fake.records(ZONE).map((r) => ({ ...rec('x', ''), setIdentifier: r.SetIdentifier })))).toEqual([]);
    // The re-read refreshed the view, and the retry's own write is in it.
    expect(owned((await reader.viewUnder(ZONE, ['web.example.com'])).records)).toEqual([]);
    expect(lists()).toBe(1);
  });

  test('a DELETE refused as not found is applied without a read, and the cache forgets the record', async () => {
    put(rec('t1', '10.0.0.1'));
    put(rec('t2', '10.0.0.2'));
    const view = await reader.viewUnder(ZONE, ['web.example.com']);
    await otherWriter('DELETE', rec('t1', '10.0.0.1'));
    const one = view.records.find((r) => r.setIdentifier?.endsWith(':t1'))!;
    const plan = { changes: [change('DELETE', one, 'task/t1')], conflicts: [], unchanged: 0 };
    fake.calls.length = 0;
    const applied = await applyPlan(plan, { route53: writer, cloudMap: noCloudMap });
    const settled = await retryStaleChanges(plan, applied, { reader, writer, owner: OWNER });
    expect(settled[0]?.status).toBe('applied');
    expect(lists()).toBe(0);
    expect(writes()).toBe(1);
    expect(owned((await reader.viewUnder(ZONE, ['web.example.com'])).records)).toEqual(['ecs-registrar:o:t2=10.0.0.2']);
    expect(lists()).toBe(0);
  });

  test('a stop is not planned from a cached view that shows none of the task: its names are listed again', async () => {
    await reader.viewUnder(ZONE, ['web.example.com']);
    // Another container registered t9 after this container's read.
    await otherWriter('UPSERT', rec('t9', '10.0.0.9'));
    const spec = { zoneId: ZONE, fqdn: 'web.example.com.', zoneDomain: 'example.com.' } as RegistrationSpec;
    const scope = emptyScope();
    scope.names.set(ZONE, new Set(['web.example.com.']));
    const cloudMap = { instances: async () => [] } as unknown as CloudMapReader;
    fake.calls.length = 0;
    const view = stoppingView(OWNER, [{ taskId: 't9', stopping: true, specs: [spec] }]);
    const current = await readCurrent(reader, cloudMap, scope, view);
    expect(lists()).toBeGreaterThan(0);
    expect(owned(current.records)).toEqual(['ecs-registrar:o:t9=10.0.0.9']);

    // Now the view shows t9: a stop of t9 plans from it without a request; a running task reads nothing either.
    fake.calls.length = 0;
    expect(owned((await readCurrent(reader, cloudMap, scope, view)).records)).toEqual(['ecs-registrar:o:t9=10.0.0.9']);
    expect(owned((await readCurrent(reader, cloudMap, scope, stoppingView(OWNER, []))).records)).toHaveLength(1);
    expect(lists()).toBe(0);
  });

  test.each(['-1', '61', '2.5', 'soon'])(
    'REGISTRAR_ROUTE53_CACHE_SECONDS=%s is refused, naming the variable',
    (value) => {
      expect(() => loadRoute53CacheSeconds({ REGISTRAR_ROUTE53_CACHE_SECONDS: value })).toThrow(SettingsError);
      expect(() => loadRoute53CacheSeconds({ REGISTRAR_ROUTE53_CACHE_SECONDS: value })).toThrow(
        /REGISTRAR_ROUTE53_CACHE_SECONDS.*between 0 and 60/,
      );
      expect(loadRoute53CacheSeconds({})).toBe(DEFAULT_ROUTE53_CACHE_SECONDS);
    },
  );

  test('without a cache (the reconciler, the CLI) every read lists Route 53', async () => {
    const uncached = new Route53Reader(client());
    put(rec('t1', '10.0.0.1'));
    await uncached.viewUnder(ZONE, ['web.example.com']);
    const again = await uncached.viewUnder(ZONE, ['web.example.com']);
    expect(lists()).toBe(2);
    expect(again.cached.size).toBe(0);

    // The sync function asks for the cache; the reconciler's and the CLI's deps have none.
    const world = new FakeWorld();
    world.reset();
    const base = { settings: world.settings(), clients: world.clients(), log: silentLog, env: {} };
    expect(createEngineDeps(base).route53Cache).toBeUndefined();
    expect(createEngineDeps({ ...base, cacheRoute53: true }).route53Cache?.ttlMs).toBe(
      DEFAULT_ROUTE53_CACHE_SECONDS * 1000,
    );
    expect(
      createEngineDeps({ ...base, cacheRoute53: true, env: { REGISTRAR_ROUTE53_CACHE_SECONDS: '0' } }).route53Cache,
    ).toBeUndefined();
  });
});
