import { cloudTrailServicePattern } from '../../../infra/patterns';
import { parseCloudTrailServiceEvent } from '../../../lib/events/cloudtrail';
import { InvalidEventError } from '../../../lib/events/errors';
import { parseEvent } from '../../../lib/events/parse';
import { loadFixture, thrownBy } from '../fixtures';

type Json = Record<string, unknown>;
const fixture = (name: string) => loadFixture(`cloudtrail/${name}.json`) as Json & { detail: Json };
const invalid = (fn: () => unknown) => thrownBy(InvalidEventError, fn);

/**
 * The subset of EventBridge pattern matching the project's pattern uses: arrays of exact values and
 * `{ exists: false }`, nested objects. Enough to prove which fixtures the deployed rule would deliver.
 */
function matches(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern)) {
    return pattern.some((p) => {
      if (typeof p === 'object' && p !== null && 'exists' in p)
        return (value !== undefined) === (p as { exists: boolean }).exists;
      return value === p;
    });
  }
  if (typeof pattern === 'object' && pattern !== null) {
    if (typeof value !== 'object' || value === null) {
      // A nested pattern on a missing object matches only if every leaf accepts a missing value.
      return Object.values(pattern).every((p) => matches(p, undefined));
    }
    return Object.entries(pattern).every(([k, p]) => matches(p, (value as Json)[k]));
  }
  return false;
}

describe('CloudTrail service events: the EventBridge pattern in infra/', () => {
  test.each([
    ['create-service-alb', true],
    ['create-service-nlb-dualstack', true],
    ['create-service-no-load-balancer', true],
    ['update-service-target-group', true],
    ['update-service-tag-removed', true],
    ['delete-service-cluster-arn', true],
    ['delete-service-default-cluster', true],
    ['delete-service-load-balancer-gone', true],
    ['create-service-failed', false],
  ])('%s is delivered by the rule: %s', (name, delivered) => {
    // Prepare
    const event = fixture(name);

    // Act
    const result = matches(cloudTrailServicePattern, event);

    // Assess
    expect(result).toBe(delivered);
  });
});

describe('parseCloudTrailServiceEvent', () => {
  test.each([
    ['create-service-alb', 'CreateService', 'prod', 'web-api', { 'ecs-registrar:alias': 'api', team: 'payments' }],
    [
      'create-service-nlb-dualstack',
      'CreateService',
      'edge',
      'grpc-gateway',
      { 'ecs-registrar:alias': 'grpc.example.com.', 'ecs-registrar:alias-zone': 'Z0PUBLIC456' },
    ],
    ['create-service-no-load-balancer', 'CreateService', 'prod', 'worker', { 'ecs-registrar:alias': 'worker' }],
    ['update-service-target-group', 'UpdateService', 'prod', 'web-api', undefined],
    ['update-service-tag-removed', 'UpdateService', 'prod', 'web-api', undefined],
    ['delete-service-cluster-arn', 'DeleteService', 'prod', 'web-api', undefined],
    ['delete-service-default-cluster', 'DeleteService', 'default', 'legacy-admin', undefined],
    ['delete-service-load-balancer-gone', 'DeleteService', 'prod', 'web-api', undefined],
  ])('%s -> %s of %s/%s', (name, eventName, clusterName, serviceName, requestTags) => {
    // Prepare
    const event = fixture(name);

    // Act
    const parsed = parseCloudTrailServiceEvent(event);

    // Assess
    expect(parsed).toEqual({
      kind: 'service',
      fact: {
        eventName,
        clusterName,
        serviceName,
        eventTime: event.detail.eventTime,
        eventId: event.detail.eventID,
        ...(requestTags ? { requestTags } : {}),
      },
    });
  });

  test('a failed call (errorCode present) is ignored, naming the error: it changed nothing', () => {
    // Prepare
    const event = fixture('create-service-failed');

    // Act
    const parsed = parseCloudTrailServiceEvent(event);

    // Assess
    expect(parsed).toEqual({
      kind: 'ignored',
      reason: 'CreateService failed (errorCode InvalidParameterException): it changed nothing',
    });
  });

  test('the default cluster is assumed only when neither the request nor an ARN names one', () => {
    // Prepare: no cluster parameter, but a long-format service ARN, and no response
    const event = fixture('delete-service-default-cluster');
    event.detail.requestParameters = { service: 'arn:aws:ecs:us-east-1:123456789012:service/batch/nightly' };
    event.detail.responseElements = null;

    // Act
    const parsed = parseCloudTrailServiceEvent(event);

    // Assess
    expect(parsed).toMatchObject({ kind: 'service', fact: { clusterName: 'batch', serviceName: 'nightly' } });
  });

  test('an old-format service ARN with no cluster parameter and no response means the default cluster', () => {
    // Prepare
    const event = fixture('delete-service-default-cluster');
    event.detail.requestParameters = { service: 'arn:aws:ecs:us-east-1:123456789012:service/legacy-admin' };
    delete event.detail.responseElements;

    // Act
    const parsed = parseCloudTrailServiceEvent(event);

    // Assess
    expect(parsed).toMatchObject({ kind: 'service', fact: { clusterName: 'default', serviceName: 'legacy-admin' } });
  });

  test('the response is optional: an UpdateService with responseElements.service absent still names its service', () => {
    // Prepare
    const event = fixture('update-service-target-group');
    event.detail.responseElements = {};

    // Act
    const parsed = parseCloudTrailServiceEvent(event);

    // Assess
    expect(parsed).toMatchObject({
      kind: 'service',
      fact: { eventName: 'UpdateService', clusterName: 'prod', serviceName: 'web-api' },
    });
  });

  test('a service ARN naming another cluster than the cluster parameter is invalid, naming the field', () => {
    // Prepare
    const event = fixture('update-service-target-group');
    (event.detail.requestParameters as Json).cluster = 'staging';

    // Act
    const err = invalid(() => parseCloudTrailServiceEvent(event));

    // Assess
    expect(err.field).toBe('detail.requestParameters.service');
    expect(err.reason).toBe('names cluster "prod" but requestParameters.cluster is "staging"');
  });

  test('a response for another service than the request is invalid, naming the response field', () => {
    // Prepare
    const event = fixture('delete-service-cluster-arn');
    ((event.detail.responseElements as Json).service as Json).serviceArn =
      'arn:aws:ecs:us-east-1:123456789012:service/prod/other';

    // Act
    const err = invalid(() => parseCloudTrailServiceEvent(event));

    // Assess
    expect(err.field).toBe('detail.responseElements.service.serviceArn');
  });

  test.each([
    [
      'CreateService without serviceName',
      'create-service-alb',
      { serviceName: undefined },
      'detail.requestParameters.serviceName',
    ],
    [
      'UpdateService without service',
      'update-service-target-group',
      { service: undefined },
      'detail.requestParameters.service',
    ],
    [
      'a cluster that is no name',
      'update-service-tag-removed',
      { cluster: 'prod/eu' },
      'detail.requestParameters.cluster',
    ],
    [
      'a task ARN as the service',
      'update-service-tag-removed',
      { service: 'arn:aws:ecs:us-east-1:123456789012:task/prod/abc' },
      'detail.requestParameters.service',
    ],
    [
      'tags that are not {key, value}',
      'create-service-alb',
      { tags: [{ name: 'x' }] },
      'detail.requestParameters.tags[0]',
    ],
  ])('%s is invalid, naming the field', (_title, name, patch, field) => {
    // Prepare
    const event = fixture(name);
    Object.assign(event.detail.requestParameters as Json, patch);

    // Act
    const err = invalid(() => parseCloudTrailServiceEvent(event));

    // Assess
    expect(err.field).toBe(field);
  });

  test.each([
    ['another event source', { eventSource: 'elasticloadbalancing.amazonaws.com' }, /eventSource/],
    ['another ECS call', { eventName: 'RunTask' }, /RunTask is not handled/],
  ])('%s is ignored', (_title, patch, reason) => {
    // Prepare
    const event = fixture('create-service-alb');
    Object.assign(event.detail, patch);

    // Act
    const parsed = parseCloudTrailServiceEvent(event);

    // Assess
    expect(parsed.kind).toBe('ignored');
    expect(parsed.kind === 'ignored' && parsed.reason).toMatch(reason);
  });
});

describe('parseEvent with CloudTrail service events', () => {
  test('an SQS body carrying a CreateService event parses to a service fact', () => {
    // Prepare
    const body = JSON.stringify(fixture('create-service-alb'));

    // Act
    const parsed = parseEvent({ id: 'm1', body });

    // Assess
    expect(parsed).toMatchObject({
      kind: 'service',
      id: 'm1',
      eventId: '5c3a1f7e-0b6d-4c55-9d0e-2f3c1a9b8e01',
      fact: { eventName: 'CreateService', clusterName: 'prod', serviceName: 'web-api' },
    });
  });

  test('a failed call arriving anyway (an old rule without the errorCode filter) is ignored, not invalid', () => {
    // Prepare
    const body = fixture('create-service-failed');

    // Act
    const parsed = parseEvent({ id: 'm1', body });

    // Assess
    expect(parsed).toEqual({ kind: 'ignored', id: 'm1', reason: expect.stringContaining('InvalidParameterException') });
  });
});
