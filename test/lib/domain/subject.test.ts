import {
  clusterOfSubject,
  isServiceSubject,
  isTaskSubject,
  parseSubject,
  serviceSubject,
  taskIdOfSubject,
  taskSubject,
} from '../../../lib/domain/subject';

describe('Subject codec', () => {
  test('task and service subjects round-trip through parseSubject', () => {
    // Prepare
    const task = taskSubject('0123456789abcdef0123456789abcdef');
    const service = serviceSubject({ clusterName: 'prod', serviceName: 'web-api' });

    // Act / Assess
    expect(task).toBe('task:0123456789abcdef0123456789abcdef');
    expect(service).toBe('service:prod/web-api');
    expect(parseSubject(task)).toEqual({ kind: 'task', taskId: '0123456789abcdef0123456789abcdef' });
    expect(parseSubject(service)).toEqual({ kind: 'service', cluster: 'prod', service: 'web-api' });
    expect(isTaskSubject(task) && !isServiceSubject(task)).toBe(true);
    expect(isServiceSubject(service) && !isTaskSubject(service)).toBe(true);
  });

  test('only a task subject has a task id; only a service subject names a cluster', () => {
    expect(taskIdOfSubject('task:abc')).toBe('abc');
    expect(taskIdOfSubject('service:prod/web')).toBeUndefined();
    expect(clusterOfSubject('service:prod/web')).toBe('prod');
    expect(clusterOfSubject('task:abc')).toBeUndefined();
  });

  test.each([
    ['', 'empty'],
    ['tasks:abc', 'another prefix'],
    ['service:prod', 'no slash'],
    ['service:/web', 'no cluster'],
    ['service:prod/', 'no service'],
    ['task:', 'no task id'],
  ])('%j (%s) is not a subject', (raw) => {
    expect(parseSubject(raw)).toBeUndefined();
  });
});
