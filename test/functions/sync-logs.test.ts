import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { lambdaContext, sqsBatch } from '../../testkit/ecs-events';
import { FakeWorld, setSyncHandlerEnv } from '../../testkit/fake-world';

/**
 * Issue 9.5: no secret in logs. Its own file, because the handler's logger takes its level when the module loads:
 * here at DEBUG, so that every line the handler can print is inspected.
 */
type Handler = (event: SQSEvent, context: typeof lambdaContext) => Promise<SQSBatchResponse>;
const world = new FakeWorld();
beforeEach(() => world.reset());

function handler(): Handler {
  setSyncHandlerEnv({ POWERTOOLS_LOG_LEVEL: 'DEBUG' });
  return require('../../functions/sync').handler;
}

describe('functions/sync logs', () => {
  test('no secret from an event overrides appears in any log line, for valid and invalid events', async () => {
    // Prepare: the secret in overrides.containerOverrides[].environment of a valid RUNNING event, of an event invalid
    // for a bad version, of one invalid for a bad label (a registration problem), and of a truncated body
    const SECRET = 'hunter2-db-password-7f3a9c';
    const arn = world.runningTask(world.webTaskDefinition(), '10.0.0.5');
    const badLabel = world.runningTask(
      world.webTaskDefinition('broken', { 'ecs-registrar.name': 'outside.example.net.' }),
      '10.0.0.6',
    );
    const withSecret = (e: object) => {
      const copy = JSON.parse(JSON.stringify(e)) as { detail: Record<string, unknown> };
      copy.detail.overrides = {
        containerOverrides: [{ name: 'web', environment: [{ name: 'DB_PASSWORD', value: SECRET }] }],
      };
      return copy;
    };
    const running = world.ecs.takeEvents().filter((e) => e.detail.lastStatus === 'RUNNING');
    const valid = running.filter((e) => e.detail.taskArn === arn).map(withSecret);
    const labelled = running.filter((e) => e.detail.taskArn === badLabel).map(withSecret);
    const badVersion = withSecret(valid[0]!);
    badVersion.detail.version = -1;
    const truncated = JSON.stringify(valid[0]).slice(0, 400).replace('"detail"', `"note":"${SECRET}","detail"`);
    const batch = sqsBatch([...valid, ...labelled, badVersion, truncated]);
    const lines: string[] = [];
    const capture = (chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    };
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
    const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => capture(a.join(' ')));

    // Act
    let result: SQSBatchResponse;
    try {
      result = await handler()(batch, lambdaContext);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
      log.mockRestore();
    }

    // Assess: the valid event was applied, the invalid ones logged with their ids and size, the secret nowhere
    expect(result.batchItemFailures).toEqual([]);
    expect(world.ownedRecords().some((r) => r.SetIdentifier?.includes(arn.split('/').pop()!))).toBe(true);
    const text = lines.join('\n');
    expect(text).toContain('invalid event dropped');
    expect(text).toMatch(/"bodyBytes":\d+/);
    expect(text).toContain(`"taskArn":"${arn}"`);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('DB_PASSWORD');
  }, 30_000);
});
