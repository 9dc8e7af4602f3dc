import {
  DeregisterInstanceCommand,
  DuplicateRequest,
  GetOperationCommand,
  InstanceNotFound,
  InvalidInput,
  ListInstancesCommand,
  type OperationStatus,
  RegisterInstanceCommand,
  ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudMapReader, CloudMapWriter, DEFAULT_POLL_DELAYS_MS } from '../../../lib/aws/cloudmap';
import { withDeadline } from '../../../lib/aws/deadline';
import { AwsReadError } from '../../../lib/aws/errors';
import type { CloudMapChange } from '../../../lib/plan/plan';

const sd = mockClient(ServiceDiscoveryClient);
const client = new ServiceDiscoveryClient({ region: 'us-east-1' });
const timing = { now: () => 0, random: () => 0.5, sleep: jest.fn(async (_ms: number) => undefined) };
const instance = (id: string) => ({
  serviceId: 'srv-web',
  instanceId: id,
  attributes: { AWS_INSTANCE_IPV4: '10.0.0.1', ECS_REGISTRAR_OWNER: 'o' },
});
const register = (id: string): CloudMapChange => ({
  provider: 'cloudmap',
  action: 'REGISTER',
  instance: instance(id),
  subject: `task:${id}`,
});
const deregister = (id: string): CloudMapChange => ({
  provider: 'cloudmap',
  action: 'DEREGISTER',
  instance: instance(id),
  subject: `task:${id}`,
});
const meta = { $metadata: { httpStatusCode: 400 } };

beforeEach(() => {
  sd.reset();
  sd.on(GetOperationCommand).resolves({ Operation: { Status: 'SUCCESS' } });
  timing.sleep.mockClear();
});

describe('CloudMapWriter', () => {
  test('registers with the attributes and the owner mark, and reports the operation id', async () => {
    // Prepare
    sd.on(RegisterInstanceCommand).resolves({ OperationId: 'op-1' });

    // Act
    const [outcome] = await new CloudMapWriter(client, { timing }).apply([register('t1')]);

    // Assess
    expect(sd).toHaveReceivedCommandWith(RegisterInstanceCommand, {
      ServiceId: 'srv-web',
      InstanceId: 't1',
      Attributes: { AWS_INSTANCE_IPV4: '10.0.0.1', ECS_REGISTRAR_OWNER: 'o' },
    });
    expect(outcome).toMatchObject({ status: 'applied', operationId: 'op-1' });
  });

  test('retries DuplicateRequest (an operation on the instance still running) with backoff', async () => {
    // Prepare
    sd.on(RegisterInstanceCommand)
      .rejectsOnce(new DuplicateRequest({ message: 'in progress', DuplicateOperationId: 'op-0', ...meta }))
      .resolves({ OperationId: 'op-2' });

    // Act
    const [outcome] = await new CloudMapWriter(client, { timing }).apply([register('t1')]);

    // Assess: one backoff, then the first wait before GetOperation
    expect(sd).toHaveReceivedCommandTimes(RegisterInstanceCommand, 2);
    expect(timing.sleep).toHaveBeenCalledTimes(2);
    expect(timing.sleep).toHaveBeenLastCalledWith(DEFAULT_POLL_DELAYS_MS[0]);
    expect(outcome?.status).toBe('applied');
  });

  test('InstanceNotFound on deregister counts as done', async () => {
    // Prepare
    sd.on(DeregisterInstanceCommand).rejects(new InstanceNotFound({ message: 'no such instance', ...meta }));

    // Act
    const [outcome] = await new CloudMapWriter(client, { timing }).apply([deregister('gone')]);

    // Assess
    expect(outcome).toMatchObject({ status: 'applied', code: 'InstanceNotFound' });
  });

  test('a permanent error is rejected with its message and does not block the other changes', async () => {
    // Prepare
    sd.on(RegisterInstanceCommand, { InstanceId: 'bad' }).rejects(
      new InvalidInput({ message: 'attribute too long', ...meta }),
    );
    sd.on(RegisterInstanceCommand, { InstanceId: 'good' }).resolves({ OperationId: 'op-3' });

    // Act
    const outcomes = await new CloudMapWriter(client, { timing }).apply([register('bad'), register('good')]);

    // Assess
    expect(outcomes.map((o) => [o.change.instance.instanceId, o.status, o.message])).toEqual([
      ['bad', 'rejected', 'attribute too long'],
      ['good', 'applied', undefined],
    ]);
  });

  test('a retried registration is the same request: one CreatorRequestId for all its attempts', async () => {
    // Prepare: the first attempt times out (it may have reached Cloud Map), the second answers
    sd.on(RegisterInstanceCommand)
      .rejectsOnce(Object.assign(new Error('socket timeout'), { name: 'TimeoutError' }))
      .resolves({ OperationId: 'op-4' });

    // Act
    const [a, b] = await new CloudMapWriter(client, { timing }).apply([register('t1'), register('t2')]);

    // Assess
    const tokens = sd
      .commandCalls(RegisterInstanceCommand)
      .map((c) => [c.args[0].input.InstanceId, c.args[0].input.CreatorRequestId]);
    expect(tokens).toHaveLength(3);
    const ofT1 = tokens.filter(([id]) => id === 't1').map(([, token]) => token);
    const ofT2 = tokens.filter(([id]) => id === 't2').map(([, token]) => token);
    expect(new Set([...ofT1, ...ofT2]).size).toBe(2);
    expect(ofT1.every((t) => typeof t === 'string' && t.length > 0 && t.length <= 64)).toBe(true);
    expect([a?.status, b?.status]).toEqual(['applied', 'applied']);
  });

  test('DuplicateRequest that never clears ends as failed (retryable), after maxAttempts', async () => {
    // Prepare
    sd.on(DeregisterInstanceCommand).rejects(new DuplicateRequest({ message: 'in progress', ...meta }));

    // Act
    const [outcome] = await new CloudMapWriter(client, { timing, maxAttempts: 3 }).apply([deregister('t1')]);

    // Assess
    expect(sd).toHaveReceivedCommandTimes(DeregisterInstanceCommand, 3);
    expect(outcome).toMatchObject({ status: 'failed', code: 'DuplicateRequest' });
  });
});

describe('CloudMapWriter follows each operation with GetOperation', () => {
  const operation = (Status: OperationStatus, extra: object = {}) => ({ Operation: { Id: 'op-1', Status, ...extra } });

  test('an operation that ends in SUCCESS after a while is applied; one GetOperation per round while it runs', async () => {
    // Prepare
    sd.on(RegisterInstanceCommand).resolves({ OperationId: 'op-1' });
    sd.on(GetOperationCommand)
      .resolvesOnce(operation('SUBMITTED'))
      .resolvesOnce(operation('PENDING'))
      .resolves(operation('SUCCESS'));

    // Act
    const [outcome] = await new CloudMapWriter(client, { timing }).apply([register('t1')]);

    // Assess
    expect(outcome).toMatchObject({ status: 'applied', operationId: 'op-1' });
    expect(sd).toHaveReceivedCommandTimes(GetOperationCommand, 3);
    expect(sd).toHaveReceivedCommandWith(GetOperationCommand, { OperationId: 'op-1' });
  });

  test("a FAIL is rejected with Cloud Map's error code and message (so its item is retried and counted)", async () => {
    // Prepare
    sd.on(RegisterInstanceCommand).resolves({ OperationId: 'op-1' });
    sd.on(GetOperationCommand).resolves(
      operation('FAIL', { ErrorCode: 'INVALID_CHANGE_BATCH', ErrorMessage: 'record already exists' }),
    );

    // Act
    const [outcome] = await new CloudMapWriter(client, { timing }).apply([register('t1')]);

    // Assess
    expect(outcome).toMatchObject({
      status: 'rejected',
      code: 'INVALID_CHANGE_BATCH',
      message: 'Cloud Map operation op-1 failed: record already exists',
    });
  });

  test('an operation still running after the last round is failed (retried), after a bounded number of polls', async () => {
    // Prepare
    sd.on(DeregisterInstanceCommand).resolves({ OperationId: 'op-1' });
    sd.on(GetOperationCommand).resolves(operation('PENDING'));

    // Act
    const [outcome] = await new CloudMapWriter(client, { timing, pollDelaysMs: [10, 20, 30] }).apply([
      deregister('t1'),
    ]);

    // Assess
    expect(outcome).toMatchObject({ status: 'failed', code: 'OperationPending' });
    expect(sd).toHaveReceivedCommandTimes(GetOperationCommand, 3);
    expect(timing.sleep.mock.calls.map(([ms]) => ms)).toEqual([10, 20, 30]);
  });

  test('operations of one batch are polled together; each ends on its own', async () => {
    // Prepare
    sd.on(RegisterInstanceCommand, { InstanceId: 'a' }).resolves({ OperationId: 'op-a' });
    sd.on(RegisterInstanceCommand, { InstanceId: 'b' }).resolves({ OperationId: 'op-b' });
    sd.on(GetOperationCommand, { OperationId: 'op-a' }).resolves(operation('SUCCESS'));
    sd.on(GetOperationCommand, { OperationId: 'op-b' })
      .resolvesOnce(operation('PENDING'))
      .resolves(operation('FAIL', { ErrorCode: 'THROTTLED_REQUEST', ErrorMessage: 'Route 53 throttled' }));

    // Act
    const outcomes = await new CloudMapWriter(client, { timing }).apply([register('a'), register('b')]);

    // Assess: two rounds (the first waits once for both), three GetOperation calls
    expect(outcomes.map((o) => [o.change.instance.instanceId, o.status, o.code])).toEqual([
      ['a', 'applied', undefined],
      ['b', 'rejected', 'THROTTLED_REQUEST'],
    ]);
    expect(sd).toHaveReceivedCommandTimes(GetOperationCommand, 3);
    expect(timing.sleep).toHaveBeenCalledTimes(2);
  });

  test('an unreadable operation is failed with the read error, not taken as a success', async () => {
    // Prepare
    sd.on(RegisterInstanceCommand).resolves({ OperationId: 'op-1' });
    sd.on(GetOperationCommand).rejects(
      Object.assign(new Error('no such operation'), { name: 'OperationNotFound', ...meta }),
    );

    // Act
    const [outcome] = await new CloudMapWriter(client, { timing }).apply([register('t1')]);

    // Assess
    expect(outcome).toMatchObject({ status: 'failed', code: 'OperationNotFound' });
    expect(outcome?.message).toContain('GetOperation op-1: no such operation');
  });

  test('no polling round starts that would wait past the deadline: the operation is failed as pending', async () => {
    // Prepare
    sd.on(RegisterInstanceCommand).resolves({ OperationId: 'op-1' });

    // Act
    const [outcome] = await withDeadline(Date.now() + 100, () =>
      new CloudMapWriter(client, { timing, pollDelaysMs: [5_000] }).apply([register('t1')]),
    );

    // Assess
    expect(outcome).toMatchObject({ status: 'failed', code: 'OperationPending' });
    expect(sd).toHaveReceivedCommandTimes(GetOperationCommand, 0);
  });

  test('a deregistration Cloud Map already did (InstanceNotFound) has no operation to follow', async () => {
    // Prepare
    sd.on(DeregisterInstanceCommand).rejects(new InstanceNotFound({ message: 'gone', ...meta }));

    // Act
    const [outcome] = await new CloudMapWriter(client, { timing }).apply([deregister('t1')]);

    // Assess
    expect(outcome?.status).toBe('applied');
    expect(sd).toHaveReceivedCommandTimes(GetOperationCommand, 0);
  });
});

describe('CloudMapReader', () => {
  test('retries a throttled ListInstances itself (its client makes one attempt per send)', async () => {
    // Prepare
    sd.on(ListInstancesCommand)
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'RequestLimitExceeded', ...meta }))
      .resolves({ Instances: [{ Id: 'a', Attributes: {} }] });

    // Act
    const all = await new CloudMapReader(client, { timing }).instances('srv-web');

    // Assess
    expect(all.map((i) => i.instanceId)).toEqual(['a']);
    expect(sd).toHaveReceivedCommandTimes(ListInstancesCommand, 2);
    expect(timing.sleep).toHaveBeenCalledTimes(1);
  });

  test('reads every page of ListInstances (100 per page)', async () => {
    // Prepare
    sd.on(ListInstancesCommand)
      .resolvesOnce({
        Instances: Array.from({ length: 100 }, (_, i) => ({ Id: `a${i}`, Attributes: {} })),
        NextToken: 'p2',
      })
      .resolvesOnce({ Instances: [{ Id: 'b0', Attributes: { k: 'v' } }] });

    // Act
    const all = await new CloudMapReader(client).instances('srv-web');

    // Assess
    expect(all).toHaveLength(101);
    expect(sd).toHaveReceivedNthCommandWith(2, ListInstancesCommand, {
      ServiceId: 'srv-web',
      MaxResults: 100,
      NextToken: 'p2',
    });
  });

  test('a read error is an AwsReadError naming the operation, never an empty list', async () => {
    // Prepare
    sd.on(ListInstancesCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException', ...meta }));

    // Act
    const read = new CloudMapReader(client).instances('srv-web');

    // Assess
    await expect(read).rejects.toBeInstanceOf(AwsReadError);
    await expect(read).rejects.toThrow('servicediscovery ListInstances failed: AccessDeniedException: denied');
  });
});
