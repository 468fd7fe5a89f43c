/**
 * The `auth.jwt` entries: which issuers' tokens mcpo accepts, where their
 * keys come from (a JWKS URL, the issuer's OpenID discovery, or a shared
 * secret) and which claims name the caller. Checked strictly because a lax
 * verifier is a hole: key-set issuers must name the issuer and audience
 * they vouch for, and the algorithm family must match the key, which is
 * what stops a public key being used as an HMAC secret. Shared checks come
 * from lib/auth/config-check.ts.
 */
import { didYouMean } from '../common/suggest.js';
import { httpUrl, refuseUnknownKeys, stringList } from './config-check.js';
import { isRecord } from '../common/is-record.js';

export interface JwtIssuerConfig {
  /** The `iss` tokens carry; with neither `jwksUrl` nor `secret`, keys are found by OpenID discovery from it. */
  issuer?: string;
  audience?: string | string[];
  jwksUrl?: string;
  /** A shared HMAC secret (HS256…), as Open WebUI signs its own tokens. */
  secret?: string;
  algorithms?: string[];
  /** Seconds of clock skew allowed on `exp`, `nbf` and `iat`. @default 30 */
  clockTolerance?: number;
  /** The claims naming the caller. @default { id: "sub", name: "name", email: "email", groups: "groups" } */
  claims?: { id?: string; name?: string; email?: string; groups?: string };
}

/** Where an issuer's keys come from. */
export type KeySource = { kind: 'jwks'; url: string } | { kind: 'discovery' } | { kind: 'secret'; secret: string };

export interface ResolvedJwtIssuer {
  readonly issuer?: string;
  readonly audience?: string | readonly string[];
  readonly keys: KeySource;
  readonly algorithms: readonly string[];
  readonly clockTolerance: number;
  readonly claims: { readonly id: string; readonly name: string; readonly email: string; readonly groups: string };
  /** The entry's place in the config, for messages. */
  readonly where: string;
}

export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
export const SECRET_ALGORITHMS = ['HS256', 'HS384', 'HS512'];
const ENTRY_KEYS = ['issuer', 'audience', 'jwksUrl', 'secret', 'algorithms', 'clockTolerance', 'claims'];
const CLAIM_KEYS = ['id', 'name', 'email', 'groups'];
const DEFAULT_CLAIMS = { id: 'sub', name: 'name', email: 'email', groups: 'groups' };
/** An HMAC secret shorter than this can be guessed offline from any one token it signed. */
const MIN_SECRET_LENGTH = 16;

function keySource(entry: Record<string, unknown>, where: string): KeySource {
  const { jwksUrl, secret, issuer } = entry;
  if (jwksUrl !== undefined && secret !== undefined) {
    throw new TypeError(`${where} has both "jwksUrl" and "secret"; an issuer signs with a key set or with a shared secret, so keep one`);
  }
  if (jwksUrl !== undefined) return { kind: 'jwks', url: httpUrl(jwksUrl, `${where}.jwksUrl`) };
  if (secret !== undefined) {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
      throw new TypeError(`${where}.secret must be a string of at least ${MIN_SECRET_LENGTH} characters: a shorter one can be guessed offline from any token it signed`);
    }
    return { kind: 'secret', secret };
  }
  if (issuer === undefined) {
    throw new TypeError(`${where} needs "jwksUrl" (the issuer's key set), "secret" (a shared HMAC secret) or "issuer" alone (to find the key set by OpenID discovery)`);
  }
  return { kind: 'discovery' };
}

function audienceOf(value: unknown, where: string): string | readonly string[] | undefined {
  if (value === undefined || (typeof value === 'string' && value !== '')) return value;
  if (Array.isArray(value) && value.length > 0) return stringList(value, where, '["mcpo"]');
  throw new TypeError(`${where} must be a non-empty string or list of strings: the "aud" tokens meant for mcpo carry`);
}

function algorithmsOf(value: unknown, keys: KeySource, where: string): readonly string[] {
  const fit = keys.kind === 'secret' ? SECRET_ALGORITHMS : ASYMMETRIC_ALGORITHMS;
  if (value === undefined) return Object.freeze(keys.kind === 'secret' ? ['HS256'] : [...ASYMMETRIC_ALGORITHMS]);
  const algorithms = stringList(value, where, '["RS256"]');
  if (algorithms.length === 0) throw new TypeError(`${where} must name at least one algorithm`);
  for (const alg of algorithms) {
    if (fit.includes(alg)) continue;
    const other = keys.kind === 'secret' ? ASYMMETRIC_ALGORITHMS : SECRET_ALGORITHMS;
    const why = other.includes(alg)
      ? keys.kind === 'secret'
        ? `; a "secret" entry verifies HMAC (HS*) signatures only`
        : `; HMAC (HS*) needs a "secret", and allowing it with a key set would let a public key be used as an HMAC secret`
      : didYouMean(alg, fit);
    throw new TypeError(`${where} has "${alg}", which this entry cannot take${why}; it takes ${fit.join(', ')}`);
  }
  return algorithms;
}

function claimsOf(value: unknown, where: string): ResolvedJwtIssuer['claims'] {
  if (value === undefined) return Object.freeze({ ...DEFAULT_CLAIMS });
  if (!isRecord(value)) throw new TypeError(`${where} must be an object such as { "id": "sub", "groups": "groups" }`);
  refuseUnknownKeys(value, CLAIM_KEYS, where);
  for (const key of CLAIM_KEYS) {
    const name = value[key];
    if (name !== undefined && (typeof name !== 'string' || name === '')) throw new TypeError(`${where}.${key} must be the name of a claim, got ${JSON.stringify(name)}`);
  }
  return Object.freeze({ ...DEFAULT_CLAIMS, ...(value as Partial<typeof DEFAULT_CLAIMS>) });
}

function checkEntry(entry: unknown, where: string): ResolvedJwtIssuer {
  if (!isRecord(entry)) throw new TypeError(`${where} must be an object such as { "issuer": "https://id.example.com", "audience": "mcpo" }`);
  refuseUnknownKeys(entry, ENTRY_KEYS, where);
  const keys = keySource(entry, where);
  const issuer = entry.issuer === undefined ? undefined : httpUrl(entry.issuer, `${where}.issuer`);
  const audience = audienceOf(entry.audience, `${where}.audience`);
  if (keys.kind !== 'secret' && (issuer === undefined || audience === undefined)) {
    // Any token a public identity provider issues verifies against its key set: only iss and aud say it was meant for mcpo.
    throw new TypeError(`${where} needs both "issuer" and "audience": a key set verifies every token the provider issues, for any application, and these say which ones are meant for mcpo`);
  }
  const { clockTolerance = 30 } = entry;
  if (typeof clockTolerance !== 'number' || !Number.isFinite(clockTolerance) || clockTolerance < 0) {
    throw new TypeError(`${where}.clockTolerance must be a number of seconds, 0 or more, got ${JSON.stringify(clockTolerance)}`);
  }
  return Object.freeze({
    ...(issuer !== undefined ? { issuer } : {}),
    ...(audience !== undefined ? { audience } : {}),
    keys: Object.freeze(keys),
    algorithms: algorithmsOf(entry.algorithms, keys, `${where}.algorithms`),
    clockTolerance,
    claims: claimsOf(entry.claims, `${where}.claims`),
    where,
  });
}

/** The `jwt` list checked; throws a TypeError naming the entry's path. */
export function checkJwtIssuers(value: unknown, where: string): ResolvedJwtIssuer[] {
  if (!Array.isArray(value)) throw new TypeError(`${where} must be a list of issuers such as [{ "issuer": "https://id.example.com", "audience": "mcpo" }]`);
  const entries = value.map((entry: unknown, i: number) => checkEntry(entry, `${where}[${i}]`));
  const issuers = new Map<string, string>();
  for (const entry of entries) {
    if (entry.issuer === undefined) continue;
    const before = issuers.get(entry.issuer);
    // A token is routed by its iss; two entries for one issuer would leave it to chance which one checks it.
    if (before !== undefined) throw new TypeError(`${entry.where}.issuer is also ${before}.issuer; give one entry a list of audiences instead`);
    issuers.set(entry.issuer, entry.where);
  }
  return entries;
}
