import type { Settings } from '../../../lib/config/settings';
import { taskClaimRecord } from '../../../lib/domain/claims';
import { taskSetIdentifier } from '../../../lib/domain/ownership';
import type { DnsRecord } from '../../../lib/domain/records';
import type { EngineDeps } from '../../../lib/engine/deps';
import { contestedLosers } from '../../../lib/plan/claims';
import { DEFAULT_NAME_POLICY, type NamePolicy } from '../../../lib/plan/name-policy';
import { planContestWithdrawals } from '../../../lib/plan/plan';
import { reconcileOrFail } from '../../../lib/reconcile/reconcile';
import { processEventBatch } from '../../../lib/sync/process-batch';
import { FakeWorld } from '../../../testkit/fake-world';

/**
 * Issue 13, two first claims at once: two containers each see a name free and both write. The tie-break (claimant
 * order) is deterministic and heals by itself: whichever container writes second re-reads the claims after its write and
 * withdraws the loser's records, its own or the other's; the next reconcile applies the same rule.
 */
const taskId = (n: number) => n.toString(16).padStart(32, '0');
function claimOf(n: number, claimant: string, name = 'payments'): DnsRecord {
  const cluster = claimant.slice(claimant.indexOf(':') + 1).split('/')[0]!;
  return taskClaimRecord(
    { zoneId: 'Z1', setIdentifier: taskSetIdentifier('prod', taskId(n), { region: 'us-east-1', cluster }), ttl: 60 },
    `${name}._ecs-registrar.example.com.`,
    'prod',
    claimant,
  );
}

describe('contestedLosers', () => {
  test('of two claimants no rule lets share, the first in claimant order keeps the name', () => {
    // Prepare: listed in the order that must not matter
    const records = [claimOf(1, 'service:team-b/payments'), claimOf(2, 'service:prod/payments')];

    // Act
    const losers = contestedLosers('prod', records, DEFAULT_NAME_POLICY);
    const reversed = contestedLosers('prod', [...records].reverse(), DEFAULT_NAME_POLICY);

    // Assess
    expect([...losers.keys()]).toEqual([`task:${taskId(1)}|Z1|payments.example.com.`]);
    expect(losers.get(`task:${taskId(1)}|Z1|payments.example.com.`)).toBe(
      'payments.example.com. is claimed by both service:prod/payments and service:team-b/payments, and no name policy rule with "share": true covers both; service:prod/payments comes first in claimant order and keeps it, service:team-b/payments withdraws',
    );
    expect(reversed).toEqual(losers);
  });

  test('three claimants: one that may share with every claimant kept before it stays', () => {
    // Prepare: a and c share, b shares with nobody
    const policy: NamePolicy = {
      rules: [
        { clusters: ['a', 'c'], names: ['payments'], share: true },
        { clusters: ['*'], names: ['*'] },
      ],
      foreignSets: 'refuse',
    };
    const records = [claimOf(1, 'service:a/x'), claimOf(2, 'service:b/x'), claimOf(3, 'service:c/x')];

    // Act
    const losers = contestedLosers('prod', records, policy);

    // Assess: b loses to a; c is kept beside a
    expect([...losers.keys()]).toEqual([`task:${taskId(2)}|Z1|payments.example.com.`]);
  });

  test('claimants that share, one claimant with many tasks, and different names are no contest', () => {
    // Prepare
    const share: NamePolicy = { rules: [{ clusters: ['*'], names: ['*'], share: true }], foreignSets: 'refuse' };
    const sameClaimant = [claimOf(1, 'service:a/x'), claimOf(2, 'service:a/x')];
    const twoNames = [claimOf(1, 'service:a/x', 'one'), claimOf(2, 'service:b/x', 'two')];
    const two = [claimOf(1, 'service:a/x'), claimOf(2, 'service:b/x')];

    // Act + Assess
    expect(contestedLosers('prod', sameClaimant, DEFAULT_NAME_POLICY).size).toBe(0);
    expect(contestedLosers('prod', twoNames, DEFAULT_NAME_POLICY).size).toBe(0);
    expect(contestedLosers('prod', two, share).size).toBe(0);
    expect(contestedLosers('prod', two, DEFAULT_NAME_POLICY).size).toBe(1);
  });

  test('planContestWithdrawals deletes every owned record of the losing registration, and holds back in upsert-only', () => {
    // Prepare: the loser's A record and claim, the winner's claim
    const loserMark = claimOf(1, 'service:team-b/payments').setIdentifier!;
    const a: DnsRecord = {
      zoneId: 'Z1',
      name: 'payments.example.com.',
      type: 'A',
      setIdentifier: loserMark,
      multiValue: true,
      ttl: 60,
      values: ['10.1.0.1'],
    };
    const current = [a, claimOf(1, 'service:team-b/payments'), claimOf(2, 'service:prod/payments')];

    // Act
    const sync = planContestWithdrawals({ owner: 'prod', current });
    const upsertOnly = planContestWithdrawals({ owner: 'prod', current, mode: 'upsert-only' });

    // Assess
    expect(sync.changes.map((c) => `${c.action} ${c.provider === 'route53' ? c.record.type : ''}`).sort()).toEqual([
      'DELETE A',
      'DELETE TXT',
    ]);
    expect(sync.changes.every((c) => c.subject === `task:${taskId(1)}`)).toBe(true);
    expect(sync.withdrawn).toHaveLength(2);
    expect(upsertOnly.changes).toEqual([]);
    expect(upsertOnly.skipped?.map((s) => s.reason)).toEqual([
      'REGISTRAR_POLICY=upsert-only: delete not applied',
      'REGISTRAR_POLICY=upsert-only: delete not applied',
    ]);
  });
});

const world = new FakeWorld();
beforeEach(() => {
  world.reset();
  world.ecs.addCluster('team-b');
});

const PAYMENTS = { 'ecs-registrar.name': 'payments' };
const id = (arn: string) => arn.split('/').pop()!;
const addresses = (name: string) =>
  world
    .ownedRecords()
    .filter((r) => r.Name === name)
    .flatMap((r) => r.ResourceRecords?.map((v) => v.Value) ?? []);

const run = (cluster: string, def: string, ip: string, group = 'service:payments') =>
  world.runningTaskIn(cluster, def, ip, group);

/**
 * A container whose reads, until its first write, do not see the records of `hidden` tasks: it read Route 53 just
 * before the other container's write landed, so it sees the name free. `afterWrite` replaces its reads after writing.
 */
function staleContainer(hidden: string[], afterWrite?: () => never): EngineDeps {
  const deps = world.deps();
  const reader = deps.route53Reader;
  const writer = deps.route53Writer;
  const read = reader.recordsUnder.bind(reader);
  const view = reader.viewUnder.bind(reader);
  const apply = writer.apply.bind(writer);
  let wrote = false;
  const visible = (records: DnsRecord[]) =>
    wrote ? records : records.filter((r) => !hidden.some((h) => r.setIdentifier?.includes(h)));
  // The event path reads through viewUnder (the cache's entry point), the re-checks through recordsUnder.
  reader.recordsUnder = async (zoneId, names) => {
    if (wrote && afterWrite) afterWrite();
    return visible(await read(zoneId, names));
  };
  reader.viewUnder = async (zoneId, names) => {
    if (wrote && afterWrite) afterWrite();
    const got = await view(zoneId, names);
    return { ...got, records: visible(got.records) };
  };
  writer.apply = (changes) => {
    wrote = true;
    return apply(changes);
  };
  return deps;
}

describe('two first claims at once', () => {
  test('the second writer loses: its re-check withdraws its own records', async () => {
    // Prepare: prod's task registers; team-b's container saw the name free before that write landed
    const def = world.webTaskDefinition('payments', PAYMENTS);
    const prod = run('prod', def, '10.0.0.1');
    await processEventBatch(world.takeInputs(), world.deps());
    const prodRecords = world.ownedRecords();
    const teamB = run('team-b', def, '10.1.0.1');

    // Act
    const report = await processEventBatch(world.takeInputs(), staleContainer([id(prod)]));

    // Assess: team-b wrote, then withdrew; the payments records are exactly prod's again
    expect(report.changes.some((c) => c.action === 'CREATE' && c.subject === `task:${id(teamB)}`)).toBe(true);
    expect(world.ownedRecords()).toEqual(prodRecords);
    expect(report.items.filter((i) => i.status !== 'stale').map((i) => [i.subject, i.status])).toEqual([
      [`task:${id(teamB)}`, 'conflict'],
    ]);
    expect(report.conflicts.length).toBeGreaterThan(0);
    expect(
      report.conflicts.every(
        (c) =>
          c.subject === `task:${id(teamB)}` &&
          /claimed by both service:prod\/payments and service:team-b\/payments.*service:prod\/payments comes first/.test(
            c.reason,
          ),
      ),
    ).toBe(true);
  });

  test('the second writer wins: its re-check withdraws the first writer’s records (same winner either way)', async () => {
    // Prepare: team-b's task registers first; prod's container saw the name free before that write landed
    const def = world.webTaskDefinition('payments', PAYMENTS);
    const teamB = run('team-b', def, '10.1.0.1');
    const teamBInputs = world.takeInputs();
    await processEventBatch(teamBInputs, world.deps());
    const prod = run('prod', def, '10.0.0.1');

    // Act
    const report = await processEventBatch(world.takeInputs(), staleContainer([id(teamB)]));

    // Assess: prod comes first in claimant order: team-b's records are withdrawn by prod's container
    expect(addresses('payments.example.com.')).toEqual(['10.0.0.1']);
    expect(world.ownedRecords().every((r) => r.SetIdentifier?.includes(id(prod)))).toBe(true);
    expect(report.changes.filter((c) => c.action === 'DELETE').every((c) => c.subject === `task:${id(teamB)}`)).toBe(
      true,
    );
    expect(report.items.filter((i) => i.status !== 'stale').map((i) => [i.subject, i.status])).toEqual([
      [`task:${id(prod)}`, 'applied'],
    ]);

    // Act: team-b's next event (a redelivery, a fresh container) is refused, naming prod
    const again = await processEventBatch(teamBInputs, world.deps());

    // Assess
    expect(addresses('payments.example.com.')).toEqual(['10.0.0.1']);
    expect(again.conflicts[0]?.reason).toMatch(/^payments\.example\.com\. is held by service:prod\/payments/);
  });

  test('when the re-check cannot run, the next reconcile withdraws the loser, past the deletion guard', async () => {
    // Prepare: both hold the name (the second writer's re-check read fails)
    const def = world.webTaskDefinition('payments', PAYMENTS);
    const teamB = run('team-b', def, '10.1.0.1');
    await processEventBatch(world.takeInputs(), world.deps());
    const prod = run('prod', def, '10.0.0.1');
    await processEventBatch(
      world.takeInputs(),
      staleContainer([id(teamB)], () => {
        throw new Error('Route 53 is unreachable');
      }),
    );
    const before = addresses('payments.example.com.').sort();

    // Act
    const report = await reconcileOrFail({}, world.deps());

    // Assess: both held it; the reconcile keeps prod's and withdraws team-b's (its cluster's only entries: no refusal)
    expect(before).toEqual(['10.0.0.1', '10.1.0.1']);
    expect(report.refusal).toBeUndefined();
    expect(report.outcome).toBe('applied');
    expect(addresses('payments.example.com.')).toEqual(['10.0.0.1']);
    expect(world.ownedRecords().every((r) => r.SetIdentifier?.includes(id(prod)))).toBe(true);
    expect(report.conflicts.some((c) => c.subject === `task:${id(teamB)}` && /comes first/.test(c.reason))).toBe(true);

    // Act: converged
    const again = await reconcileOrFail({}, world.deps());

    // Assess
    expect(again.changes).toEqual([]);
  });

  test('removing a sharing rule leaves the name to the first claimant in order at the next reconcile', async () => {
    // Prepare
    const share: Partial<Settings> = {
      namePolicy: { rules: [{ clusters: ['*'], names: ['payments'], share: true }], foreignSets: 'refuse' },
    };
    const def = world.webTaskDefinition('payments', PAYMENTS);
    run('team-b', def, '10.1.0.1');
    run('prod', def, '10.0.0.1');
    await processEventBatch(world.takeInputs(), world.deps(share));
    const before = addresses('payments.example.com.').sort();

    // Act
    await reconcileOrFail({}, world.deps());

    // Assess
    expect(before).toEqual(['10.0.0.1', '10.1.0.1']);
    expect(addresses('payments.example.com.')).toEqual(['10.0.0.1']);
  });
});
