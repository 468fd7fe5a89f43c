/**
 * Reads a Claude-Desktop style `mcpServers` file into the servers mcpo
 * mounts, and checks it.
 *
 * The file is JSON with comments and trailing commas (the original's own
 * README example has both). String values may use `${VAR}` and
 * `${VAR:-default}`; `$${` writes a literal `${`. Every error names the file,
 * the line where there is one, the server and the key, and says what to write
 * instead. Besides `mcpServers` the top level may set `publicUrl` and
 * `stateDir` (OAuth's redirect base and state directory) and `auth` (who
 * may call: named keys and JWT issuers, checked by lib/auth/auth-config.ts). This module checks
 * the file as a whole and composes the expansion (lib/app/config-expand.ts)
 * and the check of each server (lib/app/server-entry.ts). Pure apart from
 * `loadConfig` reading the file; nothing is started.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, type ParseError } from 'jsonc-parser';
import { describeParseError } from './parse-errors.js';
import { expand } from './config-expand.js';
import { serverNameProblem, toEntry, type ServerEntry } from './server-entry.js';
import { normalizePublicUrl } from '../http/base-url.js';
import { resolveAuth, type AuthConfig } from '../auth/auth-config.js';
import { didYouMean, misspeltKey } from '../common/suggest.js';
import { isRecord } from '../common/is-record.js';
import { checkRateLimit, type RateLimit } from '../telemetry/rate-limits.js';

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
  /** Top-level `auth`: named API keys and JWT issuers, as written (`${VAR}` expanded); createApp checks it. Read at start; a reload does not change it. */
  readonly auth?: unknown;
  /** Top-level `rateLimit`: calls per caller across all servers. Read at start; a reload does not change it. */
  readonly rateLimit?: RateLimit;
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

/** Settings of mcpo itself that belong on the command line; a file (and so a reload) cannot change them. */
const COMMAND_LINE_ONLY: Record<string, string> = { apiKey: '--api-key', api_key: '--api-key', host: '--host', port: '--port' };

/** Top-level settings besides `mcpServers`; their string values are expanded like the servers'. */
const SETTINGS_KEYS = ['publicUrl', 'stateDir', 'auth', 'rateLimit'] as const;
/** What the top level may hold without a warning: `$schema` is for editors. */
const TOP_LEVEL_KEYS: readonly string[] = ['mcpServers', ...SETTINGS_KEYS, '$schema'];

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

/**
 * Checks a config object (already parsed; `${VAR}` already expanded) and
 * returns the servers to mount. `fail` decides how errors are reported.
 */
function readServers(root: unknown, fail: (message: string) => never): McpoConfig {
  if (!isRecord(root)) return fail('the file must hold a JSON object with an "mcpServers" object');
  const servers = root.mcpServers;
  if (servers === undefined) return fail(`"mcpServers" is missing; write { "mcpServers": { "<name>": { "command": … } } }${misspeltKey(Object.keys(root), ['mcpServers'])}`);
  if (!isRecord(servers)) return fail('"mcpServers" must be an object of named servers');
  const entries: ServerEntry[] = [];
  const skipped: string[] = [];
  const warnings: string[] = [];
  for (const key of Object.keys(root)) {
    if (Object.hasOwn(COMMAND_LINE_ONLY, key)) {
      warnings.push(`"${key}" in the config file is ignored: set ${COMMAND_LINE_ONLY[key]} on the command line (a reload cannot change it)`);
    } else if (!TOP_LEVEL_KEYS.includes(key)) {
      warnings.push(`"${key}" is not a known top-level key and is ignored${didYouMean(key, TOP_LEVEL_KEYS)}`);
    }
  }
  const settings: { publicUrl?: string; stateDir?: string; auth?: unknown; rateLimit?: RateLimit } = {};
  if (root.rateLimit !== undefined) {
    try {
      settings.rateLimit = checkRateLimit(root.rateLimit, 'the config');
    } catch (err) {
      return fail((err as Error).message);
    }
  }
  if (root.auth !== undefined) {
    if (!isRecord(root.auth)) return fail('"auth" must be an object such as { "keys": [ { "name": "webui", "key": "${WEBUI_KEY}" } ] }');
    try {
      // Checked here too, so a mistake names the file; createApp checks it again with the command line's key.
      resolveAuth(root.auth as AuthConfig);
    } catch (err) {
      return fail((err as Error).message);
    }
    settings.auth = root.auth;
  }
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