import { VersionLedger } from '../../../lib/engine/version-ledger';
import { silentLog } from '../../../lib/observability/log';
import { collapseInputs } from '../../../lib/sync/collapse';
import { confirmWithEcs, readLabels, skipApplied } from '../../../lib/sync/confirm';
import type { OpenTask, SpecifiedTask } from '../../../lib/sync/open-task';
import { planTasks } from '../../../lib/sync/task-plan';
import { batchVerdicts, settleWrittenTasks } from '../../../lib/sync/verdicts';
import { FakeWorld, ZONE_ID } from '../../../testkit/fake-world';

/**
 * Issue 14: the event path's stages, each on its own. Every stage is given frozen input: one that changed a value it
 * was given (the old shared, mutable TaskEntry) would throw here.
 */
const world = new FakeWorld();
beforeEach(() => world.reset());

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/** The open tasks the collapse makes of the fake's pending events, frozen. */
function collapsedNow() {
  const deps = world.deps();
  const collapsed = collapseInputs(world.takeInputs(), {
    region: 'us-east-1',
    settings: deps.settings,
    log: silentLog,
  });
  return { deps, collapsed: deepFreeze(collapsed) };
}

describe('collapse', () => {
  test('one open task per task, the newest version winning, the rest stale; bad and foreign inputs get verdicts', () => {
    // Prepare
    const arn = world.runningTask(world.webTaskDefinition(), '10.0.0.1');
    const events = world.ecs.takeEvents();
    const inputs = [
      ...events.map((e, i) => ({ id: `m${i}`, body: JSON.stringify(e) })),
      { id: 'bad', body: '{not json' },
      {
        id: 'other',
        body: JSON.stringify({
          ...events[0],
          region: 'eu-west-1',
          detail: {
            ...events[0]!.detail,
            clusterArn: 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod',
            taskArn: (events[0]!.detail.taskArn as string).replace('us-east-1', 'eu-west-1'),
          },
        }),
      },
    ];

    // Act
    const out = collapseInputs(inputs, { region: 'us-east-1', settings: world.settings(), log: silentLog });

    // Assess
    expect(out.tasks).toHaveLength(1);
    const newest = Math.max(...events.map((e) => Number(e.detail.version)));
    expect(out.tasks[0]).toMatchObject({ fact: { taskArn: arn, version: newest } });
    expect(out.verdicts.filter((v) => v.status === 'stale')).toHaveLength(events.length - 1);
    expect(out.verdicts.find((v) => v.id === 'bad')).toMatchObject({
      status: 'invalid',
      reason: expect.stringMatching(/body.*JSON/),
    });
    expect(out.verdicts.find((v) => v.id === 'other')).toMatchObject({
      status: 'ignored',
      reason: expect.stringMatching(/Region eu-west-1/),
    });
  });

  test('a stop beats a later-numbered running event of the same task', () => {
    // Prepare
    const arn = world.runningTask(world.webTaskDefinition(), '10.0.0.1');
    const running = world.takeInputs().at(-1)!;
    world.ecs.stopTask(arn);
    const stop = world.takeInputs().at(-1)!;
    const lateRunning = JSON.parse(running.body);
    lateRunning.detail.version = 99;

    // Act
    const out = collapseInputs([stop, { id: 'late', body: JSON.stringify(lateRunning) }], {
      region: 'us-east-1',
      settings: world.settings(),
      log: silentLog,
    });

    // Assess
    expect(out.tasks).toHaveLength(1);
    expect(out.tasks[0]?.winnerId).toBe(stop.id);
    expect(out.verdicts).toEqual([expect.objectContaining({ id: 'late', status: 'stale' })]);
  });
});

describe('skipApplied, readLabels, confirmWithEcs', () => {
  test('the ledger settles what this container applied; the rest stays open', () => {
    // Prepare
    world.runningTask(world.webTaskDefinition(), '10.0.0.1');
    const { collapsed } = collapsedNow();
    const ledger = new VersionLedger();
    const t = collapsed.tasks[0]!;
    ledger.record(t.key, t.fact.version, false);

    // Act
    const again = skipApplied(collapsed.tasks, ledger);
    const fresh = skipApplied(collapsed.tasks, new VersionLedger());

    // Assess
    expect(again.open).toEqual([]);
    expect(again.settled).toEqual([expect.objectContaining({ status: 'stale', item: t })]);
    expect(fresh.open).toEqual([t]);
  });

  test('labels: opted-in tasks stay open with their specs (a new value); unlabelled ones are ignored', async () => {
    // Prepare
    world.runningTask(world.webTaskDefinition(), '10.0.0.1');
    world.runningTask(world.webTaskDefinition('batch', {}), '10.0.0.2', 'batch');
    const { deps, collapsed } = collapsedNow();

    // Act
    const out = await readLabels(collapsed.tasks, deps);

    // Assess
    expect(out.open).toHaveLength(1);
    expect(out.open[0]?.specs?.labels.specs[0]).toMatchObject({ fqdn: 'web.example.com.' });
    expect(collapsed.tasks.every((t) => t.specs === undefined)).toBe(true);
    expect(out.settled).toEqual([expect.objectContaining({ status: 'ignored', reason: 'no ecs-registrar labels' })]);
  });

  test('ECS: a forged stop for a running task stays open on ECS fact, marked unconfirmed; an unknown young task is retried', async () => {
    // Prepare
    const arn = world.runningTask(world.webTaskDefinition(), '10.0.0.1');
    const { deps, collapsed } = collapsedNow();
    const real = collapsed.tasks[0]!;
    const forged: OpenTask = deepFreeze({
      ...real,
      fact: { ...real.fact, lastStatus: 'STOPPED', desiredStatus: 'STOPPED' },
    });
    const unknownArn = arn.replace(/[0-9a-f]{32}$/, 'f'.repeat(32));
    const unknown: OpenTask = deepFreeze({
      ...real,
      key: 'unknown',
      winnerId: 'u',
      fact: {
        ...real.fact,
        taskArn: unknownArn,
        taskId: 'f'.repeat(32),
        eventTime: new Date(deps.now()).toISOString(),
      },
    });

    // Act
    const out = await confirmWithEcs([forged, unknown], deps);

    // Assess
    expect(out.open).toHaveLength(1);
    expect(out.open[0]).toMatchObject({ fact: { taskArn: arn, lastStatus: 'RUNNING' } });
    expect(out.open[0]?.unconfirmed).toMatch(/stop not applied/);
    expect(forged.fact.lastStatus).toBe('STOPPED');
    expect(out.settled).toEqual([
      expect.objectContaining({ status: 'retry', reason: 'DescribeTasks does not know the task yet' }),
    ]);
  });
});

describe('planTasks and the verdicts', () => {
  async function specified(): Promise<{ deps: ReturnType<FakeWorld['deps']>; tasks: SpecifiedTask[] }> {
    world.runningTask(world.webTaskDefinition(), '10.0.0.1');
    const { deps, collapsed } = collapsedNow();
    const labelled = await readLabels(collapsed.tasks, deps);
    const confirmed = await confirmWithEcs(labelled.open, deps);
    return { deps, tasks: deepFreeze(confirmed.open as SpecifiedTask[]) };
  }

  test('a running task plans its records; a failed Route 53 read ends every task of the stage as a retry', async () => {
    // Prepare
    const { deps, tasks } = await specified();

    // Act
    const ok = await planTasks(tasks, deps);
    world.route53.injectFault((op) =>
      op === 'ListResourceRecordSets'
        ? Object.assign(new Error('boom'), { name: 'ServiceUnavailable', $fault: 'server' })
        : undefined,
    );
    const failed = await planTasks(tasks, world.deps());

    // Assess
    expect(ok.plan?.changes.map((c) => c.action)).toEqual(['CREATE', 'CREATE', 'CREATE', 'CREATE']);
    expect(ok.settled).toEqual([]);
    expect(failed.plan).toBeUndefined();
    expect(failed.settled).toEqual([expect.objectContaining({ status: 'retry', item: tasks[0] })]);
  });

  test('settleWrittenTasks: a rejected change retries the task and records nothing; a write records the version', async () => {
    // Prepare
    const { deps, tasks } = await specified();
    const t = tasks[0]!;
    const subject = `task:${t.fact.taskId}`;
    const change = {
      provider: 'route53' as const,
      action: 'CREATE' as const,
      subject,
      key: `${ZONE_ID}|web.example.com.|A|x`,
      detail: 'A web.example.com.',
    };

    // Act
    const rejected = settleWrittenTasks(
      tasks,
      { changes: [{ ...change, status: 'rejected', code: 'InvalidChangeBatch' }], conflicts: [], stopped: new Map() },
      deps,
    );
    const skipAfterReject = deps.ledger.skipReason(t.key, t.fact.version, false);
    const applied = settleWrittenTasks(
      tasks,
      { changes: [{ ...change, status: 'applied' }], conflicts: [], stopped: new Map() },
      deps,
    );

    // Assess
    expect(rejected.settled[0]).toMatchObject({
      status: 'retry',
      reason: expect.stringMatching(/^CREATE A web\.example\.com\.: rejected \(InvalidChangeBatch/),
    });
    expect(skipAfterReject).toBeUndefined();
    expect(applied.settled[0]).toMatchObject({ status: 'applied' });
    expect(deps.ledger.skipReason(t.key, t.fact.version, false)).toBeDefined();
  });

  test('batchVerdicts: one verdict per input in a stable order; an unconfirmed stop ends stale, even when unchanged', () => {
    // Prepare
    world.runningTask(world.webTaskDefinition(), '10.0.0.1');
    const { collapsed } = collapsedNow();
    const t = { ...collapsed.tasks[0]!, unconfirmed: 'ECS reports it RUNNING: stop not applied' };

    // Act
    const items = batchVerdicts(collapsed, [{ item: t, status: 'unchanged' }], [], { log: silentLog });

    // Assess
    expect(items).toHaveLength(collapsed.verdicts.length + 1);
    expect(items.slice(0, -1)).toEqual(collapsed.verdicts);
    expect(items.at(-1)).toMatchObject({ id: t.winnerId, status: 'stale', reason: t.unconfirmed });
  });
});
