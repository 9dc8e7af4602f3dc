import {
  ClusterNotFoundException,
  DescribeServicesCommand,
  type DescribeServicesCommandInput,
  ECSClient,
  ListServicesCommand,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { EcsServiceReader } from '../../../lib/aws/ecs-service-reader';
import { AwsReadError } from '../../../lib/aws/errors';

const ecs = mockClient(ECSClient);
const client = new ECSClient({ region: 'us-east-1' });
const arn = (cluster: string, name: string) => `arn:aws:ecs:us-east-1:123456789012:service/${cluster}/${name}`;

beforeEach(() => ecs.reset());

describe('EcsServiceReader.describeServices', () => {
  test('asks with include TAGS, at most 10 services a call; unknown services come back as missing', async () => {
    // Prepare: 12 names, of which "s11" does not exist
    ecs.on(DescribeServicesCommand).callsFake(async (input: DescribeServicesCommandInput) => ({
      services: (input.services ?? [])
        .filter((n) => n !== 's11')
        .map((n) => ({
          serviceArn: arn('prod', n),
          serviceName: n,
          clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod',
          status: 'ACTIVE',
          tags: [{ key: 'ecs-registrar:alias', value: n }],
          loadBalancers: [{ targetGroupArn: `tg-${n}`, containerName: 'web', containerPort: 80 }],
        })),
      failures: (input.services ?? [])
        .filter((n) => n === 's11')
        .map((n) => ({ arn: arn('prod', n), reason: 'MISSING' })),
    }));
    const names = Array.from({ length: 12 }, (_, i) => `s${i}`);

    // Act
    const out = await new EcsServiceReader(client).describeServices('prod', names);

    // Assess
    expect(ecs.commandCalls(DescribeServicesCommand).map((c) => c.args[0].input.services!.length)).toEqual([10, 2]);
    expect(ecs).toHaveReceivedCommandWith(DescribeServicesCommand, { cluster: 'prod', include: ['TAGS'] });
    expect(out.missing).toEqual(['s11']);
    expect(out.services).toHaveLength(11);
    expect(out.services[0]).toEqual({
      serviceArn: arn('prod', 's0'),
      serviceName: 's0',
      clusterName: 'prod',
      status: 'ACTIVE',
      tags: { 'ecs-registrar:alias': 's0' },
      loadBalancers: [{ targetGroupArn: 'tg-s0', loadBalancerName: undefined }],
    });
  });

  test('a response without a tags field leaves tags unknown (undefined), not empty', async () => {
    // Prepare
    ecs.on(DescribeServicesCommand).resolves({ services: [{ serviceName: 'web', status: 'DRAINING' }] });

    // Act
    const out = await new EcsServiceReader(client).describeServices('arn:aws:ecs:us-east-1:123456789012:cluster/prod', [
      'web',
    ]);

    // Assess
    expect(out.services).toEqual([
      {
        serviceName: 'web',
        clusterName: 'prod',
        status: 'DRAINING',
        tags: undefined,
        loadBalancers: [],
        serviceArn: undefined,
      },
    ]);
  });

  test('a deleted cluster means its services are gone (missing), not a failed read', async () => {
    // Prepare
    ecs
      .on(DescribeServicesCommand)
      .rejects(new ClusterNotFoundException({ $metadata: {}, message: 'Cluster not found.' }));

    // Act
    const out = await new EcsServiceReader(client).describeServices('gone', ['a', 'b']);

    // Assess
    expect(out).toEqual({ services: [], missing: ['a', 'b'] });
  });

  test('any other error is a failed read', async () => {
    // Prepare
    ecs.on(DescribeServicesCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    // Act
    const err = await new EcsServiceReader(client).describeServices('prod', ['a']).catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(AwsReadError);
    expect((err as AwsReadError).retryable).toBe(true);
  });
});

describe('EcsServiceReader.listServiceNames', () => {
  test('follows every page, 100 at a time, and returns names from both ARN formats', async () => {
    // Prepare
    ecs
      .on(ListServicesCommand)
      .resolvesOnce({ serviceArns: [arn('prod', 'a')], nextToken: 't1' })
      .resolvesOnce({ serviceArns: ['arn:aws:ecs:us-east-1:123456789012:service/b'] });

    // Act
    const names = await new EcsServiceReader(client).listServiceNames('prod');

    // Assess
    expect(names).toEqual(['a', 'b']);
    expect(ecs).toHaveReceivedNthCommandWith(1, ListServicesCommand, { cluster: 'prod', maxResults: 100 });
    expect(ecs).toHaveReceivedNthCommandWith(2, ListServicesCommand, { nextToken: 't1' });
  });
});
