/**
 * The app's rate limits (telemetry/rate-limits.ts): the config's top-level
 * `rateLimit` per caller across all servers, and each server entry's own per
 * caller to that server. A router gets both as one limiter; the aggregate
 * MCP endpoint counts each call a request carries against the limits of
 * the server it is for (a tool's or prompt's prefixed name says which; a
 * resource read counts against the top-level limit only, its server being
 * known only once asked).
 */
import type { Request } from 'express';
import { limitKeyOf } from '../auth/caller.js';
import type { McpCall } from '../mcp-endpoint/http-endpoint.js';
import type { McpoMetrics } from '../telemetry/metrics.js';
import { bothLimits, rateLimiter, type CallLimiter, type RateLimit } from '../telemetry/rate-limits.js';

export interface AppLimits {
  /** The limiter of a server's router: its own limit and the top-level one; undefined when neither is set. */
  forServer(name: string, limit: RateLimit | undefined): CallLimiter | undefined;
  /** Counts an aggregate endpoint request's calls, given which server each is for. */
  limitCalls(req: Request, calls: readonly McpCall[], ownerOf: (call: McpCall) => string | undefined): Promise<void>;
  /** Whether any limit is set (so far: servers added by a reload may bring their own). */
  any(): boolean;
}

export interface AppLimitsOptions {
  /** The top-level limit. */
  global: RateLimit | undefined;
  /** The Redis client, when the state store is Redis: the counts are then shared by replicas. */
  redis: (() => Promise<unknown>) | undefined;
  metrics: McpoMetrics | undefined;
}

export function appLimits({ global, redis, metrics }: AppLimitsOptions): AppLimits {
  const shared = { ...(redis ? { redis } : {}), ...(metrics ? { onLimited: metrics.rateLimited } : {}) };
  const everywhere = global ? rateLimiter(global, { scope: 'global', ...shared }) : undefined;
  // One limiter per server and limit, kept across reloads that leave the limit as it was.
  const own = new Map<string, { limit: string; limiter: CallLimiter }>();
  const forServer = (name: string, limit: RateLimit | undefined): CallLimiter | undefined => {
    if (!limit) {
      // A reload took the server's own limit away: the aggregate endpoint forgets it too.
      own.delete(name);
      return everywhere;
    }
    const key = JSON.stringify(limit);
    let found = own.get(name);
    if (!found || found.limit !== key) own.set(name, (found = { limit: key, limiter: bothLimits(rateLimiter(limit, { scope: `server:${name}`, ...shared }), everywhere)! }));
    return found.limiter;
  };
  return {
    forServer,
    async limitCalls(req, calls, ownerOf) {
      const who = limitKeyOf(req);
      const counts = new Map<string | undefined, number>();
      for (const call of calls) {
        const owner = ownerOf(call);
        counts.set(owner, (counts.get(owner) ?? 0) + 1);
      }
      for (const [owner, count] of counts) {
        const limiter = owner === undefined ? everywhere : (own.get(owner)?.limiter ?? everywhere);
        await limiter?.take(who, count);
      }
    },
    any: () => everywhere !== undefined || own.size > 0,
  };
}
