/**
 * The `auth` config: named API keys and the JWT issuers whose tokens mcpo
 * accepts, checked once at start so a mistake stops mcpo with the path and
 * the fix instead of refusing callers later. The API key of `--api-key`
 * becomes one more key, named "default". The `jwt` entries are checked by
 * lib/auth/jwt-config.ts, the shared small checks (unknown keys with a
 * "did you mean") are lib/auth/config-check.ts.
 */
import { refuseUnknownKeys, stringList } from './config-check.js';
import { isRecord } from '../common/is-record.js';
import { checkJwtIssuers, type JwtIssuerConfig, type ResolvedJwtIssuer } from './jwt-config.js';

export type { JwtIssuerConfig, ResolvedJwtIssuer } from './jwt-config.js';

export interface AuthConfig {
  keys?: ApiKeyConfig[];
  jwt?: JwtIssuerConfig[];
}

export interface ApiKeyConfig {
  /** What the key is known by: in access lists and in the access log, where the key itself never goes. */
  name: string;
  key: string;
  groups?: string[];
}

export interface ResolvedApiKey {
  readonly name: string;
  readonly key: string;
  readonly groups: readonly string[];
}

export interface ResolvedAuth {
  readonly keys: readonly ResolvedApiKey[];
  readonly jwt: readonly ResolvedJwtIssuer[];
}

/** The name the `--api-key` key goes by. */
export const DEFAULT_KEY_NAME = 'default';

const TOP_KEYS = ['keys', 'jwt'];
const KEY_KEYS = ['name', 'key', 'groups'];
/** Three base64url parts joined by dots: what lib/auth/authenticate.ts takes for a JWT. */
export const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

function checkKey(entry: unknown, where: string): ResolvedApiKey {
  if (!isRecord(entry)) throw new TypeError(`${where} must be an object such as { "name": "ci", "key": "…" }`);
  refuseUnknownKeys(entry, KEY_KEYS, where);
  if (typeof entry.name !== 'string' || entry.name.trim() === '') {
    throw new TypeError(`${where}.name must be a non-empty string: the key is known by it in access lists and logs`);
  }
  if (typeof entry.key !== 'string' || entry.key.length < 1) throw new TypeError(`${where}.key must be a non-empty string`);
  const groups = entry.groups === undefined ? Object.freeze([]) : stringList(entry.groups, `${where}.groups`);
  return Object.freeze({ name: entry.name, key: entry.key, groups });
}

function checkKeys(value: unknown, apiKey: string | undefined, jwtToo: boolean, where: string): ResolvedApiKey[] {
  if (value !== undefined && !Array.isArray(value)) throw new TypeError(`${where} must be a list of { "name", "key", "groups" } objects`);
  const keys = (value ?? []).map((entry: unknown, i: number) => checkKey(entry, `${where}[${i}]`));
  const labels = keys.map((_, i) => `${where}[${i}]`);
  if (apiKey !== undefined) {
    const taken = keys.findIndex((key) => key.name === DEFAULT_KEY_NAME);
    if (taken !== -1) throw new TypeError(`${labels[taken]}.name is "${DEFAULT_KEY_NAME}", the name of the --api-key key (MCPO_API_KEY); rename it or drop --api-key`);
    keys.push(Object.freeze({ name: DEFAULT_KEY_NAME, key: apiKey, groups: Object.freeze([]) }));
    labels.push('--api-key (MCPO_API_KEY)');
  }
  const names = new Map<string, number>();
  const values = new Map<string, number>();
  keys.forEach((key, i) => {
    const sameName = names.get(key.name);
    if (sameName !== undefined) throw new TypeError(`${labels[i]}.name "${key.name}" is taken by ${labels[sameName]}; each key needs a name of its own`);
    names.set(key.name, i);
    const sameKey = values.get(key.key);
    // The key's value is never quoted back: a config error message may be pasted anywhere.
    if (sameKey !== undefined) throw new TypeError(`${labels[i]} has the same key as ${labels[sameKey]}; give each caller a key of its own, so the log and access lists can tell them apart`);
    values.set(key.key, i);
    if (jwtToo && JWT_SHAPE.test(key.key)) {
      throw new TypeError(`${labels[i]} has a key that looks like a JWT (three parts joined by dots), so it would be checked as a token; choose a key without dots`);
    }
  });
  return keys;
}

/**
 * `config` (the config file's `auth`) and `apiKey` (`--api-key`) checked and
 * filled in; undefined when they name neither a key nor an issuer, so that
 * mcpo asks no credentials. Throws a TypeError naming the path (`where`).
 */
export function resolveAuth(config: AuthConfig | undefined, apiKey?: string, where = 'auth'): ResolvedAuth | undefined {
  if (config !== undefined && !isRecord(config)) throw new TypeError(`${where} must be an object such as { "keys": [...], "jwt": [...] }`);
  const given: Record<string, unknown> = config ?? {};
  refuseUnknownKeys(given, TOP_KEYS, where);
  const jwt = given.jwt === undefined ? [] : checkJwtIssuers(given.jwt, `${where}.jwt`);
  const keys = checkKeys(given.keys, apiKey === '' ? undefined : apiKey, jwt.length > 0, `${where}.keys`);
  if (keys.length === 0 && jwt.length === 0) return undefined;
  return Object.freeze({ keys: Object.freeze(keys), jwt: Object.freeze(jwt) });
}
