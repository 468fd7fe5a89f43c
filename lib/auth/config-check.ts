/**
 * The small checks every part of the `auth` config shares (lib/auth/auth-config.ts,
 * lib/auth/jwt-config.ts, lib/auth/access.ts): unknown keys with a "did you mean"
 * from lib/common/suggest.ts, lists of names, URLs.
 */
import { didYouMean } from '../common/suggest.js';

/** Throws for the first key of `value` not in `known`, naming the nearest known one. */
export function refuseUnknownKeys(value: Record<string, unknown>, known: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new TypeError(`${where} has an unknown key "${key}"${didYouMean(key, known)}; it takes ${known.map((k) => `"${k}"`).join(', ')}`);
    }
  }
}

/** A list of non-empty strings, copied and frozen. */
export function stringList(value: unknown, where: string, example = '["admins"]'): readonly string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item === '')) {
    throw new TypeError(`${where} must be a list of non-empty strings such as ${example}, got ${JSON.stringify(value)}`);
  }
  return Object.freeze([...(value as string[])]);
}

/** An http: or https: URL, as given. */
export function httpUrl(value: unknown, where: string): string {
  if (typeof value !== 'string' || !URL.canParse(value)) {
    throw new TypeError(`${where} must be an absolute URL such as "https://id.example.com/realms/main", got ${JSON.stringify(value)}`);
  }
  const { protocol, hash } = new URL(value);
  if (protocol !== 'https:' && protocol !== 'http:') throw new TypeError(`${where} must be an http: or https: URL, got ${protocol}`);
  if (hash) throw new TypeError(`${where} may not have a #fragment`);
  return value;
}
