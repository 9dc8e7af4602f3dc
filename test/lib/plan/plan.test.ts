import fc from 'fast-check';
import { OWNER_ATTRIBUTE, taskSetIdentifier } from '../../../lib/domain/ownership';
import {
  type CloudMapInstance,
  type DnsRecord,
  instanceKey,
  recordKey,
  sameRecordContent,
} from '../../../lib/domain/records';
import {
  type Change,
  type EndpointSet,
  type Plan,
  type PlanInput,
  planChanges,
  type Subjected,
  taskSubject,
} from '../../../lib/plan/plan';

const OWNER = 'prod';
const ZONE = 'Z0PRIVATE123';
const NAME = 'web.internal.example.com.';
const T1 = 'a1173316d40a45dea9b2c3d4e5f60718';
const T2 = 'c1ffa94f19a540ed8d9f7e1d2a5d3626';

/** A per-task multivalue record this owner writes. */
function ours(taskId: string, overrides: Partial<DnsRecord> = {}): DnsRecord {
  return {
    zoneId: ZONE,
    name: NAME,
    type: 'A',
    setIdentifier: taskSetIdentifier(OWNER, taskId),
    multiValue: true,
    ttl: 60,
    values: ['10.0.1.163'],
    ...overrides,
  };
}

const want = (taskId: string, overrides: Partial<DnsRecord> = {}): Subjected<DnsRecord> => ({
  ...ours(taskId, overrides),
  subject: taskSubject(taskId),
});

function instance(taskId: string, attributes: Record<string, string> = {}, serviceId = 'srv-abc'): CloudMapInstance {
  return {
    serviceId,
    instanceId: taskId,
    attributes: { AWS_INSTANCE_IPV4: '10.0.1.163', [OWNER_ATTRIBUTE]: OWNER, ...attributes },
  };
}

const wantInstance = (i: CloudMapInstance): Subjected<CloudMapInstance> => ({
  ...i,
  subject: taskSubject(i.instanceId),
});

function plan(
  desired: { records?: Subjected<DnsRecord>[]; instances?: Subjected<CloudMapInstance>[] },
  current: Partial<EndpointSet>,
  extra: Partial<PlanInput> = {},
): Plan {
  return planChanges({
    owner: OWNER,
    desired: { records: desired.records ?? [], instances: desired.instances ?? [] },
    current: { records: current.records ?? [], instances: current.instances ?? [] },
    ...extra,
  });
}

/** One line per change: `ACTION key`, for readable table assertions. */
function summary(p: Plan): string[] {
  return p.changes.map((c) =>
    c.provider === 'route53' ? `${c.action} ${recordKey(c.record)}` : `${c.action} ${instanceKey(c.instance)}`,
  );
}

/**
 * Applies a plan in memory with Route 53's and Cloud Map's exactness: CREATE fails on an existing key, DELETE and the
 * delete half of UPDATE need the exact current record, and nothing not owned may be touched.
 */
function apply(current: EndpointSet, p: Plan, owner = OWNER): EndpointSet {
  const records = new Map(current.records.map((r) => [recordKey(r), r]));
  const instances = new Map(current.instances.map((i) => [instanceKey(i), i]));
  const exact = (key: string, expected: DnsRecord) => {
    const actual = records.get(key);
    if (!actual || JSON.stringify(actual) !== JSON.stringify(expected)) {
      throw new Error(`Tried to delete resource record set ${key} but the values provided do not match`);
    }
  };
  const mustOwn = (r: DnsRecord) => {
    if (!r.setIdentifier?.startsWith(`ecs-registrar:${owner}:`)) throw new Error(`touched unowned ${recordKey(r)}`);
  };
  for (const c of p.changes) {
    if (c.provider === 'route53') {
      const key = recordKey(c.record);
      if (c.action === 'DELETE') {
        mustOwn(c.record);
        exact(key, c.record);
        records.delete(key);
      } else if (c.action === 'UPDATE') {
        mustOwn(c.previous);
        exact(recordKey(c.previous), c.previous);
        records.delete(recordKey(c.previous));
        records.set(key, c.record);
      } else {
        if (records.has(key)) throw new Error(`Tried to create resource record set ${key} but it already exists`);
        records.set(key, c.record);
      }
    } else {
      const key = instanceKey(c.instance);
      const existing = instances.get(key);
      if (existing && existing.attributes[OWNER_ATTRIBUTE] !== owner) throw new Error(`touched unowned ${key}`);
      if (c.action === 'DEREGISTER') instances.delete(key);
      else instances.set(key, c.instance);
    }
  }
  return { records: [...records.values()], instances: [...instances.values()] };
}

describe('planChanges: Route 53 records', () => {
  it('creates a missing record', () => {
    // Act
    const p = plan({ records: [want(T1)] }, {});

    // Assess
    expect(p.changes).toEqual([{ provider: 'route53', action: 'CREATE', record: ours(T1), subject: taskSubject(T1) }]);
    expect(p.conflicts).toEqual([]);
  });

  it('counts a correct record as unchanged, even when values differ only in form', () => {
    // Prepare
    const srv = {
      type: 'SRV',
      name: '_web._tcp.internal.example.com.',
      values: [`1 1 8080 ${T1}.web.internal.example.com.`],
    };
    const current = ours(T1, { ...srv, values: [`1  1 8080 ${T1.toUpperCase()}.WEB.internal.example.com`] });

    // Act
    const p = plan({ records: [want(T1), want(T1, srv)] }, { records: [ours(T1), current] });

    // Assess
    expect(p.changes).toEqual([]);
    expect(p.unchanged).toBe(2);
  });

  it('deletes an owned record no longer desired when its subject is in scope, and leaves it otherwise', () => {
    // Prepare
    const current = { records: [ours(T1), ours(T2, { values: ['10.0.1.7'] })] };

    // Act
    const everything = plan({ records: [want(T1)] }, current);
    const onlyT1 = plan({ records: [want(T1)] }, current, { inScope: (s) => s === taskSubject(T1) });
    const onlyT2 = plan({ records: [want(T1)] }, current, { inScope: (s) => s === taskSubject(T2) });

    // Assess
    expect(everything.changes).toEqual([
      { provider: 'route53', action: 'DELETE', record: ours(T2, { values: ['10.0.1.7'] }), subject: taskSubject(T2) },
    ]);
    expect(onlyT1.changes).toEqual([]);
    expect(summary(onlyT2)).toEqual([`DELETE ${recordKey(ours(T2))}`]);
  });

  it.each<[string, Partial<DnsRecord>]>([
    ['an edited value', { values: ['10.0.9.9'] }],
    ['an edited TTL', { ttl: 300 }],
    ['a lost multivalue flag', { multiValue: false }],
    ['an attached health check', { healthCheckId: 'hc-123' }],
  ])('updates an owned record with %s, carrying the exact previous record', (_what, drift) => {
    // Prepare
    const previous = ours(T1, drift);

    // Act
    const p = plan({ records: [want(T1)] }, { records: [previous] });

    // Assess
    expect(p.changes).toEqual([
      { provider: 'route53', action: 'UPDATE', record: ours(T1), previous, subject: taskSubject(T1) },
    ]);
  });

  it('refuses by default to join a multivalue set with records it does not own, and never touches them', () => {
    // Prepare: a hand-made set and another registrar's record at our name and type (issue 13: no joining foreign sets)
    const theirs: DnsRecord = { ...ours(T1), setIdentifier: 'blue-fleet-1', values: ['10.8.0.1'] };
    const otherRegistrar: DnsRecord = { ...ours(T2), setIdentifier: taskSetIdentifier('staging', T2) };

    // Act
    const p = plan({ records: [want(T1)] }, { records: [theirs, otherRegistrar] });

    // Assess
    expect(p.changes).toEqual([]);
    expect(p.conflicts).toEqual([
      {
        provider: 'route53',
        key: recordKey(ours(T1)),
        subject: taskSubject(T1),
        reason: `${NAME} A holds records the registrar does not own (SetIdentifier blue-fleet-1, ${taskSetIdentifier('staging', T2)}); joining a foreign record set is refused (REGISTRAR_NAME_POLICY foreignSets)`,
      },
    ]);
  });

  it('creates ours beside an unowned multivalue record when the policy says foreignSets "join", and never touches it', () => {
    // Prepare
    const theirs: DnsRecord = { ...ours(T1), setIdentifier: 'blue-fleet-1', values: ['10.8.0.1'] };

    // Act
    const p = plan({ records: [want(T1)] }, { records: [theirs] }, { policy: { rules: [], foreignSets: 'join' } });

    // Assess
    expect(summary(p)).toEqual([`CREATE ${recordKey(ours(T1))}`]);
    expect(p.conflicts).toEqual([]);
  });

  it.each<[string, DnsRecord, RegExp]>([
    [
      'a foreign simple A',
      { zoneId: ZONE, name: NAME, type: 'A', ttl: 300, values: ['10.8.0.1'] },
      /unowned A record with simple routing.*multivalue/,
    ],
    [
      'a foreign CNAME',
      { zoneId: ZONE, name: NAME, type: 'CNAME', ttl: 300, values: ['lb.example.com.'] },
      /unowned CNAME record exists/,
    ],
    [
      'a foreign weighted A',
      { zoneId: ZONE, name: NAME, type: 'A', setIdentifier: 'w1', weight: 10, ttl: 60, values: ['10.8.0.1'] },
      /weighted routing/,
    ],
    [
      'a foreign failover A',
      { zoneId: ZONE, name: NAME, type: 'A', setIdentifier: 'primary', otherRouting: 'failover', values: ['10.8.0.1'] },
      /failover routing/,
    ],
    [
      'a foreign simple alias A',
      {
        zoneId: ZONE,
        name: NAME,
        type: 'A',
        alias: { dnsName: 'lb.example.com.', hostedZoneId: 'Z35SXDOTRQ7X7K', evaluateTargetHealth: false },
      },
      /simple routing/,
    ],
  ])('reports a conflict, and writes nothing, for %s at our name', (_what, foreign, reason) => {
    // Act
    const p = plan({ records: [want(T1)] }, { records: [foreign] });

    // Assess
    expect(p.changes).toEqual([]);
    expect(p.conflicts).toEqual([
      {
        provider: 'route53',
        key: recordKey(ours(T1)),
        subject: taskSubject(T1),
        reason: expect.stringMatching(reason),
      },
    ]);
  });

  it('lets ours coexist with foreign records of other types, other names and other zones', () => {
    // Prepare
    const foreign: DnsRecord[] = [
      { zoneId: ZONE, name: NAME, type: 'TXT', ttl: 300, values: ['"owner=team-a"'] },
      { zoneId: ZONE, name: 'other.internal.example.com.', type: 'CNAME', ttl: 300, values: ['x.example.com.'] },
      { zoneId: 'Z0PUBLIC456', name: NAME, type: 'A', ttl: 300, values: ['1.2.3.4'] },
    ];

    // Act
    const p = plan({ records: [want(T1)] }, { records: foreign });

    // Assess
    expect(summary(p)).toEqual([`CREATE ${recordKey(ours(T1))}`]);
    expect(p.conflicts).toEqual([]);
  });

  it('reports a conflict for a record at our exact key that is not ours', () => {
    // Prepare: an alias-style record without set identifier, whose ownership a registry decides.
    const desired: Subjected<DnsRecord> = {
      zoneId: ZONE,
      name: NAME,
      type: 'A',
      alias: { dnsName: 'lb.example.com.', hostedZoneId: 'Z35SXDOTRQ7X7K', evaluateTargetHealth: true },
      subject: 'service:prod/web',
    };
    const { subject: _subject, ...theirs } = desired;

    // Act
    const p = plan(
      { records: [desired] },
      { records: [{ ...theirs, alias: { ...theirs.alias!, dnsName: 'old.example.com.' } }] },
      {
        ownedRecordSubject: () => undefined,
      },
    );

    // Assess
    expect(p.changes).toEqual([]);
    expect(p.conflicts).toEqual([
      expect.objectContaining({
        key: recordKey(desired),
        reason: expect.stringMatching(/not owned by this registrar/),
      }),
    ]);
  });

  it('never deletes unowned records, whatever the scope', () => {
    // Prepare
    const foreign: DnsRecord[] = [
      { zoneId: ZONE, name: NAME, type: 'A', ttl: 300, values: ['10.8.0.1'] },
      { ...ours(T2), setIdentifier: taskSetIdentifier('staging', T2) },
      { ...ours(T2), setIdentifier: `ecs-registrar:${OWNER}` },
    ];

    // Act
    const p = plan({}, { records: foreign });

    // Assess
    expect(p.changes).toEqual([]);
  });

  it('reports two desired records with one key as a conflict and writes the first', () => {
    // Act
    const p = plan({ records: [want(T1), want(T1, { values: ['10.0.0.2'] })] }, {});

    // Assess
    expect(summary(p)).toEqual([`CREATE ${recordKey(ours(T1))}`]);
    expect((p.changes[0] as Extract<Change, { action: 'CREATE' }>).record.values).toEqual(['10.0.1.163']);
    expect(p.conflicts).toEqual([expect.objectContaining({ reason: 'two registrations want the same record' })]);
  });
});

describe('planChanges: Cloud Map instances', () => {
  it('registers a missing instance', () => {
    // Act
    const p = plan({ instances: [wantInstance(instance(T1))] }, {});

    // Assess
    expect(p.changes).toEqual([
      {
        provider: 'cloudmap',
        action: 'REGISTER',
        instance: instance(T1),
        previous: undefined,
        subject: taskSubject(T1),
      },
    ]);
  });

  it('re-registers an owned instance whose attributes changed, and leaves a correct one alone', () => {
    // Prepare
    const stale = instance(T1, { AWS_INSTANCE_PORT: '32768' });
    const fresh = instance(T1, { AWS_INSTANCE_PORT: '32770' });

    // Act
    const changed = plan({ instances: [wantInstance(fresh)] }, { instances: [stale] });
    const same = plan(
      { instances: [wantInstance(fresh)] },
      { instances: [{ ...fresh, attributes: { ...fresh.attributes } }] },
    );

    // Assess
    expect(changed.changes).toEqual([
      { provider: 'cloudmap', action: 'REGISTER', instance: fresh, previous: stale, subject: taskSubject(T1) },
    ]);
    expect(same.changes).toEqual([]);
    expect(same.unchanged).toBe(1);
  });

  it('deregisters owned instances only, and only in scope', () => {
    // Prepare
    const current = [
      instance(T1),
      instance(T2, { [OWNER_ATTRIBUTE]: 'staging' }),
      { serviceId: 'srv-abc', instanceId: 'manual-1', attributes: { AWS_INSTANCE_IPV4: '10.0.0.9' } },
    ];

    // Act
    const everything = plan({}, { instances: current });
    const outOfScope = plan({}, { instances: current }, { inScope: () => false });

    // Assess
    expect(everything.changes).toEqual([
      { provider: 'cloudmap', action: 'DEREGISTER', instance: instance(T1), subject: taskSubject(T1) },
    ]);
    expect(outOfScope.changes).toEqual([]);
  });

  it('refuses an instance id that exists and is not ours', () => {
    // Act
    const p = plan(
      { instances: [wantInstance(instance(T1))] },
      { instances: [instance(T1, { [OWNER_ATTRIBUTE]: 'staging' })] },
    );

    // Assess
    expect(p.changes).toEqual([]);
    expect(p.conflicts).toEqual([expect.objectContaining({ provider: 'cloudmap', key: `srv-abc|${T1}` })]);
  });

  it('never writes into a Cloud Map service that ECS manages', () => {
    // Prepare: ECS's own instance carries ECS_CLUSTER_NAME and no owner mark.
    const ecsOwn: CloudMapInstance = {
      serviceId: 'srv-ecs',
      instanceId: 'f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0',
      attributes: { AWS_INSTANCE_IPV4: '10.0.5.5', ECS_CLUSTER_NAME: 'prod', ECS_SERVICE_NAME: 'web' },
    };

    // Act
    const p = plan(
      { instances: [wantInstance(instance(T1, {}, 'srv-ecs')), wantInstance(instance(T2, {}, 'srv-abc'))] },
      { instances: [ecsOwn] },
    );

    // Assess
    expect(summary(p)).toEqual([`REGISTER srv-abc|${T2}`]);
    expect(p.conflicts).toEqual([
      expect.objectContaining({
        key: `srv-ecs|${T1}`,
        reason: expect.stringMatching(/managed by ECS service discovery/),
      }),
    ]);
  });

  it('does not mistake another registrar’s instances for ECS-managed ones', () => {
    // Prepare
    const staging = instance(T2, { [OWNER_ATTRIBUTE]: 'staging', ECS_CLUSTER_NAME: 'prod' });

    // Act
    const p = plan({ instances: [wantInstance(instance(T1))] }, { instances: [staging] });

    // Assess
    expect(summary(p)).toEqual([`REGISTER srv-abc|${T1}`]);
    expect(p.conflicts).toEqual([]);
  });
});

describe('planChanges: ordering and idempotency', () => {
  it('orders deletes before updates before creates', () => {
    // Prepare
    const desired = {
      records: [want(T1, { values: ['10.0.0.1'] }), want(T2)],
      instances: [wantInstance(instance(T2))],
    };
    const current = {
      records: [ours(T1), ours('deadbeefdeadbeefdeadbeefdeadbeef')],
      instances: [instance('deadbeefdeadbeefdeadbeefdeadbeef')],
    };

    // Act
    const p = plan(desired, current);

    // Assess
    expect(p.changes.map((c) => c.action)).toEqual(['DELETE', 'DEREGISTER', 'UPDATE', 'CREATE', 'REGISTER']);
  });

  it('plans nothing against the result of applying its own plan', () => {
    // Prepare
    const foreign: DnsRecord[] = [
      { ...ours(T2), setIdentifier: 'blue-fleet-1', values: ['10.8.0.1'] },
      { zoneId: ZONE, name: 'api.internal.example.com.', type: 'A', ttl: 300, values: ['10.8.0.2'] },
    ];
    const current: EndpointSet = {
      records: [...foreign, ours(T1, { ttl: 300 }), ours('deadbeefdeadbeefdeadbeefdeadbeef')],
      instances: [instance('deadbeefdeadbeefdeadbeefdeadbeef'), instance(T1, { AWS_INSTANCE_PORT: '1' })],
    };
    const desired = {
      records: [want(T1), want(T2), want(T2, { name: 'api.internal.example.com.' })],
      instances: [wantInstance(instance(T1)), wantInstance(instance(T2))],
    };

    // Act
    const first = plan(desired, current);
    const after = apply(current, first);
    const second = plan(desired, after);

    // Assess: T2 at web is refused (a foreign set is there), so 5 changes, not 6 as before issue 13
    expect(summary(first)).toHaveLength(5);
    expect(first.conflicts.map((c) => c.key)).toEqual([
      recordKey(ours(T2)),
      recordKey(ours(T2, { name: 'api.internal.example.com.' })),
    ]);
    expect(second.changes).toEqual([]);
    expect(second.conflicts).toEqual(first.conflicts);
    expect(after.records).toEqual(expect.arrayContaining(foreign));
  });

  it('converges for any mix of owned, foreign and desired entries, and never touches a foreign one', () => {
    // Prepare
    const tasks = [T1, T2, 'deadbeefdeadbeefdeadbeefdeadbeef'];
    const names = ['web.internal.example.com.', 'api.internal.example.com.', 'cname.internal.example.com.'];
    const ownedRecord = fc
      .record({
        task: fc.constantFrom(...tasks),
        name: fc.constantFrom(...names),
        type: fc.constantFrom('A', 'AAAA'),
        value: fc.constantFrom('10.0.0.1', '10.0.0.2'),
        ttl: fc.constantFrom(30, 60),
      })
      .map(({ task, name, type, value, ttl }) =>
        ours(task, { name, type, ttl, values: [type === 'A' ? value : `2600:1f18::${value.slice(-1)}`] }),
      );
    const foreignPool: DnsRecord[] = [
      { ...ours(T1), setIdentifier: 'blue-fleet-1', values: ['10.8.0.1'] },
      { ...ours(T1), setIdentifier: taskSetIdentifier('staging', T1) },
      { zoneId: ZONE, name: 'api.internal.example.com.', type: 'A', ttl: 300, values: ['10.8.0.2'] },
      { zoneId: ZONE, name: 'cname.internal.example.com.', type: 'CNAME', ttl: 300, values: ['x.example.com.'] },
      { zoneId: ZONE, name: NAME, type: 'TXT', ttl: 300, values: ['"x"'] },
    ];
    const ownedInstance = fc
      .record({
        task: fc.constantFrom(...tasks),
        service: fc.constantFrom('srv-abc', 'srv-ecs'),
        port: fc.constantFrom('1', '2'),
      })
      .map(({ task, service, port }) => instance(task, { AWS_INSTANCE_PORT: port }, service));
    const foreignInstances: CloudMapInstance[] = [
      { serviceId: 'srv-ecs', instanceId: 'ecs-own', attributes: { ECS_CLUSTER_NAME: 'prod' } },
      instance(T2, { [OWNER_ATTRIBUTE]: 'staging' }, 'srv-abc'),
    ];
    const world = fc.record({
      current: fc.array(ownedRecord, { maxLength: 8 }),
      foreign: fc.subarray(foreignPool),
      desired: fc.array(ownedRecord, { maxLength: 8 }),
      currentInstances: fc.array(ownedInstance, { maxLength: 4 }),
      foreignInstances: fc.subarray(foreignInstances),
      desiredInstances: fc.array(ownedInstance, { maxLength: 4 }),
      scope: fc.subarray(tasks.map(taskSubject)),
      scoped: fc.boolean(),
    });

    // Act / Assess
    fc.assert(
      fc.property(world, (w) => {
        const dedupe = <T>(items: T[], key: (t: T) => string) => [...new Map(items.map((i) => [key(i), i])).values()];
        const current: EndpointSet = {
          records: dedupe([...w.foreign, ...w.current], recordKey),
          instances: dedupe([...w.foreignInstances, ...w.currentInstances], instanceKey),
        };
        const desired = {
          records: w.desired.map((r) => ({ ...r, subject: taskSubject(r.setIdentifier!.split(':')[2]!) })),
          instances: w.desiredInstances.map(wantInstance),
        };
        const extra = w.scoped ? { inScope: (s: string) => w.scope.includes(s) } : {};

        const first = plan(desired, current, extra);
        const after = apply(current, first);
        const second = plan(desired, after, extra);

        expect(second.changes).toEqual([]);
        for (const f of w.foreign) expect(after.records).toContainEqual(f);
        for (const f of current.instances.filter((i) => i.attributes[OWNER_ATTRIBUTE] !== OWNER)) {
          expect(after.instances).toContainEqual(f);
        }
        // Nothing is created where Route 53 would refuse it next to a foreign record.
        for (const c of first.changes) {
          if (c.provider !== 'route53' || c.action !== 'CREATE') continue;
          const blocking = w.foreign.filter(
            (f) =>
              f.zoneId === c.record.zoneId &&
              f.name === c.record.name &&
              (f.type === 'CNAME' || (f.type === c.record.type && !f.multiValue)),
          );
          expect(blocking).toEqual([]);
        }
        // Every desired record is either in place or reported.
        for (const d of desired.records) {
          const inPlace = after.records.find((r) => recordKey(r) === recordKey(d));
          const reported = second.conflicts.some((c) => c.key === recordKey(d));
          expect(reported || (inPlace !== undefined && sameRecordContent(inPlace, d))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('Route 53 limit of 100 records with a set identifier per name and type', () => {
  const id = (i: number) => i.toString(16).padStart(32, '0');

  test('creates past the limit are reported as conflicts, never sent', () => {
    // Prepare: 95 records exist (one foreign), 10 more tasks want the name
    const current = [
      ...Array.from({ length: 94 }, (_, i) => ours(id(i))),
      ours(id(999), { setIdentifier: 'other-team' }),
    ];
    const desired = Array.from({ length: 104 }, (_, i) => want(id(i)));

    // Act
    const p = plan({ records: desired }, { records: current }, { policy: { rules: [], foreignSets: 'join' } });

    // Assess: 5 created up to the limit, 5 reported
    expect(p.changes.filter((c) => c.action === 'CREATE')).toHaveLength(5);
    expect(p.conflicts).toHaveLength(5);
    expect(p.conflicts[0]!.reason).toMatch(/at most 100 records with a set identifier per name and type/);
  });

  test('a delete in the same plan makes room for a create', () => {
    // Prepare: 100 records, one of a stopped task (in scope, not desired), one new task
    const current = Array.from({ length: 100 }, (_, i) => ours(id(i)));
    const desired = [...Array.from({ length: 99 }, (_, i) => want(id(i))), want(id(500))];

    // Act
    const p = plan({ records: desired }, { records: current });

    // Assess
    expect(summary(p)).toEqual([`DELETE ${recordKey(ours(id(99)))}`, `CREATE ${recordKey(ours(id(500)))}`]);
    expect(p.conflicts).toEqual([]);
  });
});
