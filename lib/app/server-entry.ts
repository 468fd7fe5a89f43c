/**
 * One server of a config file: the `ServerEntry` it becomes, and the check
 * that turns a raw `mcpServers.<name>` object into one (`toEntry`): which keys
 * a stdio or a remote server takes, what is warned about and what fails, and
 * which names a server may take. It sees one server at a time; the file as a
 * whole (its top level, `${VAR}` expansion, reading it) is config.ts's.
 */
import { checkAccess, type Access } from '../auth/access.js';
import { checkRateLimit, type RateLimit } from '../telemetry/rate-limits.js';
import { didYouMean } from '../common/suggest.js';
import { resolveSpec, type ServerSpec, type TransportType } from '../mcp/spec.js';
import { resolveOAuthSpec } from '../mcp/oauth-spec.js';
import { resolveDocuments } from '../router/resolve-options.js';
import type { DocumentSection } from '../openapi/features.js';
import { compileToolRules, type ToolOverride, type ToolSelection } from '../openapi/tool-rules.js';

/** One server to mount, as read from the file. */
export interface ServerEntry {
  /** The key under `mcpServers`; the server is mounted at `/<name>`. */
  readonly name: string;
  readonly spec: ServerSpec;
  readonly type: TransportType;
  /** Tools to hide, names or globs (`disabledTools`, or the original's `disabled_tools`). */
  readonly disabledTools: readonly string[];
  /** Tools to serve, names or globs; absent: every tool. */
  readonly enabledTools?: readonly string[];
  /** Put `<toolPrefix>_` before the served name of each tool; absent: no prefix, or the server's name under `--tool-prefix-servers`. */
  readonly toolPrefix?: string;
  /** Per MCP tool name, the name and/or description clients see instead. */
  readonly tools?: Readonly<Record<string, ToolOverride>>;
  /** What this server's documents show (`tools`, `resources`, `prompts`); absent: createApp's `documents`, else only the tools. */
  readonly documents?: readonly DocumentSection[];
  /** Credential headers (`Authorization`, `Cookie`, `Proxy-Authorization`) this server's `{{header.…}}` templates may read. */
  readonly trustedCallerHeaders?: readonly string[];
  /** Seconds a per-user connection or process lives unused (servers with caller templates). */
  readonly idleTimeout?: number;
  /** The most per-user connections or processes at once (servers with caller templates). */
  readonly maxProcesses?: number;
  /** Who may see and call this server (`users`, `groups`, `keys`); absent: every verified caller. */
  readonly access?: Access;
  /** Calls per caller to this server: `{ perMinute, burst }`; absent: only the config's own limit, if any. */
  readonly rateLimit?: RateLimit;
}

/** The keys of an entry that are its router's options: a change to any of them restarts the server. */
export const SERVER_OPTION_KEYS = ['disabledTools', 'enabledTools', 'toolPrefix', 'tools', 'documents', 'trustedCallerHeaders', 'idleTimeout', 'maxProcesses', 'access', 'rateLimit'] as const;

export type ServerOptions = Pick<ServerEntry, (typeof SERVER_OPTION_KEYS)[number]>;

/** Those of `from`'s server options that are set: what an entry passes to its router, and what its fingerprint compares. */
export function serverOptions(from: Partial<ServerOptions>): Partial<ServerOptions> {
  const out: Record<string, unknown> = {};
  for (const key of SERVER_OPTION_KEYS) if (from[key] !== undefined) out[key] = from[key];
  return out as Partial<ServerOptions>;
}

/** Mount names a server may not take: the app's own routes at the same level. */
const RESERVED_SERVER_NAMES: ReadonlySet<string> = new Set(['docs', 'openapi.json', 'healthz', 'readyz', 'metrics', 'oauth', 'mcp', '.', '..']);
const SERVER_NAME = /^[A-Za-z0-9_.~-]{1,128}$/;

const STDIO_KEYS = new Set(['type', 'command', 'args', 'env', 'cwd']);
const REMOTE_KEYS = new Set(['type', 'url', 'headers', 'forwardHeaders', 'oauth']);
const COMMON_KEYS = new Set(['disabledTools', 'disabled_tools', 'enabledTools', 'toolPrefix', 'tools', 'documents', 'trustedCallerHeaders', 'idleTimeout', 'maxProcesses', 'access', 'rateLimit', 'enabled', 'disabled']);

/** Keys other clients write into the same file; harmless here, so not warned about. */
const FOREIGN_KEYS = new Set(['autoApprove', 'alwaysAllow', 'timeout', 'description', 'transportType']);

/** What is wrong with a server name as a mount path, or undefined when it is fine. */
export function serverNameProblem(name: string): string | undefined {
  if (!SERVER_NAME.test(name)) {
    return `mcpServers: the server name ${JSON.stringify(name)} cannot be a URL path; use letters, digits, "-", "_", "." or "~"`;
  }
  if (RESERVED_SERVER_NAMES.has(name.toLowerCase())) {
    return `mcpServers: the server name "${name}" is taken by mcpo's own route; choose another name`;
  }
  return undefined;
}

/** Checks one raw server object and folds it into a ServerEntry; throws with the key named. */
export function toEntry(name: string, raw: Record<string, unknown>, warn: (m: string) => void, fail: (m: string) => never): ServerEntry {
  const where = `mcpServers.${name}`;
  let resolvedType: TransportType;
  try {
    resolvedType = resolveSpec(raw).type;
  } catch (err) {
    return fail(`${where}: ${(err as Error).message}`);
  }
  const ownKeys = resolvedType === 'stdio' ? STDIO_KEYS : REMOTE_KEYS;
  for (const key of Object.keys(raw)) {
    if (ownKeys.has(key) || COMMON_KEYS.has(key) || FOREIGN_KEYS.has(key)) continue;
    const other = resolvedType === 'stdio' ? REMOTE_KEYS : STDIO_KEYS;
    warn(
      other.has(key)
        ? `${where}.${key} is ignored: it applies to ${resolvedType === 'stdio' ? 'remote' : 'stdio'} servers only`
        : `${where}.${key} is not a known key and is ignored${didYouMean(key, [...ownKeys, ...COMMON_KEYS])}`,
    );
  }
  const disabled = raw.disabledTools ?? raw.disabled_tools;
  if (disabled !== undefined && (!Array.isArray(disabled) || !disabled.every((t) => typeof t === 'string'))) {
    return fail(`${where}.${raw.disabledTools !== undefined ? 'disabledTools' : 'disabled_tools'} must be an array of tool names`);
  }
  try {
    // Checked here too, so that a bad rule fails the file (and a reload keeps the running servers) rather than a router.
    compileToolRules({ enabledTools: raw.enabledTools, disabledTools: disabled, toolPrefix: raw.toolPrefix, tools: raw.tools } as ToolSelection);
  } catch (err) {
    return fail((err as Error).message.replace(/^"([^"]+)"/, `${where}.$1`));
  }
  let documents: readonly DocumentSection[] | undefined;
  let access: Access | undefined;
  let rateLimit: RateLimit | undefined;
  try {
    documents = raw.documents === undefined ? undefined : resolveDocuments(raw.documents, `${where}.documents`);
    access = raw.access === undefined ? undefined : checkAccess(raw.access, `${where}.access`);
    rateLimit = raw.rateLimit === undefined ? undefined : checkRateLimit(raw.rateLimit, where);
  } catch (err) {
    return fail((err as Error).message);
  }
  const trusted = raw.trustedCallerHeaders;
  if (trusted !== undefined && (!Array.isArray(trusted) || !trusted.every((h) => typeof h === 'string'))) {
    return fail(`${where}.trustedCallerHeaders must be an array of header names, e.g. ["Authorization"]`);
  }
  const { idleTimeout, maxProcesses } = raw;
  if (idleTimeout !== undefined && (typeof idleTimeout !== 'number' || !(idleTimeout > 0))) return fail(`${where}.idleTimeout must be a positive number of seconds`);
  if (maxProcesses !== undefined && (typeof maxProcesses !== 'number' || !Number.isInteger(maxProcesses) || maxProcesses < 1)) {
    return fail(`${where}.maxProcesses must be a whole number of at least 1`);
  }
  const selection = {
    ...(documents !== undefined ? { documents } : {}),
    ...(trusted !== undefined ? { trustedCallerHeaders: Object.freeze([...(trusted as string[])]) } : {}),
    ...(idleTimeout !== undefined ? { idleTimeout: idleTimeout as number } : {}),
    ...(maxProcesses !== undefined ? { maxProcesses: maxProcesses as number } : {}),
    ...(access !== undefined ? { access } : {}),
    ...(rateLimit !== undefined ? { rateLimit } : {}),
    disabledTools: Object.freeze([...((disabled as string[] | undefined) ?? [])]),
    ...(raw.enabledTools !== undefined ? { enabledTools: Object.freeze([...(raw.enabledTools as string[])]) } : {}),
    ...(raw.toolPrefix !== undefined ? { toolPrefix: raw.toolPrefix as string } : {}),
    ...(raw.tools !== undefined ? { tools: raw.tools as Record<string, ToolOverride> } : {}),
  };
  const spec: Record<string, unknown> = {};
  for (const key of ownKeys) if (raw[key] !== undefined) spec[key] = raw[key];
  // Kept in its normal form, so the original's spellings are warned about once and a reload compares like with like.
  if (spec.oauth !== undefined) spec.oauth = resolveOAuthSpec(spec.oauth, `${where}.oauth`, warn);
  return {
    name,
    spec: spec as unknown as ServerSpec,
    type: resolvedType,
    ...selection,
  };
}
