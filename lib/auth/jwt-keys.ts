/**
 * The keys one `jwt` entry (lib/auth/jwt-config.ts) verifies with: its
 * shared secret, or its issuer's key set, fetched and kept by jose (the
 * standard JOSE library: it refetches the set for an unknown `kid` at most
 * once per cool-down, so a provider's key rotation is picked up without a
 * network call per request). With neither a `jwksUrl` nor a `secret`, the
 * set's URL comes from the issuer's OpenID discovery document, fetched on
 * the first token rather than at start, so mcpo starts while the provider
 * is down. A set that cannot be fetched makes the check answer 503
 * (lib/http/errors.ts), not 401: the token may well be good.
 */
import { createRemoteJWKSet, errors, type JWTVerifyGetKey } from 'jose';
import { UnavailableError } from '../http/errors.js';
import type { ResolvedJwtIssuer } from './jwt-config.js';

export interface KeyOptions {
  /** Least milliseconds between two fetches of a key set (jose's cool-down), and between retries after a failure. @default 30000 */
  cooldownDuration?: number;
  /** Milliseconds a fetch of a key set or a discovery document may take. @default 5000 */
  timeoutDuration?: number;
}

/** What a token is verified with: every kind of entry as a key lookup, so the verifier has one path. */
export type Keys = JWTVerifyGetKey;

function unavailable(entry: ResolvedJwtIssuer): UnavailableError {
  const whose = entry.issuer === undefined ? `of ${entry.where}` : `of ${entry.issuer}`;
  return new UnavailableError(`Cannot check the token now: the key set ${whose} could not be fetched; try again shortly`, 30);
}

/** The discovery document's `jwks_uri`, after checking the document is the issuer's own (OpenID Connect Discovery §4.3). */
async function discoverJwksUri(issuer: string, timeout: number): Promise<URL> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const res = await fetch(url, { signal: AbortSignal.timeout(timeout), redirect: 'manual', headers: { accept: 'application/json' } });
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  const doc = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
  if (doc.issuer !== issuer) throw new Error(`${url} names the issuer ${JSON.stringify(doc.issuer)}`);
  if (typeof doc.jwks_uri !== 'string' || !/^https?:/.test(doc.jwks_uri) || !URL.canParse(doc.jwks_uri)) throw new Error(`${url} has no http(s) jwks_uri`);
  return new URL(doc.jwks_uri);
}

/**
 * `getKey` whose failures to fetch become 503s, and which, after one, fails
 * at once until the cool-down has passed: jose would otherwise try the
 * network again for every token while the provider is down.
 */
function guarded(entry: ResolvedJwtIssuer, getKey: JWTVerifyGetKey, cooldown: number): JWTVerifyGetKey {
  let failedAt = -Infinity;
  return async (header, token) => {
    if (Date.now() - failedAt < cooldown) throw unavailable(entry);
    try {
      return await getKey(header, token);
    } catch (err) {
      // These are the token's fault (its kid or alg), not the set's.
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys || err instanceof errors.JOSENotSupported) throw err;
      failedAt = Date.now();
      throw unavailable(entry);
    }
  };
}

/** A key set found by discovery on first use; once found, it is kept and never looked up again. */
function discovered(issuer: string, jwksOptions: { cooldownDuration: number; timeoutDuration: number }): JWTVerifyGetKey {
  let found: Promise<JWTVerifyGetKey> | undefined;
  return async (header, token) => {
    found ??= discoverJwksUri(issuer, jwksOptions.timeoutDuration).then(
      (url) => createRemoteJWKSet(url, jwksOptions),
      (err: unknown) => {
        found = undefined;
        throw err;
      },
    );
    return (await found)(header, token);
  };
}

/** What `jwtVerify` checks `entry`'s tokens with. */
export function keysFor(entry: ResolvedJwtIssuer, options: KeyOptions = {}): Keys {
  const jwksOptions = { cooldownDuration: options.cooldownDuration ?? 30_000, timeoutDuration: options.timeoutDuration ?? 5_000 };
  switch (entry.keys.kind) {
    case 'secret': {
      const secret = new TextEncoder().encode(entry.keys.secret);
      return () => secret;
    }
    case 'jwks':
      return guarded(entry, createRemoteJWKSet(new URL(entry.keys.url), jwksOptions), jwksOptions.cooldownDuration);
    case 'discovery':
      return guarded(entry, discovered(entry.issuer!, jwksOptions), jwksOptions.cooldownDuration);
  }
}
