/**
 * JWT verification: a bearer token → the Caller it vouches for, or an
 * InvalidTokenError (lib/http/errors.ts) naming the check that failed.
 *
 * jose does the checking (signature, algorithm, `exp`/`nbf`, `iss`, `aud`):
 * it is the standard JOSE library, and a hand-rolled JWT check is where
 * verifiers go wrong. A token goes to the `jwt` entry (lib/auth/jwt-config.ts)
 * for its unverified `iss`, else to the secret entries that name no issuer;
 * the entry's keys come from lib/auth/jwt-keys.ts. Verified tokens are kept
 * in lib/auth/token-cache.ts until they expire, so a repeated token costs a
 * hash, not a signature check.
 */
import { createHash } from 'node:crypto';
import { decodeJwt, errors, jwtVerify, type JWTPayload } from 'jose';
import { InvalidTokenError } from '../http/errors.js';
import type { Caller } from './caller.js';
import type { ResolvedJwtIssuer } from './jwt-config.js';
import { keysFor, type KeyOptions, type Keys } from './jwt-keys.js';
import { TokenCache } from './token-cache.js';

export interface JwtVerifierOptions extends KeyOptions {
  /** Verified tokens kept at most. @default 10000 */
  cacheSize?: number;
  /** Called after each signature check that passed (not for a token served from the cache). */
  onVerified?: (caller: Caller) => void;
}

/** The caller a token vouches for; rejects with InvalidTokenError, or a 503 when the issuer's keys cannot be fetched. */
export type VerifyToken = (token: string) => Promise<Caller>;

interface Verifier {
  readonly entry: ResolvedJwtIssuer;
  readonly keys: Keys;
  readonly options: { issuer?: string; audience?: string | string[]; algorithms: string[]; clockTolerance: number };
}

/** What failed, in words fit for error_description: jose's own messages are not, and some quote claim values. */
function describe(err: unknown): string | undefined {
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'nbf':
        return 'token not yet valid';
      case 'iat':
        return 'token issued in the future';
      case 'iss':
        return 'issuer mismatch';
      case 'aud':
        return 'audience mismatch';
      default:
        return `${err.claim} claim check failed`;
    }
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'signature verification failed';
  if (err instanceof errors.JWKSNoMatchingKey) return 'no key of the issuer matches the token';
  if (err instanceof errors.JWKSMultipleMatchingKeys) return 'several keys of the issuer match the token; it needs a kid';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'signing algorithm not allowed';
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid || err instanceof errors.JOSENotSupported) return 'malformed token';
  return undefined;
}

const KEY_FAILURES = ['signature verification failed', 'signing algorithm not allowed', 'no key of the issuer matches the token'];

/** A claim by name, or by a dotted path into nested objects (Keycloak's `realm_access.roles`) when no claim has the whole name. */
function claimAt(payload: JWTPayload, name: string): unknown {
  if (name in payload || !name.includes('.')) return payload[name];
  let value: unknown = payload;
  for (const part of name.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function callerFrom(payload: JWTPayload, claims: ResolvedJwtIssuer['claims']): Caller {
  const id = claimAt(payload, claims.id);
  const idText = typeof id === 'string' ? id : typeof id === 'number' && Number.isFinite(id) ? String(id) : '';
  if (idText === '') throw new InvalidTokenError(`no ${claims.id} claim`);
  const name = claimAt(payload, claims.name);
  const email = claimAt(payload, claims.email);
  const groups = claimAt(payload, claims.groups);
  const groupList = typeof groups === 'string' ? [groups] : Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : [];
  return Object.freeze({
    id: idText,
    ...(typeof name === 'string' ? { name } : {}),
    ...(typeof email === 'string' ? { email } : {}),
    groups: Object.freeze(groupList),
    via: 'jwt' as const,
    claims: Object.freeze({ ...payload }),
  });
}

async function verifyWith(verifier: Verifier, token: string): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, verifier.keys, verifier.options);
  return payload;
}

/** The first verifier that accepts `token`; when none does, the most telling failure (a bad signature only when nothing else failed). */
async function firstAccepting(candidates: readonly Verifier[], token: string): Promise<{ payload: JWTPayload; verifier: Verifier }> {
  let failure: unknown;
  for (const verifier of candidates) {
    try {
      return { payload: await verifyWith(verifier, token), verifier };
    } catch (err) {
      if (describe(err) === undefined) throw err;
      const signature = (e: unknown): boolean => e instanceof errors.JWSSignatureVerificationFailed;
      if (failure === undefined || (signature(failure) && !signature(err))) failure = err;
    }
  }
  throw new InvalidTokenError(describe(failure) ?? 'unknown issuer');
}

/** A verifier for the tokens of `entries`, with one key source and one cache for its life. */
export function jwtVerifier(entries: readonly ResolvedJwtIssuer[], options: JwtVerifierOptions = {}): VerifyToken {
  const verifiers: Verifier[] = entries.map((entry) => ({
    entry,
    keys: keysFor(entry, options),
    options: {
      ...(entry.issuer !== undefined ? { issuer: entry.issuer } : {}),
      ...(entry.audience !== undefined ? { audience: entry.audience as string | string[] } : {}),
      algorithms: [...entry.algorithms],
      clockTolerance: entry.clockTolerance,
    },
  }));
  const byIssuer = new Map(verifiers.filter((v) => v.entry.issuer !== undefined).map((v) => [v.entry.issuer!, [v]]));
  const anyIssuer = verifiers.filter((v) => v.entry.issuer === undefined);
  const cache = new TokenCache(options.cacheSize);

  return async function verifyToken(token) {
    const key = createHash('sha256').update(token, 'utf8').digest('base64url');
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    let claimed: JWTPayload;
    try {
      claimed = decodeJwt(token);
    } catch {
      throw new InvalidTokenError('malformed token');
    }
    const named = typeof claimed.iss === 'string' ? byIssuer.get(claimed.iss) : undefined;
    const candidates = named ?? anyIssuer;
    if (candidates.length === 0) throw new InvalidTokenError('unknown issuer');
    const { payload, verifier } = await firstAccepting(candidates, token).catch((err: unknown) => {
      // An outside issuer's token tried on the shared secret fails on its key; that it came from elsewhere is the news.
      const keyFailed = err instanceof InvalidTokenError && KEY_FAILURES.includes(err.description);
      throw named === undefined && claimed.iss !== undefined && keyFailed ? new InvalidTokenError('unknown issuer') : err;
    });
    const caller = callerFrom(payload, verifier.entry.claims);
    options.onVerified?.(caller);
    cache.set(key, caller, payload.exp);
    return caller;
  };
}
