import {
  CreateServiceCommand,
  DeregisterInstanceCommand,
  DuplicateRequest,
  GetInstanceCommand,
  GetOperationCommand,
  GetServiceCommand,
  InstanceNotFound,
  InvalidInput,
  ListInstancesCommand,
  OperationNotFound,
  RegisterInstanceCommand,
  type RegisterInstanceCommandInput,
  RequestLimitExceeded,
  ServiceDiscoveryClient,
  ServiceNotFound,
} from '@aws-sdk/client-servicediscovery';
import { mockClient } from 'aws-sdk-client-mock';
import { cloudMapErrors } from '../../testkit/aws-errors';
import { FakeCloudMap } from '../../testkit/fake-cloudmap';

const sdMock = mockClient(ServiceDiscoveryClient);
const client = new ServiceDiscoveryClient({ region: 'us-east-1' });
let fake: FakeCloudMap;

function setUp(autoSettleAfterCalls = 0): void {
  sdMock.reset();
  fake = new FakeCloudMap({ autoSettleAfterCalls });
  fake.install(sdMock);
  fake.addNamespace({ id: 'ns-1', name: 'internal' });
  fake.addService({
    id: 'srv-a',
    name: 'api',
    namespaceId: 'ns-1',
    dnsRecords: [
      { Type: 'A', TTL: 10 },
      { Type: 'SRV', TTL: 10 },
    ],
  });
  fake.addService({ id: 'srv-h', name: 'http-only', namespaceId: 'ns-1' });
}

beforeEach(() => setUp());

const register = (
  InstanceId: string,
  Attributes: Record<string, string>,
  extra: Partial<RegisterInstanceCommandInput> = {},
) => client.send(new RegisterInstanceCommand({ ServiceId: 'srv-a', InstanceId, Attributes, ...extra }));
const ip = (last: number) => ({ AWS_INSTANCE_IPV4: `10.0.0.${last}`, AWS_INSTANCE_PORT: '8080' });
const status = async (OperationId: string | undefined) =>
  (await client.send(new GetOperationCommand({ OperationId }))).Operation?.Status;

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error('expected the call to be rejected');
}

describe('RegisterInstance', () => {
  it('completes at once by default: the operation succeeds and the instance is listed', async () => {
    // Act
    const { OperationId } = await register('task1', ip(1));

    // Assess
    expect(await status(OperationId)).toBe('SUCCESS');
    const listed = await client.send(new ListInstancesCommand({ ServiceId: 'srv-a' }));
    expect(listed.Instances).toEqual([{ Id: 'task1', Attributes: ip(1) }]);
  });

  it('keeps an operation in flight for the configured number of calls, hiding the instance until it completes', async () => {
    // Prepare
    setUp(2);

    // Act
    const { OperationId } = await register('task1', ip(1));
    const first = await status(OperationId); // call 1 after submission
    const hidden = await rejection(client.send(new GetInstanceCommand({ ServiceId: 'srv-a', InstanceId: 'task1' }))); // call 2
    const afterTwoCalls = await status(OperationId);
    const visible = await client.send(new GetInstanceCommand({ ServiceId: 'srv-a', InstanceId: 'task1' }));

    // Assess
    expect(first).toBe('SUBMITTED');
    expect(hidden).toBeInstanceOf(InstanceNotFound);
    expect(afterTwoCalls).toBe('SUCCESS');
    expect(visible.Instance?.Attributes).toEqual(ip(1));
  });

  it('refuses a second write to an instance while its operation is in flight, naming that operation', async () => {
    // Prepare
    setUp(1000);
    const { OperationId } = await register('task1', ip(1));

    // Act
    const again = await rejection(register('task1', ip(2)));
    const deregister = await rejection(
      client.send(new DeregisterInstanceCommand({ ServiceId: 'srv-a', InstanceId: 'task1' })),
    );
    const otherInstance = await register('task2', ip(2));
    const settled = fake.settle(OperationId);
    const afterSettle = await register('task1', ip(3));

    // Assess
    expect(again).toBeInstanceOf(DuplicateRequest);
    expect(again).toMatchObject({
      name: 'DuplicateRequest',
      DuplicateOperationId: OperationId,
      $metadata: { httpStatusCode: 400 },
    });
    expect(again).not.toHaveProperty('Message');
    expect(deregister).toBeInstanceOf(DuplicateRequest);
    expect(otherInstance.OperationId).not.toBe(OperationId);
    expect(settled).toBe(1);
    expect(afterSettle.OperationId).toBeDefined();
    expect(fake.pendingOperations()).toEqual([otherInstance.OperationId, afterSettle.OperationId]);
  });

  it('treats a retry with the same CreatorRequestId as the same request', async () => {
    // Prepare
    setUp(1000);
    const first = await register('task1', ip(1), { CreatorRequestId: 'req-1' });

    // Act
    const retry = await register('task1', ip(1), { CreatorRequestId: 'req-1' });
    const different = await rejection(register('task1', ip(1), { CreatorRequestId: 'req-2' }));

    // Assess
    expect(retry.OperationId).toBe(first.OperationId);
    expect(different).toBeInstanceOf(DuplicateRequest);
  });

  it('updates the attributes when an existing instance id is registered again', async () => {
    // Prepare
    await register('task1', { ...ip(1), color: 'blue' });

    // Act
    await register('task1', ip(2));

    // Assess
    expect(fake.instances('srv-a')).toEqual([{ Id: 'task1', Attributes: ip(2) }]);
  });

  it('validates the instance id, the attributes and the service', async () => {
    // Prepare
    const custom = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
    const cases: [RegExp, Promise<unknown>][] = [
      [/^InstanceId/, register('x'.repeat(65), ip(1))],
      [/^InstanceId/, register('task 1', ip(1))],
      [/at most 30 custom attributes/, register('t', { ...ip(1), ...custom(31) })],
      [/^Attribute key/, register('t', { ...ip(1), ['k'.repeat(256)]: 'v' })],
      [/^Attribute key 'my key'/, register('t', { ...ip(1), 'my key': 'v' })],
      [/^Attribute value of 'k'/, register('t', { ...ip(1), k: 'v'.repeat(1025) })],
      [
        /total length/,
        register('t', {
          ...ip(1),
          a: 'v'.repeat(1000),
          b: 'v'.repeat(1000),
          c: 'v'.repeat(1000),
          d: 'v'.repeat(1000),
          e: 'v'.repeat(970),
        }),
      ],
      [/AWS_INSTANCE_IPV4 is required/, register('t', { AWS_INSTANCE_PORT: '80' })],
      [/not a valid IPv4/, register('t', { AWS_INSTANCE_IPV4: '10.0.0.256', AWS_INSTANCE_PORT: '80' })],
    ];

    // Act
    const errors = await Promise.all(cases.map(async ([pattern, p]) => [pattern, await rejection(p)] as const));
    const unknownService = await rejection(
      client.send(new RegisterInstanceCommand({ ServiceId: 'srv-nope', InstanceId: 't', Attributes: ip(1) })),
    );
    const atLimits = await register('limits', { ...ip(1), ...custom(29), ['k'.repeat(255)]: 'v'.repeat(1024) });

    // Assess
    for (const [pattern, error] of errors) {
      expect(error).toBeInstanceOf(InvalidInput);
      expect(error.message).toMatch(pattern);
    }
    expect(unknownService).toBeInstanceOf(ServiceNotFound);
    expect(atLimits.OperationId).toBeDefined();
    expect(fake.instances('srv-a').map((i) => i.Id)).toEqual(['limits']);
  });

  it('accepts the service ARN as ServiceId', async () => {
    // Prepare
    const service = await client.send(new GetServiceCommand({ Id: 'srv-h' }));

    // Act
    await client.send(
      new RegisterInstanceCommand({ ServiceId: service.Service?.Arn, InstanceId: 'i1', Attributes: { any: 'thing' } }),
    );

    // Assess
    expect(fake.instances('srv-h').map((i) => i.Id)).toEqual(['i1']);
  });

  it('ends an operation in FAIL without effect when the outcome hook says so', async () => {
    // Prepare
    fake.setOperationOutcome(({ instanceId }) =>
      instanceId === 'bad' ? { ErrorCode: 'THROTTLED_REQUEST', ErrorMessage: 'Rate exceeded' } : undefined,
    );

    // Act
    const { OperationId } = await register('bad', ip(1));
    const operation = (await client.send(new GetOperationCommand({ OperationId }))).Operation;

    // Assess
    expect(operation).toMatchObject({
      Status: 'FAIL',
      ErrorCode: 'THROTTLED_REQUEST',
      Type: 'REGISTER_INSTANCE',
      Targets: { SERVICE: 'srv-a', INSTANCE: 'bad' },
    });
    expect(fake.instances('srv-a')).toEqual([]);
  });
});

describe('DeregisterInstance', () => {
  it('answers InstanceNotFound for a missing instance, also after a completed deregistration', async () => {
    // Prepare
    await register('task1', ip(1));

    // Act
    const missing = await rejection(
      client.send(new DeregisterInstanceCommand({ ServiceId: 'srv-a', InstanceId: 'nope' })),
    );
    const { OperationId } = await client.send(
      new DeregisterInstanceCommand({ ServiceId: 'srv-a', InstanceId: 'task1' }),
    );
    const again = await rejection(
      client.send(new DeregisterInstanceCommand({ ServiceId: 'srv-a', InstanceId: 'task1' })),
    );

    // Assess
    expect(missing).toBeInstanceOf(InstanceNotFound);
    expect(await status(OperationId)).toBe('SUCCESS');
    expect(again).toBeInstanceOf(InstanceNotFound);
    expect(fake.instances('srv-a')).toEqual([]);
  });

  it('is asynchronous: the instance stays listed until the operation completes', async () => {
    // Prepare
    setUp(1000);
    const reg = await register('task1', ip(1));
    fake.settle(reg.OperationId);

    // Act
    const { OperationId } = await client.send(
      new DeregisterInstanceCommand({ ServiceId: 'srv-a', InstanceId: 'task1' }),
    );
    const during = await client.send(new ListInstancesCommand({ ServiceId: 'srv-a' }));
    fake.settle();
    const after = await client.send(new ListInstancesCommand({ ServiceId: 'srv-a' }));

    // Assess
    expect(during.Instances?.map((i) => i.Id)).toEqual(['task1']);
    expect(after.Instances).toEqual([]);
    expect(await status(OperationId)).toBe('SUCCESS');
  });
});

describe('ListInstances, GetOperation and observation', () => {
  it('pages with NextToken, 100 per page by default, returning every instance exactly once', async () => {
    // Prepare
    for (let n = 0; n < 250; n++)
      fake.putInstanceDirect('srv-a', { Id: `t${String(n).padStart(3, '0')}`, Attributes: ip(n % 250) });

    // Act
    const pages: string[][] = [];
    let NextToken: string | undefined;
    do {
      const out = await client.send(new ListInstancesCommand({ ServiceId: 'srv-a', NextToken }));
      pages.push((out.Instances ?? []).map((i) => i.Id ?? ''));
      NextToken = out.NextToken;
    } while (NextToken);
    const small = await client.send(new ListInstancesCommand({ ServiceId: 'srv-a', MaxResults: 7 }));

    // Assess
    expect(pages.map((p) => p.length)).toEqual([100, 100, 50]);
    expect(new Set(pages.flat()).size).toBe(250);
    expect(small.Instances).toHaveLength(7);
    expect(small.NextToken).toBeDefined();
  });

  it('refuses MaxResults outside 1-100 and an unknown service', async () => {
    // Act
    const zero = await rejection(client.send(new ListInstancesCommand({ ServiceId: 'srv-a', MaxResults: 0 })));
    const tooMany = await rejection(client.send(new ListInstancesCommand({ ServiceId: 'srv-a', MaxResults: 101 })));
    const unknown = await rejection(client.send(new ListInstancesCommand({ ServiceId: 'srv-x' })));

    // Assess
    expect(zero).toBeInstanceOf(InvalidInput);
    expect(tooMany).toBeInstanceOf(InvalidInput);
    expect(unknown).toBeInstanceOf(ServiceNotFound);
  });

  it('answers OperationNotFound for an unknown operation', async () => {
    // Act
    const error = await rejection(client.send(new GetOperationCommand({ OperationId: 'op-nope' })));

    // Assess
    expect(error).toBeInstanceOf(OperationNotFound);
  });

  it('injects faults, records calls and fails loudly on unimplemented commands', async () => {
    // Prepare
    fake.injectFault((operation) =>
      operation === 'ListInstances' ? cloudMapErrors.requestLimitExceeded() : undefined,
    );

    // Act
    const throttled = await rejection(client.send(new ListInstancesCommand({ ServiceId: 'srv-a' })));
    const unsupported = await rejection(client.send(new CreateServiceCommand({ Name: 'x' })));

    // Assess
    expect(throttled).toBeInstanceOf(RequestLimitExceeded);
    expect(fake.callCount('ListInstances')).toBe(1);
    expect(fake.calls).toEqual([{ operation: 'ListInstances', input: { ServiceId: 'srv-a' } }]);
    expect(unsupported.message).toMatch(/FakeCloudMap does not implement CreateServiceCommand/);
  });

  it('gives a JSON-stable snapshot of every service', async () => {
    // Prepare
    await register('b', ip(2));
    await register('a', { AWS_INSTANCE_PORT: '1', AWS_INSTANCE_IPV4: '10.0.0.1' });

    // Act
    const snapshot = JSON.stringify(fake.snapshot());

    // Assess
    expect(snapshot).toBe(
      '{"srv-a":[{"Attributes":{"AWS_INSTANCE_IPV4":"10.0.0.1","AWS_INSTANCE_PORT":"1"},"Id":"a"},{"Attributes":{"AWS_INSTANCE_IPV4":"10.0.0.2","AWS_INSTANCE_PORT":"8080"},"Id":"b"}],"srv-h":[]}',
    );
  });
});
