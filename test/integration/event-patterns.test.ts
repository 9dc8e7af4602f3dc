import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cloudTrailServicePattern, taskStateChangePattern } from '../../infra/patterns';
import { type MotoServer, startMoto } from '../../testkit/moto';
import { loadTemplate } from '../../tools/template-check';
import type { JsonObject } from '../../tools/template-check/types';

/**
 * The EventBridge rules of template.yaml, created in moto's EventBridge with SQS targets, route exactly the events
 * they should: each fixture in test/fixtures/patterns/ is put on the bus and must arrive in the queue of the rules
 * listed for it below, and nowhere else. A second target per rule is one shared queue, as deployed.
 *
 * The project has no EventBridge or SQS SDK clients, so this speaks the services' JSON protocols to moto directly
 * (moto does not check signatures).
 */

jest.setTimeout(120_000);

const root = resolve(__dirname, '..', '..');
const FIXTURES = join(root, 'test', 'fixtures', 'patterns');
const RULES = ['TaskStateChangeRule', 'ContainerInstanceDrainingRule', 'ServiceApiCallRule'] as const;
type RuleId = (typeof RULES)[number];

/** Which rules each fixture must match; every fixture file needs an entry here. */
const EXPECTED: Record<string, RuleId[]> = {
  'task-running': ['TaskStateChangeRule'],
  'task-deactivating': ['TaskStateChangeRule'],
  'task-stopping': ['TaskStateChangeRule'],
  'task-deprovisioning': ['TaskStateChangeRule'],
  'task-stopped': ['TaskStateChangeRule'],
  'task-provisioning': [],
  'task-pending': [],
  'task-activating': [],
  'container-instance-state-change': [],
  'container-instance-draining': ['ContainerInstanceDrainingRule'],
  'service-action': [],
  'cloudtrail-create-service': ['ServiceApiCallRule'],
  'cloudtrail-update-service': ['ServiceApiCallRule'],
  'cloudtrail-delete-service': ['ServiceApiCallRule'],
  'cloudtrail-create-service-failed': [],
  'cloudtrail-run-task': [],
  'cloudtrail-describe-services': [],
  'cloudtrail-other-event-source': [],
};

interface Event {
  id: string;
  source: string;
  'detail-type': string;
  time: string;
  resources: string[];
  detail: JsonObject;
}

const fixtures: Record<string, Event> = Object.fromEntries(
  readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .map((f) => [f.slice(0, -5), JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as Event]),
);

let moto: MotoServer;

async function call<T>(service: 'events' | 'sqs', target: string, body: unknown): Promise<T> {
  const res = await fetch(moto.endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': service === 'sqs' ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1',
      'X-Amz-Target': `${service === 'sqs' ? 'AmazonSQS' : 'AWSEvents'}.${target}`,
      Authorization: `AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${service} ${target}: HTTP ${res.status} ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

async function createQueue(name: string): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await call<{ QueueUrl: string }>('sqs', 'CreateQueue', { QueueName: name });
  const { Attributes } = await call<{ Attributes: { QueueArn: string } }>('sqs', 'GetQueueAttributes', {
    QueueUrl,
    AttributeNames: ['QueueArn'],
  });
  return { url: QueueUrl, arn: Attributes.QueueArn };
}

/** Every message in the queue, deleted as it is read. */
async function drain(url: string): Promise<Event[]> {
  const out: Event[] = [];
  for (;;) {
    const { Messages = [] } = await call<{ Messages?: { Body: string; ReceiptHandle: string }[] }>(
      'sqs',
      'ReceiveMessage',
      {
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      },
    );
    if (Messages.length === 0) return out;
    for (const m of Messages) {
      out.push(JSON.parse(m.Body) as Event);
      await call('sqs', 'DeleteMessage', { QueueUrl: url, ReceiptHandle: m.ReceiptHandle });
    }
  }
}

const template = loadTemplate(join(root, 'template.yaml'));
const patternOf = (id: RuleId) => template.Resources[id]?.Properties?.EventPattern;

const ruleQueues = {} as Record<RuleId, { url: string; arn: string }>;
let sharedQueue: { url: string; arn: string };
/** EventBridge event id -> fixture name, from the PutEvents responses. */
const sent = new Map<string, string>();
const received = {} as Record<RuleId | 'shared', Event[]>;

beforeAll(async () => {
  moto = await startMoto();
  sharedQueue = await createQueue('ecs-registrar-events');
  for (const id of RULES) {
    ruleQueues[id] = await createQueue(`only-${id}`);
    await call('events', 'PutRule', { Name: id, EventPattern: JSON.stringify(patternOf(id)), State: 'ENABLED' });
    await call('events', 'PutTargets', {
      Rule: id,
      Targets: [
        { Id: 'own-queue', Arn: ruleQueues[id].arn },
        { Id: 'events-queue', Arn: sharedQueue.arn },
      ],
    });
  }
  for (const [name, event] of Object.entries(fixtures)) {
    const result = await call<{ FailedEntryCount: number; Entries: { EventId?: string; ErrorMessage?: string }[] }>(
      'events',
      'PutEvents',
      {
        Entries: [
          {
            Source: event.source,
            DetailType: event['detail-type'],
            Detail: JSON.stringify(event.detail),
            Resources: event.resources,
            // No Time: moto 5.2 renders a caller-supplied time unquoted into the event it delivers (invalid JSON).
          },
        ],
      },
    );
    const id = result.Entries[0]?.EventId;
    if (result.FailedEntryCount !== 0 || !id) throw new Error(`PutEvents rejected ${name}: ${JSON.stringify(result)}`);
    sent.set(id, name);
  }
  for (const id of RULES) received[id] = await drain(ruleQueues[id].url);
  received.shared = await drain(sharedQueue.url);
});

afterAll(async () => {
  await moto?.stop();
});

test('the template deploys the patterns in infra/ (what this test puts on the bus)', () => {
  expect(patternOf('TaskStateChangeRule')).toEqual(taskStateChangePattern);
  expect(patternOf('ServiceApiCallRule')).toEqual(cloudTrailServicePattern);
});

test('every fixture has an expectation, and both matching and non-matching fixtures exist for each rule', () => {
  expect(Object.keys(fixtures).sort()).toEqual(Object.keys(EXPECTED).sort());
  expect(Object.values(EXPECTED).filter((r) => r.length === 0).length).toBeGreaterThan(0);
  for (const id of RULES) expect(Object.values(EXPECTED).filter((r) => r.includes(id)).length).toBeGreaterThan(0);
});

test.each(RULES)('%s matches exactly its fixtures', (id) => {
  const names = received[id].map((e) => sent.get(e.id) ?? `unknown event ${e.id}`).sort();
  const expected = Object.entries(EXPECTED)
    .filter(([, rules]) => rules.includes(id))
    .map(([name]) => name)
    .sort();
  expect(names).toEqual(expected);
});

test('the events queue receives each matching event once, intact, and nothing else', () => {
  const names = received.shared.map((e) => sent.get(e.id) ?? `unknown event ${e.id}`).sort();
  const expected = Object.entries(EXPECTED)
    .filter(([, rules]) => rules.length > 0)
    .map(([name]) => name)
    .sort();
  expect(names).toEqual(expected);
  for (const event of received.shared) {
    const fixture = fixtures[sent.get(event.id)!]!;
    expect(event.source).toBe(fixture.source);
    expect(event['detail-type']).toBe(fixture['detail-type']);
    expect(event.detail).toEqual(fixture.detail);
  }
});
