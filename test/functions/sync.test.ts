import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { lambdaContext, sqsBatch } from '../support/ecs-events';
import { FakeWorld, OTHER_ZONE_ID, ZONE_ID } from '../support/fake-world';

type Handler = (event: SQSEvent, context: typeof lambdaContext) => Promise<SQSBatchResponse>;

const world = new FakeWorld();

function setEnv(): void {
  Object.assign(process.env, {
    REGISTRAR_HOSTED_ZONE_IDS: `${ZONE_ID},${OTHER_ZONE_ID}`,
    REGISTRAR_OWNER_ID: 'test-owner',
    REGISTRAR_CLOUDMAP_SERVICE_IDS: '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
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
