/**
 * The connections of a server whose `env` or `headers` take values from the
 * caller's request: the caller's headers and verified identity are resolved
 * (caller-templates.ts) to a key, and the key's own connection is lent from the pool
 * (user-pool.ts), made on first use from the spec with the caller's values.
 * A call never runs on another key's connection.
 *
 * The tool list and documents come from a separate probe connection made
 * with the templates' defaults (the router's own Upstream) or, when a
 * template is `required`, from the first caller's connection (the router
 * chooses, router/connections.ts).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Caller } from '../../auth/caller.js';
import type { CallerResolution, CallerTemplates } from './caller-templates.js';
import type { ResolvedSpec } from '../spec.js';
import type { Upstream } from '../upstream.js';
import { UserPool, type Lease, type PoolCounts } from './user-pool.js';

export interface UserConnectionsOptions {
  /** Makes the Upstream for one caller's spec; `label` names it in logs (a short hash, never a value). */
  make(spec: ResolvedSpec, label: string): Upstream;
  /** Each newly resolved caller's values, for the redactor. */
  onSecrets(values: readonly string[]): void;
  idleMs: number;
  max: number;
  retryAfter: number;
  onStopped?: (label: string, why: 'idle' | 'evicted') => void;
}

export interface UserConnections {
  /**
   * The caller's connection, ready, until released: chosen by the request's
   * headers and its verified caller. 400 for a missing required header, 403
   * for a missing required caller value, 503 when none can be had in time.
   */
  lease(headers: IncomingHttpHeaders, timeoutMs: number, caller?: Caller): Promise<Lease<Upstream>>;
  counts(): PoolCounts;
  close(): Promise<void>;
}

/** The spec with the caller's values in place of the templated field. */
export function specFor(spec: ResolvedSpec, resolution: CallerResolution): ResolvedSpec {
  if (spec.type === 'stdio') return { ...spec, env: resolution.env ?? spec.env };
  return { ...spec, headers: resolution.headers ?? spec.headers };
}

export function userConnections(spec: ResolvedSpec, templates: CallerTemplates, options: UserConnectionsOptions): UserConnections {
  const pool = new UserPool<Upstream>({
    idleMs: options.idleMs,
    max: options.max,
    retryAfter: options.retryAfter,
    onStopped: (key, why) => options.onStopped?.(key.slice(0, 8), why),
  });
  return {
    lease(headers, timeoutMs, caller) {
      let resolution: CallerResolution;
      try {
        resolution = templates.resolve(headers, caller);
      } catch (err) {
        return Promise.reject(err);
      }
      return pool.acquire(resolution.key, Date.now() + timeoutMs, () => {
        options.onSecrets(resolution.secrets);
        return options.make(specFor(spec, resolution), resolution.label);
      });
    },
    counts: () => pool.counts(),
    close: () => pool.close(),
  };
}
