/**
 * Reads a Claude-Desktop style `mcpServers` file into the servers mcpo
 * mounts, and checks it.
 *
 * The file is JSON with comments and trailing commas (the original's own
 * README example has both). String values may use `${VAR}` and
 * `${VAR:-default}`; `$${` writes a literal `${`. Every error names the file,
 * the line where there is one, the server and the key, and says what to write
 * instead. Besides `mcpServers` the top level may set `publicUrl` and
 * `stateDir` (OAuth's redirect base and state directory). Pure apart from
 * `loadConfig` reading the file; nothing is started.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, type ParseError } from 'jsonc-parser';
import { describeParseError } from './parse-errors.js';
import { resolveSpec, type ServerSpec, type TransportType } from '../mcp/spec.js';
import { resolveOAuthSpec } from '../mcp/oauth-spec.js';
import { normalizePublicUrl } from '../http/base-url.js';
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
}

/** The keys of an entry that are its router's options: a change to any of them restarts the server. */
export const SERVER_OPTION_KEYS = ['disabledTools', 'enabledTools', 'toolPrefix', 'tools', 'documents', 'trustedCallerHeaders', 'idleTimeout', 'maxProcesses'] as const;

export type ServerOptions = Pick<ServerEntry, (typeof SERVER_OPTION_KEYS)[number]>;

/** Those of `from`'s server options that are set: what an entry passes to its router, and what its fingerprint compares. */
export function serverOptions(from: Partial<ServerOptions>): Partial<ServerOptions> {
  const out: Record<string, unknown> = {};
  for (const key of SERVER_OPTION_KEYS) if (from[key] !== undefined) out[key] = from[key];
  return out as Partial<ServerOptions>;
}

export interface McpoConfig {
  /** The enabled servers, in file order. */
  readonly servers: readonly ServerEntry[];
  /** Servers skipped with `enabled: false` (or `disabled: true`). */
  readonly skipped: readonly string[];
  /** Things that were accepted but look like mistakes, e.g. unknown keys. */
  readonly warnings: readonly string[];
  /**
   * Top-level `publicUrl`: the base of the OAuth redirect URI behind a
   * reverse proxy. `--public-url` wins over it. Read at start; a reload does not change it.
   */
  readonly publicUrl?: string;
  /**
   * Top-level `stateDir`: where OAuth state is kept; relative to the file's
   * directory when read by `loadConfig`. `--state-dir` and `MCPO_STATE_DIR` win over it.
   */
  readonly stateDir?: string;
}

export interface ParseConfigOptions {
  /** Variables for `${VAR}`. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Shown in error messages. @default 'config' */
  file?: string;
}

/** A config that cannot be used; `line` and `column` are 1-based where known. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(`${file}${line !== undefined ? `:${line}:${column ?? 1}` : ''}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** Mount names a server may not take: the app's own routes at the same level. */
const RESERVED_SERVER_NAMES: ReadonlySet<string> = new Set(['docs', 'openapi.json', 'healthz', 'readyz', 'oauth', 'mcp', '.', '..']);
const SERVER_NAME = /^[A-Za-z0-9_.~-]{1,128}$/;

const STDIO_KEYS = new Set(['type', 'command', 'args', 'env', 'cwd']);
const REMOTE_KEYS = new Set(['type', 'url', 'headers', 'forwardHeaders', 'oauth']);
const COMMON_KEYS = new Set(['disabledTools', 'disabled_tools', 'enabledTools', 'toolPrefix', 'tools', 'documents', 'trustedCallerHeaders', 'idleTimeout', 'maxProcesses', 'enabled', 'disabled']);
/** Settings of mcpo itself that belong on the command line; a file (and so a reload) cannot change them. */
const COMMAND_LINE_ONLY: Record<string, string> = { apiKey: '--api-key', api_key: '--api-key', host: '--host', port: '--port' };

/** Keys other clients write into the same file; harmless here, so not warned about. */
const FOREIGN_KEYS = new Set(['autoApprove', 'alwaysAllow', 'timeout', 'description', 'transportType']);
/** Top-level settings besides `mcpServers`; their string values are expanded like the servers'. */
const SETTINGS_KEYS = ['publicUrl', 'stateDir'] as const;

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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

const VARIABLE = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Expands `${VAR}` and `${VAR:-default}` in every string value (not in keys). */
function expand(value: unknown, env: Readonly<Record<string, string | undefined>>, where: string, fail: (m: string) => never): unknown {
  if (typeof value === 'string') {
    return value.replace(VARIABLE, (match, escaped: string, name: string, fallback: string | undefined) => {
      if (escaped) return match.slice(1);
      const found = Object.hasOwn(env, name) ? env[name] : undefined;
      // As in the shell: ":-" also replaces an empty value.
      if (fallback !== undefined) return found ? found : fallback;
      if (found !== undefined) return found;
      return fail(`${where} uses \${${name}}, which is not set; set it, or write \${${name}:-default}`);
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => expand(v, env, `${where}[${i}]`, fail));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = expand(v, env, `${where}.${k}`, fail);
    return out;
  }
  return value;
}

/** Checks one raw server object and folds it into a ServerEntry; throws with the key named. */
function toEntry(name: string, raw: Record<string, unknown>, warn: (m: string) => void, fail: (m: string) => never): ServerEntry {
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
        : `${where}.${key} is not a known key and is ignored`,
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
  try {
    documents = raw.documents === undefined ? undefined : resolveDocuments(raw.documents, `${where}.documents`);
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

/**
 * Checks a config object (already parsed; `${VAR}` already expanded) and
 * returns the servers to mount. `fail` decides how errors are reported.
 */
function readServers(root: unknown, fail: (message: string) => never): McpoConfig {
  if (!isRecord(root)) return fail('the file must hold a JSON object with an "mcpServers" object');
  const servers = root.mcpServers;
  if (servers === undefined) return fail('"mcpServers" is missing; write { "mcpServers": { "<name>": { "command": … } } }');
  if (!isRecord(servers)) return fail('"mcpServers" must be an object of named servers');
  const entries: ServerEntry[] = [];
  const skipped: string[] = [];
  const warnings: string[] = [];
  for (const key of Object.keys(root)) {
    if (Object.hasOwn(COMMAND_LINE_ONLY, key)) {
      warnings.push(`"${key}" in the config file is ignored: set ${COMMAND_LINE_ONLY[key]} on the command line (a reload cannot change it)`);
    }
  }
  const settings: { publicUrl?: string; stateDir?: string } = {};
  if (root.publicUrl !== undefined) {
    try {
      settings.publicUrl = normalizePublicUrl(root.publicUrl, 'publicUrl');
    } catch (err) {
      return fail((err as Error).message);
    }
  }
  if (root.stateDir !== undefined) {
    if (typeof root.stateDir !== 'string' || root.stateDir === '') return fail('"stateDir" must be a directory path');
    settings.stateDir = root.stateDir;
  }
  for (const [name, raw] of Object.entries(servers)) {
    const problem = serverNameProblem(name);
    if (problem) return fail(problem);
    if (!isRecord(raw)) return fail(`mcpServers.${name} must be an object: { "command": … } or { "type": …, "url": … }`);
    if (raw.enabled !== undefined && typeof raw.enabled !== 'boolean') return fail(`mcpServers.${name}.enabled must be true or false`);
    if (raw.disabled !== undefined && typeof raw.disabled !== 'boolean') return fail(`mcpServers.${name}.disabled must be true or false`);
    if (raw.enabled === false || raw.disabled === true) {
      skipped.push(name);
      continue;
    }
    entries.push(toEntry(name, raw, (m) => warnings.push(m), fail));
  }
  return { servers: Object.freeze(entries), skipped: Object.freeze(skipped), warnings: Object.freeze(warnings), ...settings };
}

/** Parses the text of a config file. Throws ConfigError. */
export function parseConfig(text: string, options: ParseConfigOptions = {}): McpoConfig {
  const file = options.file ?? 'config';
  const env = options.env ?? process.env;
  const errors: ParseError[] = [];
  const root: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false });
  const first = errors[0];
  if (first) {
    const { line, column } = lineAndColumn(text, first.offset);
    throw new ConfigError(`not valid JSON: ${describeParseError(first, text)}`, file, line, column);
  }
  const fail = (message: string): never => {
    throw new ConfigError(message, file);
  };
  let expanded = root;
  if (isRecord(root) && isRecord(root.mcpServers)) {
    const out: Record<string, unknown> = { ...root, mcpServers: expand(root.mcpServers, env, 'mcpServers', fail) };
    for (const key of SETTINGS_KEYS) if (root[key] !== undefined) out[key] = expand(root[key], env, key, fail);
    expanded = out;
  }
  return readServers(expanded, fail);
}

/** Checks a config object given in code, e.g. `createApp({ mcpServers: … })`. Throws ConfigError; no `${VAR}` expansion. */
export function normalizeConfig(config: unknown): McpoConfig {
  return readServers(config, (message) => {
    throw new ConfigError(message, 'config');
  });
}

/** Why a file could not be read, in a few words for a one-line message (no stack, no errno jargon). */
export function fileErrorReason(err: unknown): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return 'cannot be read';
  }
}

/** Reads and parses a config file. Throws ConfigError, also for a missing or unreadable file. */
export async function loadConfig(file: string, options: Omit<ParseConfigOptions, 'file'> = {}): Promise<McpoConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(fileErrorReason(err), file);
  }
  const config = parseConfig(text, { ...options, file });
  // Like a path in any config file: relative to the file, not to wherever mcpo was started.
  return config.stateDir === undefined ? config : { ...config, stateDir: path.resolve(path.dirname(file), config.stateDir) };
}
