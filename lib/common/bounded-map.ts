/**
 * A Map kept to a number of entries, the oldest dropped first: a Map
 * iterates in insertion order, so its first key is the one set longest ago.
 * For caches a stream of distinct keys (tokens, callers) must not grow.
 */

/** Sets `key` as the newest entry of `map`, first dropping the oldest while it holds `limit` or more. */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, limit: number): void {
  map.delete(key);
  while (map.size > 0 && map.size >= limit) map.delete(map.keys().next().value as K);
  map.set(key, value);
}
