/** Entries a `memoized` cache holds before it is emptied: 65,536. */
export const MEMO_LIMIT = 65_536;

/**
 * `compute(key)`, remembered in `cache`: for pure functions called per event over few distinct
 * keys (dates, rates). The cache is emptied when it reaches `MEMO_LIMIT` entries, so it stays
 * bounded whatever the input. Values must not be `undefined`.
 *
 * `memoized(cache, 3, (n) => n * n)` -> 9, computed once.
 */
export function memoized<K, V>(cache: Map<K, V>, key: K, compute: (key: K) => V): V {
  const known = cache.get(key);
  if (known !== undefined) return known;
  const value = compute(key);
  if (cache.size >= MEMO_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}
