/**
 * `createApp(config, options)`: the whole mcpo service as one Express app,
 * what the CLI listens with and what tests drive in-process.
 *
 * It composes one `mcpoRouter` per server with the app-wide parts: request
 * log, security headers, CORS, `/healthz`, API-key auth, the aggregated
 * document and its docs, and JSON 404 and error handlers. It does not listen,
 * read files or handle signals; bin/mcpo.ts does.
 *
 * With one server given as `{ server }`, that server's routes are served at
 * the prefix itself (`POST /<tool>`). With `mcpServers`, each is mounted at
 * `/<name>` and the prefix serves the aggregated `openapi.json` and `docs`.
 * Servers are looked up by name in a map that is replaced whole, so a request
 * binds to the server table that was current when it arrived.
 */
import express, { type Express, type Request } from 'express';
import { requestLog } from './access-log.js';
import { aggregateDocuments, type DocumentPart } from './aggregate.js';
import { apiKeyAuth } from './auth.js';
import { ConfigError, normalizeConfig, serverNameProblem, type McpoConfig, type ServerEntry } from './config.js';
import { cors } from './cors.js';
import { docsRouter } from './docs.js';
import { jsonErrorHandler } from './error-handler.js';
import { NotFoundError } from './errors.js';
import { securityHeaders } from './headers.js';
import { healthHandler, serverHealth, type HealthReport } from './health.js';
import { consoleLogger, type Logger } from './log.js';
import { servedDocument, serversUrl } from './openapi.js';
import { normalizeRootPath, type RouterOptions } from './options.js';
import { createRedactor, urlSecrets, type Redactor } from './redact.js';
import { mcpoRouter, type McpoRouter } from './router.js';
import { resolveSpec, type ServerSpec } from './spec.js';
import { VERSION } from './version.js';

/** Options every server's router shares; per-server ones (disabledTools) come from the config. */
export type SharedRouterOptions = Omit<RouterOptions, 'info' | 'disabledTools' | 'rootPath' | 'logger' | 'bearerAuth'>;

export interface AppOptions {
  /** Tool routes need `Authorization: Bearer <key>` (or Basic with the key as password). @default none: no auth */
  apiKey?: string;
  /** The key protects every route, docs and documents included; only `/healthz` and CORS preflight stay open. @default false */
  strictAuth?: boolean;
  /** Origins allowed to call from a browser, or `*`. @default [] (CORS off) */
  corsAllowOrigins?: readonly string[];
  /** Where servers are mounted: `<prefix>/<name>`. @default '/' */
  pathPrefix?: string;
  /** The path a reverse proxy strips in front of mcpo; used in the documents' `servers` URLs. @default '' */
  rootPath?: string;
  /** mcpo serves TLS itself (turns on HSTS). @default false */
  https?: boolean;
  /** Title, description and version of the document at the prefix. @default title 'mcpo', mcpo's version, a list of servers */
  info?: { title?: string; description?: string; version?: string };
  /** Options for every server's router. @default DEFAULT_OPTIONS */
  router?: SharedRouterOptions;
  /** @default warnings and errors to stderr */
  logger?: Logger;
}

/** One server at the root of the app. */
export interface SingleServerConfig {
  server: ServerSpec;
  /** The key it is listed under in `/healthz`. @default 'default' */
  name?: string;
  disabledTools?: readonly string[];
}

/** Claude-Desktop style `{ mcpServers }`, a parsed file from `loadConfig`, or one server. */
export type AppConfig = { mcpServers: Record<string, unknown> } | McpoConfig | SingleServerConfig;

export interface McpoApp extends Express {
  /** Resolves once every server has connected or failed; never rejects. */
  ready(): Promise<void>;
  /** Closes every server (no child process outlives it). */
  close(): Promise<void>;
  health(): HealthReport;
  /** The routers by server name. */
  routers(): ReadonlyMap<string, McpoRouter>;
  /**
   * Marks the app as draining (`/healthz` answers 503) and resolves true when
   * no request is in flight any more, or false when `graceMs` ran out first.
   */
  drain(graceMs: number): Promise<boolean>;
}

interface Mounted {
  entry: ServerEntry;
  router: McpoRouter;
  /** Its path below the prefix, e.g. `/time`. */
  path: string;
}

function toConfig(config: AppConfig): { servers: readonly ServerEntry[]; single: boolean } {
  if (typeof config === 'object' && config !== null && 'server' in config) {
    const type = resolveSpec(config.server).type;
    return {
      single: true,
      servers: [{ name: config.name ?? 'default', spec: config.server, type, disabledTools: [...(config.disabledTools ?? [])] }],
    };
  }
  if (typeof config === 'object' && config !== null && 'servers' in config && Array.isArray(config.servers)) {
    return { single: false, servers: config.servers };
  }
  return { single: false, servers: normalizeConfig(config).servers };
}

/** Every value a server's config holds that must not be shown: env values, headers, URL credentials. */
function secretsOf(entries: readonly ServerEntry[], apiKey: string | undefined): string[] {
  const secrets: string[] = apiKey ? [apiKey] : [];
  for (const { spec } of entries) {
    const resolved = resolveSpec(spec);
    if (resolved.type === 'stdio') secrets.push(...Object.values(resolved.env));
    else secrets.push(...Object.values(resolved.headers), ...urlSecrets(resolved.url));
  }
  return secrets;
}

/** GET and HEAD of documents, docs pages and their assets: readable without a key unless strictAuth. */
function isDocumentRequest(req: Request): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  return req.path === '/healthz' || req.path.endsWith('/openapi.json') || /\/docs(\/[^/]*)?$/.test(req.path);
}

function isPreflight(req: Request): boolean {
  return req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
}

export function createApp(config: AppConfig, options: AppOptions = {}): McpoApp {
  const { servers: entries, single } = toConfig(config);
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
  // With a key, every document declares the bearer scheme.
  const bearerAuth = options.apiKey !== undefined;
  const info = {
    title: options.info?.title ?? 'mcpo',
    version: options.info?.version ?? VERSION,
    bearerAuth,
    ...(options.info?.description !== undefined ? { description: options.info.description } : {}),
  };
  const redact: Redactor = createRedactor(secretsOf(entries, options.apiKey));

  const mounted = new Map<string, Mounted>();
  for (const entry of entries) {
    // A config built in code skips loadConfig's checks; the names are checked the same way here.
    const problem = single ? undefined : serverNameProblem(entry.name);
    if (problem) throw new ConfigError(problem, 'config');
    const router = mcpoRouter(entry.spec, {
      ...options.router,
      disabledTools: entry.disabledTools,
      rootPath,
      bearerAuth,
      // One server at the root takes the document's info from the command line, as the original does.
      ...(single && options.info ? { info: options.info } : {}),
      logger: serverLogger(logger, entry.name, redact),
    });
    mounted.set(entry.name, { entry, router, path: `/${encodeURIComponent(entry.name)}` });
  }
  // A request reads the table once, on arrival, and finishes with what it found.
  const table: ReadonlyMap<string, Mounted> = mounted;
  let draining = false;
  let inFlight = 0;
  const idle: (() => void)[] = [];
  const generation = 1;
  const lastReload: string | null = null;

  const app = express() as unknown as McpoApp;
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestLog(logger));
  app.use(function countInFlight(_req, res, next) {
    // While draining, keep-alive sockets are closed after their response so the server can stop.
    if (draining) res.set('Connection', 'close');
    inFlight++;
    res.once('close', () => {
      inFlight--;
      if (inFlight === 0) for (const resolve of idle.splice(0)) resolve();
    });
    next();
  });
  app.use(securityHeaders({ https: options.https ?? false }));
  app.use(cors({ origins: options.corsAllowOrigins ?? [] }));

  const health = (): HealthReport => {
    const servers: HealthReport['servers'] = {};
    for (const [name, { router }] of table) {
      const paths = router.document()?.paths;
      servers[name] = serverHealth(router.status(), paths ? Object.keys(paths).length : 0, redact);
    }
    return { status: draining ? 'draining' : 'ok', generation, lastReload, servers };
  };
  app.get('/healthz', healthHandler(health));

  if (options.apiKey) {
    const strict = options.strictAuth ?? false;
    app.use(
      apiKeyAuth({
        apiKey: options.apiKey,
        basicChallenge: strict,
        isPublic: strict ? isPreflight : (req) => isPreflight(req) || isDocumentRequest(req),
      }),
    );
  }

  const base = express.Router({ caseSensitive: true });
  if (single) {
    base.use(mounted.values().next().value!.router);
  } else {
    let cached: { key: readonly unknown[]; json: (url: string) => string } | undefined;
    base.get('/openapi.json', function aggregatedDocument(req, res) {
      const parts: DocumentPart[] = [...table.values()].map(({ entry, router, path }) => ({ name: entry.name, path, document: router.document() }));
      // Rebuilt only when some server's document changed (a reconnect or a new tool list).
      const key = parts.map((p) => p.document);
      if (!cached || cached.key.length !== key.length || cached.key.some((d, i) => d !== key[i])) {
        cached = { key, json: servedDocument(aggregateDocuments(parts, info)) };
      }
      res.type('json').send(cached.json(serversUrl(rootPath, req.baseUrl)));
    });
    base.use(docsRouter());
    base.use('/:server', function toServer(req, res, next) {
      const found = table.get(req.params.server as string);
      if (!found) return next();
      found.router(req, res, next);
    });
  }
  app.use(prefix || '/', base);

  app.use(function notFound(req, _res, next) {
    next(new NotFoundError(`No route for ${req.method} ${req.path}`));
  });
  app.use(jsonErrorHandler(logger, redact));

  return Object.assign(app, {
    async ready() {
      await Promise.allSettled([...table.values()].map(({ router }) => router.ready()));
    },
    async close() {
      await Promise.all([...table.values()].map(({ router }) => router.close()));
    },
    health,
    routers: () => new Map([...table].map(([name, m]) => [name, m.router])),
    drain(graceMs: number): Promise<boolean> {
      draining = true;
      if (inFlight === 0) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), graceMs);
        timer.unref();
        idle.push(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    },
  });
}

/** Tags a server's log lines with its name and redacts what the server or transport wrote into them. */
function serverLogger(parent: Logger, server: string, redact: Redactor): Logger {
  const clean = (fields?: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { server };
    for (const [k, v] of Object.entries(fields ?? {})) out[k] = typeof v === 'string' ? redact(v) : v;
    return out;
  };
  return {
    debug: (m, f) => parent.debug(redact(m), clean(f)),
    info: (m, f) => parent.info(redact(m), clean(f)),
    warn: (m, f) => parent.warn(redact(m), clean(f)),
    error: (m, f) => parent.error(redact(m), clean(f)),
  };
}
