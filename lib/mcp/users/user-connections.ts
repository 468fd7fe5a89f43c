/**
 * The connections of a server that runs each caller's calls on a connection
 * of their own: one whose `env` or `headers` take values from the caller's
 * request (caller-templates.ts), or whose OAuth sign-in is per caller
 * (`perUser`, mcp/oauth/personal-sign-in.ts). The request is resolved to a
 * key, and the key's own connection is lent from the pool (user-pool.ts),
 * made on first use from the spec with the caller's values. A call never
 * runs on another key's connection.
 *
 * Before a key without a connection gets one, `admit` may refuse it (a
 * `perUser` caller who has not signed in); a connection that lost its
 * caller's grant is stopped, and the key is admitted afresh.
 *
 * The tool list and documents come from a separate probe connection made
 * with the templates' defaults (the router's own Upstream) or, when a
 * template is `required` or the sign-in is per caller, from the first
 * caller's connection (the router chooses, router/connections.ts).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Caller } from '../../auth/caller.js';
import type { CallerResolution } from './caller-templates.js';
import type { ResolvedSpec } from '../spec.js';
import type { Upstream } from '../upstream.js';
import { UserPool, type Lease, type PoolCounts } from './user-pool.js';

/** A request's caller, resolved: the templates' values, and for `perUser` the caller's key (state/auth-records.ts). */
export type UserResolution = CallerResolution & { personal?: string };

/** Resolves a request to its caller's connection key; throws (400, 403) when it cannot. */
export type ResolveUser = (headers: IncomingHttpHeaders, caller: Caller | undefined) => UserResolution;

export interface UserConnectionsOptions {
  /** Makes the Upstream for one caller's spec; `label` names it in logs (a short hash, never a value). */
  make(spec: ResolvedSpec, label: string, resolution: UserResolution, headers: IncomingHttpHeaders): Upstream;
  /** Each newly resolved caller's values, for the redactor. */
  onSecrets(values: readonly string[]): void;
  /** Checked before a key without a connection gets one; rejects to refuse the call. */
  admit?(resolution: UserResolution, headers: IncomingHttpHeaders): Promise<void>;
  idleMs: number;
  max: number;
  retryAfter: number;
  onStopped?: (label: string, why: 'idle' | 'evicted') => void;
}

export interface UserConnections {
  /**
   * The caller's connection, ready, until released: chosen by the request's
   * headers and its verified caller. 400 for a missing required header, 403
   * for a missing required caller value or sign-in, 503 when none can be had in time.
   */
  lease(headers: IncomingHttpHeaders, timeoutMs: number, caller?: Caller): Promise<Lease<Upstream>>;
  /** Stops the connection of the caller whose key (`personal`) signed out. */
  forget(personal: string): void;
  counts(): PoolCounts;
  close(): Promise<void>;
}

/** The spec with the caller's values in place of the templated field. */
export function specFor(spec: ResolvedSpec, resolution: CallerResolution): ResolvedSpec {
  if (spec.type === 'stdio') return { ...spec, env: resolution.env ?? spec.env };
  return { ...spec, headers: resolution.headers ?? spec.headers };
}

export function userConnections(spec: ResolvedSpec, resolve: ResolveUser, options: UserConnectionsOptions): UserConnections {
  const pool = new UserPool<Upstream>({
    idleMs: options.idleMs,
    max: options.max,
    retryAfter: options.retryAfter,
    onStopped: (key, why) => options.onStopped?.(key.slice(0, 8), why),
  });
  /** Pool keys by the caller key of their `perUser` sign-in, for sign-out. */
  const byPersonal = new Map<string, Set<string>>();
  return {
    async lease(headers, timeoutMs, caller) {
      const resolution = resolve(headers, caller);
      const { key } = resolution;
      // Its grant is gone (revoked, signed out elsewhere): a new connection, if the caller is admitted again.
      if (pool.peek(key)?.state === 'needs-authorization') pool.evict(key);
      if (options.admit && pool.peek(key) === undefined) await options.admit(resolution, headers);
      if (resolution.personal !== undefined) {
        const keys = byPersonal.get(resolution.personal) ?? new Set<string>();
        byPersonal.set(resolution.personal, keys.add(key));
      }
      return pool.acquire(key, Date.now() + timeoutMs, () => {
        options.onSecrets(resolution.secrets);
        return options.make(specFor(spec, resolution), resolution.label, resolution, headers);
      });
    },
    forget(personal) {
      for (const key of byPersonal.get(personal) ?? []) pool.evict(key);
      byPersonal.delete(personal);
    },
    counts: () => pool.counts(),
    close: () => pool.close(),
  };
}
