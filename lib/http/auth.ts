/**
 * `apiKeyAuth()`: one shared API key, sent as `Authorization: Bearer <key>`
 * or as the password of HTTP Basic (any user name), as the original accepts.
 *
 * Keys are compared in constant time: both sides are hashed to a fixed
 * length first, so neither the content nor the length of the key leaks
 * through timing. Which requests are public is the caller's decision
 * (`isPublic`); this module only checks credentials.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { UnauthorizedError } from './errors.js';

export interface ApiKeyAuthOptions {
  /** The key every protected request must carry. */
  apiKey: string;
  /** Requests that pass without a key. @default none */
  isPublic?: (req: Request) => boolean;
  /**
   * Also offer Basic in `WWW-Authenticate`, so a browser opening a protected
   * docs page prompts for the key (as the password); a function chooses
   * per request. @default false
   */
  basicChallenge?: boolean | ((req: Request) => boolean);
}

/** A key as compared: its sha256, so the comparison takes as long whatever the key's length. */
export function keyDigest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** The credential of an `Authorization` header: a Bearer token, or Basic's password; undefined when absent or unreadable. */
export function presentedCredential(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const space = header.indexOf(' ');
  if (space === -1) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') return value || undefined;
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon === -1 ? undefined : decoded.slice(colon + 1);
  }
  return undefined;
}

export function apiKeyAuth(options: Readonly<ApiKeyAuthOptions>): RequestHandler {
  if (typeof options.apiKey !== 'string' || options.apiKey === '') {
    throw new TypeError('apiKeyAuth: "apiKey" must be a non-empty string');
  }
  const expected = keyDigest(options.apiKey);
  const isPublic = options.isPublic ?? (() => false);
  const withBasic = ['Bearer realm="mcpo"', 'Basic realm="mcpo", charset="UTF-8"'];
  const bearerOnly = ['Bearer realm="mcpo"'];
  const offer = options.basicChallenge;
  const challengeFor = (req: Request): string[] => ((typeof offer === 'function' ? offer(req) : offer) ? withBasic : bearerOnly);

  return function checkApiKey(req, _res, next) {
    if (isPublic(req)) return next();
    const key = presentedCredential(req.headers.authorization);
    if (key === undefined) {
      return next(new UnauthorizedError('Missing API key; send the header "Authorization: Bearer <key>"', challengeFor(req)));
    }
    if (!timingSafeEqual(keyDigest(key), expected)) return next(new UnauthorizedError('Invalid API key', challengeFor(req)));
    next();
  };
}
