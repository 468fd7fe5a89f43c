/**
 * What `createApp` accepts besides the config (`AppOptions`, and
 * `SharedRouterOptions` for every server's router), and the checks run on it
 * before anything starts: in a fixed order, so the first problem is the
 * error. `appSettings` returns the values the app's parts work with, defaults
 * filled in and paths normalised. It builds nothing.
 */
import { homedir } from 'node:os';
import { resolveAuth, type AuthConfig, type ResolvedAuth } from '../auth/auth-config.js';
import type { AuditSink } from '../telemetry/audit.js';
import { checkRateLimit, type RateLimit } from '../telemetry/rate-limits.js';
import { consoleLogger, type Logger } from '../common/log.js';
import { VERSION } from '../common/version.js';
import { normalizePublicUrl, normalizeRootPath } from '../http/base-url.js';
import { serverLimitsMs } from '../http/server-limits.js';
import { defaultStateDir } from '../state/state-dir.js';
import { checkStateStore } from '../state/stores.js';
import { MCP_SEPARATOR } from '../mcp-endpoint/separator.js';
import type { AggregateInfo } from '../openapi/aggregate.js';
import type { RouterOptions } from '../router/options.js';

/** Options every server's router shares; per-server ones (the tool rules) come from the config. */
export type SharedRouterOptions = Omit<RouterOptions, 'name' | 'info' | 'enabledTools' | 'disabledTools' | 'toolPrefix' | 'tools' | 'rootPath' | 'logger' | 'bearerAuth'>;

export interface AppOptions {
  /** Tool routes need `Authorization: Bearer <key>` (or Basic with the key as password). @default none: no auth */
  apiKey?: string;
  /**
   * Who may call: named API keys (`keys: [{ name, key, groups? }]`) and JWT
   * issuers (`jwt: [{ issuer, audience, jwksUrl? | secret?, … }]`), as the
   * config file's top-level `auth` block. `apiKey` joins the keys as
   * `default`. @default none (only `apiKey`, if set)
   */
  auth?: AuthConfig;
  /** Credentials protect every route, docs and documents included; only `/healthz`, `/readyz` and CORS preflight stay open. @default false */
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
  /**
   * Keep that state in Redis instead, shared by replicas:
   * `redis://[user:pass@]host:port[/db]`. Sign-ins begun on one replica then
   * finish on another, and one refresh serves them all.
   * @default $MCPO_STATE_STORE, else none (the files in `stateDir`)
   */
  stateStore?: string;
  /**
   * Seconds a client has to send a request's headers, on the server that
   * `app.listen()` creates or `app.limitServer()` is given (lib/http/server-limits.ts). @default 20
   */
  headersTimeout?: number;
  /** Seconds a client has to send a whole request, headers and body; never the time to answer it. @default 60 */
  requestTimeout?: number;
  /** Serve Prometheus metrics at `/metrics` (docs/operations.md lists them). @default true */
  metrics?: boolean;
  /** `/metrics` answers without credentials, for a scraper on a private network; otherwise it needs them whenever callers are verified. @default false */
  metricsPublic?: boolean;
  /** Where each call's audit line goes (`auditFile(path).write`), or false for none. @default the log, at info */
  audit?: AuditSink | false;
  /** Calls per caller across all servers, `{ perMinute, burst }` (a server's entry may set its own too). @default none */
  rateLimit?: RateLimit;
}

/** The options as the app's parts use them: checked, with their defaults. */
export interface AppSettings {
  logger: Logger;
  /** Where servers are mounted; '' for the root. */
  prefix: string;
  rootPath: string;
  publicUrl: string | undefined;
  stateDir: string;
  /** The Redis URL the state lives at; undefined for the file store in `stateDir`. */
  stateStore: string | undefined;
  /** The info of the app's own documents and of its MCP endpoint. */
  info: AggregateInfo & { bearerAuth: boolean };
  /** The keys and issuers callers are verified against; undefined when anyone may call. */
  auth: ResolvedAuth | undefined;
  /** The top-level rate limit, checked. */
  rateLimit: RateLimit | undefined;
}

/** The `stateStore` option, else the router's, else `MCPO_STATE_STORE`: checked. */
function stateStoreOf(options: AppOptions): string | undefined {
  const url = options.stateStore ?? options.router?.stateStore ?? (process.env.MCPO_STATE_STORE || undefined);
  return url === undefined ? undefined : checkStateStore(url, 'createApp');
}

/** Checks `options` (throws TypeError at the first problem) and resolves their defaults. */
export function appSettings(options: AppOptions, single: boolean): AppSettings {
  if (options.mcpSeparator !== undefined && !MCP_SEPARATOR.test(options.mcpSeparator)) {
    throw new TypeError(`createApp: "mcpSeparator" must be 1 to 8 letters, digits, "_" or "-", so that joined names stay function names; got ${JSON.stringify(options.mcpSeparator)}`);
  }
  if (single && options.toolPrefixServers) throw new TypeError('createApp: "toolPrefixServers" is for a config of named servers; give one server a "toolPrefix" instead');
  // '/' and '' both mean the root.
  const prefix = normalizeRootPath(options.pathPrefix ?? '/', 'pathPrefix');
  const rootPath = normalizeRootPath(options.rootPath ?? '', 'rootPath');
  if (options.apiKey !== undefined && (typeof options.apiKey !== 'string' || options.apiKey === '')) {
    throw new TypeError('createApp: "apiKey" must be a non-empty string');
  }
  const auth = resolveAuth(options.auth, options.apiKey, 'createApp: "auth"');
  if (options.strictAuth && !auth) {
    throw new TypeError('createApp: "strictAuth" needs an "apiKey" or an "auth" block');
  }
  // Checked here, once, so a bad value fails at startup rather than at the first authorization.
  let publicUrl: string | undefined;
  if (options.publicUrl !== undefined) {
    try {
      publicUrl = normalizePublicUrl(options.publicUrl, 'publicUrl');
    } catch (err) {
      throw new TypeError(`createApp: ${(err as Error).message}`);
    }
  }
  serverLimitsMs(options, 'createApp');
  if (options.stateDir !== undefined && (typeof options.stateDir !== 'string' || options.stateDir === '')) {
    throw new TypeError('createApp: "stateDir" must be a directory path');
  }
  return {
    logger: options.logger ?? consoleLogger,
    rateLimit: options.rateLimit === undefined ? undefined : checkRateLimit(options.rateLimit, 'createApp'),
    prefix,
    rootPath,
    publicUrl,
    auth,
    stateDir: options.stateDir ?? options.router?.stateDir ?? defaultStateDir(process.env, homedir(), process.platform),
    stateStore: stateStoreOf(options),
    info: {
      title: options.info?.title ?? 'mcpo',
      version: options.info?.version ?? VERSION,
      // With a key or an issuer, every document declares the bearer scheme.
      bearerAuth: auth !== undefined,
      ...(options.info?.description !== undefined ? { description: options.info.description } : {}),
    },
  };
}
