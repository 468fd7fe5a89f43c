/**
 * Rate limits on calls, with `rate-limiter-flexible`: `{ perMinute, burst }`
 * per caller (a key's name, a user's id, or the client's address when nobody
 * signed in), for the whole config or one server. A caller over their limit
 * gets 429 with `Retry-After`; nobody else notices.
 *
 * `perMinute` is the sustained rate and `burst` the most calls taken at
 * once after a quiet spell; they become `burst` calls per window of
 * `burst × 60 / perMinute` seconds (with burst = perMinute: perMinute calls
 * per minute, the 6th of `{ perMinute: 5 }` refused).
 *
 * Counted in Redis when the state store is Redis, so every replica shares
 * one count; in the process otherwise (each replica then allows the full
 * rate). While Redis cannot be reached, each process counts on its own
 * rather than refusing every call or none. The library is loaded on the
 * first call that is counted: an app without limits never loads it.
 */
import { createHash } from 'node:crypto';
import { McpoError } from '../http/errors.js';

export interface RateLimit {
  /** Calls per minute, sustained. */
  perMinute: number;
  /** Calls that may come at once after a quiet spell. @default perMinute */
  burst?: number;
}

export interface CallLimiter {
  /** Counts `points` calls of `who`; rejects with a RateLimitedError (429) over the limit. */
  take(who: string, points?: number): Promise<void>;
}

export interface LimiterOptions {
  /** The `scope` label and the policy's name: `global`, or `server:<name>`. */
  scope: string;
  /** The Redis client to count in, once connected (state/redis-store.ts); without it, this process counts. */
  redis?: () => Promise<unknown>;
  /** Told of every refusal. */
  onLimited?: (scope: string) => void;
}

/** The limit as a config or option gives it, checked; a TypeError naming the fix otherwise. */
export function checkRateLimit(value: unknown, where: string): RateLimit {
  const shape = `${where}: "rateLimit" must be { "perMinute": N, "burst": M } with whole numbers N, M ≥ 1`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(shape);
  const { perMinute, burst, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new TypeError(`${where}: "rateLimit" has unknown key "${unknown[0]}" (it takes perMinute and burst)`);
  const whole = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 1_000_000;
  if (!whole(perMinute) || (burst !== undefined && !whole(burst))) throw new TypeError(shape);
  return { perMinute, ...(burst !== undefined ? { burst } : {}) };
}

/**
 * A caller over a rate limit: `Retry-After` says when the next call would be
 * taken, and the IETF `RateLimit-Policy` / `RateLimit` fields name the limit
 * (quota `q` per window `w` seconds) and what is left of it (`r`, reset in `t` seconds).
 */
export class RateLimitedError extends McpoError {
  constructor(message: string, retryAfterSeconds: number, policy: { name: string; quota: number; windowSeconds: number }) {
    const name = `"${policy.name.replace(/["\\]/g, '')}"`;
    super(message, 429, 'rate_limited', { retryAfter: retryAfterSeconds }, {
      'Retry-After': String(retryAfterSeconds),
      'RateLimit-Policy': `${name};q=${policy.quota};w=${policy.windowSeconds}`,
      RateLimit: `${name};r=0;t=${retryAfterSeconds}`,
    });
  }
}

type Flexible = typeof import('rate-limiter-flexible');
type Limiter = InstanceType<Flexible['RateLimiterMemory']>;

export function rateLimiter(limit: RateLimit, options: LimiterOptions): CallLimiter {
  const quota = limit.burst ?? limit.perMinute;
  const windowSeconds = Math.max(1, Math.round((quota * 60) / limit.perMinute));
  const policy = { name: options.scope, quota, windowSeconds };
  let limiter: Promise<Limiter> | undefined;
  const build = async (): Promise<Limiter> => {
    const flexible = await import('rate-limiter-flexible');
    // Keys hold hashes, as the state store's do: no server name, user id or address in Redis in the clear.
    const settings = { points: quota, duration: windowSeconds, keyPrefix: `mcpo:rate:${hashed(options.scope)}` };
    const local = new flexible.RateLimiterMemory(settings);
    if (!options.redis) return local;
    const client = await options.redis().catch(() => undefined);
    if (!client) return local;
    // The same count in Redis for every replica; this process's own while Redis is away.
    return new flexible.RateLimiterRedis({ ...settings, storeClient: client, useRedisPackage: true, insuranceLimiter: local, rejectIfRedisNotReady: true }) as unknown as Limiter;
  };
  return {
    async take(who, points = 1) {
      try {
        await (await (limiter ??= build())).consume(hashed(who), points);
      } catch (refused) {
        if (refused instanceof Error) throw refused;
        const retryAfter = Math.max(1, Math.ceil(((refused as { msBeforeNext?: number }).msBeforeNext ?? 1000) / 1000));
        options.onLimited?.(options.scope);
        throw new RateLimitedError(`Rate limit reached (${quota} calls per ${windowSeconds} s for ${options.scope === 'global' ? 'each caller' : `each caller of ${options.scope.slice('server:'.length)}`}); try again in ${retryAfter} s`, retryAfter, policy);
      }
    },
  };
}

const hashed = (text: string): string => createHash('sha256').update(text).digest('base64url').slice(0, 22);

/** Both limits, the narrower first: a call must pass each. */
export function bothLimits(server: CallLimiter | undefined, global: CallLimiter | undefined): CallLimiter | undefined {
  if (!server || !global) return server ?? global;
  return {
    async take(who, points) {
      await server.take(who, points);
      await global.take(who, points);
    },
  };
}
