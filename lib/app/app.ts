/**
 * `createApp(config, options)`: the whole mcpo service as one Express app,
 * what the CLI listens with and what tests drive in-process.
 *
 * It composes one `mcpoRouter` per server with the app-wide parts: request
 * log, security headers, CORS, `/healthz` and `/readyz`, API-key auth, the
 * aggregated document and its docs, and JSON 404 and error handlers. It does not listen,
 * read files or handle signals; bin/mcpo.ts does. `app.listen()` and
 * `app.limitServer()` set the server's limits on slow clients (lib/http/server-limits.ts).
 *
 * With one server given as `{ server }`, that server's routes are served at
 * the prefix itself (`POST /<tool>`). With `mcpServers`, each is mounted at
 * `/<name>` and the prefix serves the aggregated `openapi.json` and `docs`.
 * Servers are looked up by name in a table (lib/app/server-table.ts) that is replaced
 * whole, so a request binds to the router that was current when it arrived.
 *
 * The parts: the options and their checks (lib/app/app-options.ts), the
 * config's entries (lib/app/server-entries.ts), what each router is built
 * with (lib/app/server-mount.ts), the telemetry (lib/app/app-telemetry.ts,
 * `/metrics` in lib/app/metrics-route.ts, what kind of request a path is in
 * lib/app/request-kinds.ts), the rate limits (lib/app/call-limits.ts), the aggregate MCP endpoint
 * (lib/app/aggregate-mcp.ts), the app-wide middleware
 * (lib/app/app-middleware.ts), the health report (lib/app/health.ts), the
 * check of callers' keys and tokens (lib/app/key-check.ts) and the MCP
 * endpoints' protected resource metadata (lib/app/protected-resource.ts), the routes under the prefix
 * (lib/app/prefix-routes.ts), draining (lib/app/drain.ts) and reloads
 * (lib/app/app-reload.ts). Express runs middleware in the order it is added:
 * the order below is part of the behaviour.
 */
import type http from 'node:http';
import express, { type Express } from 'express';
import { applyServerLimits, limitedListen } from '../http/server-limits.js';
import type { McpoRouter } from '../router/mcpo-router.js';
import { aggregateMcp } from './aggregate-mcp.js';
import { useAppMiddleware, useFallbacks } from './app-middleware.js';
import { appSettings, type AppOptions } from './app-options.js';
import { appReload } from './app-reload.js';
import { Drain } from './drain.js';
import { healthHandler, healthReport, nextConfigProblem, type ConfigProblem, type HealthReport } from './health.js';
import { keyCheck } from './key-check.js';
import { protectedResource } from './protected-resource.js';
import { prefixRoutes } from './prefix-routes.js';
import { growingRedactor, secretsOf } from './secrets.js';
import { checkServerNames, prefixedEntries, serverEntries, type AppConfig } from './server-entries.js';
import { continuationSecretOf, serverMount } from './server-mount.js';
import { ServerTable, type ReloadResult } from './server-table.js';
import { holdState } from '../state/stores.js';
import { appTelemetry, countedReloads } from './app-telemetry.js';
import { appLimits } from './call-limits.js';
import { metricsRoute, serverReadings } from './metrics-route.js';
import { appRequestKinds } from './request-kinds.js';


export interface McpoApp extends Express {
  /** Resolves once every server has connected or failed; never rejects. */
  ready(): Promise<void>;
  /** Closes every server (no child process outlives it). */
  close(): Promise<void>;
  health(): HealthReport;
  /** The routers by server name. */
  routers(): ReadonlyMap<string, McpoRouter>;
  /**
   * Applies a new config (servers only; the options stay). Reloads queue up
   * and never overlap. Resolves when the new table is in place; a changed
   * server whose new router cannot start keeps its old one and is named in
   * the result and in `/healthz`. Config mode only.
   */
  reload(config: AppConfig): Promise<ReloadResult>;
  /** Shows a config file that could not be used in `/healthz` (or clears it with null); the servers keep running. */
  setConfigError(error: unknown): void;
  /**
   * Marks the app as draining (`/healthz` and `/readyz` answer 503) and resolves true when
   * no request is in flight any more, or false when `graceMs` ran out first.
   */
  drain(graceMs: number): Promise<boolean>;
  /**
   * Sets the app's `headersTimeout` and `requestTimeout`, a 5 s keep-alive
   * and its answers to malformed or slow requests on a server you created
   * yourself (`https.createServer(tls, app)`), before it listens.
   * `app.listen()` does this on the server it creates.
   */
  limitServer<S extends http.Server>(server: S): S;
}

export function createApp(config: AppConfig, options: AppOptions = {}): McpoApp {
  const { servers: listed, single, warnings } = serverEntries(config);
  const settings = appSettings(options, single);
  const { logger, prefix, rootPath, info, auth } = settings;
  for (const warning of warnings) logger.warn(warning);
  const entries = prefixedEntries(listed, options.toolPrefixServers);
  const continuationSecret = continuationSecretOf(options);
  const secrets = growingRedactor([...secretsOf(entries, auth), continuationSecret]);
  const { redact } = secrets;

  if (!single) checkServerNames(entries);
  // One server at the root without a name is "default" in /healthz; its messages and tag then come from the server.
  const named = !single || ('name' in config && config.name !== undefined);
  // Held open (for Redis, connecting) from the start, under the app's logger, so /healthz says at once whether it answers.
  const state = holdState(settings);
  const telemetry = appTelemetry(options, logger);
  const { store } = state.records;
  const limits = appLimits({ global: settings.rateLimit, redis: store.redisClient ? () => store.redisClient!() : undefined, metrics: telemetry.metrics });
  let servers: ServerTable;
  try {
    servers = new ServerTable(entries, { logger, redact, mount: serverMount({ options, settings, single, named, secrets, continuationSecret, telemetry, limits }) });
  } catch (err) {
    void state.release();
    throw err;
  }
  telemetry.metrics?.watchServers(serverReadings(servers));
  // Every server at once as MCP, at <prefix>/mcp (in config mode, and unless the routers' MCP endpoints are off).
  const aggregate = !single && options.router?.mcp !== false
    ? aggregateMcp(servers, { separator: options.mcpSeparator, info, limits: options.router, logger, limitCalls: (req, calls, ownerOf) => (limits.any() ? limits.limitCalls(req, calls, ownerOf) : Promise.resolve()) })
    : undefined;
  const drain = new Drain();
  let configError: ConfigProblem | null = null;
  const health = (): HealthReport => healthReport(servers, drain.draining, configError, redact, state.records.store, aggregate);

  const app = express() as unknown as McpoApp;
  const classify = appRequestKinds({ servers, prefix, single });
  useAppMiddleware(app, { logger, drain, telemetry, classify, https: options.https, allowedHosts: options.allowedHosts, corsAllowOrigins: options.corsAllowOrigins });
  app.get('/healthz', healthHandler(health, 'liveness'));
  app.get('/readyz', healthHandler(health, 'readiness'));
  // Metrics say more about a deployment than its documents: behind the credentials whenever callers are verified, unless opened.
  const metrics = telemetry.metrics ? metricsRoute(telemetry.metrics) : undefined;
  if (metrics && options.metricsPublic) app.get('/metrics', metrics);
  if (auth) {
    const isServer = single ? undefined : (name: string) => servers.current.has(name);
    const resource = protectedResource({ auth, prefix, rootPath, publicUrl: settings.publicUrl, isServer });
    if (resource) app.use(resource.handle);
    app.use(keyCheck({ auth, strictAuth: options.strictAuth ?? false, prefix, ...(isServer ? { isServer } : {}), ...(resource ? { resourceMetadata: resource.metadataUrl } : {}) }));
  }
  if (metrics && !options.metricsPublic) app.get('/metrics', metrics);
  app.use(prefix || '/', prefixRoutes({ servers, single, info, rootPath, aggregate }));
  useFallbacks(app, logger, redact);
  const limitServer = <S extends http.Server>(server: S): S =>
    applyServerLimits(server, { headersTimeout: options.headersTimeout, requestTimeout: options.requestTimeout, logger });

  const reloads = countedReloads(
    {
      reload: appReload({ servers, single, toolPrefixServers: options.toolPrefixServers, secrets, aggregate, records: state.records, logger }),
      setConfigError(error: unknown) {
        configError = nextConfigProblem(configError, error, redact);
      },
    },
    telemetry.metrics,
  );

  return Object.assign(app, {
    ready: () => servers.ready(),
    async close() {
      await aggregate?.close();
      await servers.close();
      await state.release();
    },
    health,
    routers: () => new Map([...servers.current].map(([name, m]) => [name, m.router])),
    reload: reloads.reload,
    setConfigError: reloads.setConfigError,
    drain: (graceMs: number) => drain.drain(graceMs),
    limitServer,
    listen: limitedListen(app, limitServer),
  });
}
