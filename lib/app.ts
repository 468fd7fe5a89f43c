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
 * Servers are looked up by name in a table that is replaced whole, so a
 * request binds to the router that was current when it arrived and finishes
 * there. `reload()` builds the next table from a new config: unchanged
 * servers keep their router and process, added ones are mounted at once,
 * changed ones are swapped in once their new router is ready, and the routers
 * left behind are closed when their last call in flight has finished.
 */
import express, { type Express, type Request } from 'express';
import { requestLog } from './access-log.js';
import { aggregateDocuments, type DocumentPart } from './aggregate.js';
import { apiKeyAuth } from './auth.js';
import { diffServers, isEmptyDiff } from './config-diff.js';
import { ConfigError, normalizeConfig, serverNameProblem, type McpoConfig, type ServerEntry } from './config.js';
import { cors } from './cors.js';
import { docsPages } from './docs.js';
import { jsonErrorHandler } from './error-handler.js';
import { NotFoundError } from './errors.js';
import { securityHeaders } from './headers.js';
import { hostCheck } from './hosts.js';
import { healthHandler, serverHealth, type ConfigProblem, type HealthReport } from './health.js';
import { InFlight } from './in-flight.js';
import { consoleLogger, type Logger } from './log.js';
import { servedDocument, serversUrl } from './openapi.js';
import { normalizeRootPath, type RouterOptions } from './options.js';
import { createRedactor, urlSecrets, type Redactor } from './redact.js';
import { requestId } from './request-id.js';
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
   * Applies a new config (servers only; the options stay). Reloads queue up
   * and never overlap. Resolves when the new table is in place; a changed
   * server whose new router cannot start keeps its old one and is named in
   * the result and in `/healthz`. Config mode only.
   */
  reload(config: AppConfig): Promise<ReloadResult>;
  /** Shows a config file that could not be used in `/healthz` (or clears it with null); the servers keep running. */
  setConfigError(error: unknown): void;
  /**
   * Marks the app as draining (`/healthz` answers 503) and resolves true when
   * no request is in flight any more, or false when `graceMs` ran out first.
   */
  drain(graceMs: number): Promise<boolean>;
}

export interface ReloadResult {
  /** False when nothing changed (or every change failed to start); the generation then stays. */
  applied: boolean;
  generation: number;
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: string[];
  /** Changed servers whose new router could not start; their old one keeps serving. */
  failed: { name: string; error: string }[];
}

interface Mounted {
  entry: ServerEntry;
  router: McpoRouter;
  /** Its path below the prefix, e.g. `/time`. */
  path: string;
  /** Requests this router is serving; after a reload it is closed only once they are done. */
  inFlight: InFlight;
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
  // Secrets only grow: a reload adds the new config's, and text logged before it may still quote the old ones.
  const secrets = new Set(secretsOf(entries, options.apiKey));
  let redact: Redactor = createRedactor([...secrets]);
  const redactNow: Redactor = (text) => redact(text);

  const checkNames = (list: readonly ServerEntry[]): void => {
    // A config built in code skips loadConfig's checks; the names are checked the same way here.
    for (const entry of list) {
      const problem = single ? undefined : serverNameProblem(entry.name);
      if (problem) throw new ConfigError(problem, 'config');
    }
  };
  const mount = (entry: ServerEntry): Mounted => {
    const router = mcpoRouter(entry.spec, {
      ...options.router,
      disabledTools: entry.disabledTools,
      rootPath,
      bearerAuth,
      // One server at the root takes the document's info from the command line, as the original does.
      ...(single && options.info ? { info: options.info } : {}),
      logger: serverLogger(logger, entry.name, redactNow),
    });
    return { entry, router, path: `/${encodeURIComponent(entry.name)}`, inFlight: new InFlight() };
  };

  checkNames(entries);
  // A request reads the table once, on arrival, and finishes with the router it found.
  let table: ReadonlyMap<string, Mounted> = new Map(entries.map((entry) => [entry.name, mount(entry)]));
  /** Routers being started by a reload, or waiting for their last call before they close. */
  const detached = new Set<McpoRouter>();
  let draining = false;
  let closed = false;
  const inFlight = new InFlight();
  let generation = 1;
  let lastReload: string | null = null;
  let configError: ConfigProblem | null = null;
  let reloadFailures: ReloadResult['failed'] = [];
  let reloads: Promise<unknown> = Promise.resolve();

  /** Closes a router that left the table once its calls in flight are done. */
  const retire = (m: Mounted): void => {
    detached.add(m.router);
    m.inFlight.whenIdle(() => void m.router.close().finally(() => detached.delete(m.router)));
  };

  const applyReload = async (next: AppConfig): Promise<ReloadResult> => {
    if (single) throw new TypeError('reload() needs a config of named servers; this app serves one server');
    const { servers, single: nextSingle } = toConfig(next);
    if (nextSingle) throw new TypeError('reload() needs a config of named servers, not { server }');
    checkNames(servers);
    if (closed) throw new Error('the app is closed');
    for (const secret of secretsOf(servers, undefined)) secrets.add(secret);
    redact = createRedactor([...secrets]);

    const diff = diffServers([...table.values()].map((m) => m.entry), servers);
    const names = {
      added: diff.added.map((e) => e.name),
      changed: diff.changed.map((e) => e.name),
      removed: diff.removed,
      unchanged: diff.unchanged.map((e) => e.name),
    };
    if (isEmptyDiff(diff)) {
      // The running servers are what the file says: an earlier failed change is moot.
      reloadFailures = [];
      return { applied: false, generation, ...names, failed: [] };
    }

    // Added servers are mounted now, removed ones leave now (new requests get 404).
    const added = new Map(diff.added.map((entry) => [entry.name, mount(entry)]));
    const order = (pick: (name: string) => Mounted | undefined): Map<string, Mounted> =>
      new Map(servers.flatMap((e) => {
        const m = pick(e.name);
        return m ? [[e.name, m] as const] : [];
      }));
    const before = table;
    table = order((name) => added.get(name) ?? before.get(name));
    for (const name of diff.removed) retire(before.get(name)!);

    // Changed servers: the new router takes over only once it is ready.
    const fresh = diff.changed.map(mount);
    for (const m of fresh) detached.add(m.router);
    const outcomes = await Promise.allSettled(fresh.map((m) => m.router.ready()));
    const swapped = new Map<string, Mounted>();
    const failed: ReloadResult['failed'] = [];
    fresh.forEach((m, i) => {
      detached.delete(m.router);
      const outcome = outcomes[i]!;
      if (outcome.status === 'fulfilled' && !closed) {
        swapped.set(m.entry.name, m);
        return;
      }
      const error = outcome.status === 'rejected' ? redact(outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason)) : 'the app closed';
      failed.push({ name: m.entry.name, error });
      logger.warn('the changed server could not start; the previous one keeps serving', { server: m.entry.name, error });
      void m.router.close();
    });
    const current = table;
    table = order((name) => swapped.get(name) ?? current.get(name));
    for (const name of swapped.keys()) {
      const old = current.get(name);
      if (old) retire(old);
    }

    reloadFailures = failed;
    // Only changed servers that all failed to start: nothing was applied, and the generation stays.
    const applied = added.size + diff.removed.length + swapped.size > 0;
    if (applied) {
      generation++;
      lastReload = new Date().toISOString();
      logger.info('config reloaded', {
        generation,
        added: names.added.join(',') || undefined,
        changed: [...swapped.keys()].join(',') || undefined,
        removed: names.removed.join(',') || undefined,
        failed: failed.map((f) => f.name).join(',') || undefined,
      });
    }
    return { applied, generation, ...names, failed };
  };

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
    const servers: HealthReport['servers'] = {};
    for (const [name, { router }] of table) {
      const paths = router.document()?.paths;
      servers[name] = serverHealth(router.status(), paths ? Object.keys(paths).length : 0, redact);
    }
    return {
      status: draining ? 'draining' : 'ok',
      generation,
      lastReload,
      configError,
      ...(reloadFailures.length > 0 ? { reloadFailures } : {}),
      servers,
    };
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
    base.use(table.values().next().value!.router);
  } else {
    let cached: { table: unknown; key: readonly unknown[]; json: (url: string) => string } | undefined;
    base.get('/openapi.json', function aggregatedDocument(req, res) {
      const current = table;
      const parts: DocumentPart[] = [...current.values()].map(({ entry, router, path }) => ({ name: entry.name, path, document: router.document() }));
      // Rebuilt only after a reload or when some server's document changed (a reconnect, a new tool list).
      const key = parts.map((p) => p.document);
      if (!cached || cached.table !== current || cached.key.some((d, i) => d !== key[i])) {
        cached = { table: current, key, json: servedDocument(aggregateDocuments(parts, info)) };
      }
      res.type('json').send(cached.json(serversUrl(rootPath, req.baseUrl)));
    });
    base.use(docsPages());
    base.use('/:server', function toServer(req, res, next) {
      const found = table.get(req.params.server as string);
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
    async ready() {
      await Promise.allSettled([...table.values()].map(({ router }) => router.ready()));
    },
    async close() {
      closed = true;
      await Promise.all([...[...table.values()].map((m) => m.router), ...detached].map((router) => router.close()));
    },
    health,
    routers: () => new Map([...table].map(([name, m]) => [name, m.router])),
    reload(next: AppConfig): Promise<ReloadResult> {
      const run = reloads.then(() => applyReload(next));
      reloads = run.catch(() => {});
      return run;
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

function toConfigProblem(error: unknown, redact: Redactor): ConfigProblem {
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
