import { Route53Client } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { Route53Reader } from '../../../lib/aws/route53-reader';
import type { DnsRecord } from '../../../lib/domain/records';
import { FakeRoute53 } from '../../../testkit/fake-route53';

const mock = mockClient(Route53Client);
const ZONE = 'ZREADER000000001';
let fake: FakeRoute53;
let reader: Route53Reader;

beforeEach(() => {
  mock.reset();
  fake = new FakeRoute53();
  fake.install(mock);
  fake.addZone({ id: ZONE, name: 'example.com' });
  reader = new Route53Reader(new Route53Client({ region: 'us-east-1' }));
});

const put = (name: string, setId: string, value = '10.0.0.1') =>
  fake.putRecordDirect(ZONE, {
    Name: name,
    Type: 'A',
    TTL: 60,
    SetIdentifier: setId,
    MultiValueAnswer: true,
    ResourceRecords: [{ Value: value }],
  });

const lists = () => fake.callCount('ListResourceRecordSets');
const keys = (rs: DnsRecord[]) => rs.map((r) => `${r.name}|${r.type}|${r.setIdentifier ?? ''}`).sort();

/** The answer the old reader gave: one scan per name, filtered to the name's subtree (the reference). */
function expected(names: string[]): string[] {
  const all = fake.records(ZONE).map((r) => ({ name: (r.Name ?? '').toLowerCase(), key: r }));
  const norm = names.map((n) => (n.endsWith('.') ? n : `${n}.`).toLowerCase());
  return all
    .filter((r) => norm.some((n) => r.name === n || r.name.endsWith(`.${n}`)))
    .map((r) => `${r.name}|${r.key.Type}|${r.key.SetIdentifier ?? ''}`)
    .sort();
}

describe('Route53Reader.recordsUnder reads contiguous name ranges in as few pages as possible', () => {
  test('twenty names of ten services in a small zone: one ListResourceRecordSets, not one per name', async () => {
    const names: string[] = [];
    for (let k = 0; k < 10; k++) {
      for (let t = 0; t < 5; t++) {
        put(`svc${k}.example.com`, `ecs-registrar:o:t${k}-${t}`);
        put(`t${k}-${t}.svc${k}.example.com`, `ecs-registrar:o:t${k}-${t}`);
      }
      put(`_http._tcp.svc${k}.example.com`, `ecs-registrar:o:srv${k}`);
      names.push(`svc${k}.example.com`, `_http._tcp.svc${k}.example.com`);
    }
    put('other.example.com', 'foreign');
    const got = await reader.recordsUnder(ZONE, names);
    expect(keys(got)).toEqual(expected(names));
    expect(keys(got)).not.toContain('other.example.com.|A|foreign');
    expect(lists()).toBe(1);
  });

  test('a page that ends inside a range is continued; ranges already passed cost nothing', async () => {
    // 700 records under svc0 (three pages), then a few under svc1 and svc2.
    for (let t = 0; t < 700; t++) put(`svc0.example.com`, `ecs-registrar:o:a${String(t).padStart(4, '0')}`);
    for (let t = 0; t < 3; t++) put(`svc1.example.com`, `ecs-registrar:o:b${t}`);
    for (let t = 0; t < 3; t++) put(`svc2.example.com`, `ecs-registrar:o:c${t}`);
    const names = ['svc0.example.com', 'svc1.example.com', 'svc2.example.com'];
    const got = await reader.recordsUnder(ZONE, names);
    expect(keys(got)).toEqual(expected(names));
    expect(got).toHaveLength(706);
    // ceil(706 / 300) pages: the third page of svc0 also holds svc1 and svc2.
    expect(lists()).toBe(3);
  });

  test('names far apart start a new listing at the name instead of reading the gap', async () => {
    put('aaa.example.com', 'ecs-registrar:o:first');
    for (let t = 0; t < 900; t++) put(`gap${String(t).padStart(4, '0')}.example.com`, `foreign${t}`);
    put('zzz.example.com', 'ecs-registrar:o:last');
    const names = ['aaa.example.com', 'zzz.example.com'];
    const got = await reader.recordsUnder(ZONE, names);
    expect(keys(got)).toEqual(['aaa.example.com.|A|ecs-registrar:o:first', 'zzz.example.com.|A|ecs-registrar:o:last']);
    // One page from aaa (it ends inside the gap), one from zzz: never the four pages of the whole zone.
    expect(lists()).toBe(2);
  });

  test('never more pages than listing the whole zone, and the same records as one scan per name', async () => {
    for (let i = 0; i < 1_000; i++) put(`n${(i * 7919) % 1000}.example.com`, `s${i}`);
    const names = Array.from({ length: 60 }, (_, i) => `n${(i * 37) % 1000}.example.com`);
    const got = await reader.recordsUnder(ZONE, names);
    expect(keys(got)).toEqual(expected(names));
    const pages = lists();
    fake.calls.length = 0;
    await reader.listZone(ZONE);
    expect(pages).toBeLessThanOrEqual(lists());
  });

  test('a name nested in another is read once; a name with nothing under it still answers (empty)', async () => {
    put('web.example.com', 'ecs-registrar:o:x');
    put('a.web.example.com', 'ecs-registrar:o:x');
    expect(keys(await reader.recordsUnder(ZONE, ['web.example.com', 'a.web.example.com']))).toEqual([
      'a.web.example.com.|A|ecs-registrar:o:x',
      'web.example.com.|A|ecs-registrar:o:x',
    ]);
    expect(lists()).toBe(1);
    expect(await reader.recordsUnder(ZONE, ['nothing.example.com'])).toEqual([]);
  });

  test('names whose labels sort around the dot (web-a before web.) keep their subtrees apart', async () => {
    put('web.example.com', 'ecs-registrar:o:w');
    put('x.web.example.com', 'ecs-registrar:o:w');
    put('web-a.example.com', 'ecs-registrar:o:wa');
    expect(keys(await reader.recordsUnder(ZONE, ['web.example.com']))).toEqual([
      'web.example.com.|A|ecs-registrar:o:w',
      'x.web.example.com.|A|ecs-registrar:o:w',
    ]);
    expect(keys(await reader.recordsUnder(ZONE, ['web-a.example.com', 'web.example.com']))).toEqual(
      expected(['web-a.example.com', 'web.example.com']),
    );
  });
});
