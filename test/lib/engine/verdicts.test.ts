import { groupBy, writeVerdict } from '../../../lib/engine/verdicts';

const change = (status: string, extra: Record<string, string> = {}) => ({
  action: 'CREATE',
  detail: 'A web.example.com.',
  status,
  ...extra,
});

describe('writeVerdict: one rule for tasks and services', () => {
  test('a failed or rejected change retries, naming each bad change with its code', () => {
    // Act
    const v = writeVerdict(
      [change('applied'), change('rejected', { code: 'InvalidChangeBatch', message: 'exists' }), change('failed')],
      [{ key: 'k', reason: 'owned by someone else' }],
    );

    // Assess: the retry wins over the conflict (the conflict is reported again on the next attempt)
    expect(v).toEqual({
      status: 'retry',
      reason: 'CREATE A web.example.com.: rejected (InvalidChangeBatch exists); CREATE A web.example.com.: failed ( )',
    });
  });

  test('a conflict without a bad change is a conflict; a write is applied; nothing is unchanged', () => {
    expect(writeVerdict([change('applied')], [{ key: 'k', reason: 'held by service:prod/a' }])).toEqual({
      status: 'conflict',
      reason: 'k: held by service:prod/a',
    });
    expect(writeVerdict([change('applied')], [])).toEqual({ status: 'applied' });
    expect(writeVerdict([change('planned')], [])).toEqual({ status: 'applied' });
    expect(writeVerdict([], [])).toEqual({ status: 'unchanged' });
  });
});

test('groupBy keeps first-appearance order of keys and of items', () => {
  const g = groupBy(['b1', 'a1', 'b2', 'c1', 'a2'], (s) => s[0]!);
  expect([...g]).toEqual([
    ['b', ['b1', 'b2']],
    ['a', ['a1', 'a2']],
    ['c', ['c1']],
  ]);
});
