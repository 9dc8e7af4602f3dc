import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/**
 * Builds an `ECS Task State Change` EventBridge event from a DescribeTasks task, the way ECS shapes it: attachment type
 * `eni`, ISO timestamps, and an explicit `detail.version` (moto returns none; real events always carry one).
 */
export function taskStateChange(
  task: object,
  options: {
    version: number;
    lastStatus?: string;
    desiredStatus?: string;
    time?: string;
    patch?: Record<string, unknown>;
  },
): Record<string, unknown> {
  const detail = JSON.parse(
    JSON.stringify(task, (_key, value) => (value instanceof Date ? value.toISOString() : value)),
  ) as Record<string, unknown> & { attachments?: { type?: string }[]; taskArn: string };
  for (const a of detail.attachments ?? []) if (a.type === 'ElasticNetworkInterface') a.type = 'eni';
  detail.version = options.version;
  if (options.lastStatus) detail.lastStatus = options.lastStatus;
  if (options.desiredStatus) detail.desiredStatus = options.desiredStatus;
  Object.assign(detail, options.patch ?? {});
  return {
    version: '0',
    id: `evt-${detail.taskArn.split('/').pop()}-${options.version}`,
    'detail-type': 'ECS Task State Change',
    source: 'aws.ecs',
    account: '123456789012',
    time: options.time ?? new Date().toISOString(),
    region: 'us-east-1',
    resources: [detail.taskArn],
    detail,
  };
}

/** Wraps events as one SQS batch, as the EventBridge -> SQS -> Lambda path delivers them. */
export function sqsBatch(events: unknown[]): SQSEvent {
  return {
    Records: events.map(
      (e, i): SQSRecord => ({
        messageId: `msg-${i + 1}`,
        receiptHandle: `rh-${i + 1}`,
        body: typeof e === 'string' ? e : JSON.stringify(e),
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(Date.now()),
          SenderId: 'events.amazonaws.com',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:ecs-registrar-events',
        awsRegion: 'us-east-1',
      }),
    ),
  };
}

export const lambdaContext = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'ecs-registrar-sync',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:ecs-registrar-sync',
  memoryLimitInMB: '256',
  awsRequestId: 'test-request',
  logGroupName: '/aws/lambda/ecs-registrar-sync',
  logStreamName: 'test',
  getRemainingTimeInMillis: () => 60_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

export type SyncHandler = (event: SQSEvent, context: typeof lambdaContext) => Promise<SQSBatchResponse>;

/**
 * The real sync handler in a fresh Lambda container: the module is re-imported in an isolated registry, so its
 * settings (read from the environment now), SDK clients, caches and ledger start empty. Its clients are real, so this
 * suits tests against moto; tests on aws-sdk-client-mock fakes must share the registry instead.
 */
export function coldSyncHandler(): SyncHandler {
  let handler: SyncHandler | undefined;
  jest.isolateModules(() => {
    handler = require('../functions/sync').handler;
  });
  return handler!;
}
