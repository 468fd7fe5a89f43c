/**
 * Who is calling: the one identity a verified request carries, whether it
 * came from a named API key, a JWT or the embedding app's own sign-in, and
 * where a request keeps it. lib/auth/authenticate.ts sets it for the
 * command's app; a library user's `caller` option sets it for a router.
 * Everything that decides per caller (access, caller templates, the
 * per-user connections) reads it with `callerOf(req)`.
 */
import type { IncomingMessage } from 'node:http';

export interface Caller {
  /** The user's id (a JWT's `sub`, or the claim named for it), or a key's name. */
  readonly id: string;
  readonly name?: string;
  readonly email?: string;
  /** The groups the caller is in: a key's `groups`, a token's groups claim; none by default. */
  readonly groups: readonly string[];
  /** What vouched for the caller: a named API key, a verified JWT, or the app in front of mcpo. */
  readonly via: 'key' | 'jwt' | 'app';
  /** A JWT's claims as verified (never the token itself). */
  readonly claims?: Readonly<Record<string, unknown>>;
}

const callers = new WeakMap<IncomingMessage, Caller>();

/** The verified caller of `req`, or undefined when nobody vouched for one. */
export function callerOf(req: IncomingMessage): Caller | undefined {
  return callers.get(req);
}

/** Records the verified caller of `req`; the last one set wins. */
export function setCaller(req: IncomingMessage, caller: Caller): void {
  callers.set(req, caller);
}

/** A caller as an app hands it over: `via` is "app" and `groups` defaults to none; throws a TypeError for one without an id. */
export function appCaller(given: Partial<Caller> & { id: string }): Caller {
  if (typeof given?.id !== 'string' || given.id === '') throw new TypeError('the "caller" option must return undefined or an object with a non-empty string "id"');
  const groups = Array.isArray(given.groups) ? given.groups.filter((g): g is string => typeof g === 'string') : [];
  return Object.freeze({
    id: given.id,
    ...(typeof given.name === 'string' ? { name: given.name } : {}),
    ...(typeof given.email === 'string' ? { email: given.email } : {}),
    groups: Object.freeze(groups),
    via: 'app' as const,
    ...(given.claims !== undefined ? { claims: given.claims } : {}),
  });
}

/**
 * Who a rate limit counts (telemetry/rate-limits.ts): the verified caller
 * (by how they were vouched for and their id, so a key and a user of the
 * same name are two), else the client's address as Express sees it (its
 * `trust proxy` setting decides whether a proxy's `X-Forwarded-For` counts).
 */
export function limitKeyOf(req: IncomingMessage): string {
  const caller = callers.get(req);
  if (caller) return `${caller.via}:${caller.id}`;
  return `addr:${(req as IncomingMessage & { ip?: string }).ip ?? req.socket.remoteAddress ?? 'unknown'}`;
}
