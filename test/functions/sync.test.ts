import {
  DescribeTaskDefinitionCommand,
  type DescribeTaskDefinitionCommandInput,
  type DescribeTaskDefinitionCommandOutput,
} from '@aws-sdk/client-ecs';
import {
  ChangeResourceRecordSetsCommand,
  type ChangeResourceRecordSetsCommandInput,
  type ChangeResourceRecordSetsCommandOutput,
} from '@aws-sdk/client-route-53';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { lambdaContext, sqsBatch } from '../../testkit/ecs-events';
import { FakeEcs } from '../../testkit/fake-ecs';
import { FakeWorld, OTHER_ZONE_ID, setSyncHandlerEnv, ZONE_ID } from '../../testkit/fake-world';

type Handler = (event: SQSEvent, context: typeof lambdaContext) => Promise<SQSBatchResponse>;

const world = new FakeWorld();

function setEnv(): void {
  setSyncHandlerEnv({
    // Small call timeouts, so a hung call's budget (3 attempts for ECS, 1 for Route 53) is under two seconds.
    REGISTRAR_AWS_CONNECT_TIMEOUT_MS: '200',
    REGISTRAR_AWS_REQUEST_TIMEOUT_MS: '300',
  });
}

/**
 * The real handler, its SDK clients answered by the fakes. It is loaded from the shared module registry on purpose:
 * aws-sdk-client-mock patches the client classes of this registry, which an isolated registry would not share.
 */
function handler(): Handler {
  setEnv();
  return require('../../functions/sync').handler;
}

/** A fresh container whose start-up fails on settings (no AWS call is made, so isolation is safe here). */
function freshHandler(): Handler {
  setEnv();
  let h: Handler | undefined;
  jest.isolateModules(() => {
    h = require('../../functions/sync').handler;
  });
  return h!;
}

beforeEach(() => world.reset());

/**
 * The handler module (and its ledger and task-definition cache) lives for the whole file, like a warm container:
 * a fake ECS with its own id seed gives these tests tasks the container has not seen.
 */
function freshEcs(seed: number): void {
  world.ecs = new FakeEcs({ seed });
  world.ecs.addCluster('prod');
  world.ecs.install(world.mocks.ecs);
}

/** A call that never answers, as a dead connection without client timeouts would. */
const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/** Remaining time such that the batch's deadline (minus the default 3 s margin) is `ms` away. */
const contextEndingIn = (ms: number) => ({ ...lambdaContext, getRemainingTimeInMillis: () => 3_000 + ms });

/** DescribeTaskDefinition never answers for task definitions whose ARN contains `family`. */
function hangTaskDefinition(family: string): void {
  const fake = world.ecs;
  world.mocks.ecs
    .on(DescribeTaskDefinitionCommand)
    .callsFake((i: DescribeTaskDefinitionCommandInput) =>
      i.taskDefinition?.includes(family)
        ? never<DescribeTaskDefinitionCommandOutput>()
        : fake.describeTaskDefinition(i),
    );
}

/** Whether the zone holds a record of this owner for the task. */
const ownsRecordOf = (taskArn: string, zoneId = ZONE_ID) =>
  world
    .ownedRecords(zoneId)
    .some((r) => r.SetIdentifier?.startsWith(`ecs-registrar:test-owner:${taskArn.split('/').pop()}:`));

/** The ids of the batch's messages whose body mentions `needle`. */
const idsOf = (batch: SQSEvent, needle: string) =>
  batch.Records.filter((r) => r.body.includes(needle)).map((r) => r.messageId);

describe('functions/sync', () => {
  test('returns only retryable failures in batchItemFailures; invalid events are dropped, good ones applied', async () => {
    // Prepare: a good task, an invalid event, and a task in another zone whose writes AWS refuses (a fix of the role
    // lets a redelivery succeed, so it must come back)
    const good = world.runningTask(world.webTaskDefinition(), '10.0.0.1');
    const refused = world.runningTask(
      world.webTaskDefinition('slow', { 'ecs-registrar.name': 'slow', 'ecs-registrar.zone': OTHER_ZONE_ID }),
      '10.0.0.2',
    );
    const events = world.ecs.takeEvents().filter((e) => e.detail.lastStatus === 'RUNNING');
    world.route53.injectFault((op, input) =>
      op === 'ChangeResourceRecordSets' && JSON.stringify(input).includes('slow.example.org')
        ? Object.assign(new Error('not authorized for this zone'), {
            name: 'AccessDenied',
            $metadata: { httpStatusCode: 403 },
          })
        : undefined,
    );
    const batch = sqsBatch([
      ...events,
      '{"detail-type": "ECS Task State Change", "source": "aws.ecs", "detail": {"taskArn": 42',
    ]);

    // Act
    const result = await handler()(batch, lambdaContext);

    // Assess
    const ids = Object.fromEntries(batch.Records.map((r) => [r.messageId, r.body]));
    expect(result.batchItemFailures).toHaveLength(1);
    expect(ids[result.batchItemFailures[0]!.itemIdentifier]).toContain(refused);
    expect(
      world
        .ownedRecords()
        .some((r) => r.SetIdentifier?.startsWith(`ecs-registrar:test-owner:${good.split('/').pop()}:`)),
    ).toBe(true);
  }, 30_000);

  test('a hung ECS read is abandoned within its call budget; the other task is registered, only the hung one retried', async () => {
    // Prepare: two tasks of two task definitions; ECS never answers for the second one's
    freshEcs(901);
    const good = world.runningTask(world.webTaskDefinition('web-deadline'), '10.0.1.1');
    const hung = world.runningTask(world.webTaskDefinition('hung-def', { 'ecs-registrar.name': 'hung' }), '10.0.1.2');
    const events = world.ecs.takeEvents().filter((e) => e.detail.lastStatus === 'RUNNING');
    hangTaskDefinition('hung-def');
    const batch = sqsBatch(events);
    const started = Date.now();

    // Act: 6 s before the deadline; the ECS call budget is 3 x (200 + 300) ms + 300 ms of SDK backoff = 1.8 s
    const result = await handler()(batch, contextEndingIn(6_000));

    // Assess: the hung call was given up at its budget, not at the deadline, and the rest of the batch went on
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1_700);
    expect(elapsed).toBeLessThan(5_000);
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(idsOf(batch, hung));
    expect(ownsRecordOf(good)).toBe(true);
    expect(ownsRecordOf(hung)).toBe(false);
  }, 30_000);

  test('a hang that outlasts the deadline ends the invocation there; only the unfinished items come back', async () => {
    // Prepare: a task waiting for the hung call, a task not opted in, an invalid event
    freshEcs(902);
    const hung = world.runningTask(world.webTaskDefinition('hung-late', { 'ecs-registrar.name': 'late' }), '10.0.2.1');
    const plain = world.runningTask(world.webTaskDefinition('plain', {}), '10.0.2.2');
    const events = world.ecs.takeEvents().filter((e) => e.detail.lastStatus === 'RUNNING');
    hangTaskDefinition('hung-late');
    const batch = sqsBatch([...events, '{"detail-type": "ECS Task State Change", "source": "aws.ecs", "detail": 7}']);
    const started = Date.now();

    // Act: the deadline (0.8 s away) comes before the call's budget (1.8 s)
    const result = await handler()(batch, contextEndingIn(800));

    // Assess: seconds, not the Lambda timeout; the not-opted-in task and the invalid event are settled, not retried
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(700);
    expect(elapsed).toBeLessThan(1_700);
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(idsOf(batch, hung));
    expect(idsOf(batch, plain)).toHaveLength(1);
  }, 30_000);

  test('a Route 53 write that hangs once is abandoned in its budget and retried: both zones written, nothing retried', async () => {
    // Prepare: one task per zone; the first write to the second zone never answers
    freshEcs(903);
    const a = world.runningTask(world.webTaskDefinition('web-zone-a'), '10.0.3.1');
    const b = world.runningTask(
      world.webTaskDefinition('web-zone-b', { 'ecs-registrar.name': 'api', 'ecs-registrar.zone': OTHER_ZONE_ID }),
      '10.0.3.2',
    );
    const events = world.ecs.takeEvents().filter((e) => e.detail.lastStatus === 'RUNNING');
    const r53 = world.route53;
    let writesToB = 0;
    world.mocks.route53.on(ChangeResourceRecordSetsCommand).callsFake((i: ChangeResourceRecordSetsCommandInput) => {
      if (i.HostedZoneId === OTHER_ZONE_ID && ++writesToB === 1) return never<ChangeResourceRecordSetsCommandOutput>();
      return r53.changeResourceRecordSets(i);
    });
    const batch = sqsBatch(events);

    // Act
    const result = await handler()(batch, contextEndingIn(10_000));

    // Assess: the Route 53 client makes one attempt per send (the writer's loop owns retries), so two sends in all
    expect(result.batchItemFailures).toEqual([]);
    expect(writesToB).toBe(2);
    expect(ownsRecordOf(a)).toBe(true);
    expect(ownsRecordOf(b, OTHER_ZONE_ID)).toBe(true);
  }, 30_000);

  test('a batch that starts with no time left starts no AWS call and retries every item', async () => {
    // Prepare
    freshEcs(904);
    world.runningTask(world.webTaskDefinition('web-late'), '10.0.4.1');
    const batch = sqsBatch(world.ecs.takeEvents().filter((e) => e.detail.lastStatus === 'RUNNING'));
    const callsBefore = world.ecs.calls.length + world.route53.calls.length;

    // Act
    const result = await handler()(batch, contextEndingIn(-1));

    // Assess
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(batch.Records.map((r) => r.messageId));
    expect(world.ecs.calls.length + world.route53.calls.length).toBe(callsBefore);
  });

  test('a bad setting stops the container at start with the variable name', () => {
    // Prepare
    process.env.REGISTRAR_DEFAULT_TTL = 'soon';

    // Act / Assess
    try {
      expect(() => freshHandler()).toThrow('REGISTRAR_DEFAULT_TTL: "soon" must be an integer between 0 and 2147483647');
    } finally {
      delete process.env.REGISTRAR_DEFAULT_TTL;
    }
  });
});
