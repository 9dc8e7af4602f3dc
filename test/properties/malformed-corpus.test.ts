import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metrics, type MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { lambdaContext, sqsBatch } from '../../testkit/ecs-events';
import { CLOUDMAP_SERVICE, FakeWorld, OTHER_ZONE_ID, ZONE_ID } from '../../testkit/fake-world';

/**
 * The malformed-input corpus (test/fixtures/malformed/cases.json) through the real sync handler (functions/sync.ts,
 * middy, Powertools), mixed into SQS batches with good events: every bad input gets its verdict with a logged reason
 * naming the field, and is counted in a metric; every good one is applied; nothing throws out of the handler; nothing
 * bad is retried or written.
 */

type Handler = (event: SQSEvent, context: typeof lambdaContext) => Promise<SQSBatchResponse>;
type Json = Record<string, unknown>;

interface CorpusCase {
  name: string;
  body?: string;
  literal?: Json;
  event?: {
    base: 'task' | 'cloudtrail';
    labels?: Record<string, string>;
    set?: Record<string, unknown>;
    unset?: string[];
    eniDetail?: Record<string, unknown>;
  };
  expect: { status: 'invalid' | 'ignored' | 'problem'; reason: string };
}

const corpus = JSON.parse(readFileSync(join(__dirname, '../fixtures/malformed/cases.json'), 'utf8')) as {
  cases: CorpusCase[];
};
const cloudTrailBase = JSON.parse(
  readFileSync(join(__dirname, '../fixtures/cloudtrail/create-service-alb.json'), 'utf8'),
) as Json;

const world = new FakeWorld();
const id = (arn: string) => arn.split('/').pop()!;

/** `detail.attachments[0].type` -> ['detail', 'attachments', 0, 'type'] */
function pathOf(path: string): (string | number)[] {
  return path.split('.').flatMap((part) => {
    const [name, ...indexes] = part.split('[');
    return [...(name ? [name] : []), ...indexes.map((i) => Number(i.replace(']', '')))];
  });
}

function locate(root: Json, path: string): { parent: Record<string | number, unknown>; key: string | number } {
  const keys = pathOf(path);
  let node = root as Record<string | number, unknown>;
  for (const k of keys.slice(0, -1)) {
    node[k] ??= typeof keys[keys.indexOf(k) + 1] === 'number' ? [] : {};
    node = node[k] as Record<string | number, unknown>;
  }
  return { parent: node, key: keys.at(-1)! };
}

/** A bad input: its SQS body, and the task it names (when built from one). */
function build(c: CorpusCase, index: number): { body: string; taskId?: string } {
  if (c.body !== undefined) return { body: c.body };
  if (c.literal) return { body: JSON.stringify(c.literal) };
  const spec = c.event!;
  let event: Json;
  let taskId: string | undefined;
  if (spec.base === 'cloudtrail') {
    event = structuredClone(cloudTrailBase);
  } else {
    const family = `corpus${index}`;
    const def = world.webTaskDefinition(family, spec.labels ?? { 'ecs-registrar.name': 'corpus' });
    const arn = world.runningTask(def, `10.1.${Math.floor(index / 200)}.${(index % 200) + 1}`);
    taskId = id(arn);
    const running = world.ecs
      .takeEvents()
      .filter((e) => e.detail.taskArn === arn && e.detail.lastStatus === 'RUNNING')
      .at(-1)!;
    event = JSON.parse(JSON.stringify(running)) as Json;
  }
  for (const [path, value] of Object.entries(spec.set ?? {})) {
    const { parent, key } = locate(event, path);
    parent[key] = value;
  }
  for (const path of spec.unset ?? []) {
    const { parent, key } = locate(event, path);
    delete parent[key];
  }
  for (const [name, value] of Object.entries(spec.eniDetail ?? {})) {
    const details = ((event.detail as Json).attachments as Json[])[0]!.details as { name: string; value: unknown }[];
    const existing = details.find((d) => d.name === name);
    if (existing) existing.value = value;
    else details.push({ name, value });
  }
  return { body: JSON.stringify(event), taskId };
}

interface LogLine {
  level?: string;
  message?: string;
  [key: string]: unknown;
}

describe('malformed-input corpus through the real sync handler', () => {
  const saved = { ...process.env };
  afterAll(() => {
    process.env = saved;
  });

  test(`${corpus.cases.length} bad inputs mixed into batches with good events`, async () => {
    // Prepare: the container's settings, the fakes behind the SDK clients, every input
    expect(corpus.cases.length).toBeGreaterThanOrEqual(40);
    Object.assign(process.env, {
      REGISTRAR_HOSTED_ZONE_IDS: `${ZONE_ID},${OTHER_ZONE_ID}`,
      REGISTRAR_OWNER_ID: 'test-owner',
      REGISTRAR_CLOUDMAP_SERVICE_IDS: CLOUDMAP_SERVICE,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_DEV: 'false',
    });
    world.reset();
    const bad = corpus.cases.map((c, i) => ({ case: c, messageId: `bad-${i + 1}`, ...build(c, i) }));
    const goodDef = world.webTaskDefinition('good', { 'ecs-registrar.name': 'good' });

    // Good tasks, two for each batch.
    const goodInputs = Array.from({ length: 2 * Math.ceil(bad.length / 8) }, (_, i) => {
      const arn = world.runningTask(goodDef, `10.3.0.${i + 1}`);
      const running = world.ecs
        .takeEvents()
        .filter((e) => e.detail.taskArn === arn && e.detail.lastStatus === 'RUNNING')
        .at(-1)!;
      return { messageId: `good-${i + 1}`, taskId: id(arn), body: JSON.stringify(running) };
    });

    // Batches of up to 10: bad inputs in corpus order, two good events in each batch.
    const batches: SQSEvent[] = [];
    let g = 0;
    for (let i = 0; i < bad.length; i += 8) {
      const items: { messageId: string; body: string }[] = [...bad.slice(i, i + 8)];
      for (let k = 0; k < 2 && g < goodInputs.length; k++)
        items.splice((k * 5) % (items.length + 1), 0, goodInputs[g++]!);
      batches.push(toSqs(items));
    }
    const onlyBad = toSqs(bad.slice(0, 10).map((b) => ({ ...b, messageId: `${b.messageId}-again` })));

    // Powertools prints one JSON line per log: INFO and DEBUG to stdout, WARN and ERROR to stderr.
    const lines: LogLine[] = [];
    const capture = (chunk: string | Uint8Array) => {
      for (const line of String(chunk).split('\n')) {
        if (!line.trim()) continue;
        try {
          lines.push(JSON.parse(line) as LogLine);
        } catch {
          lines.push({ message: line });
        }
      }
      return true;
    };
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
    const metrics: { name: string; value: number }[] = [];
    const addMetric = jest.spyOn(Metrics.prototype, 'addMetric').mockImplementation(function (
      this: Metrics,
      name: string,
      _unit: (typeof MetricUnit)[keyof typeof MetricUnit],
      value: number,
    ) {
      metrics.push({ name, value });
      return this;
    });

    // Act
    const responses: SQSBatchResponse[] = [];
    try {
      const handler = require('../../functions/sync').handler as Handler;
      for (const batch of [...batches, onlyBad]) responses.push(await handler(batch, lambdaContext));
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
      addMetric.mockRestore();
    }

    // Assess: nothing is retried (bad inputs cannot be fixed by redelivery, good ones were applied)
    expect(responses.flatMap((r) => r.batchItemFailures)).toEqual([]);

    // Every bad input: its verdict, with a logged reason naming the field
    const failures: string[] = [];
    for (const b of bad) {
      const { status, reason } = b.case.expect;
      const found =
        status === 'invalid'
          ? lines.find((l) => l.message === 'invalid event dropped' && l.messageId === b.messageId)
          : status === 'ignored'
            ? lines.find((l) => l.message === 'event ignored' && l.inputId === b.messageId)
            : lines.find((l) => l.message === 'registration problem' && l.subject === `task:${b.taskId}`);
      const text = String((status === 'problem' ? found?.problem : found?.reason) ?? '');
      if (!found || !text.includes(reason)) {
        failures.push(`${b.case.name}: expected ${status} with "${reason}", logged ${JSON.stringify(found ?? null)}`);
      }
      if (status === 'invalid' && found && found.level !== 'ERROR')
        failures.push(`${b.case.name}: not logged at ERROR`);
    }
    expect(failures).toEqual([]);

    // ... counted in a metric
    const sum = (name: string) => metrics.filter((m) => m.name === name).reduce((n, m) => n + m.value, 0);
    const count = (status: string, list = bad) => list.filter((b) => b.case.expect.status === status).length;
    const again = bad.slice(0, 10);
    expect(sum('EventsInvalid')).toBe(count('invalid') + count('invalid', again));
    expect(sum('EventsIgnored')).toBe(count('ignored') + count('ignored', again));
    expect(sum('RegistrationProblems')).toBeGreaterThanOrEqual(count('problem'));
    expect(sum('EventsReceived')).toBe(bad.length + goodInputs.length + again.length);

    // ... and never applied: no record or instance for its task, no service record from a CloudTrail event
    const owned = [ZONE_ID, OTHER_ZONE_ID].flatMap((z) =>
      world.route53.records(z).filter((r) => r.SetIdentifier?.startsWith('ecs-registrar:')),
    );
    for (const b of bad) {
      if (b.taskId) expect(owned.filter((r) => r.SetIdentifier?.includes(`:${b.taskId!}`))).toEqual([]);
    }
    expect(world.cloudMap.instances(CLOUDMAP_SERVICE)).toEqual([]);
    const written = JSON.stringify(world.route53.calls.filter((c) => c.operation === 'ChangeResourceRecordSets'));
    expect(written).not.toContain('web-api');

    // Every good event applied: A, SRV, SRV target A and the claim TXT (issue 13)
    for (const gi of goodInputs) {
      expect(owned.filter((r) => r.SetIdentifier?.startsWith(`ecs-registrar:test-owner:${gi.taskId}:`))).toHaveLength(
        4,
      );
    }
  }, 60_000);
});

function toSqs(items: { messageId: string; body: string }[]): SQSEvent {
  const event = sqsBatch(items.map((i) => i.body));
  event.Records = event.Records.map((r: SQSRecord, k) => ({ ...r, messageId: items[k]!.messageId }));
  return event;
}
