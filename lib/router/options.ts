/**
 * The options of `mcpoRouter`, their defaults (in one frozen object) and the
 * one function that validates them. Validation happens once, in the factory;
 * request handlers read resolved values only.
 */
import { homedir } from 'node:os';
import { basename } from 'node:path';
import type { Request } from 'express';
import { defaultStateDir } from '../mcp/oauth/token-store.js';
import { parseByteSize } from '../http/body.js';
import { normalizeRootPath } from '../http/base-url.js';
import { consoleLogger, type Logger } from '../common/log.js';
import type { ResolvedSpec } from '../mcp/spec.js';
import { DOCUMENT_SECTIONS, type DocumentSection } from '../openapi/features.js';
import { compileToolRules, type ToolOverride, type ToolRules } from '../openapi/tool-rules.js';

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
   * The OAuth redirect URI: where the authorization server sends the browser
   * back. A URL, or a function of the request that opened the authorize page.
   * @default the request's origin and mount path + `/oauth/callback`
   */
  oauthRedirectUrl?: string | ((req: Request) => string);
  /** The authorize page as a person should open it, for the log and the 503. @default `<mount path>/oauth/authorize` */
  oauthPage?: string;
  /** Where warnings and debug messages go. @default warnings and errors to stderr */
  logger?: Logger;
}

export interface ResolvedOptions {
  /** Only when given; `serverName()` supplies the default, which depends on the spec. */
  readonly name?: string;
  readonly toolTimeoutMs: number;
  readonly toolTimeoutMaxMs: number;
  readonly maxTotalTimeoutMs: number;
  readonly structuredOutput: boolean;
  readonly mcp: boolean;
  /** Bytes. */
  readonly bodyLimit: number;
  readonly maxSchemaRecursion: number;
  readonly retryAfter: number;
  readonly connectTimeoutMs: number;
  readonly backoff: Readonly<{ initialMs: number; maxMs: number }>;
  readonly info: Readonly<{ title?: string; description?: string; version?: string }>;
  readonly bearerAuth: boolean;
  /** enabledTools, disabledTools, toolPrefix and tools, checked and compiled. */
  readonly toolRules: ToolRules;
  readonly documents: readonly DocumentSection[];
  readonly rootPath: string;
  readonly continuationSecret?: string;
  readonly continuationTtlMs: number;
  readonly allowCallerTemplates: boolean;
  readonly trustedCallerHeaders: readonly string[];
  readonly idleTimeoutMs: number;
  readonly maxProcesses: number;
  readonly onSecrets?: (values: readonly string[]) => void;
  readonly stateDir: string;
  readonly oauthRedirectUrl?: string | ((req: Request) => string);
  readonly oauthPage?: string;
  readonly logger: Logger;
}

export const DEFAULT_OPTIONS = Object.freeze({
  toolTimeout: 30,
  toolTimeoutMax: 600,
  structuredOutput: false,
  mcp: true,
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

const KNOWN = new Set([...Object.keys(DEFAULT_OPTIONS), 'maxTotalTimeout', 'enabledTools', 'name', 'info', 'logger', 'continuationSecret', 'stateDir', 'oauthRedirectUrl', 'oauthPage', 'trustedCallerHeaders', 'onSecrets']);

/** The `name` option, or its default for this server: the command's basename, or the URL's host. */
export function serverName(options: Pick<ResolvedOptions, 'name'>, spec: ResolvedSpec): string {
  if (options.name !== undefined) return options.name;
  return spec.type === 'stdio' ? basename(spec.command) : spec.url.host;
}

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new TypeError(`mcpoRouter: "${name}" must be a whole number of at least 1, got ${String(value)}`);
  }
  return value;
}

function positive(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`mcpoRouter: "${name}" must be a positive number of seconds, got ${String(value)}`);
  }
  return value;
}

/** The `documents` option checked: an array of known sections, each once. */
export function resolveDocuments(value: unknown, where = 'mcpoRouter: "documents"'): readonly DocumentSection[] {
  const known = DOCUMENT_SECTIONS as readonly unknown[];
  if (!Array.isArray(value) || value.some((s) => !known.includes(s)) || new Set(value).size !== value.length) {
    throw new TypeError(`${where} must be an array of ${DOCUMENT_SECTIONS.map((s) => `"${s}"`).join(', ')}, each at most once, such as ["tools", "prompts"]; got ${JSON.stringify(value)}`);
  }
  return Object.freeze([...value] as DocumentSection[]);
}

/** Resolves options against the defaults; throws a TypeError naming the fix. Never mutates its input. */
export function resolveOptions(options: RouterOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('mcpoRouter: options must be an object');
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw new TypeError(`mcpoRouter: unknown option "${key}"; known options are ${[...KNOWN].join(', ')}`);
    }
  }
  const toolTimeout = positive('toolTimeout', options.toolTimeout ?? DEFAULT_OPTIONS.toolTimeout);
  const toolTimeoutMax = positive(
    'toolTimeoutMax',
    options.toolTimeoutMax ?? Math.max(DEFAULT_OPTIONS.toolTimeoutMax, toolTimeout),
  );
  if (toolTimeout > toolTimeoutMax) {
    throw new TypeError(`mcpoRouter: "toolTimeout" (${toolTimeout}) is above "toolTimeoutMax" (${toolTimeoutMax})`);
  }
  const maxTotalTimeout = positive('maxTotalTimeout', options.maxTotalTimeout ?? toolTimeoutMax);
  if (toolTimeout > maxTotalTimeout) {
    throw new TypeError(`mcpoRouter: "toolTimeout" (${toolTimeout}) is above "maxTotalTimeout" (${maxTotalTimeout})`);
  }
  const maxSchemaRecursion = options.maxSchemaRecursion ?? DEFAULT_OPTIONS.maxSchemaRecursion;
  if (!Number.isInteger(maxSchemaRecursion) || maxSchemaRecursion < 0) {
    throw new TypeError('mcpoRouter: "maxSchemaRecursion" must be a whole number ≥ 0');
  }
  const bodyLimit = parseByteSize(options.bodyLimit ?? DEFAULT_OPTIONS.bodyLimit);
  if (bodyLimit === undefined) {
    throw new TypeError('mcpoRouter: "bodyLimit" must be a positive number of bytes or a string such as "512kb" or "1mb"');
  }
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name.trim() === '')) {
    throw new TypeError('mcpoRouter: "name" must be a non-empty string, such as the server\'s key in the config');
  }
  let toolRules: ToolRules;
  try {
    toolRules = compileToolRules({
      ...(options.enabledTools !== undefined ? { enabledTools: options.enabledTools } : {}),
      disabledTools: options.disabledTools ?? DEFAULT_OPTIONS.disabledTools,
      toolPrefix: options.toolPrefix ?? DEFAULT_OPTIONS.toolPrefix,
      tools: options.tools ?? DEFAULT_OPTIONS.tools,
    });
  } catch (err) {
    throw new TypeError(`mcpoRouter: ${(err as Error).message}`);
  }
  if (options.continuationSecret !== undefined && (typeof options.continuationSecret !== 'string' || options.continuationSecret.length < 16)) {
    throw new TypeError('mcpoRouter: "continuationSecret" must be a string of at least 16 characters');
  }
  const reconnectDelay = positive('reconnectDelay', options.reconnectDelay ?? DEFAULT_OPTIONS.reconnectDelay);
  const reconnectDelayMax = positive('reconnectDelayMax', options.reconnectDelayMax ?? Math.max(DEFAULT_OPTIONS.reconnectDelayMax, reconnectDelay));
  if (reconnectDelay > reconnectDelayMax) {
    throw new TypeError(`mcpoRouter: "reconnectDelay" (${reconnectDelay}) is above "reconnectDelayMax" (${reconnectDelayMax})`);
  }
  return Object.freeze({
    ...(options.name !== undefined ? { name: options.name } : {}),
    toolTimeoutMs: toolTimeout * 1000,
    toolTimeoutMaxMs: toolTimeoutMax * 1000,
    maxTotalTimeoutMs: maxTotalTimeout * 1000,
    structuredOutput: options.structuredOutput ?? DEFAULT_OPTIONS.structuredOutput,
    mcp: options.mcp ?? DEFAULT_OPTIONS.mcp,
    bodyLimit,
    maxSchemaRecursion,
    retryAfter: positive('retryAfter', options.retryAfter ?? DEFAULT_OPTIONS.retryAfter),
    connectTimeoutMs: positive('connectTimeout', options.connectTimeout ?? DEFAULT_OPTIONS.connectTimeout) * 1000,
    backoff: Object.freeze({ initialMs: reconnectDelay * 1000, maxMs: reconnectDelayMax * 1000 }),
    info: Object.freeze({ ...options.info }),
    bearerAuth: options.bearerAuth ?? DEFAULT_OPTIONS.bearerAuth,
    toolRules,
    documents: resolveDocuments(options.documents ?? DEFAULT_OPTIONS.documents),
    rootPath: normalizeRootPath(options.rootPath ?? DEFAULT_OPTIONS.rootPath),
    ...(options.continuationSecret !== undefined ? { continuationSecret: options.continuationSecret } : {}),
    continuationTtlMs: positive('continuationTtl', options.continuationTtl ?? DEFAULT_OPTIONS.continuationTtl) * 1000,
    allowCallerTemplates: options.allowCallerTemplates ?? DEFAULT_OPTIONS.allowCallerTemplates,
    trustedCallerHeaders: Object.freeze([...(options.trustedCallerHeaders ?? [])]),
    idleTimeoutMs: positive('idleTimeout', options.idleTimeout ?? DEFAULT_OPTIONS.idleTimeout) * 1000,
    maxProcesses: positiveInteger('maxProcesses', options.maxProcesses ?? DEFAULT_OPTIONS.maxProcesses),
    ...(options.onSecrets !== undefined ? { onSecrets: options.onSecrets } : {}),
    stateDir: options.stateDir ?? defaultStateDir(process.env, homedir(), process.platform),
    ...(options.oauthRedirectUrl !== undefined ? { oauthRedirectUrl: options.oauthRedirectUrl } : {}),
    ...(options.oauthPage !== undefined ? { oauthPage: options.oauthPage } : {}),
    logger: options.logger ?? consoleLogger,
  });
}
