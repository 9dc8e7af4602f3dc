import { isObject } from '../domain/json';
import { CLOUDTRAIL_DETAIL_TYPE, parseCloudTrailServiceEvent, type ServiceEventFact } from './cloudtrail';
import {
  CONTAINER_INSTANCE_STATE_CHANGE,
  type ContainerInstanceFact,
  parseContainerInstanceFact,
} from './container-instance';
import { InvalidEventError } from './errors';
import { parseTaskFact, type TaskFact } from './task-fact';

export const TASK_STATE_CHANGE = 'ECS Task State Change';

/** One input of a batch, before parsing: an SQS record's id and body, or a line of a CLI events file. */
export interface RawInput {
  /** SQS messageId (or a position like `events.json#3` in the CLI); batchItemFailures report it. */
  id: string;
  /** The EventBridge event as a JSON string (an SQS body) or an already-parsed value. */
  body: unknown;
}

export type ParsedEvent =
  | { kind: 'task'; id: string; fact: TaskFact; eventId?: string }
  | { kind: 'service'; id: string; fact: ServiceEventFact; eventId?: string }
  | { kind: 'instance'; id: string; fact: ContainerInstanceFact }
  | { kind: 'ignored'; id: string; reason: string };

/**
 * Parses one EventBridge event, raw or as an SQS body. Unknown detail-types and non-ECS sources are `ignored` (ECS adds
 * event types over time and the rule may be widened); anything the registrar should understand but cannot throws
 * InvalidEventError naming the field.
 */
export function parseEvent(input: RawInput): ParsedEvent {
  let event: unknown = input.body;
  if (typeof event === 'string') {
    try {
      event = JSON.parse(event);
    } catch (err) {
      throw new InvalidEventError('body', `is not valid JSON (${(err as Error).message})`, { cause: err });
    }
  }
  if (!isObject(event)) throw new InvalidEventError('body', 'must be a JSON object (an EventBridge event)');
  const detailType = event['detail-type'];
  if (typeof detailType !== 'string') throw new InvalidEventError('detail-type', 'must be a string');
  if (event.source !== 'aws.ecs') {
    return { kind: 'ignored', id: input.id, reason: `source "${String(event.source).slice(0, 60)}" is not aws.ecs` };
  }
  if (detailType === TASK_STATE_CHANGE) {
    const fact = parseTaskFact(event.detail, 'event');
    if (typeof event.time === 'string') fact.eventTime = event.time;
    return { kind: 'task', id: input.id, fact, eventId: typeof event.id === 'string' ? event.id : undefined };
  }
  if (detailType === CONTAINER_INSTANCE_STATE_CHANGE) {
    const fact = parseContainerInstanceFact(event.detail);
    if (typeof event.time === 'string') fact.eventTime = event.time;
    return { kind: 'instance', id: input.id, fact };
  }
  if (detailType === CLOUDTRAIL_DETAIL_TYPE) {
    const parsed = parseCloudTrailServiceEvent(event);
    if (parsed.kind === 'ignored') return { kind: 'ignored', id: input.id, reason: parsed.reason };
    return {
      kind: 'service',
      id: input.id,
      fact: parsed.fact,
      eventId: typeof event.id === 'string' ? event.id : undefined,
    };
  }
  return { kind: 'ignored', id: input.id, reason: `detail-type "${detailType.slice(0, 80)}" is not handled` };
}

/**
 * Reads a CLI events file: a JSON array of events, or JSON lines (one event per line). A line that does not parse is
 * kept as a raw string so that it is reported as invalid like any other bad event instead of failing the whole file.
 */
export function readEventsFile(text: string, fileName: string): RawInput[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      throw new InvalidEventError(fileName, `is not a valid JSON array (${(err as Error).message})`, { cause: err });
    }
    if (!Array.isArray(parsed)) throw new InvalidEventError(fileName, 'must be a JSON array or JSON lines');
    return parsed.map((body, i) => ({ id: `${fileName}#${i + 1}`, body }));
  }
  return trimmed
    .split('\n')
    .map((line, i) => ({ line: line.trim(), n: i + 1 }))
    .filter(({ line }) => line.length > 0)
    .map(({ line, n }) => ({ id: `${fileName}:${n}`, body: line }));
}
