import { DescribeTasksCommand, type DescribeTasksCommandInput } from '@aws-sdk/client-ecs';
import { processEventBatch } from '../../../lib/sync/process-batch';
import { FakeWorld, ZONE_ID } from '../../../testkit/fake-world';

/**
 * Issue 9.4 and 9.7: events are hints, ECS is the truth. Each case is a lie an in-account sender (or a confused
 * tool) could put on the queue; the registrar must act on what DescribeTasks says.
 */
const world = new FakeWorld();
beforeEach(() => world.reset());

type Event = { id: string; time: string; detail: Record<string, unknown> & { taskArn: string; clusterArn: string } };
const id = (arn: string) => arn.split('/').pop()!;
const inputs = (events: unknown[]) => events.map((e, i) => ({ id: `m${i + 1}`, body: JSON.stringify(e) }));
const ownedBy = (arn: string) =>
  world.route53.records(ZONE_ID).filter((r) => r.SetIdentifier?.startsWith(`ecs-registrar:test-owner:${id(arn)}:`));
const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** A registered running task, and its genuine RUNNING event. */
async function registered(ip = '10.0.0.1') {
  const arn = world.runningTask(world.webTaskDefinition(), ip);
  const running = world.ecs.takeEvents().find((e) => e.detail.lastStatus === 'RUNNING') as unknown as Event;
  await processEventBatch(inputs([running]), world.deps());
  expect(ownedBy(arn)).toHaveLength(4); // A, SRV, SRV target A and the claim TXT (issue 13)
  return { arn, running };
}

function forgedStop(running: Event, patch: Record<string, unknown> = {}): Event {
  const e = copy(running);
  Object.assign(e.detail, { lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: 'UserInitiated' }, patch);
  return e;
}

describe('a stop is applied only when ECS confirms it', () => {
  test('a forged stop for a running task deletes nothing; its next genuine event is not stale', async () => {
    // Prepare
    const { arn, running } = await registered();
    const deps = world.deps();

    // Act
    const report = await processEventBatch(inputs([forgedStop(running)]), deps);
    const newer = copy(running);
    newer.detail.version = Number(running.detail.version) + 1;
    const again = await processEventBatch(inputs([newer]), deps);

    // Assess: the stop cost a DescribeTasks, not an outage; the ledger recorded ECS's state, not the lie
    expect(ownedBy(arn)).toHaveLength(4); // A, SRV, SRV target A and the claim TXT (issue 13)
    expect(report.items[0]).toMatchObject({ status: 'stale' });
    expect(report.items[0]?.reason).toMatch(/ECS reports it RUNNING .*stop not applied/);
    expect(report.changes).toEqual([]);
    expect(again.items[0]).toMatchObject({ status: 'unchanged' });
  });

  test('a stop with a version ECS has not reached is retried, and deletes nothing meanwhile', async () => {
    // Prepare
    const { arn, running } = await registered();

    // Act
    const report = await processEventBatch(
      inputs([forgedStop(running, { version: Number(running.detail.version) + 5 })]),
      world.deps(),
    );

    // Assess
    expect(report.retry).toEqual(['m1']);
    expect(report.items[0]?.reason).toMatch(/ECS still reports RUNNING/);
    expect(ownedBy(arn)).toHaveLength(4); // A, SRV, SRV target A and the claim TXT (issue 13)
  });

  test('a stop naming another cluster, where ECS does not know the task, deletes nothing of the real task', async () => {
    // Prepare: the same task id, claimed in another served cluster (DescribeTasks there answers MISSING)
    const { arn, running } = await registered();
    world.ecs.addCluster('staging');
    const otherCluster = String(running.detail.clusterArn).replace(/cluster\/prod$/, 'cluster/staging');
    const stop = forgedStop(running, {
      clusterArn: otherCluster,
      taskArn: arn.replace('/prod/', '/staging/'),
    });

    // Act
    const report = await processEventBatch(inputs([stop]), world.deps());

    // Assess
    expect(['applied', 'unchanged']).toContain(report.items[0]?.status);
    expect(report.changes).toEqual([]);
    expect(ownedBy(arn)).toHaveLength(4); // A, SRV, SRV target A and the claim TXT (issue 13)
  });

  test('a genuine stop, confirmed by ECS, withdraws the task', async () => {
    // Prepare
    const { arn } = await registered();
    world.ecs.stopTask(arn, { until: 'STOPPED' });

    // Act
    const report = await processEventBatch(world.takeInputs(), world.deps());

    // Assess
    expect(ownedBy(arn)).toEqual([]);
    expect(report.retry).toEqual([]);
  });
});

describe('what is registered comes from DescribeTasks, not from the event body', () => {
  test('an event pointing the task at another IP registers the IP ECS reports', async () => {
    // Prepare: a RUNNING event for a new task whose attachment claims 203.0.113.66
    const arn = world.runningTask(world.webTaskDefinition(), '10.0.0.7');
    const running = world.ecs.takeEvents().find((e) => e.detail.lastStatus === 'RUNNING') as unknown as Event;
    const lie = JSON.stringify(running).replaceAll('10.0.0.7', '203.0.113.66');

    // Act
    await processEventBatch([{ id: 'm1', body: lie }], world.deps());

    // Assess
    const values = ownedBy(arn).flatMap((r) => r.ResourceRecords?.map((v) => v.Value) ?? []);
    expect(values).toContain('10.0.0.7');
    expect(values.join(' ')).not.toContain('203.0.113.66');
  });

  test('an event naming another task definition registers the names of the definition ECS reports', async () => {
    // Prepare: the event claims a definition labelled for `payments`; ECS runs the `web` one
    const arn = world.runningTask(world.webTaskDefinition(), '10.0.0.8');
    const evil = world.webTaskDefinition('evil', { 'ecs-registrar.name': 'payments' });
    const running = world.ecs.takeEvents().find((e) => e.detail.lastStatus === 'RUNNING') as unknown as Event;
    const lie = copy(running);
    lie.detail.taskDefinitionArn = evil;

    // Act
    await processEventBatch(inputs([lie]), world.deps());

    // Assess
    const names = ownedBy(arn).map((r) => r.Name);
    expect(names).toContain('web.example.com.');
    expect(names.some((n) => n?.includes('payments'))).toBe(false);
  });

  test('a newer RUNNING event without an address keeps the records ECS still has an address for', async () => {
    // Prepare
    const { arn, running } = await registered();
    const bare = copy(running);
    bare.detail.version = Number(running.detail.version) + 1;
    bare.detail.attachments = [];

    // Act
    const report = await processEventBatch(inputs([bare]), world.deps());

    // Assess
    expect(ownedBy(arn)).toHaveLength(4); // A, SRV, SRV target A and the claim TXT (issue 13)
    expect(report.changes.filter((c) => c.action === 'DELETE')).toEqual([]);
  });

  test('when ECS itself reports no address, the records are kept and the problem reported', async () => {
    // Prepare: DescribeTasks answers with the ENI's address stripped (an attachment still being set up)
    const { arn, running } = await registered();
    world.mocks.ecs.on(DescribeTasksCommand).callsFake(async (input: DescribeTasksCommandInput) => {
      const out = await world.ecs.describeTasks(input);
      for (const t of out.tasks ?? []) {
        for (const c of t.containers ?? []) for (const n of c.networkInterfaces ?? []) delete n.privateIpv4Address;
        for (const a of t.attachments ?? [])
          a.details = (a.details ?? []).filter((d) => d.name !== 'privateIPv4Address');
      }
      return out;
    });
    const next = copy(running);
    next.detail.version = Number(running.detail.version) + 1;
    next.time = new Date(world.deps().now()).toISOString();

    // Act
    const report = await processEventBatch(inputs([next]), world.deps());

    // Assess
    expect(ownedBy(arn)).toHaveLength(4); // A, SRV, SRV target A and the claim TXT (issue 13)
    expect(report.changes.filter((c) => c.action === 'DELETE')).toEqual([]);
    expect(report.problems.map((p) => p.message).join(' ')).toMatch(/no private IP address is known/);
    // Not retried into the dead-letter queue: the reconciler keeps (holds) the records the same way
    expect(report.retry).toEqual([]);
  });
});

describe('input hygiene (issue 9.7)', () => {
  test('an event for a task ECS does not know, dated far in the future, is settled as invalid, not retried', async () => {
    // Prepare
    const { running } = await registered();
    const ghost = copy(running);
    const ghostId = 'f'.repeat(32);
    ghost.detail.taskArn = String(running.detail.taskArn).replace(/[0-9a-f]{32}$/, ghostId);
    ghost.time = new Date(world.deps().now() + 24 * 3600 * 1000).toISOString();

    // Act
    const report = await processEventBatch(inputs([ghost]), world.deps());

    // Assess
    expect(report.items[0]).toMatchObject({ status: 'invalid' });
    expect(report.items[0]?.reason).toMatch(/in the future/);
    expect(report.retry).toEqual([]);
  });

  test('a task of another Region is ignored with the reason, before any AWS call', async () => {
    // Prepare
    const { arn, running } = await registered();
    const elsewhere = JSON.parse(JSON.stringify(running).replaceAll(':us-east-1:', ':eu-west-1:')) as Event;
    const calls = world.ecs.callCount('DescribeTasks');

    // Act
    const report = await processEventBatch(inputs([elsewhere]), world.deps());

    // Assess
    expect(report.items[0]).toMatchObject({ status: 'ignored' });
    expect(report.items[0]?.reason).toMatch(/Region eu-west-1; this registrar serves us-east-1/);
    expect(world.ecs.callCount('DescribeTasks')).toBe(calls);
    expect(ownedBy(arn)).toHaveLength(4); // A, SRV, SRV target A and the claim TXT (issue 13)
  });
});
