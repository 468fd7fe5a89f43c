/**
 * `authenticate()`: the middleware that turns a request's credential into
 * its Caller (lib/auth/caller.ts): a named API key (lib/auth/api-keys.ts)
 * or a JWT (lib/auth/jwt-verifier.ts), sent as `Authorization: Bearer …` or
 * as the password of HTTP Basic, read as lib/http/auth.ts reads its one key.
 *
 * A credential shaped like a JWT is checked as one when issuers are
 * configured, anything else as a key. A public request without a
 * credential passes with no caller; with one, the credential is checked all
 * the same, so what it sees can depend on who it is, and a wrong one is
 * refused rather than quietly ignored. Every 401 carries its challenges,
 * with `resource_metadata` (RFC 9728) when the app names the document, so
 * an MCP client can find where to sign in.
 */
import type { Request, RequestHandler } from 'express';
import { presentedCredential } from '../http/auth.js';
import { bearerChallenge, InvalidTokenError, UnauthorizedError } from '../http/errors.js';
import { apiKeyMatcher } from './api-keys.js';
import { JWT_SHAPE, type ResolvedAuth } from './auth-config.js';
import { setCaller, type Caller } from './caller.js';
import { jwtVerifier, type JwtVerifierOptions } from './jwt-verifier.js';

export interface AuthenticateOptions {
  auth: ResolvedAuth;
  /** Requests that pass without a credential. @default none */
  isPublic?: (req: Request) => boolean;
  /** Also offer Basic in `WWW-Authenticate`, so a browser prompts (for the key, as the password); a function chooses per request. @default false */
  basicChallenge?: boolean | ((req: Request) => boolean);
  /** The URL of the protected resource metadata for this request's endpoint, named in every Bearer challenge. */
  resourceMetadata?: (req: Request) => string | undefined;
  /** For tests and the library's own tuning, not a config key: the key sets' cool-down, the cache's size, a hook per signature check. */
  verifier?: JwtVerifierOptions;
}

const REALM = 'mcpo';
const BASIC = `Basic realm="${REALM}", charset="UTF-8"`;

/** The challenge lines for a request, built once for the usual cases; only a resource_metadata URL is put together per 401. */
function challenger(options: Readonly<AuthenticateOptions>) {
  const offer = options.basicChallenge;
  const withBasic = (req: Request, bearer: string): readonly string[] => ((typeof offer === 'function' ? offer(req) : offer) ? [bearer, BASIC] : [bearer]);
  const plain = bearerChallenge({ realm: REALM });
  const params = (req: Request): Record<string, string> => {
    const url = options.resourceMetadata?.(req);
    return url === undefined ? { realm: REALM } : { realm: REALM, resource_metadata: url };
  };
  return {
    missing: (req: Request) => withBasic(req, options.resourceMetadata ? bearerChallenge(params(req)) : plain),
    invalidToken: (req: Request, description: string) => withBasic(req, InvalidTokenError.challenge(description, params(req))),
  };
}

export function authenticate(options: Readonly<AuthenticateOptions>): RequestHandler {
  const { auth } = options;
  if (auth === undefined || (auth.keys.length === 0 && auth.jwt.length === 0)) {
    throw new TypeError('authenticate: "auth" must name at least one key or JWT issuer (see resolveAuth)');
  }
  const isPublic = options.isPublic ?? (() => false);
  const matchKey = apiKeyMatcher(auth.keys);
  const keyCallers = new Map<string, Caller>(auth.keys.map((k) => [k.name, Object.freeze({ id: k.name, groups: k.groups, via: 'key' as const })]));
  const verifyToken = auth.jwt.length > 0 ? jwtVerifier(auth.jwt, options.verifier) : undefined;
  const challenges = challenger(options);
  const missing = auth.keys.length > 0 ? 'Missing API key; send the header "Authorization: Bearer <key>"' : 'Missing token; send the header "Authorization: Bearer <token>"';

  return function authenticateRequest(req, _res, next) {
    const credential = presentedCredential(req.headers.authorization);
    if (credential === undefined) {
      if (isPublic(req)) return next();
      return next(new UnauthorizedError(missing, challenges.missing(req)));
    }
    if (verifyToken !== undefined && (JWT_SHAPE.test(credential) || auth.keys.length === 0)) {
      verifyToken(credential).then(
        (caller) => {
          setCaller(req, caller);
          next();
        },
        (err: unknown) => next(err instanceof InvalidTokenError ? new InvalidTokenError(err.description, challenges.invalidToken(req, err.description)) : err),
      );
      return;
    }
    const match = matchKey(credential);
    if (match === undefined) return next(new UnauthorizedError('Invalid API key', challenges.missing(req)));
    setCaller(req, keyCallers.get(match.name)!);
    next();
  };
}
