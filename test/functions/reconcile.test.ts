import {
  ChangeResourceRecordSetsCommand,
  type ChangeResourceRecordSetsCommandOutput,
  ListResourceRecordSetsCommand,
  type ListResourceRecordSetsCommandOutput,
} from '@aws-sdk/client-route-53';
import { recordReconcileMetrics } from '../../lib/reconcile/metrics';
import type { ReconcileReport } from '../../lib/reconcile/reconcile';
import { InvalidRequestError, parseReconcileRequest } from '../../lib/reconcile/request';
import { lambdaContext } from '../../testkit/ecs-events';
import { FakeWorld, ZONE_ID } from '../../testkit/fake-world';

type Handler = (event: unknown, context: typeof lambdaContext) => Promise<ReconcileReport>;
const world = new FakeWorld();

function handler(): Handler {
  Object.assign(process.env, {
    REGISTRAR_HOSTED_ZONE_IDS: ZONE_ID,
    REGISTRAR_OWNER_ID: 'test-owner',
    REGISTRAR_CLOUDMAP_SERVICE_IDS: '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    // The deadline tests give the run 800 ms: at a third of the default budget (4/3 requests a second) its few
    // Route 53 reads alone would outlast it, and the write that hangs would never be reached. The whole account's
    // five, as this container's, keeps the reads inside the deadline; the budget split is tested in route53-budget.
    REGISTRAR_ROUTE53_BUDGET: '5',
    REGISTRAR_ROUTE53_SHARES: '1',
  });
  // Shared module registry on purpose: aws-sdk-client-mock patches this registry's client classes.
  return require('../../functions/reconcile').handler;
}

beforeEach(() => world.reset());

describe('reconcile request payload', () => {
  test.each([
    [undefined, {}],
    [{}, {}],
    [
      { dryRun: true, clusters: ['prod'], force: false },
      { dryRun: true, clusters: ['prod'], force: false },
    ],
    [{ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} }, {}],
    [{ source: 'aws.scheduler' }, {}],
    // dryRun wins in any payload: a schedule's envelope that says it, at the top or in its detail, is a dry run
    [{ source: 'aws.events', dryRun: true }, { dryRun: true }],
    [{ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: { dryRun: true } }, { dryRun: true }],
    [{ source: 'aws.scheduler', detail: { dryRun: false } }, {}],
  ])('%j -> %j', (payload, expected) => {
    expect(parseReconcileRequest(payload)).toEqual(expected);
  });

  test.each([
    [{ dryrun: true }, 'dryrun: unknown field; allowed: dryRun, clusters, force'],
    [{ dryRun: 'yes' }, 'dryRun: must be true or false'],
    [{ clusters: 'prod' }, 'clusters: must be a list of cluster names or ARNs'],
    [[1], 'payload: must be a JSON object'],
  ])('%j is refused with the field and the reason', (payload, message) => {
    expect(() => parseReconcileRequest(payload)).toThrow(
      new InvalidRequestError(message.split(':')[0]!, message.slice(message.indexOf(':') + 2)),
    );
  });
});

describe('functions/reconcile', () => {
  test('a manual dry run returns the JSON report and writes nothing', async () => {
    // Prepare: a running task whose events were lost
    world.runningTask(world.webTaskDefinition(), '10.0.0.1');
    const before = world.route53.snapshot(ZONE_ID);

    // Act
    const report = await handler()({ dryRun: true }, lambdaContext);

    // Assess
    // 4: the task's three records and its claim TXT (issue 13)
    expect(report).toMatchObject({ outcome: 'planned', dryRun: true, drift: 4 });
    expect(report.changes.map((c) => c.status)).toEqual(['planned', 'planned', 'planned', 'planned']);
    expect(world.route53.snapshot(ZONE_ID)).toEqual(before);
  });

  test('a refused run fails the invocation with the reason', async () => {
    // Prepare: 5 registered tasks all stop with their events lost (15 of 15 owned records to delete)
    const def = world.webTaskDefinition();
    const arns = Array.from({ length: 5 }, (_, i) => world.runningTask(def, `10.0.0.${i + 1}`));
    await handler()({}, lambdaContext);
    for (const arn of arns) world.ecs.stopTask(arn, { until: 'STOPPED' });

    // Act
    const run = handler()({}, lambdaContext);

    // Assess
    await expect(run).rejects.toThrow(
      /deletes 15 of 15 owned entries \(100%\), more than REGISTRAR_MAX_DELETE_PERCENT=50/,
    );
  });
});

describe('functions/reconcile at its deadline', () => {
  /** Remaining time such that the run's deadline (minus the default 3 s margin) is `ms` away. */
  const endingIn = (ms: number) => ({ ...lambdaContext, getRemainingTimeInMillis: () => 3_000 + ms });

  test('a read that hangs past the deadline ends the run there: partial, nothing planned or written', async () => {
    // Prepare: drift to repair, and Route 53 reads that never answer
    world.runningTask(world.webTaskDefinition(), '10.0.0.1');
    const before = world.route53.snapshot(ZONE_ID);
    world.mocks.route53
      .on(ListResourceRecordSetsCommand)
      .callsFake(() => new Promise<ListResourceRecordSetsCommandOutput>(() => undefined));
    const started = Date.now();

    // Act
    const report = await handler()({}, endingIn(800));

    // Assess
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(report.outcome).toBe('partial');
    expect(report.stoppedAtDeadline).toMatch(
      /deadline while reading .*route53 ListResourceRecordSets.*nothing was planned/,
    );
    expect(report.totalChanges).toBe(0);
    expect(world.route53.snapshot(ZONE_ID)).toEqual(before);
  }, 30_000);

  test('a write that hangs past the deadline ends the run there: partial, the change reported as failed', async () => {
    // Prepare
    world.runningTask(world.webTaskDefinition(), '10.0.0.1');
    world.mocks.route53
      .on(ChangeResourceRecordSetsCommand)
      .callsFake(() => new Promise<ChangeResourceRecordSetsCommandOutput>(() => undefined));
    const started = Date.now();

    // Act
    const report = await handler()({}, endingIn(800));

    // Assess
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(report.outcome).toBe('partial');
    expect(report.stoppedAtDeadline).toMatch(/deadline while applying/);
    expect(report.rejected.length).toBeGreaterThan(0);
    expect(report.rejected.every((r) => r.code === 'DeadlineExceededError')).toBe(true);
  }, 30_000);
});

describe('reconcile metrics', () => {
  test('drift, repairs, rejections and duration are recorded; a partial run counts as failed, not succeeded', () => {
    // Prepare
    const added: [string, number][] = [];
    const sink = { addMetric: (name: string, _unit: unknown, value: number) => added.push([name, value]) };
    const report = {
      outcome: 'partial',
      drift: 4,
      durationMs: 1234,
      counts: {
        'route53:CREATE': { applied: 2 },
        'route53:DELETE': { rejected: 1 },
        'cloudmap:REGISTER': { failed: 1 },
      },
      conflicts: [{}],
      desired: { records: 10, instances: 2, runningTasks: 4 },
    } as unknown as ReconcileReport;

    // Act
    recordReconcileMetrics(sink, report);

    // Assess
    expect(Object.fromEntries(added)).toEqual({
      DriftFound: 4,
      DriftRepaired: 2,
      ChangesApplied: 2,
      ChangesRejected: 1,
      ChangesFailed: 1,
      OwnershipConflicts: 1,
      ReconcileDurationMs: 1234,
      RegisteredEndpoints: 12,
      ReconcileFailed: 1,
    });
  });

  test.each([
    ['converged', false, 'ReconcileSucceeded'],
    ['applied', false, 'ReconcileSucceeded'],
    ['partial', false, 'ReconcileFailed'],
    ['planned', true, undefined],
    ['converged', true, undefined],
  ])('a %s run with dryRun=%s counts as %s', (outcome, dryRun, counted) => {
    // Prepare
    const added: string[] = [];
    const sink = { addMetric: (name: string) => added.push(name) };
    const report = {
      outcome,
      dryRun,
      drift: 0,
      durationMs: 1,
      counts: {},
      conflicts: [],
      desired: { records: 0, instances: 0, runningTasks: 0 },
    } as unknown as ReconcileReport;

    // Act
    recordReconcileMetrics(sink, report);

    // Assess: a dry run repairs nothing, so it is neither a success nor a failure
    const runs = added.filter((n) => n === 'ReconcileSucceeded' || n === 'ReconcileFailed');
    expect(runs).toEqual(counted ? [counted] : []);
  });
});
