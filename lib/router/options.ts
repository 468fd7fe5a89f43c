/**
 * The options of `mcpoRouter` as a user writes them (`RouterOptions`, each
 * with its default in the JSDoc) and the defaults themselves, in one frozen
 * object. Checking them and turning them into the values request handlers
 * read is router/resolve-options.ts's job.
 */
import type { Request } from 'express';
import type { Access } from '../auth/access.js';
import type { Caller } from '../auth/caller.js';
import type { Logger } from '../common/log.js';
import type { DocumentSection } from '../openapi/features.js';
import type { ToolOverride } from '../openapi/tool-rules.js';
import type { CallLimiter, RateLimit } from '../telemetry/rate-limits.js';
import type { Telemetry } from '../telemetry/telemetry.js';

export interface RouterOptions {
  /**
   * The server's name in error messages, `/healthz` and logs, e.g. `MCP server
   * "memory" exited (code 127) before it was ready`; when given, also the tag
   * that groups the document's operations (else they are grouped under the
   * document's title). createApp sets it to the server's key in the config.
   * @default the command's basename for a stdio server, the URL's host for a remote one
   */
  name?: string;
  /** Seconds one tool call may take before it is cancelled and answered with 504. @default 30 */
  toolTimeout?: number;
  /** Upper bound, in seconds, on a per-request timeout asked for with `X-Tool-Timeout` or `?timeout=`. @default 600 */
  toolTimeoutMax?: number;
  /**
   * Each progress notification from the server restarts a call's timeout;
   * this is the most seconds a call may take however often it reports
   * progress (a per-request timeout above it wins). @default toolTimeoutMax
   */
  maxTotalTimeout?: number;
  /** Add the `output: { type: 'collection', items }` envelope to every success body. @default false */
  structuredOutput?: boolean;
  /** Serve the server back out as MCP over Streamable HTTP at `mcp` under the mount path (both protocol eras). @default true */
  mcp?: boolean;
  /**
   * Seconds a 2025-era session on the MCP endpoint may go with no request in
   * flight and no stream open before it is closed (its client then gets 404
   * and starts a new one); fractions allowed. @default 1800
   */
  sessionIdleTimeout?: number;
  /**
   * The most 2025-era sessions the MCP endpoint keeps at once: a new one
   * closes the longest idle, and when every one is active `initialize` is
   * answered 503 with `Retry-After`. @default 10000
   */
  maxSessions?: number;
  /** Largest accepted JSON body, in bytes or as a string such as `'1mb'`. @default '1mb' */
  bodyLimit?: number | string;
  /** How many times a recursive schema is expanded in the published document before it is cut. @default 3 */
  maxSchemaRecursion?: number;
  /** Seconds announced in `Retry-After` while the server is not connected. @default 1 */
  retryAfter?: number;
  /** Seconds to wait for the server to initialize and list its tools. @default 30 */
  connectTimeout?: number;
  /** Seconds before the first retry of a server that failed or went away; each retry waits about twice as long. @default 0.5 */
  reconnectDelay?: number;
  /** The longest wait between retries, in seconds. @default 30 */
  reconnectDelayMax?: number;
  /** Overrides for the document's `info` (the CLI's --name, --description, --version). @default taken from the server */
  info?: { title?: string; description?: string; version?: string };
  /**
   * Declare in the document that calls need `Authorization: Bearer <key>`, so
   * Swagger UI offers "Authorize" and clients know to send it. The router
   * does not check keys itself; put auth in front of it. @default false
   */
  bearerAuth?: boolean;
  /**
   * Serve only the tools whose MCP names match one of these: names or globs
   * (`*` any run of characters, `?` one; anchored, case-sensitive). Others are
   * left out of the document and answer 404. @default every tool
   */
  enabledTools?: readonly string[];
  /** Tools to hide, as names or globs like `enabledTools`; applied after it (enabled minus disabled). @default [] */
  disabledTools?: readonly string[];
  /**
   * Put `<toolPrefix>_` before every served tool's name, in its path and
   * operationId, so tools of different servers cannot clash in one client's
   * function list. Calls upstream still use the MCP name. @default '' (none)
   */
  toolPrefix?: string;
  /**
   * Per MCP tool name, the name and/or description clients see instead:
   * `{ "search": { "name": "web_search", "description": "…" } }`. A new name
   * gets the prefix too, must be a function name, and two tools may not take
   * one name. @default {}
   */
  tools?: Readonly<Record<string, ToolOverride>>;
  /**
   * What the OpenAPI document shows: any of `'tools'`, `'resources'` (list,
   * templates, read) and `'prompts'` (list, and one operation per prompt).
   * Open WebUI turns every operation into a function the model may call, so
   * by default only the tools are shown; the resource and prompt routes
   * answer either way. @default ['tools']
   */
  documents?: readonly DocumentSection[];
  /**
   * The path a reverse proxy strips before requests reach this app (as in
   * `--root-path`); it is put in front of the document's `servers` URL so
   * "Try it out" and generated clients call the public address. @default ''
   */
  rootPath?: string;
  /**
   * The secret that signs the `continuation` of a 409 `input_required`
   * answer. Replicas behind one load balancer need the same one, so that a
   * caller's second request may land on any of them. createApp derives it
   * from the API key when there is one. @default a random secret per router
   */
  continuationSecret?: string;
  /** Seconds a caller has to answer a server's input requests. @default 600 */
  continuationTtl?: number;
  /**
   * Let the server spec's `env` (stdio) or `headers` (remote) take values
   * from the caller's request headers (`{{header.X-User-Id}}`), one
   * connection per distinct set of values. Only for routers behind
   * authentication, since a caller could otherwise claim any user; createApp
   * sets it when an API key is set. @default false
   */
  allowCallerTemplates?: boolean;
  /** Credential headers (`Authorization`, `Cookie`, `Proxy-Authorization`) templates may read. @default [] */
  trustedCallerHeaders?: readonly string[];
  /** Seconds a per-user connection (or process) lives unused. @default 600 */
  idleTimeout?: number;
  /** The most per-user connections (or processes) of this server at once. @default 16 */
  maxProcesses?: number;
  /** Told every value a caller's templates resolve to, so that logs can mask it (createApp's redactor). */
  onSecrets?: (values: readonly string[]) => void;
  /**
   * Where a remote server's OAuth tokens, registered client and discovery
   * results are kept, one file each (0600, in a 0700 directory).
   * @default $MCPO_STATE_DIR, else $XDG_STATE_HOME/mcpo, else ~/.local/state/mcpo
   */
  stateDir?: string;
  /**
   * Keep that state in Redis instead (`redis://[user:pass@]host:port[/db]`),
   * shared by every replica: sign-ins, tokens and refreshes then work across
   * them. Routers of one process naming the same URL share one connection.
   * @default none: the files in `stateDir`
   */
  stateStore?: string;
  /**
   * The OAuth redirect URI: where the authorization server sends the browser
   * back. A URL, or a function of the request that opened the authorize page.
   * @default the request's origin and mount path + `/oauth/callback`
   */
  oauthRedirectUrl?: string | ((req: Request) => string);
  /** The authorize page as a person should open it, for the log and the 503. @default `<mount path>/oauth/authorize` */
  oauthPage?: string;
  /**
   * Who is calling, for an app that authenticates its callers itself
   * (passport, express-jwt, its own session): return the signed-in user, or
   * undefined for none. mcpo fills in `via: "app"` and `groups` (none unless
   * given); access lists and `{{user.*}}` templates then read it. Without
   * it, the router reads the caller that createApp's `auth` verified.
   * @default none
   */
  caller?: (req: Request) => (Partial<Caller> & { id: string }) | undefined;
  /**
   * Who may see and call this server: `{ users, groups, keys }`, any match
   * admits. A caller outside it finds no tools in the documents or on the
   * MCP endpoint and gets 403 on every route. A tool override in `tools` may
   * carry its own `access` too. @default every caller
   */
  access?: Access;
  /**
   * Where the router reports its calls: Prometheus metrics and audit lines
   * (`{ metrics: createMetrics(), audit: auditToLog(logger) }`). Spans go
   * through `@opentelemetry/api` either way, to whatever SDK the app
   * registered. @default none
   */
  telemetry?: Telemetry;
  /**
   * A limit on calls (tool calls, resource reads, prompts; REST and MCP) per
   * caller: a verified caller's id, else the client's address.
   * `{ perMinute, burst }` counts in this process; a limiter from
   * `rateLimiter()` may be shared with other routers (and count in Redis).
   * Over it: 429 with `Retry-After`. @default none
   */
  rateLimit?: RateLimit | CallLimiter;
  /** Where warnings and debug messages go. @default warnings and errors to stderr */
  logger?: Logger;
}


export const DEFAULT_OPTIONS = Object.freeze({
  toolTimeout: 30,
  toolTimeoutMax: 600,
  structuredOutput: false,
  mcp: true,
  sessionIdleTimeout: 1800,
  maxSessions: 10_000,
  bodyLimit: '1mb',
  maxSchemaRecursion: 3,
  retryAfter: 1,
  connectTimeout: 30,
  reconnectDelay: 0.5,
  reconnectDelayMax: 30,
  bearerAuth: false,
  disabledTools: Object.freeze([] as string[]),
  toolPrefix: '',
  tools: Object.freeze({}) as Readonly<Record<string, ToolOverride>>,
  documents: Object.freeze(['tools']) as readonly DocumentSection[],
  rootPath: '',
  continuationTtl: 600,
  allowCallerTemplates: false,
  idleTimeout: 600,
  maxProcesses: 16,
});
