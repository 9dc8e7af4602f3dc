import { InvalidEventError } from '../../../lib/events/errors';
import { parseEvent, readEventsFile } from '../../../lib/events/parse';
import { taskPhase } from '../../../lib/events/task-fact';
import { eventFixture, thrownBy } from '../fixtures';

const invalid = (fn: () => unknown) => thrownBy(InvalidEventError, fn);

describe('parseEvent', () => {
  it.each([
    ['fargate-running', 'a1173316d40a45dea9b2c3d4e5f60718', 'running', 3],
    ['fargate-running-old-arn', '0f4e2a8b9c1d4e5f8a7b6c5d4e3f2a1b', 'running', 2],
    ['bridge-dynamic-ports', 'c1ffa94f19a540ed8d9f7e1d2a5d3626', 'running', 4],
    ['host-mode-running', '5b2e8c1d9f0a4b3c8d7e6f5a4b3c2d1e', 'running', 3],
    ['fargate-stopped', 'a1173316d40a45dea9b2c3d4e5f60718', 'stopping', 7],
    ['fargate-desired-stopped', 'a1173316d40a45dea9b2c3d4e5f60718', 'stopping', 5],
    ['fargate-ipv6', '7d3f9a2b1c0e4d5f9a8b7c6d5e4f3a2b', 'running', 3],
    ['standalone-task', '9e8d7c6b5a4f4e3d8c2b1a0f9e8d7c6b', 'running', 2],
  ])('parses the %s task event, raw and as an SQS body', (name, taskId, phase, version) => {
    // Prepare
    const event = eventFixture(name);

    // Act
    const raw = parseEvent({ id: 'm1', body: event });
    const fromSqs = parseEvent({ id: 'm2', body: JSON.stringify(event) });

    // Assess
    if (raw.kind !== 'task') throw new Error(`expected a task event, got ${raw.kind}`);
    expect(raw.fact.taskId).toBe(taskId);
    expect(raw.fact.version).toBe(version);
    expect(taskPhase(raw.fact)).toBe(phase);
    expect(raw.fact.source).toBe('event');
    expect(raw.fact.eventTime).toBe(event.time);
    expect(raw.eventId).toBe(event.id);
    expect(raw.id).toBe('m1');
    expect(fromSqs).toEqual({ ...raw, id: 'm2' });
  });

  it('ignores an ECS Service Action, with a reason', () => {
    // Act
    const parsed = parseEvent({ id: 'm1', body: JSON.stringify(eventFixture('service-action')) });

    // Assess
    expect(parsed).toEqual({ kind: 'ignored', id: 'm1', reason: expect.stringContaining('ECS Service Action') });
  });

  it('ignores an event from another source, with a reason', () => {
    // Act
    const parsed = parseEvent({ id: 'm1', body: eventFixture('non-ecs') });

    // Assess
    expect(parsed).toEqual({ kind: 'ignored', id: 'm1', reason: expect.stringContaining('aws.ec2') });
  });

  it('ignores a detail-type ECS may add in the future, even with a body it cannot read', () => {
    // Prepare
    const event = { ...eventFixture('fargate-running'), 'detail-type': 'ECS Hook State Change', detail: 'opaque' };

    // Act
    const parsed = parseEvent({ id: 'm1', body: event });

    // Assess
    expect(parsed.kind).toBe('ignored');
    if (parsed.kind === 'ignored') expect(parsed.reason).toContain('ECS Hook State Change');
  });

  it('ignores a task state change claimed by another source without reading its detail', () => {
    // Prepare
    const event = { ...eventFixture('fargate-running'), source: 'custom.app', detail: {} };

    // Act
    const parsed = parseEvent({ id: 'm1', body: event });

    // Assess
    expect(parsed.kind).toBe('ignored');
  });

  it('tolerates unknown envelope fields', () => {
    // Prepare
    const event = { ...eventFixture('fargate-running'), 'replay-name': 'r1', extra: { a: 1 } };

    // Act
    const parsed = parseEvent({ id: 'm1', body: event });

    // Assess
    expect(parsed.kind).toBe('task');
  });

  it.each<[string, unknown, string, RegExp]>([
    ['a non-JSON SQS body', '{"version": "0", "detail-type": ', 'body', /not valid JSON/],
    ['a body that is a JSON array', JSON.stringify([eventFixture('fargate-running')]), 'body', /JSON object/],
    ['a body that is a JSON string', JSON.stringify('hello'), 'body', /JSON object/],
    ['a body that is null', 'null', 'body', /JSON object/],
    ['a missing detail-type', JSON.stringify({ source: 'aws.ecs', detail: {} }), 'detail-type', /must be a string/],
    [
      'a task event without detail',
      JSON.stringify({ ...eventFixture('fargate-running'), detail: undefined }),
      'detail',
      /must be an object/,
    ],
  ])('rejects %s with an InvalidEventError naming the field', (_what, body, field, reason) => {
    // Act
    const err = invalid(() => parseEvent({ id: 'm1', body }));

    // Assess
    expect(err.field).toBe(field);
    expect(err.reason).toMatch(reason);
  });

  it.each<[string, (d: Record<string, unknown>) => void, string]>([
    ['missing taskArn', (d) => delete d.taskArn, 'detail.taskArn'],
    [
      'a cluster ARN as taskArn',
      (d) => {
        d.taskArn = d.clusterArn;
      },
      'detail.taskArn',
    ],
    [
      'a task ARN whose cluster does not match clusterArn',
      (d) => {
        d.clusterArn = 'arn:aws:ecs:us-east-1:123456789012:cluster/other';
      },
      'detail.taskArn',
    ],
    [
      'an unknown lastStatus',
      (d) => {
        d.lastStatus = 'HIBERNATING';
      },
      'detail.lastStatus',
    ],
    [
      'version as a string',
      (d) => {
        d.version = '3';
      },
      'detail.version',
    ],
    [
      'a negative version',
      (d) => {
        d.version = -3;
      },
      'detail.version',
    ],
    [
      'IP garbage in privateIPv4Address',
      (d) => {
        const details = (d.attachments as { details: { name: string; value: string }[] }[])[0]!.details;
        details.find((x) => x.name === 'privateIPv4Address')!.value = 'not-an-ip';
      },
      'detail.attachments[0].details.privateIPv4Address',
    ],
  ])('rejects a task event with %s (through an SQS body)', (_what, mutate, field) => {
    // Prepare
    const event = eventFixture('fargate-running');
    mutate(event.detail);

    // Act
    const err = invalid(() => parseEvent({ id: 'm1', body: JSON.stringify(event) }));

    // Assess
    expect(err.field).toBe(field);
  });

  it('rejects out-of-range ports in a bridge event', () => {
    // Prepare
    const event = eventFixture('bridge-dynamic-ports');
    const container = (event.detail.containers as { networkBindings: { hostPort: number }[] }[])[0]!;
    container.networkBindings[1]!.hostPort = 70000;

    // Act
    const err = invalid(() => parseEvent({ id: 'm1', body: event }));

    // Assess
    expect(err.field).toBe('detail.containers[0].networkBindings[1].hostPort');
    expect(err.reason).toContain('70000');
  });
});

describe('readEventsFile', () => {
  it('reads a JSON array, numbering entries from 1', () => {
    // Prepare
    const events = [eventFixture('fargate-running'), eventFixture('service-action')];

    // Act
    const inputs = readEventsFile(`  ${JSON.stringify(events, null, 2)}\n`, 'events.json');

    // Assess
    expect(inputs).toEqual([
      { id: 'events.json#1', body: events[0] },
      { id: 'events.json#2', body: events[1] },
    ]);
  });

  it('reads JSON lines, skipping blank lines and keeping line numbers', () => {
    // Prepare
    const a = JSON.stringify(eventFixture('fargate-running'));
    const b = JSON.stringify(eventFixture('fargate-stopped'));
    const text = `${a}\n\n   \n${b}\r\n`;

    // Act
    const inputs = readEventsFile(text, 'events.jsonl');

    // Assess
    expect(inputs).toEqual([
      { id: 'events.jsonl:1', body: a },
      { id: 'events.jsonl:4', body: b },
    ]);
    expect(inputs.map((i) => parseEvent(i).kind)).toEqual(['task', 'task']);
  });

  it('keeps a bad line as a raw string, so that only that event is reported invalid', () => {
    // Prepare
    const good = JSON.stringify(eventFixture('fargate-running'));
    const text = `${good}\n{not json\n${good}\n`;

    // Act
    const inputs = readEventsFile(text, 'events.jsonl');
    const outcomes = inputs.map((input) => {
      try {
        return parseEvent(input).kind;
      } catch (err) {
        return err instanceof InvalidEventError ? `invalid ${err.field}` : 'crash';
      }
    });

    // Assess
    expect(inputs[1]).toEqual({ id: 'events.jsonl:2', body: '{not json' });
    expect(outcomes).toEqual(['task', 'invalid body', 'task']);
  });

  it('returns nothing for an empty file', () => {
    // Act / Assess
    expect(readEventsFile('\n  \n', 'empty.json')).toEqual([]);
  });

  it('rejects a file that starts like an array but is not valid JSON, naming the file', () => {
    // Act
    const err = invalid(() => readEventsFile('[{"a": 1},', 'broken.json'));

    // Assess
    expect(err.field).toBe('broken.json');
    expect(err.reason).toMatch(/not a valid JSON array/);
  });
});
