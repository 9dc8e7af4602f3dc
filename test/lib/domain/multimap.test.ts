import { pushTo } from '../../../lib/domain/multimap';

test('pushTo appends in place under each key, creating the list on first use', () => {
  // Prepare
  const byZone = new Map<string, number[]>();

  // Act
  pushTo(byZone, 'Z1', 1);
  const first = byZone.get('Z1');
  pushTo(byZone, 'Z1', 2);
  pushTo(byZone, 'Z2', 3);

  // Assess: the same array grows (no copy per append), keys stay apart
  expect(byZone.get('Z1')).toBe(first);
  expect(byZone.get('Z1')).toEqual([1, 2]);
  expect(byZone.get('Z2')).toEqual([3]);
});
