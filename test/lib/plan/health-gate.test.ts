import { taskSetIdentifier } from '../../../lib/domain/ownership';
import type { DnsRecord } from '../../../lib/domain/records';
import { type GatedHealth, healthKey, recordGroup } from '../../../lib/plan/health-gate';
import { planChanges, type Subjected, taskSubject } from '../../../lib/plan/plan';

/** The health gate inside planChanges: what is withdrawn, kept (fail-open) or held back (not yet healthy). */
const OWNER = 'o';
const ZONE = 'Z1';
const NAME = 'web.example.com.';
const GROUP = recordGroup(ZONE, NAME);
const a = (task: string, ip: string): DnsRecord => ({
  zoneId: ZONE,
  name: NAME,
  type: 'A',
  setIdentifier: taskSetIdentifier(OWNER, task),
  multiValue: true,
  ttl: 60,
  values: [ip],
});
const desired = (task: string, ip: string): Subjected<DnsRecord> => ({ ...a(task, ip), subject: taskSubject(task) });
const gates = (entries: [string, GatedHealth][]) =>
  new Map(entries.map(([task, g]) => [healthKey(taskSubject(task), GROUP), g]));
const actions = (plan: ReturnType<typeof planChanges>) =>
  plan.changes.map((c) => `${c.action} ${c.provider === 'route53' ? c.record.values?.[0] : ''}`).sort();

describe('planChanges with health gates', () => {
  test('an unhealthy registered task is withdrawn when another task of the batch stays healthy', () => {
    // Act
    const plan = planChanges({
      owner: OWNER,
      desired: {
        records: [desired('t1', '10.0.0.1'), desired('t2', '10.0.0.2')],
        instances: [],
        health: gates([['t1', 'unhealthy']]),
      },
      current: { records: [a('t1', '10.0.0.1'), a('t2', '10.0.0.2')], instances: [] },
    });

    // Assess
    expect(actions(plan)).toEqual(['DELETE 10.0.0.1']);
    expect(plan.health).toEqual({ withdrawn: [healthKey('task:t1', GROUP)], failOpen: [] });
  });

  test('a record the plan leaves alone (a task outside the batch) keeps the name served: the unhealthy one goes', () => {
    // Act
    const plan = planChanges({
      owner: OWNER,
      desired: { records: [desired('t1', '10.0.0.1')], instances: [], health: gates([['t1', 'unhealthy']]) },
      current: { records: [a('t1', '10.0.0.1'), a('t9', '10.0.0.9')], instances: [] },
      inScope: (s) => s === 'task:t1',
    });

    // Assess
    expect(actions(plan)).toEqual(['DELETE 10.0.0.1']);
  });

  test('fail-open: the last tasks of a name are kept when all are unhealthy, and a stopping task does not count', () => {
    // Act: t3 is stopping (in scope, not desired): it is withdrawn and cannot keep the name served.
    const plan = planChanges({
      owner: OWNER,
      desired: {
        records: [desired('t1', '10.0.0.1'), desired('t2', '10.0.0.2')],
        instances: [],
        health: gates([
          ['t1', 'unhealthy'],
          ['t2', 'unhealthy'],
        ]),
      },
      current: { records: [a('t1', '10.0.0.1'), a('t2', '10.0.0.2'), a('t3', '10.0.0.3')], instances: [] },
    });

    // Assess
    expect(actions(plan)).toEqual(['DELETE 10.0.0.3']);
    expect(plan.health).toEqual({ withdrawn: [], failOpen: [GROUP] });
  });

  test('not yet healthy: never created, never withdrawn; a newly healthy task lets an unhealthy one go in the same plan', () => {
    // Act
    const plan = planChanges({
      owner: OWNER,
      desired: {
        records: [
          desired('old', '10.0.0.1'),
          desired('waiting', '10.0.0.2'),
          desired('new', '10.0.0.3'),
          desired('sick', '10.0.0.4'),
        ],
        instances: [],
        health: gates([
          ['old', 'pending'],
          ['waiting', 'pending'],
          ['sick', 'unhealthy'],
        ]),
      },
      current: { records: [a('old', '10.0.0.1'), a('sick', '10.0.0.4')], instances: [] },
    });

    // Assess
    expect(actions(plan)).toEqual(['CREATE 10.0.0.3', 'DELETE 10.0.0.4']);
  });

  test('an unhealthy registration is withdrawn even for a subject the plan otherwise keeps as it is (incomplete)', () => {
    // Act: t1 is out of scope (as a task with a registration ECS gave no address for is), yet its unhealthy
    // registration at web goes; its record elsewhere stays.
    const elsewhere: DnsRecord = { ...a('t1', '10.0.0.1'), name: 'api.example.com.' };
    const plan = planChanges({
      owner: OWNER,
      desired: {
        records: [desired('t1', '10.0.0.1'), desired('t2', '10.0.0.2')],
        instances: [],
        health: gates([['t1', 'unhealthy']]),
      },
      current: { records: [a('t1', '10.0.0.1'), elsewhere, a('t2', '10.0.0.2')], instances: [] },
      inScope: (s) => s === 'task:t2',
    });

    // Assess
    expect(plan.changes.map((c) => `${c.action} ${c.provider === 'route53' ? c.record.name : ''}`)).toEqual([
      `DELETE ${NAME}`,
    ]);
    expect(plan.health?.withdrawn).toEqual([healthKey('task:t1', GROUP)]);
  });

  test('without gates the plan carries no health outcome', () => {
    // Act
    const plan = planChanges({
      owner: OWNER,
      desired: { records: [desired('t1', '10.0.0.1')], instances: [] },
      current: { records: [], instances: [] },
    });

    // Assess
    expect(plan.health).toBeUndefined();
    expect(actions(plan)).toEqual(['CREATE 10.0.0.1']);
  });
});
