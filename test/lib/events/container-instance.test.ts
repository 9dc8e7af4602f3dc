import { InvalidEventError } from '../../../lib/events/errors';
import { parseEvent } from '../../../lib/events/parse';
import { loadFixture, thrownBy } from '../fixtures';

/** `ECS Container Instance State Change` (issue 15: drain), from the event reference's shape (the pattern fixtures). */
describe('parseEvent: container instance state change', () => {
  it('reads a DRAINING instance: its ARN, cluster, Region, status, version and time', () => {
    // Act
    const parsed = parseEvent({
      id: 'm1',
      body: JSON.stringify(loadFixture('patterns/container-instance-draining.json')),
    });

    // Assess
    expect(parsed).toEqual({
      kind: 'instance',
      id: 'm1',
      fact: {
        containerInstanceArn:
          'arn:aws:ecs:us-east-1:123456789012:container-instance/prod/d1d84798400f49f3b21cb61610c1e3aa',
        clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod',
        clusterName: 'prod',
        region: 'us-east-1',
        status: 'DRAINING',
        version: 5,
        eventTime: '2025-05-06T11:05:12Z',
      },
    });
  });

  it('rejects an instance of another cluster than clusterArn and a missing status, naming the field', () => {
    // Prepare
    const other = loadFixture('patterns/container-instance-draining.json') as { detail: Record<string, unknown> };
    other.detail.clusterArn = 'arn:aws:ecs:us-east-1:123456789012:cluster/batch';
    const noStatus = loadFixture('patterns/container-instance-draining.json') as { detail: Record<string, unknown> };
    delete noStatus.detail.status;

    // Act
    const a = thrownBy(InvalidEventError, () => parseEvent({ id: 'a', body: other }));
    const b = thrownBy(InvalidEventError, () => parseEvent({ id: 'b', body: noStatus }));

    // Assess
    expect(a.field).toBe('detail.containerInstanceArn');
    expect(b.field).toBe('detail.status');
  });
});
