/**
 * `resolveOptions`: a router's options checked once, in the factory, against
 * the defaults (router/options.ts), and turned into the values request
 * handlers read (milliseconds, bytes, compiled tool rules). A bad value is a
 * TypeError that names the fix; the caller's object is never mutated.
 */
import { homedir } from 'node:os';
import { basename } from 'node:path';
import type { Request } from 'express';
import { checkAccess, type Access } from '../auth/access.js';
import type { Caller } from '../auth/caller.js';
import { defaultStateDir } from '../state/state-dir.js';
import { checkStateStore } from '../state/stores.js';
import { parseByteSize } from '../http/body.js';
import { normalizeRootPath } from '../http/base-url.js';
import { consoleLogger, type Logger } from '../common/log.js';
import type { ResolvedSpec } from '../mcp/spec.js';
import { DOCUMENT_SECTIONS, type DocumentSection } from '../openapi/features.js';
import { compileToolRules, type ToolRules } from '../openapi/tool-rules.js';
import { checkRateLimit, rateLimiter, type CallLimiter } from '../telemetry/rate-limits.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { DEFAULT_OPTIONS, type RouterOptions } from './options.js';

export interface ResolvedOptions {
  /** Only when given; `serverName()` supplies the default, which depends on the spec. */
  readonly name?: string;
  readonly toolTimeoutMs: number;
  readonly toolTimeoutMaxMs: number;
  readonly maxTotalTimeoutMs: number;
  readonly structuredOutput: boolean;
  readonly mcp: boolean;
  readonly sessionIdleTimeoutMs: number;
  readonly maxSessions: number;
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
  readonly stateStore?: string;
  readonly oauthRedirectUrl?: string | ((req: Request) => string);
  readonly oauthPage?: string;
  readonly caller?: (req: Request) => (Partial<Caller> & { id: string }) | undefined;
  readonly access?: Access;
  readonly telemetry: Telemetry;
  /** The `rateLimit` option as a limiter. */
  readonly limiter?: CallLimiter;
  readonly logger: Logger;
}

const KNOWN = new Set([...Object.keys(DEFAULT_OPTIONS), 'maxTotalTimeout', 'enabledTools', 'name', 'info', 'logger', 'continuationSecret', 'stateDir', 'stateStore', 'oauthRedirectUrl', 'oauthPage', 'trustedCallerHeaders', 'onSecrets', 'caller', 'access', 'telemetry', 'rateLimit']);

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

/** The three call timeouts in seconds, each checked against the next larger one. */
function timeouts(options: RouterOptions): { toolTimeout: number; toolTimeoutMax: number; maxTotalTimeout: number } {
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
  return { toolTimeout, toolTimeoutMax, maxTotalTimeout };
}

/** The `rateLimit` option: a limiter as given, or one counting in this process. */
function limiterOption(value: unknown, name: string | undefined, telemetry: Telemetry): CallLimiter {
  if (typeof (value as CallLimiter | null)?.take === 'function') return value as CallLimiter;
  const limit = checkRateLimit(value, 'mcpoRouter');
  return rateLimiter(limit, { scope: name !== undefined ? `server:${name}` : 'server', ...(telemetry.metrics ? { onLimited: telemetry.metrics.rateLimited } : {}) });
}

function callerOption(value: unknown): NonNullable<ResolvedOptions['caller']> {
  if (typeof value !== 'function') throw new TypeError('mcpoRouter: "caller" must be a function of the request that returns the signed-in user ({ id, name?, email?, groups? }) or undefined');
  return value as NonNullable<ResolvedOptions['caller']>;
}

/** Resolves options against the defaults; throws a TypeError naming the fix. Never mutates its input. */
export function resolveOptions(options: RouterOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('mcpoRouter: options must be an object');
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw new TypeError(`mcpoRouter: unknown option "${key}"; known options are ${[...KNOWN].join(', ')}`);
    }
  }
  const { toolTimeout, toolTimeoutMax, maxTotalTimeout } = timeouts(options);
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
    sessionIdleTimeoutMs: positive('sessionIdleTimeout', options.sessionIdleTimeout ?? DEFAULT_OPTIONS.sessionIdleTimeout) * 1000,
    maxSessions: positiveInteger('maxSessions', options.maxSessions ?? DEFAULT_OPTIONS.maxSessions),
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
    ...(options.stateStore !== undefined ? { stateStore: checkStateStore(options.stateStore, 'mcpoRouter') } : {}),
    ...(options.oauthRedirectUrl !== undefined ? { oauthRedirectUrl: options.oauthRedirectUrl } : {}),
    ...(options.oauthPage !== undefined ? { oauthPage: options.oauthPage } : {}),
    ...(options.caller !== undefined ? { caller: callerOption(options.caller) } : {}),
    ...(options.access !== undefined ? { access: checkAccess(options.access, 'mcpoRouter: "access"') } : {}),
    telemetry: options.telemetry ?? {},
    ...(options.rateLimit !== undefined ? { limiter: limiterOption(options.rateLimit, options.name, options.telemetry ?? {}) } : {}),
    logger: options.logger ?? consoleLogger,
  });
}
