/**
 * The `/healthz` and `/readyz` report: whether the app is serving, which
 * configuration generation it runs, and the state of each server, read
 * from the server table (lib/app/server-table.ts). It keeps no state: the
 * drain flag and the config problem are given to it.
 *
 * The two differ only in their status code. `/healthz` is for liveness: 200
 * while the process serves, `degraded` included, since restarting a process
 * that is retrying a server would not bring that server back; 503 once it
 * drains. `/readyz` is for readiness: 200 only when every server is connected
 * (or, with caller templates that need a caller's values, waits for its
 * first caller: no probe can connect it before).
 *
 * It needs no key, so it shows nothing secret: no env values, headers, URL
 * credentials or API key. Error text from a server, the few stderr lines
 * quoted from a child that exited included, is passed through the app's
 * redactor first.
 */
import type { RequestHandler } from 'express';
import type { Redactor } from '../common/redact.js';
import { ConfigError } from './config.js';
import type { UpstreamStatus } from '../mcp/upstream.js';
import type { PoolCounts } from '../mcp/users/user-pool.js';
import type { RouterStatus } from '../router/mcpo-router.js';
import type { ServerTable } from './server-table.js';
import type { StateStore, StateStoreType } from '../state/state-store.js';

/** A server as `/healthz` shows it: its connection's status without the child's pid and stderr. */
export interface ServerHealth extends Pick<UpstreamStatus, 'type' | 'state' | 'protocolVersion' | 'lastError' | 'since' | 'restarts' | 'nextAttempt'> {
  connected: boolean;
  /** Tools served now (after disabledTools). */
  tools: number;
  /** State `needs-authorization`: the page on mcpo a person opens to authorize it. */
  authorizeUrl?: string;
  /** A server with caller templates: its per-user connections (processes, for stdio), busy and idle, and calls waiting for one. */
  users?: PoolCounts;
  /** 2025-era sessions open on the server's MCP endpoint `/<name>/mcp` (absent when `mcp` is off). */
  mcpSessions?: number;
  /** Per-caller sign-in (`oauth.perUser`): how many callers hold a grant, never who. */
  authorizedCallers?: number;
}

/** A config file that could not be applied; the servers keep running as before. */
export interface ConfigProblem {
  /** The whole message, with file and line in front where known. */
  message: string;
  file?: string;
  line?: number;
  column?: number;
  /** When it was first seen (ISO time). */
  since: string;
}

export type HealthStatus = 'ok' | 'degraded' | 'draining';

export interface HealthReport {
  /**
   * `ok` when every server is connected; `degraded` while one is not (still
   * connecting, or backing off after a failure); `draining` once shutdown has
   * begun. `/healthz` answers 503 only for `draining`, `/readyz` for all but `ok`.
   */
  status: HealthStatus;
  /** 1 at start; one more for every applied reload. */
  generation: number;
  /** When the last reload was applied (ISO time), or null. */
  lastReload: string | null;
  /** The config file as it is now cannot be used; null once a good file was applied. */
  configError: ConfigProblem | null;
  /** Changed servers the last reload could not start; each keeps its previous version. */
  reloadFailures?: { name: string; error: string }[];
  servers: Record<string, ServerHealth>;
  /** 2025-era sessions open on the aggregate MCP endpoint `<prefix>/mcp`, where there is one. */
  mcpSessions?: number;
  /** Where sign-ins and tokens are kept, and whether it answers; an outage alone does not fail /readyz. */
  stateStore: { type: StateStoreType; connected: boolean };
}

export function serverHealth(status: RouterStatus, tools: number, redact: Redactor): ServerHealth {
  return {
    connected: status.state === 'ready',
    type: status.type,
    state: status.state,
    tools,
    protocolVersion: status.protocolVersion,
    lastError: status.lastError === null ? null : redact(status.lastError),
    since: status.since,
    restarts: status.restarts,
    ...(status.nextAttempt !== undefined ? { nextAttempt: status.nextAttempt } : {}),
    ...(status.authorize !== undefined ? { authorizeUrl: status.authorize } : {}),
    ...(status.users !== undefined ? { users: status.users } : {}),
    ...(status.mcpSessions !== undefined ? { mcpSessions: status.mcpSessions } : {}),
    ...(status.authorizedCallers !== undefined ? { authorizedCallers: status.authorizedCallers } : {}),
  };
}

/**
 * `draining` wins; otherwise `ok` only when every server is connected or
 * waits for its first caller, who alone can connect it (no servers: ok).
 */
export function healthStatus(draining: boolean, servers: Iterable<ServerHealth>): HealthStatus {
  if (draining) return 'draining';
  for (const server of servers) if (!server.connected && server.state !== 'waiting-for-caller') return 'degraded';
  return 'ok';
}

/** The report on the servers of `table` (and the aggregate MCP endpoint, if any) as they are now. */
export function healthReport(
  table: ServerTable,
  draining: boolean,
  configError: ConfigProblem | null,
  redact: Redactor,
  store: StateStore,
  aggregate?: { sessions(): number },
): HealthReport {
  const report: HealthReport['servers'] = {};
  for (const [name, { router }] of table.current) {
    const paths = router.document()?.paths;
    report[name] = serverHealth(router.status(), paths ? Object.keys(paths).length : 0, redact);
  }
  return {
    status: healthStatus(draining, Object.values(report)),
    generation: table.generation,
    lastReload: table.lastReload,
    configError,
    ...(table.failures.length > 0 ? { reloadFailures: table.failures } : {}),
    servers: report,
    ...(aggregate ? { mcpSessions: aggregate.sessions() } : {}),
    stateStore: { type: store.type, connected: store.connected() },
  };
}

/**
 * `/healthz` (liveness: 200 unless draining) or `/readyz` (readiness: 200
 * only when every server is connected), from the same report.
 */
export function healthHandler(report: () => HealthReport, kind: 'liveness' | 'readiness'): RequestHandler {
  const up: (status: HealthStatus) => boolean = kind === 'liveness' ? (status) => status !== 'draining' : (status) => status === 'ok';
  return function health(_req, res) {
    const body = report();
    res.status(up(body.status) ? 200 : 503).set('Cache-Control', 'no-store').json(body);
  };
}

/** A config that could not be used, as `/healthz` shows it: redacted, with file and line where known. */
export function toConfigProblem(error: unknown, redact: Redactor): ConfigProblem {
  const since = new Date().toISOString();
  if (error instanceof ConfigError) {
    return {
      message: redact(error.message),
      file: error.file,
      ...(error.line !== undefined ? { line: error.line, column: error.column ?? 1 } : {}),
      since,
    };
  }
  return { message: redact(error instanceof Error ? error.message : String(error)), since };
}

/** The config problem to show once `error` is seen (null or undefined: none). */
export function nextConfigProblem(current: ConfigProblem | null, error: unknown, redact: Redactor): ConfigProblem | null {
  if (error === null || error === undefined) return null;
  const problem = toConfigProblem(error, redact);
  // The same broken file seen again keeps the time it was first seen.
  return current?.message !== problem.message ? problem : current;
}
