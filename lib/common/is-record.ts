/**
 * `isRecord`: whether a value read from JSON (a config file, a server's
 * answer) is a plain object whose keys can be read, not null or an array.
 * Every check of untrusted shapes starts with it.
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
