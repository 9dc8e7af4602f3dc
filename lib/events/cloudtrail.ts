import { isObject, type Json } from '../domain/json';
import { parseEcsArn } from './arn';
import { InvalidEventError } from './errors';

/**
 * `AWS API Call via CloudTrail` events for ECS CreateService, UpdateService and DeleteService (aws-facts.md §1.5;
 * the EventBridge pattern is infra/cloudtrail-service.pattern.json). Such an event is a hint that a service changed:
 * the sync path reads the service itself (DescribeServices) before it writes anything.
 *
 * Shapes handled:
 * - CreateService names the service in requestParameters.serviceName; UpdateService and DeleteService in
 *   requestParameters.service, as a name or an ARN (old `service/<name>` or new `service/<cluster>/<name>` format);
 * - requestParameters.cluster may be omitted (the `default` cluster), a name or an ARN;
 * - responseElements may be null (failed calls) and responseElements.service may be absent;
 * - a failed call (errorCode present) changed nothing and is ignored, as is any other API call.
 */

export const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';
export const ECS_EVENT_SOURCE = 'ecs.amazonaws.com';
export const SERVICE_EVENT_NAMES = ['CreateService', 'UpdateService', 'DeleteService'] as const;
export type ServiceEventName = (typeof SERVICE_EVENT_NAMES)[number];
export const DEFAULT_CLUSTER = 'default';

export interface ServiceEventFact {
  eventName: ServiceEventName;
  clusterName: string;
  serviceName: string;
  /** `detail.eventTime` (else the envelope time): orders several events of one service in a batch. */
  eventTime?: string;
  /** CloudTrail's `detail.eventID`. */
  eventId?: string;
  /** Tags the call carried (CreateService only): used only when DescribeServices reports no tags field. */
  requestTags?: Record<string, string>;
}

export type CloudTrailParse = { kind: 'service'; fact: ServiceEventFact } | { kind: 'ignored'; reason: string };

const NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** Parses the `detail` of an `AWS API Call via CloudTrail` event from aws.ecs. */
export function parseCloudTrailServiceEvent(event: Json): CloudTrailParse {
  const detail = event.detail;
  if (!isObject(detail)) throw new InvalidEventError('detail', 'must be an object (a CloudTrail record)');
  const ignored = ignoredReason(detail);
  if (ignored) return { kind: 'ignored', reason: ignored };
  const name = detail.eventName as ServiceEventName;
  const request = detail.requestParameters;
  if (!isObject(request)) {
    throw new InvalidEventError('detail.requestParameters', `must be an object on a successful ${name}`);
  }
  const requested = requestedService(name, request);
  // The response, when present, is what ECS did: it must agree with the request.
  const response = detail.responseElements;
  const service = isObject(response) && isObject(response.service) ? response.service : undefined;
  const clusterName = service ? agreeWithResponse(service, requested) : requested.clusterName;

  const fact: ServiceEventFact = {
    eventName: name,
    clusterName: clusterName ?? DEFAULT_CLUSTER,
    serviceName: requested.serviceName,
  };
  const eventTime = typeof detail.eventTime === 'string' ? detail.eventTime : event.time;
  if (typeof eventTime === 'string') fact.eventTime = eventTime;
  if (typeof detail.eventID === 'string') fact.eventId = detail.eventID;
  if (name === 'CreateService') {
    const tags =
      parseTags(request.tags, 'detail.requestParameters.tags') ??
      (service ? parseTags(service.tags, 'detail.responseElements.service.tags') : undefined);
    if (tags) fact.requestTags = tags;
  }
  return { kind: 'service', fact };
}

/** Why a CloudTrail record changes no service the registrar tracks; undefined for one it handles. */
function ignoredReason(detail: Json): string | undefined {
  if (detail.eventSource !== ECS_EVENT_SOURCE)
    return `eventSource "${String(detail.eventSource).slice(0, 60)}" is not ${ECS_EVENT_SOURCE}`;
  const eventName = detail.eventName;
  if (typeof eventName !== 'string') throw new InvalidEventError('detail.eventName', 'must be a string');
  if (!(SERVICE_EVENT_NAMES as readonly string[]).includes(eventName))
    return `ECS API call ${eventName.slice(0, 60)} is not handled`;
  if (detail.errorCode !== undefined && detail.errorCode !== null)
    return `${eventName} failed (errorCode ${String(detail.errorCode).slice(0, 80)}): it changed nothing`;
  return undefined;
}

/** The service and cluster the request names; a service ARN's cluster must agree with the request's cluster. */
function requestedService(name: ServiceEventName, request: Json): { serviceName: string; clusterName?: string } {
  // A name (CreateService) or a name or ARN (UpdateService, DeleteService).
  let serviceName: string;
  let clusterFromServiceArn: string | undefined;
  if (name === 'CreateService') {
    serviceName = plainName(request.serviceName, 'detail.requestParameters.serviceName', 'service');
  } else if (typeof request.service === 'string' && request.service.startsWith('arn:')) {
    const arn = parseEcsArn(request.service, 'detail.requestParameters.service', 'service');
    serviceName = arn.id;
    clusterFromServiceArn = arn.cluster;
  } else {
    serviceName = plainName(request.service, 'detail.requestParameters.service', 'service');
  }
  let clusterName: string | undefined;
  const requestCluster = request.cluster;
  if (requestCluster !== undefined && requestCluster !== null && requestCluster !== '') {
    const field = 'detail.requestParameters.cluster';
    clusterName =
      typeof requestCluster === 'string' && requestCluster.startsWith('arn:')
        ? parseEcsArn(requestCluster, field, 'cluster').id
        : plainName(requestCluster, field, 'cluster');
  }
  if (clusterFromServiceArn && clusterName && clusterFromServiceArn !== clusterName) {
    throw new InvalidEventError(
      'detail.requestParameters.service',
      `names cluster "${clusterFromServiceArn}" but requestParameters.cluster is "${clusterName}"`,
    );
  }
  return { serviceName, clusterName: clusterName ?? clusterFromServiceArn };
}

/** Checks `responseElements.service` against the request; returns the cluster, completed from the response. */
function agreeWithResponse(
  service: Json,
  requested: { serviceName: string; clusterName?: string },
): string | undefined {
  const prefix = 'detail.responseElements.service';
  let clusterName = requested.clusterName;
  if (service.serviceArn !== undefined && service.serviceArn !== null) {
    const arn = parseEcsArn(service.serviceArn, `${prefix}.serviceArn`, 'service');
    if (arn.id !== requested.serviceName) {
      throw new InvalidEventError(
        `${prefix}.serviceArn`,
        `names service "${arn.id}" but the request names "${requested.serviceName}"`,
      );
    }
    if (arn.cluster && clusterName && arn.cluster !== clusterName) {
      throw new InvalidEventError(
        `${prefix}.serviceArn`,
        `names cluster "${arn.cluster}" but the request names "${clusterName}"`,
      );
    }
    clusterName ??= arn.cluster;
  }
  if (service.clusterArn !== undefined && service.clusterArn !== null) {
    const cluster = parseEcsArn(service.clusterArn, `${prefix}.clusterArn`, 'cluster').id;
    if (clusterName && cluster !== clusterName) {
      throw new InvalidEventError(
        `${prefix}.clusterArn`,
        `names cluster "${cluster}" but the request names "${clusterName}"`,
      );
    }
    clusterName ??= cluster;
  }
  return clusterName;
}

function plainName(value: unknown, field: string, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new InvalidEventError(field, `must name the ${what}`);
  if (!NAME.test(value)) {
    throw new InvalidEventError(
      field,
      `"${value.slice(0, 80)}" is not a ${what} name or ARN (letters, digits, hyphens and underscores, at most 255)`,
    );
  }
  return value;
}

/** ECS tags are `[{key, value}]` (lower case, aws-facts.md §1.5). */
function parseTags(value: unknown, field: string): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new InvalidEventError(field, 'must be an array of {key, value}');
  const tags: Record<string, string> = {};
  for (const [i, t] of value.entries()) {
    if (!isObject(t) || typeof t.key !== 'string') {
      throw new InvalidEventError(`${field}[${i}]`, 'must be an object with a string key');
    }
    if (t.value !== undefined && t.value !== null && typeof t.value !== 'string') {
      throw new InvalidEventError(`${field}[${i}].value`, 'must be a string');
    }
    tags[t.key] = typeof t.value === 'string' ? t.value : '';
  }
  return tags;
}
