import { clusterNameOf, parseEcsArn } from '../../../lib/events/arn';
import { InvalidEventError } from '../../../lib/events/errors';
import { thrownBy } from '../fixtures';

const errorOf = (fn: () => unknown) => thrownBy(InvalidEventError, fn);

describe('parseEcsArn', () => {
  it('reads the long task ARN format with its cluster', () => {
    // Prepare
    const arn = 'arn:aws:ecs:us-east-1:123456789012:task/prod/a1173316d40a45dea9b2c3d4e5f60718';

    // Act
    const parsed = parseEcsArn(arn, 'detail.taskArn', 'task');

    // Assess
    expect(parsed).toEqual({
      arn,
      partition: 'aws',
      region: 'us-east-1',
      account: '123456789012',
      resourceType: 'task',
      cluster: 'prod',
      id: 'a1173316d40a45dea9b2c3d4e5f60718',
    });
  });

  it('reads the old task ARN format, which carries no cluster', () => {
    // Prepare
    const arn = 'arn:aws:ecs:eu-west-1:123456789012:task/0f4e2a8b9c1d4e5f8a7b6c5d4e3f2a1b';

    // Act
    const parsed = parseEcsArn(arn, 'detail.taskArn', 'task');

    // Assess
    expect(parsed.cluster).toBeUndefined();
    expect(parsed.id).toBe('0f4e2a8b9c1d4e5f8a7b6c5d4e3f2a1b');
    expect(parsed.region).toBe('eu-west-1');
  });

  it('reads UUID-shaped task ids of the old format', () => {
    // Act
    const parsed = parseEcsArn(
      'arn:aws:ecs:us-east-1:123456789012:task/5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
      'detail.taskArn',
      'task',
    );

    // Assess
    expect(parsed.id).toBe('5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9');
  });

  it.each([
    ['aws-cn', 'arn:aws-cn:ecs:cn-north-1:123456789012:task/prod/a1173316d40a45dea9b2c3d4e5f60718'],
    ['aws-us-gov', 'arn:aws-us-gov:ecs:us-gov-west-1:123456789012:task/prod/a1173316d40a45dea9b2c3d4e5f60718'],
  ])('accepts the %s partition', (partition, arn) => {
    // Act
    const parsed = parseEcsArn(arn, 'detail.taskArn', 'task');

    // Assess
    expect(parsed.partition).toBe(partition);
    expect(parsed.cluster).toBe('prod');
  });

  it('reads both service ARN formats', () => {
    // Act
    const long = parseEcsArn('arn:aws:ecs:us-east-1:123456789012:service/prod/web-api', 'resources[0]', 'service');
    const old = parseEcsArn('arn:aws:ecs:us-east-1:123456789012:service/web-api', 'resources[0]', 'service');

    // Assess
    expect([long.cluster, long.id]).toEqual(['prod', 'web-api']);
    expect([old.cluster, old.id]).toEqual([undefined, 'web-api']);
  });

  it('reads cluster, task definition and container instance ARNs', () => {
    // Act
    const cluster = parseEcsArn('arn:aws:ecs:us-east-1:123456789012:cluster/prod', 'c', 'cluster');
    const taskDef = parseEcsArn('arn:aws:ecs:us-east-1:123456789012:task-definition/web-api:5', 't', 'task-definition');
    const instance = parseEcsArn(
      'arn:aws:ecs:us-east-1:123456789012:container-instance/prod/d1d84798400f49f3b21cb61610c1e3aa',
      'i',
      'container-instance',
    );

    // Assess
    expect(cluster.id).toBe('prod');
    expect(taskDef.id).toBe('web-api:5');
    expect([instance.cluster, instance.id]).toEqual(['prod', 'd1d84798400f49f3b21cb61610c1e3aa']);
  });

  it.each([
    ['undefined', undefined, /non-empty task ARN/],
    ['empty', '', /non-empty task ARN/],
    ['a number', 42, /non-empty task ARN/],
    ['not an ARN', 'a1173316d40a45dea9b2c3d4e5f60718', /is not an ECS ARN/],
    ['another service', 'arn:aws:ec2:us-east-1:123456789012:instance/i-0123', /is not an ECS ARN/],
    ['a short account', 'arn:aws:ecs:us-east-1:1234:task/prod/abc', /is not an ECS ARN/],
    ['a cluster ARN', 'arn:aws:ecs:us-east-1:123456789012:cluster/prod', /is a cluster ARN, expected a task ARN/],
    ['too many parts', 'arn:aws:ecs:us-east-1:123456789012:task/prod/x/abc', /task\/<id> or task\/<cluster>\/<id>/],
    ['an empty id', 'arn:aws:ecs:us-east-1:123456789012:task/prod/', /task\/<id> or task\/<cluster>\/<id>/],
    ['a bad id', 'arn:aws:ecs:us-east-1:123456789012:task/prod/abc$def', /task\/<id> or task\/<cluster>\/<id>/],
  ])('rejects %s where a task ARN belongs, naming the field', (_what, value, reason) => {
    // Act
    const err = errorOf(() => parseEcsArn(value, 'detail.taskArn', 'task'));

    // Assess
    expect(err.field).toBe('detail.taskArn');
    expect(err.reason).toMatch(reason);
    expect(err.message).toBe(`detail.taskArn: ${err.reason}`);
  });

  it('rejects a task definition ARN without a revision', () => {
    // Act
    const err = errorOf(() =>
      parseEcsArn(
        'arn:aws:ecs:us-east-1:123456789012:task-definition/web-api',
        'detail.taskDefinitionArn',
        'task-definition',
      ),
    );

    // Assess
    expect(err.field).toBe('detail.taskDefinitionArn');
    expect(err.reason).toMatch(/<family>:<revision>/);
  });

  it('rejects a cluster ARN with a path', () => {
    // Act
    const err = errorOf(() =>
      parseEcsArn('arn:aws:ecs:us-east-1:123456789012:cluster/prod/extra', 'detail.clusterArn', 'cluster'),
    );

    // Assess
    expect(err.field).toBe('detail.clusterArn');
    expect(err.reason).toMatch(/cluster\/<name>/);
  });

  it('truncates very long values in the reason', () => {
    // Act
    const err = errorOf(() => parseEcsArn(`not-an-arn-${'x'.repeat(500)}`, 'detail.taskArn', 'task'));

    // Assess
    expect(err.reason.length).toBeLessThan(200);
    expect(err.reason).toContain('...');
  });
});

describe('clusterNameOf', () => {
  it('returns a name unchanged and reduces an ARN to its name', () => {
    // Act / Assess
    expect(clusterNameOf('prod')).toBe('prod');
    expect(clusterNameOf('arn:aws:ecs:us-east-1:123456789012:cluster/prod')).toBe('prod');
  });
});
