// Errors built the way SDK v3 surfaces them after deserialisation: modelled errors are instances of the client's
// exported exception classes; unmodelled codes (Route 53 `Throttling`, ECS `ThrottlingException`, EC2 codes,
// ELBv2 `ValidationError`) are instances of the client's base ServiceException with `name` set to the code, which
// is what @aws-sdk/core's protocol handler throws for an error code missing from the model.
// `$fault` follows the HTTP status (< 500 client, otherwise server), as the protocol handler derives it.

import { EC2ServiceException } from '@aws-sdk/client-ec2';
import {
  AccessDeniedException,
  ClientException,
  ClusterNotFoundException,
  ECSServiceException,
  InvalidParameterException,
  ServerException,
  ServiceNotFoundException,
} from '@aws-sdk/client-ecs';
import {
  ElasticLoadBalancingV2ServiceException,
  LoadBalancerNotFoundException,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  InvalidChangeBatch,
  InvalidInput,
  NoSuchChange,
  NoSuchHostedZone,
  PriorRequestNotComplete,
  Route53ServiceException,
} from '@aws-sdk/client-route-53';
import {
  DuplicateRequest,
  InstanceNotFound,
  NamespaceNotFound,
  OperationNotFound,
  RequestLimitExceeded,
  InvalidInput as SdInvalidInput,
  ServiceDiscoveryServiceException,
  ServiceNotFound,
} from '@aws-sdk/client-servicediscovery';

let requestCounter = 0;

export function errorMetadata(httpStatusCode: number) {
  requestCounter += 1;
  return {
    httpStatusCode,
    requestId: `e0000000-0000-4000-8000-${requestCounter.toString(16).padStart(12, '0')}`,
    attempts: 1,
    totalRetryDelay: 0,
  };
}

type BaseCtor = new (options: {
  name: string;
  $fault: 'client' | 'server';
  $metadata: ReturnType<typeof errorMetadata>;
  message?: string;
}) => Error;

function unmodelled<T extends BaseCtor>(Base: T, name: string, message: string, httpStatusCode: number): Error {
  return new Base({
    name,
    $fault: httpStatusCode < 500 ? 'client' : 'server',
    $metadata: errorMetadata(httpStatusCode),
    message,
  });
}

/**
 * The JSON/XML deserialisers move a modelled `Message` member into `message` and delete `Message`
 * (decorateServiceException), so the thrown error has only `message`.
 */
function withoutMessageMember<T extends Error>(error: T): T {
  delete (error as { Message?: unknown }).Message;
  return error;
}

export const route53Errors = {
  /** AWS lists every problem of the batch in `messages`; the top-level message is the bracketed list. */
  invalidChangeBatch: (messages: string[]) =>
    new InvalidChangeBatch({ message: `[${messages.join(', ')}]`, messages, $metadata: errorMetadata(400) }),
  invalidInput: (message: string) => new InvalidInput({ message, $metadata: errorMetadata(400) }),
  noSuchHostedZone: (id: string) =>
    new NoSuchHostedZone({ message: `No hosted zone found with ID: ${id}`, $metadata: errorMetadata(404) }),
  noSuchChange: (id: string) =>
    new NoSuchChange({
      message: `A change with the specified change ID does not exist: ${id}`,
      $metadata: errorMetadata(404),
    }),
  priorRequestNotComplete: () =>
    new PriorRequestNotComplete({
      message: 'The request was rejected because Route 53 was still processing a prior request.',
      $metadata: errorMetadata(400),
    }),
  /** The account-wide 5 rps limit: code `Throttling`, not in the Route 53 model. */
  throttling: () => unmodelled(Route53ServiceException, 'Throttling', 'Rate exceeded', 400),
};

export const cloudMapErrors = {
  duplicateRequest: (duplicateOperationId: string, message = 'The operation is already in progress.') =>
    withoutMessageMember(
      new DuplicateRequest({ message, DuplicateOperationId: duplicateOperationId, $metadata: errorMetadata(400) }),
    ),
  instanceNotFound: (instanceId: string) =>
    withoutMessageMember(
      new InstanceNotFound({ message: `Instance not found: ${instanceId}`, $metadata: errorMetadata(400) }),
    ),
  serviceNotFound: (serviceId: string) =>
    withoutMessageMember(
      new ServiceNotFound({ message: `Service not found: ${serviceId}`, $metadata: errorMetadata(400) }),
    ),
  namespaceNotFound: (namespaceId: string) =>
    withoutMessageMember(
      new NamespaceNotFound({ message: `Namespace not found: ${namespaceId}`, $metadata: errorMetadata(400) }),
    ),
  operationNotFound: (operationId: string) =>
    withoutMessageMember(
      new OperationNotFound({ message: `Operation not found: ${operationId}`, $metadata: errorMetadata(400) }),
    ),
  invalidInput: (message: string) =>
    withoutMessageMember(new SdInvalidInput({ message, $metadata: errorMetadata(400) })),
  requestLimitExceeded: () =>
    withoutMessageMember(new RequestLimitExceeded({ message: 'Rate exceeded', $metadata: errorMetadata(400) })),
  /** For codes without a class in this client version. */
  unmodelled: (name: string, message: string, httpStatusCode = 400) =>
    unmodelled(ServiceDiscoveryServiceException, name, message, httpStatusCode),
};

export const ecsErrors = {
  clusterNotFound: () => new ClusterNotFoundException({ message: 'Cluster not found.', $metadata: errorMetadata(400) }),
  serviceNotFound: () => new ServiceNotFoundException({ message: 'Service not found.', $metadata: errorMetadata(400) }),
  invalidParameter: (message: string) => new InvalidParameterException({ message, $metadata: errorMetadata(400) }),
  client: (message: string) => new ClientException({ message, $metadata: errorMetadata(400) }),
  accessDenied: (message = 'User is not authorized to perform this action.') =>
    new AccessDeniedException({ message, $metadata: errorMetadata(400) }),
  server: (message = 'Service Unavailable. Please try again later.') =>
    new ServerException({ message, $metadata: errorMetadata(500) }),
  /** ECS's token-bucket throttle; `ThrottlingException` is not in this client's model. */
  throttling: () => unmodelled(ECSServiceException, 'ThrottlingException', 'Rate exceeded', 400),
};

export const ec2Errors = {
  /** EC2 has no modelled errors at all: every code (e.g. `InvalidInstanceID.NotFound`) arrives unmodelled. */
  code: (name: string, message: string, httpStatusCode = 400) =>
    unmodelled(EC2ServiceException, name, message, httpStatusCode),
  instanceNotFound: (ids: string[]) =>
    unmodelled(
      EC2ServiceException,
      'InvalidInstanceID.NotFound',
      ids.length === 1
        ? `The instance ID '${ids[0]}' does not exist`
        : `The instance IDs '${ids.join(', ')}' do not exist`,
      400,
    ),
  networkInterfaceNotFound: (id: string) =>
    unmodelled(
      EC2ServiceException,
      'InvalidNetworkInterfaceID.NotFound',
      `The networkInterface ID '${id}' does not exist`,
      400,
    ),
  /** EC2's throttle is returned with HTTP 503. */
  requestLimitExceeded: () => unmodelled(EC2ServiceException, 'RequestLimitExceeded', 'Request limit exceeded.', 503),
};

export const elbv2Errors = {
  loadBalancerNotFound: () =>
    withoutMessageMember(
      new LoadBalancerNotFoundException({
        message: 'One or more load balancers not found',
        $metadata: errorMetadata(400),
      }),
    ),
  targetGroupNotFound: () =>
    withoutMessageMember(
      new TargetGroupNotFoundException({
        message: 'One or more target groups not found',
        $metadata: errorMetadata(400),
      }),
    ),
  /** Constraint violations (e.g. more than 20 ARNs) come back as the unmodelled `ValidationError`. */
  validation: (message: string) => unmodelled(ElasticLoadBalancingV2ServiceException, 'ValidationError', message, 400),
  throttling: () => unmodelled(ElasticLoadBalancingV2ServiceException, 'Throttling', 'Rate exceeded', 400),
};
