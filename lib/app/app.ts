/**
 * `createApp(config, options)`: the whole mcpo service as one Express app,
 * what the CLI listens with and what tests drive in-process.
 *
 * It composes one `mcpoRouter` per server with the app-wide parts: request
 * log, security headers, CORS, `/healthz` and `/readyz`, API-key auth, the
 * aggregated document and its docs, and JSON 404 and error handlers. It does not listen,
 * read files or handle signals; bin/mcpo.ts does.
 *
 * With one server given as `{ server }`, that server's routes are served at
 * the prefix itself (`POST /<tool>`). With `mcpServers`, each is mounted at
 * `/<name>` and the prefix serves the aggregated `openapi.json` and `docs`.
 * Servers are looked up by name in a table (server-table.ts) that is replaced
 * whole, so a request binds to the router that was current when it arrived.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import express, { type Express } from 'express';
import { consoleLogger, type Logger } from '../common/log.js';
import { VERSION } from '../common/version.js';
import { requestLog } from '../http/access-log.js';
import { cors } from '../http/cors.js';
import { docsPages, rootToDocs } from '../http/docs.js';
import { jsonErrorHandler } from '../http/error-handler.js';
import { NotFoundError } from '../http/errors.js';
import { securityHeaders } from '../http/headers.js';
import { hostCheck } from '../http/hosts.js';
import { normalizePublicUrl, normalizeRootPath } from '../http/base-url.js';
import type { RouterOptions } from '../router/options.js';
import { resolveOptions } from '../router/resolve-options.js';
import { defaultStateDir, tokenStore } from '../mcp/oauth/token-store.js';
import { aggregateSource, MCP_SEPARATOR } from '../mcp-endpoint/aggregate-source.js';
import { mcpEndpoint } from '../mcp-endpoint/http-endpoint.js';
import type { McpSource } from '../mcp-endpoint/source.js';
import { mcpoRouter, type McpoRouter } from '../router/mcpo-router.js';
import { aggregatedDocument } from './aggregate-route.js';
import { keyCheck } from './key-check.js';
import { ConfigError, serverNameProblem, serverOptions, type ServerEntry } from './config.js';
import { healthHandler, healthStatus, serverHealth, toConfigProblem, type ConfigProblem, type HealthReport } from './health.js';
import { InFlight } from './in-flight.js';
import { growingRedactor, secretsOf, serverLogger } from './secrets.js';
import { serverEntries, withServerPrefix, type AppConfig } from './server-entries.js';
import { ServerTable, type ReloadResult } from './server-table.js';
import { requestId } from '../http/request-id.js';

export type { AppConfig, SingleServerConfig } from './server-entries.js';
export type { ReloadResult } from './server-table.js';

/** Options every server's router shares; per-server ones (the tool rules) come from the config. */
export type SharedRouterOptions = Omit<RouterOptions, 'name' | 'info' | 'enabledTools' | 'disabledTools' | 'toolPrefix' | 'tools' | 'rootPath' | 'logger' | 'bearerAuth'>;

export interface AppOptions {
  /** Tool routes need `Authorization: Bearer <key>` (or Basic with the key as password). @default none: no auth */
  apiKey?: string;
  /** The key protects every route, docs and documents included; only `/healthz`, `/readyz` and CORS preflight stay open. @default false */
  strictAuth?: boolean;
  /** Origins allowed to call from a browser, or `*`; requests from any other origin but the page's own get 403. @default [] */
  corsAllowOrigins?: readonly string[];
  /**
   * Answer only requests whose `Host` is a loopback name or one of these
   * (`api.example.com`, `*.example.com`, `*`); others get 403. The CLI turns
   * this on for a loopback bind, against DNS rebinding. @default undefined (no check)
   */
  allowedHosts?: readonly string[];
  /** Where servers are mounted: `<prefix>/<name>`. @default '/' */
  pathPrefix?: string;
  /** The path a reverse proxy strips in front of mcpo; used in the documents' `servers` URLs. @default '' */
  rootPath?: string;
  /** mcpo serves TLS itself (turns on HSTS). @default false */
  https?: boolean;
  /** Title, description and version of the document at the prefix. @default title 'mcpo', mcpo's version, a list of servers */
  info?: { title?: string; description?: string; version?: string };
  /**
   * Prefix every tool with its server's name and `_` (`time_get_time`), unless
   * the server's entry sets its own `toolPrefix`, so that names from different
   * servers cannot clash; the aggregated document then keeps these names as
   * its operationIds. Config mode only. @default false
   */
  toolPrefixServers?: boolean;
  /** Between a server's name and a tool's or prompt's on the aggregate MCP endpoint `<prefix>/mcp`. @default '_' */
  mcpSeparator?: string;
  /** Options for every server's router. @default DEFAULT_OPTIONS */
  router?: SharedRouterOptions;
  /** @default warnings and errors to stderr */
  logger?: Logger;
  /**
   * The URL mcpo is reached at from outside, when a reverse proxy stands in
   * front of it: the base of the OAuth redirect URI
   * (`<publicUrl><pathPrefix>/oauth/<name>/callback`). Absolute http(s), no
   * query. @default undefined (taken from the request that starts the authorization)
   */
  publicUrl?: string;
  /**
   * Where OAuth tokens and registered clients are kept (files, mode 0600).
   * @default $MCPO_STATE_DIR, else $XDG_STATE_HOME/mcpo, else ~/.local/state/mcpo (%LOCALAPPDATA%\mcpo\state on Windows)
   */
  stateDir?: string;
}

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
}

/** A config built in code skips loadConfig's checks; the names are checked the same way here. */
function checkNames(list: readonly ServerEntry[]): void {
  for (const entry of list) {
    const problem = serverNameProblem(entry.name);
    if (problem) throw new ConfigError(problem, 'config');
  }
}

export function createApp(config: AppConfig, options: AppOptions = {}): McpoApp {
  const { servers: listed, single } = serverEntries(config);
  if (options.mcpSeparator !== undefined && !MCP_SEPARATOR.test(options.mcpSeparator)) {
    throw new TypeError(`createApp: "mcpSeparator" must be 1 to 8 letters, digits, "_" or "-", so that joined names stay function names; got ${JSON.stringify(options.mcpSeparator)}`);
  }
  if (single && options.toolPrefixServers) throw new TypeError('createApp: "toolPrefixServers" is for a config of named servers; give one server a "toolPrefix" instead');
  const prefixed = (list: readonly ServerEntry[]) => (options.toolPrefixServers ? list.map(withServerPrefix) : list);
  const entries = prefixed(listed);
  const logger = options.logger ?? consoleLogger;
  // '/' and '' both mean the root.
  const prefix = normalizeRootPath(options.pathPrefix ?? '/', 'pathPrefix');
  const rootPath = normalizeRootPath(options.rootPath ?? '', 'rootPath');
  if (options.apiKey !== undefined && (typeof options.apiKey !== 'string' || options.apiKey === '')) {
    throw new TypeError('createApp: "apiKey" must be a non-empty string');
  }
  if (options.strictAuth && !options.apiKey) {
    throw new TypeError('createApp: "strictAuth" needs an "apiKey"');
  }
  // Checked here, once, so a bad value fails at startup rather than at the first authorization.
  if (options.publicUrl !== undefined) {
    try {
      normalizePublicUrl(options.publicUrl, 'publicUrl');
    } catch (err) {
      throw new TypeError(`createApp: ${(err as Error).message}`);
    }
  }
  if (options.stateDir !== undefined && (typeof options.stateDir !== 'string' || options.stateDir === '')) {
    throw new TypeError('createApp: "stateDir" must be a directory path');
  }
  const publicUrl = options.publicUrl === undefined ? undefined : normalizePublicUrl(options.publicUrl, 'publicUrl');
  const stateDir = options.stateDir ?? options.router?.stateDir ?? defaultStateDir(process.env, homedir(), process.platform);
  /** Each server's OAuth pages, at the app's own `<prefix>/oauth/<name>/…`. */
  const oauthOptions = (name: string) => {
    const path = `${prefix}/oauth/${encodeURIComponent(name)}`;
    return {
      stateDir,
      oauthPage: `${publicUrl ?? rootPath}${path}/authorize`,
      oauthRedirectUrl: publicUrl !== undefined
        ? `${publicUrl}${path}/callback`
        : (req: express.Request) => `${req.protocol}://${req.get('host') ?? 'localhost'}${rootPath}${path}/callback`,
    };
  };
  // With a key, every document declares the bearer scheme.
  const bearerAuth = options.apiKey !== undefined;
  const info = {
    title: options.info?.title ?? 'mcpo',
    version: options.info?.version ?? VERSION,
    bearerAuth,
    ...(options.info?.description !== undefined ? { description: options.info.description } : {}),
  };
  // Replicas that share the API key accept each other's continuations; the key itself never signs anything.
  const continuationSecret = options.router?.continuationSecret ??
    (options.apiKey ? createHmac('sha256', options.apiKey).update('mcpo continuation').digest('hex') : randomBytes(32).toString('hex'));
  const secrets = growingRedactor([...secretsOf(entries, options.apiKey), continuationSecret]);
  const { redact } = secrets;

  if (!single) checkNames(entries);
  // One server at the root without a name is "default" in /healthz; its messages and tag then come from the server.
  const named = !single || ('name' in config && config.name !== undefined);
  const servers = new ServerTable(entries, {
    logger,
    redact,
    mount: (entry) => mcpoRouter(entry.spec, {
      ...options.router,
      ...oauthOptions(entry.name),
      ...(named ? { name: entry.name } : {}),
      ...serverOptions(entry),
      // Caller templates take a user's identity from the request: only a caller that gave the API key may state it.
      allowCallerTemplates: options.apiKey !== undefined,
      onSecrets: (values) => secrets.add(values),
      continuationSecret,
      rootPath,
      bearerAuth,
      // One server at the root takes the document's info from the command line, as the original does.
      ...(single && options.info ? { info: options.info } : {}),
      logger: serverLogger(logger, entry.name, redact),
    }),
  });
  // The table changes only on reload: its sources are mapped once per table, not on every MCP request.
  let sourcesFor: ReadonlyMap<string, { router: McpoRouter }> | undefined;
  let sources: ReadonlyMap<string, McpSource> = new Map();
  const sourcesOf = (table: ReadonlyMap<string, { router: McpoRouter }>): ReadonlyMap<string, McpSource> => {
    if (table !== sourcesFor) {
      sourcesFor = table;
      sources = new Map([...table].map(([name, m]) => [name, m.router.mcpSource]));
    }
    return sources;
  };
  // Every server at once as MCP, at <prefix>/mcp (in config mode, and unless the routers' MCP endpoints are off).
  const aggregate = !single && options.router?.mcp !== false
    ? aggregateSource({
        servers: () => sourcesOf(servers.current),
        separator: options.mcpSeparator ?? '_',
        logger,
      })
    : undefined;
  const aggregateEndpoint = aggregate
    ? mcpEndpoint(aggregate, { info: { name: info.title, version: info.version }, maxBodyBytes: resolveOptions({ bodyLimit: options.router?.bodyLimit }).bodyLimit, logger })
    : undefined;
  let draining = false;
  const inFlight = new InFlight();
  let configError: ConfigProblem | null = null;

  const app = express() as unknown as McpoApp;
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestId());
  app.use(requestLog(logger));
  app.use(function countInFlight(_req, res, next) {
    // While draining, keep-alive sockets are closed after their response so the server can stop.
    if (draining) res.set('Connection', 'close');
    inFlight.track(res);
    next();
  });
  app.use(securityHeaders({ https: options.https ?? false }));
  if (options.allowedHosts !== undefined) app.use(hostCheck({ allowed: options.allowedHosts }));
  app.use(cors({ origins: options.corsAllowOrigins ?? [] }));

  const health = (): HealthReport => {
    const report: HealthReport['servers'] = {};
    for (const [name, { router }] of servers.current) {
      const paths = router.document()?.paths;
      report[name] = serverHealth(router.status(), paths ? Object.keys(paths).length : 0, redact);
    }
    return {
      status: healthStatus(draining, Object.values(report)),
      generation: servers.generation,
      lastReload: servers.lastReload,
      configError,
      ...(servers.failures.length > 0 ? { reloadFailures: servers.failures } : {}),
      servers: report,
    };
  };
  app.get('/healthz', healthHandler(health, 'liveness'));
  app.get('/readyz', healthHandler(health, 'readiness'));

  if (options.apiKey) app.use(keyCheck({ apiKey: options.apiKey, strictAuth: options.strictAuth ?? false, prefix }));

  /** `<prefix>/oauth/<name>/authorize|callback` → that server's router, at `/oauth/authorize|callback`. */
  const forwardOAuth: express.RequestHandler = function forwardOAuth(req, res, next) {
    const step = req.params.step;
    const found = servers.current.get(req.params.server as string);
    if (!found || (step !== 'authorize' && step !== 'callback')) return next();
    const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
    req.url = `/oauth/${step}${query}`;
    found.router(req, res, next);
  };
  const base = express.Router({ caseSensitive: true });
  base.use(rootToDocs());
  if (single) base.get('/oauth/:server/:step', forwardOAuth);
  if (single) {
    base.use(servers.current.values().next().value!.router);
  } else {
    base.get('/openapi.json', aggregatedDocument(() => servers.current, info, rootPath));
    if (aggregateEndpoint) base.all('/mcp', aggregateEndpoint.handle);
    base.use(docsPages());
    base.get('/oauth/:server/:step', forwardOAuth);
    base.use('/:server', function toServer(req, res, next) {
      const found = servers.current.get(req.params.server as string);
      if (!found) return next();
      found.inFlight.track(res);
      found.router(req, res, next);
    });
  }
  app.use(prefix || '/', base);

  app.use(function notFound(req, _res, next) {
    next(new NotFoundError(`No route for ${req.method} ${req.path}`));
  });
  app.use(jsonErrorHandler(logger, redact));

  return Object.assign(app, {
    ready: () => servers.ready(),
    async close() {
      aggregate?.close();
      await aggregateEndpoint?.close();
      await servers.close();
    },
    health,
    routers: () => new Map([...servers.current].map(([name, m]) => [name, m.router])),
    async reload(next: AppConfig): Promise<ReloadResult> {
      if (single) throw new TypeError('reload() needs a config of named servers; this app serves one server');
      const { servers: nextListed, single: nextSingle } = serverEntries(next);
      if (nextSingle) throw new TypeError('reload() needs a config of named servers, not { server }');
      const list = prefixed(nextListed);
      checkNames(list);
      if (servers.closed) throw new Error('the app is closed');
      secrets.add(secretsOf(list, undefined));
      const result = await servers.reload(list);
      if (result.applied) aggregate?.tableChanged();
      // A server taken out of the config takes its tokens with it.
      for (const name of result.removed) await tokenStore(stateDir).forget(name).catch(() => {});
      return result;
    },
    setConfigError(error: unknown) {
      if (error === null || error === undefined) {
        configError = null;
        return;
      }
      const problem = toConfigProblem(error, redact);
      // The same broken file seen again keeps the time it was first seen.
      if (configError?.message !== problem.message) configError = problem;
    },
    drain(graceMs: number): Promise<boolean> {
      draining = true;
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), graceMs);
        timer.unref();
        inFlight.whenIdle(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    },
  });
}
