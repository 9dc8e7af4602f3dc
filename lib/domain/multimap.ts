/**
 * Appends `value` to the list kept under `key`, creating it on first use. In place: copying the list on every append
 * (`[...(m.get(k) ?? []), v]`) is quadratic in the list's length, which a reconcile of a 40,000-record zone felt.
 */
export function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
