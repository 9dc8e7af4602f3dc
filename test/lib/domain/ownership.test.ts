import fc from 'fast-check';
import {
  isOwnedInstance,
  markIsAt,
  markRegion,
  OWNER_ATTRIBUTE,
  OWNER_ID_PATTERN,
  ownedTaskId,
  ownedTaskMark,
  parseSetIdentifier,
  taskSetIdentifier,
} from '../../../lib/domain/ownership';

const TASK_ID = 'a1173316d40a45dea9b2c3d4e5f60718';

const PROD = { region: 'us-east-1', cluster: 'prod' };

describe('set identifiers', () => {
  it('writes ecs-registrar:<owner>:<task id>:<region>/<cluster>', () => {
    // Act / Assess
    expect(taskSetIdentifier('prod-registrar', TASK_ID, PROD)).toBe(
      `ecs-registrar:prod-registrar:${TASK_ID}:us-east-1/prod`,
    );
  });

  it('round-trips every valid owner, task id and location within the 128 characters Route 53 allows', () => {
    // Prepare
    const owner = fc.stringMatching(OWNER_ID_PATTERN);
    const taskId = fc.oneof(fc.stringMatching(/^[0-9a-f]{32}$/), fc.uuid());
    const region = fc.constantFrom('us-east-1', 'eu-west-1', 'ap-southeast-5', 'us-gov-west-1', 'cn-north-1');
    const cluster = fc.stringMatching(/^[A-Za-z0-9_-]{1,255}$/);
    const otherCluster = fc.stringMatching(/^[A-Za-z0-9_-]{1,255}$/);

    // Act / Assess
    fc.assert(
      fc.property(owner, taskId, region, cluster, otherCluster, (o, t, r, c, other) => {
        const id = taskSetIdentifier(o, t, { region: r, cluster: c });
        expect(id.length).toBeLessThanOrEqual(128);
        const parsed = parseSetIdentifier(id)!;
        expect(parsed).toMatchObject({ owner: o, subject: t });
        expect(ownedTaskId(o, id)).toBe(t);
        expect(ownedTaskMark(o, id)?.taskId).toBe(t);
        // The mark always says where its task runs, whether plainly or as a hash
        expect(markIsAt(parsed.location, { region: r, cluster: c })).toBe(true);
        if (other !== c) expect(markIsAt(parsed.location, { region: r, cluster: other })).toBe(false);
        const readable = markRegion(parsed.location);
        if (readable !== undefined) expect(readable).toBe(r);
      }),
    );
  });

  it('hashes a cluster name too long to fit, and still matches it', () => {
    // Prepare
    const cluster = 'c'.repeat(100);

    // Act
    const id = taskSetIdentifier('prod-registrar', TASK_ID, { region: 'eu-west-1', cluster });
    const parsed = parseSetIdentifier(id)!;

    // Assess
    expect(id).toMatch(/^ecs-registrar:prod-registrar:[0-9a-f]{32}:eu-west-1\/~[0-9a-f]{10}$/);
    expect(markRegion(parsed.location)).toBe('eu-west-1');
    expect(markIsAt(parsed.location, { region: 'eu-west-1', cluster })).toBe(true);
    expect(markIsAt(parsed.location, { region: 'us-east-1', cluster })).toBe(false);
  });

  it('keeps a location even with the longest owner and a UUID-shaped task id', () => {
    // Prepare
    const owner = `o${'x'.repeat(63)}`;
    const uuid = '00000000-0000-1000-8000-000000000000';

    // Act
    const id = taskSetIdentifier(owner, uuid, { region: 'us-gov-west-1', cluster: 'c'.repeat(255) });

    // Assess
    expect(id.length).toBeLessThanOrEqual(128);
    expect(markIsAt(parseSetIdentifier(id)!.location, { region: 'us-gov-west-1', cluster: 'c'.repeat(255) })).toBe(
      true,
    );
  });

  it('reads a mark written before locations were recorded as owned, with an unknown location', () => {
    // Act
    const parsed = parseSetIdentifier(`ecs-registrar:prod-registrar:${TASK_ID}`)!;

    // Assess
    expect(parsed).toEqual({ owner: 'prod-registrar', subject: TASK_ID, location: { kind: 'unknown' } });
    expect(ownedTaskId('prod-registrar', `ecs-registrar:prod-registrar:${TASK_ID}`)).toBe(TASK_ID);
    expect(markIsAt(parsed.location, PROD)).toBeUndefined();
  });

  it.each([
    ['another owner', `ecs-registrar:staging-registrar:${TASK_ID}:us-east-1/prod`],
    ['an owner that is a prefix of ours', `ecs-registrar:prod:${TASK_ID}:us-east-1/prod`],
    ['another tool', `external-dns:prod-registrar:${TASK_ID}`],
    ['a different case', `ECS-REGISTRAR:prod-registrar:${TASK_ID}`],
    ['a missing task id', 'ecs-registrar:prod-registrar:'],
    ['a missing owner', `ecs-registrar::${TASK_ID}`],
    ['two parts', 'ecs-registrar:prod-registrar'],
    ['a fourth part that is no location', `ecs-registrar:prod-registrar:${TASK_ID}:x`],
    ['a location without a cluster', `ecs-registrar:prod-registrar:${TASK_ID}:us-east-1/`],
    ['a bad hash', `ecs-registrar:prod-registrar:${TASK_ID}:~xyz`],
    ['five parts', `ecs-registrar:prod-registrar:${TASK_ID}:us-east-1/prod:x`],
    ['a plain identifier', 'us-east-1a'],
    ['an empty identifier', ''],
    ['no identifier', undefined],
  ])('does not claim a record with %s', (_what, setIdentifier) => {
    // Act / Assess
    expect(ownedTaskId('prod-registrar', setIdentifier)).toBeUndefined();
  });

  it('parses a foreign registrar’s identifier without claiming it', () => {
    // Act / Assess
    expect(parseSetIdentifier(`ecs-registrar:staging:${TASK_ID}:us-east-1/prod`)).toEqual({
      owner: 'staging',
      subject: TASK_ID,
      location: { kind: 'plain', region: 'us-east-1', cluster: 'prod' },
    });
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

describe('parseSetIdentifier, memoised', () => {
  test('a repeated identifier parses to the same frozen value; a caller cannot change what another reads', () => {
    // Prepare
    const id = 'ecs-registrar:stack:0123456789abcdef0123456789abcdef:us-east-1/prod';

    // Act
    const a = parseSetIdentifier(id);
    const b = parseSetIdentifier(id);

    // Assess
    expect(a).toEqual({
      owner: 'stack',
      subject: '0123456789abcdef0123456789abcdef',
      location: { kind: 'plain', region: 'us-east-1', cluster: 'prod' },
    });
    expect(b).toBe(a);
    expect(Object.isFrozen(a) && Object.isFrozen(a?.location)).toBe(true);
    expect(parseSetIdentifier('ecs-registrar:stack')).toBeUndefined();
    expect(parseSetIdentifier('ecs-registrar:stack')).toBeUndefined();
  });
});
