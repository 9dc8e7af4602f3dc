import fc from 'fast-check';
import {
  isOwnedInstance,
  OWNER_ATTRIBUTE,
  OWNER_ID_PATTERN,
  ownedTaskId,
  parseSetIdentifier,
  taskSetIdentifier,
} from '../../../lib/domain/ownership';

const TASK_ID = 'a1173316d40a45dea9b2c3d4e5f60718';

describe('set identifiers', () => {
  it('writes ecs-registrar:<owner>:<task id>', () => {
    // Act / Assess
    expect(taskSetIdentifier('prod-registrar', TASK_ID)).toBe(`ecs-registrar:prod-registrar:${TASK_ID}`);
  });

  it('round-trips every valid owner and task id, within the 128 characters Route 53 allows', () => {
    // Prepare
    const owner = fc.stringMatching(OWNER_ID_PATTERN);
    const taskId = fc.oneof(fc.stringMatching(/^[0-9a-f]{32}$/), fc.uuid());

    // Act / Assess
    fc.assert(
      fc.property(owner, taskId, (o, t) => {
        const id = taskSetIdentifier(o, t);
        expect(id.length).toBeLessThanOrEqual(128);
        expect(parseSetIdentifier(id)).toEqual({ owner: o, subject: t });
        expect(ownedTaskId(o, id)).toBe(t);
      }),
    );
  });

  it.each([
    ['another owner', `ecs-registrar:staging-registrar:${TASK_ID}`],
    ['an owner that is a prefix of ours', `ecs-registrar:prod:${TASK_ID}`],
    ['another tool', `external-dns:prod-registrar:${TASK_ID}`],
    ['a different case', `ECS-REGISTRAR:prod-registrar:${TASK_ID}`],
    ['a missing task id', 'ecs-registrar:prod-registrar:'],
    ['a missing owner', `ecs-registrar::${TASK_ID}`],
    ['two parts', 'ecs-registrar:prod-registrar'],
    ['four parts', `ecs-registrar:prod-registrar:${TASK_ID}:x`],
    ['a plain identifier', 'us-east-1a'],
    ['an empty identifier', ''],
    ['no identifier', undefined],
  ])('does not claim a record with %s', (_what, setIdentifier) => {
    // Act / Assess
    expect(ownedTaskId('prod-registrar', setIdentifier)).toBeUndefined();
  });

  it('parses a foreign registrar’s identifier without claiming it', () => {
    // Act / Assess
    expect(parseSetIdentifier(`ecs-registrar:staging:${TASK_ID}`)).toEqual({ owner: 'staging', subject: TASK_ID });
    expect(parseSetIdentifier('weighted-1')).toBeUndefined();
  });
});

describe('isOwnedInstance', () => {
  it('claims only instances marked with this owner', () => {
    // Act / Assess
    expect(isOwnedInstance('prod', { [OWNER_ATTRIBUTE]: 'prod', AWS_INSTANCE_IPV4: '10.0.0.1' })).toBe(true);
    expect(isOwnedInstance('prod', { [OWNER_ATTRIBUTE]: 'staging' })).toBe(false);
    expect(isOwnedInstance('prod', { ECS_CLUSTER_NAME: 'prod' })).toBe(false);
    expect(isOwnedInstance('prod', {})).toBe(false);
    expect(isOwnedInstance('prod', undefined)).toBe(false);
  });
});
