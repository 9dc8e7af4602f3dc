import { registrationHealth } from '../../../lib/desired/health';
import { InvalidEventError } from '../../../lib/events/errors';
import { adoptEcsFact, parseTaskFact } from '../../../lib/events/task-fact';
import { eventFixture, loadFixture, thrownBy } from '../fixtures';

/**
 * Health transitions as ECS reports them (issue 15): the task state change event for a health change carries no
 * health (aws-facts.md §1.2), DescribeTasks does, per container. The registrar acts on DescribeTasks.
 */
const gate = { containerName: 'web', health: 'require-healthy' as const };
const checkedWeb = {
  containers: [
    { name: 'web', dockerLabels: {}, portMappings: [], hasHealthCheck: true },
    { name: 'log-router', dockerLabels: {}, portMappings: [] },
  ],
};

describe('health in ECS events and DescribeTasks', () => {
  it('reads each container health from DescribeTasks: web UNHEALTHY, the sidecar without a check UNKNOWN', () => {
    // Act
    const fact = parseTaskFact(loadFixture('events/describe-tasks-unhealthy.json'), 'api');

    // Assess
    expect(fact.containers.map((c) => [c.name, c.healthStatus])).toEqual([
      ['web', 'UNHEALTHY'],
      ['log-router', 'UNKNOWN'],
    ]);
    expect(registrationHealth(fact, checkedWeb, gate)).toBe('unhealthy');
    expect(registrationHealth(fact, checkedWeb, { ...gate, containerName: 'log-router' })).toBe('healthy');
  });

  it('the health-change event carries no health: alone it is "not yet healthy"; ECS\'s fact decides', () => {
    // Prepare
    const event = parseTaskFact(eventFixture('fargate-health-changed').detail, 'event');
    const truth = parseTaskFact(loadFixture('events/describe-tasks-unhealthy.json'), 'api');

    // Act
    const adopted = adoptEcsFact(truth, event);

    // Assess
    expect(event.containers.every((c) => c.healthStatus === undefined)).toBe(true);
    expect(registrationHealth(event, checkedWeb, gate)).toBe('pending');
    expect(registrationHealth(adopted, checkedWeb, gate)).toBe('unhealthy');
  });

  it('a health word ECS may add later counts as UNKNOWN; a non-string is rejected naming the field', () => {
    // Prepare
    const future = loadFixture('events/describe-tasks-unhealthy.json') as { containers: Record<string, unknown>[] };
    future.containers[0]!.healthStatus = 'DEGRADED';
    const broken = loadFixture('events/describe-tasks-unhealthy.json') as { containers: Record<string, unknown>[] };
    broken.containers[1]!.healthStatus = 7;

    // Act
    const fact = parseTaskFact(future, 'api');
    const err = thrownBy(InvalidEventError, () => parseTaskFact(broken, 'api', 'tasks[0]'));

    // Assess
    expect(fact.containers[0]?.healthStatus).toBe('UNKNOWN');
    expect(err.field).toBe('tasks[0].containers[1].healthStatus');
  });
});
