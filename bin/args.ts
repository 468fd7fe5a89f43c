/**
 * The command line: argv → what to run, or a UsageError that names the
 * problem in one line. Pure (it reads nothing but its arguments), so every
 * flag is unit-tested without starting a process.
 *
 * Flags and short forms follow the original, so commands from its README and
 * from users' shell history work unchanged. Two short forms double as the
 * usual ones: a bare `-h` asks for help and a bare `-v` for the version,
 * while `-h HOST` and `-v VERSION` keep their original meaning.
 */
import minimist from 'minimist';
import { parseByteSize } from '../lib/http/body.js';
import { normalizeOrigin } from '../lib/http/cors.js';
import { isLoopbackHost, normalizeAllowedHost } from '../lib/http/hosts.js';
import { LOG_LEVELS, type LogLevel } from '../lib/common/log.js';
import { transportType, type TransportType } from '../lib/mcp/spec.js';
import { resolveOAuthSpec, type OAuthSpec } from '../lib/mcp/oauth-spec.js';
import { normalizePublicUrl } from '../lib/http/base-url.js';
import { MCP_SEPARATOR } from '../lib/mcp-endpoint/aggregate-source.js';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CliOptions {
  host: string;
  port: number;
  tls?: { certFile: string; keyFile: string };
  rootPath: string;
  pathPrefix: string;
  apiKey?: string;
  /** From MCPO_CONTINUATION_SECRET only: a secret has no place on a command line, where `ps` shows it. */
  continuationSecret?: string;
  strictAuth: boolean;
  allowUnauthenticated: boolean;
  corsAllowOrigins: string[];
  /** Host names answered besides loopback ones; undefined: no Host check (a non-loopback bind without --allowed-hosts). */
  allowedHosts?: string[];
  /** Largest accepted request body, in bytes. */
  bodyLimit: number;
  serverType: TransportType;
  headers?: Record<string, string>;
  /** From --env, in order; --env-path is read by the caller. */
  env: Record<string, string>;
  envPath?: string;
  config?: string;
  hotReload: boolean;
  /** Prefix every tool with its server's name and "_" (config mode only). */
  toolPrefixServers: boolean;
  /** Between a server's name and a tool's or prompt's on the aggregate MCP endpoint `/mcp` (with --config). */
  mcpSeparator?: string;
  toolTimeout: number;
  toolTimeoutMax?: number;
  /** Most seconds a call that keeps reporting progress may take. */
  maxTotalTimeout?: number;
  structuredOutput: boolean;
  name?: string;
  description?: string;
  version?: string;
  logLevel: LogLevel;
  gracePeriod: number;
  /** The base of the OAuth redirect URI behind a reverse proxy, normalised (no trailing slash). */
  publicUrl?: string;
  /** From --state-dir, else MCPO_STATE_DIR; as written (relative to the working directory). */
  stateDir?: string;
  /** The single remote server's `oauth` block, from the --oauth-* flags (the secret also from MCPO_OAUTH_CLIENT_SECRET). */
  oauth?: OAuthSpec;
  /** The words after `--`: a command and its arguments, or one URL for remote servers. */
  command: string[];
}

export type Invocation = { kind: 'help' } | { kind: 'version' } | { kind: 'serve'; options: CliOptions };

export const DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: 8000,
  toolTimeout: 30,
  logLevel: 'info' as LogLevel,
  gracePeriod: 30,
  bodyLimit: '1mb',
});

const STRINGS = [
  'host', 'port', 'ssl-certfile', 'ssl-keyfile', 'root-path', 'path-prefix',
  'api-key', 'cors-allow-origins', 'allowed-hosts', 'body-limit', 'server-type', 'header', 'env', 'env-path',
  'config', 'mcp-separator', 'tool-timeout', 'tool-timeout-max', 'max-total-timeout', 'name', 'description', 'version',
  'log-level', 'grace-period', 'public-url', 'state-dir',
  'oauth-client-id', 'oauth-client-secret', 'oauth-scope', 'oauth-grant-type', 'oauth-client-metadata-url',
];
const BOOLEANS = ['strict-auth', 'allow-unauthenticated', 'hot-reload', 'tool-prefix-servers', 'structured-output', 'help'];
const ALIASES: Record<string, string> = {
  h: 'host', p: 'port', t: 'ssl-certfile', K: 'ssl-keyfile', k: 'api-key', type: 'server-type',
  H: 'header', e: 'env', c: 'config', n: 'name', d: 'description', v: 'version',
};
/** Every long flag, for --help and its test. */
export const LONG_FLAGS: readonly string[] = [...STRINGS, ...BOOLEANS, 'type'];

const LEVEL_NAMES: Record<string, LogLevel> = { debug: 'debug', info: 'info', warn: 'warn', warning: 'warn', error: 'error', critical: 'error' };

export const HELP = `Usage:
  mcpo [options] -- <command> [args...]     serve one stdio MCP server at /
  mcpo [options] --server-type sse -- <url> serve one remote MCP server (sse | streamable-http)
  mcpo [options] --config <file>            serve every server in a Claude-Desktop style file at /<name>

Network:
  -h, --host <host>              address to listen on (default ${DEFAULTS.host}; any other needs an API key)
  -p, --port <port>              port to listen on (default ${DEFAULTS.port}; 0 picks a free one)
  -t, --ssl-certfile <file>      serve HTTPS with this certificate (PEM), together with --ssl-keyfile
  -K, --ssl-keyfile <file>       the certificate's private key (PEM)
      --root-path <path>         path a reverse proxy strips in front of mcpo, for the documents' URLs
      --path-prefix <path>       mount servers under this path (default /)

Auth and CORS:
  -k, --api-key <key>            require "Authorization: Bearer <key>" on tool calls (or set MCPO_API_KEY)
      --strict-auth              require the key on every route, docs included (not /healthz, /readyz)
      --allow-unauthenticated    allow a non-loopback --host without an API key
      --cors-allow-origins <o>   allow browser calls from this origin, or *; repeatable (default: none;
                                 other origins get 403, the docs page's own origin always works)
      --allowed-hosts <h>        also answer to this Host name (api.example.com, *.example.com, or *);
                                 repeatable. On a loopback --host only loopback names are answered
                                 by default (DNS rebinding); elsewhere there is no Host check unless given

Server (single-server mode):
      --server-type, --type <t>  stdio (default), sse or streamable-http; for the last two the word after -- is the URL
  -H, --header <json>            headers for a remote server, as a JSON object
  -e, --env <KEY=VALUE>          add a variable to the environment of stdio servers; repeatable
      --env-path <file>          read more variables from a dotenv file

OAuth (to remote servers that ask for it):
      --public-url <url>         the URL mcpo is reached at, behind a reverse proxy: the OAuth redirect URI
                                 is <url><path-prefix>/oauth/<name>/callback (or "publicUrl" in the config file)
      --state-dir <dir>          where OAuth tokens and registered clients are kept (or set MCPO_STATE_DIR, or
                                 "stateDir" in the config file; default $XDG_STATE_HOME/mcpo or ~/.local/state/mcpo)
  For a single remote server (with --config, write an "oauth" block per server instead):
      --oauth-client-id <id>     a client registered with the server's authorization server
      --oauth-client-secret <s>  its secret; better set MCPO_OAUTH_CLIENT_SECRET, since ps shows flags to all
      --oauth-scope <scopes>     space-separated scopes to ask for, instead of the ones the server names
      --oauth-grant-type <g>     authorization_code (default: a person signs in once) or client_credentials
                                 (no person: needs --oauth-client-id and a secret)
      --oauth-client-metadata-url <url>
                                 an https Client ID Metadata Document to identify mcpo, instead of a client id

Config:
  -c, --config <file>            JSON with comments; \${VAR} and \${VAR:-default} are expanded
      --hot-reload               watch the config file and apply changes without a restart
      --tool-prefix-servers      serve every tool as <server>_<tool> (unless its server sets "toolPrefix"),
                                 so names from different servers cannot clash in one function list
      --mcp-separator <s>        join server and tool names with <s> on the aggregate MCP endpoint /mcp
                                 (default _): /mcp serves every server, /<name>/mcp one, both MCP eras

Calls:
      --tool-timeout <s>         seconds a tool call may go without answering or reporting progress
                                 before it answers 504 (default ${DEFAULTS.toolTimeout})
      --tool-timeout-max <s>     most seconds a caller may ask for with X-Tool-Timeout or ?timeout= (default 600)
      --max-total-timeout <s>    most seconds a call may run while its progress keeps restarting
                                 --tool-timeout (default: --tool-timeout-max)
      --body-limit <size>        largest request body, e.g. 512kb or 2mb (default ${DEFAULTS.bodyLimit}); more gets 413
      --structured-output        add an "output" collection of typed items to every result
                                 A tool that needs input answers 409 with a continuation, signed with
                                 MCPO_CONTINUATION_SECRET (else derived from the API key, else random):
                                 give replicas the same one

Docs, logging, process:
  -n, --name <name>              the docs' title
  -d, --description <text>       the docs' description
  -v, --version <version>        the docs' version (a bare -v or --version prints mcpo's version)
      --log-level <level>        debug, info, warning or error (default ${DEFAULTS.logLevel})
      --grace-period <s>         on SIGTERM/SIGINT, seconds calls in flight may take to finish (default ${DEFAULTS.gracePeriod})
      --help                     show this help
`;

/**
 * The last value of a flag given several times, so that flags after an
 * image's ENTRYPOINT (or a shell alias) override the ones before.
 */
function single(value: unknown, flag: string): string | undefined {
  if (value === undefined) return undefined;
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  if (typeof last !== 'string') throw new UsageError(`--${flag} needs a value`);
  return last;
}

function required(value: unknown, flag: string): string | undefined {
  const text = single(value, flag);
  if (text === '') throw new UsageError(`--${flag} needs a value`);
  return text;
}

function list(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** A repeatable flag whose values may also be comma-separated, each normalized or refused with `problem`. */
function commaList(parsed: Record<string, unknown>, flag: string, normalize: (entry: string) => string, problem: string): string[] {
  const out: string[] = [];
  for (const value of list(parsed[flag])) {
    for (const entry of value.split(',').map((e) => e.trim()).filter(Boolean)) {
      try {
        out.push(normalize(entry));
      } catch {
        throw new UsageError(`--${flag}: ${JSON.stringify(entry)} ${problem}`);
      }
    }
  }
  return out;
}

function seconds(value: unknown, flag: string): number | undefined {
  const text = required(value, flag);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`--${flag} must be a positive number of seconds, got ${JSON.stringify(text)}`);
  }
  return n;
}

function parseHeaders(text: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`--header must be a JSON object such as '{"Authorization": "Bearer token"}'`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`--header must be a JSON object such as '{"Authorization": "Bearer token"}'`);
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') throw new UsageError(`--header: the value of "${name}" must be a string`);
    headers[name] = value;
  }
  return headers;
}

/** The --oauth-* flags and the `oauth` keys they set, for the block and for its error messages. */
const OAUTH_FLAGS = Object.freeze({
  clientId: 'oauth-client-id',
  clientSecret: 'oauth-client-secret',
  scope: 'oauth-scope',
  grantType: 'oauth-grant-type',
  clientMetadataUrl: 'oauth-client-metadata-url',
} satisfies Partial<Record<keyof OAuthSpec, string>>);

/** The single server's `oauth` block from the flags, checked by the same rules as a config file's; undefined when no flag is given. */
function oauthBlock(
  parsed: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
  mode: { config: boolean; serverType: TransportType },
): OAuthSpec | undefined {
  const raw: Record<string, string> = {};
  for (const [key, flag] of Object.entries(OAUTH_FLAGS)) {
    const value = required(parsed[flag], flag);
    if (value !== undefined) raw[key] = value;
  }
  const given = Object.keys(raw).map((key) => `--${OAUTH_FLAGS[key as keyof typeof OAUTH_FLAGS]}`);
  if (given.length > 0 && mode.config) {
    throw new UsageError(`${given[0]} is for a single remote server; with --config, write an "oauth" block in the server's entry`);
  }
  if (given.length > 0 && mode.serverType === 'stdio') {
    throw new UsageError(`${given[0]} is for a remote server (--server-type sse or streamable-http); a stdio server gets its credentials with --env`);
  }
  // The variable is a deployment's setting: it only counts where a remote server could use it.
  if (mode.config || mode.serverType === 'stdio') return undefined;
  if (raw.clientSecret === undefined && env.MCPO_OAUTH_CLIENT_SECRET) raw.clientSecret = env.MCPO_OAUTH_CLIENT_SECRET;
  if (Object.keys(raw).length === 0) return undefined;
  if (raw.grantType === 'client_credentials' && (raw.clientId === undefined || raw.clientSecret === undefined)) {
    throw new UsageError('--oauth-grant-type client_credentials needs --oauth-client-id and a secret (MCPO_OAUTH_CLIENT_SECRET or --oauth-client-secret)');
  }
  try {
    return resolveOAuthSpec(raw, 'oauth');
  } catch (err) {
    let message = (err as Error).message;
    for (const [key, flag] of Object.entries(OAUTH_FLAGS)) message = message.replaceAll(`oauth.${key}`, `--${flag}`);
    throw new UsageError(message);
  }
}

/**
 * Reads argv (without node and the script) and the environment. Throws
 * UsageError with one line naming the problem.
 */
export function parseArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): Invocation {
  const dashes = argv.indexOf('--');
  const flags = dashes === -1 ? [...argv] : argv.slice(0, dashes);
  const command = dashes === -1 ? [] : argv.slice(dashes + 1);
  const unknown: string[] = [];
  const parsed = minimist(flags, {
    string: STRINGS,
    boolean: BOOLEANS,
    alias: ALIASES,
    unknown: (arg) => {
      unknown.push(arg);
      return false;
    },
  });
  const first = unknown[0];
  if (first !== undefined) {
    // `--port -1`: minimist leaves the flag empty and calls "-1" an unknown option.
    const before = flags[flags.indexOf(first) - 1];
    const named = before?.startsWith('-') && !before.includes('=') ? before.replace(/^-+/, '') : undefined;
    const flag = named === undefined ? undefined : Object.hasOwn(ALIASES, named) ? ALIASES[named] : named;
    if (flag !== undefined && STRINGS.includes(flag)) {
      throw new UsageError(`--${flag} needs a value, got ${JSON.stringify(first)}; write --${flag}=${first} if you mean it`);
    }
    if (!first.startsWith('-')) {
      throw new UsageError(`unexpected argument ${JSON.stringify(first)}; put the server command after --, as in: mcpo -- ${first}`);
    }
    throw new UsageError(`unknown option ${first.split('=')[0]}`);
  }
  if (parsed.help) return { kind: 'help' };
  // A bare -h or -v: the usual help and version, where the original wants a value.
  if (parsed.host === '' && flags.includes('-h')) return { kind: 'help' };
  if (parsed.version === '') return { kind: 'version' };

  const host = required(parsed.host, 'host') ?? DEFAULTS.host;
  const portText = required(parsed.port, 'port');
  const port = portText === undefined ? DEFAULTS.port : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || (portText !== undefined && !/^\d+$/.test(portText))) {
    throw new UsageError(`--port must be a whole number from 0 to 65535, got ${JSON.stringify(portText)}`);
  }

  const certFile = required(parsed['ssl-certfile'], 'ssl-certfile');
  const keyFile = required(parsed['ssl-keyfile'], 'ssl-keyfile');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new UsageError('--ssl-certfile and --ssl-keyfile go together; give both or neither');
  }

  const apiKeyFlag = single(parsed['api-key'], 'api-key');
  if (apiKeyFlag === '') throw new UsageError('--api-key needs a value');
  const apiKey = apiKeyFlag ?? (env.MCPO_API_KEY ? env.MCPO_API_KEY : undefined);
  const continuationSecret = env.MCPO_CONTINUATION_SECRET || undefined;
  if (continuationSecret !== undefined && continuationSecret.length < 16) {
    throw new UsageError('MCPO_CONTINUATION_SECRET must be at least 16 characters long');
  }
  const strictAuth = Boolean(parsed['strict-auth']);
  if (strictAuth && !apiKey) throw new UsageError('--strict-auth needs an API key: set --api-key or MCPO_API_KEY');
  const allowUnauthenticated = Boolean(parsed['allow-unauthenticated']);
  if (!apiKey && !allowUnauthenticated && !isLoopbackHost(host)) {
    throw new UsageError(
      `refusing to serve on ${host} without an API key, since MCP servers can read files and run commands; ` +
        'set --api-key or MCPO_API_KEY, or pass --allow-unauthenticated if something in front of mcpo checks callers',
    );
  }

  const corsAllowOrigins = commaList(parsed, 'cors-allow-origins', normalizeOrigin, 'is not an origin; write it like https://chat.example.com, or *');
  const hostList = commaList(parsed, 'allowed-hosts', normalizeAllowedHost, 'is not a host name; write it like api.example.com, *.example.com, or *');
  // A loopback bind is what DNS rebinding targets: its Host check is on even when no name is added.
  const allowedHosts = isLoopbackHost(host) || hostList.length > 0 ? hostList : undefined;

  const bodyLimitText = required(parsed['body-limit'], 'body-limit') ?? DEFAULTS.bodyLimit;
  const bodyLimit = parseByteSize(bodyLimitText);
  if (bodyLimit === undefined) throw new UsageError(`--body-limit must be a size such as 512kb or 2mb, got ${JSON.stringify(bodyLimitText)}`);

  const typeText = required(parsed['server-type'], 'server-type') ?? 'stdio';
  const serverType = transportType(typeText);
  if (!serverType) throw new UsageError(`--server-type must be stdio, sse or streamable-http, got ${JSON.stringify(typeText)}`);

  const headerText = required(parsed.header, 'header');
  const headers = headerText === undefined ? undefined : parseHeaders(headerText);

  const envVars: Record<string, string> = {};
  for (const pair of list(parsed.env)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--env must look like KEY=VALUE, got ${JSON.stringify(pair)}`);
    envVars[pair.slice(0, eq)] = pair.slice(eq + 1);
  }

  const toolTimeout = seconds(parsed['tool-timeout'], 'tool-timeout') ?? DEFAULTS.toolTimeout;
  const toolTimeoutMax = seconds(parsed['tool-timeout-max'], 'tool-timeout-max');
  if (toolTimeoutMax !== undefined && toolTimeout > toolTimeoutMax) {
    throw new UsageError(`--tool-timeout (${toolTimeout}) is above --tool-timeout-max (${toolTimeoutMax})`);
  }
  const maxTotalTimeout = seconds(parsed['max-total-timeout'], 'max-total-timeout');
  if (maxTotalTimeout !== undefined && toolTimeout > maxTotalTimeout) {
    throw new UsageError(`--tool-timeout (${toolTimeout}) is above --max-total-timeout (${maxTotalTimeout})`);
  }
  const gracePeriod = seconds(parsed['grace-period'], 'grace-period') ?? DEFAULTS.gracePeriod;

  const levelText = (required(parsed['log-level'], 'log-level') ?? DEFAULTS.logLevel).toLowerCase();
  const logLevel = Object.hasOwn(LEVEL_NAMES, levelText) ? LEVEL_NAMES[levelText] : undefined;
  if (!logLevel) throw new UsageError(`--log-level must be one of ${[...LOG_LEVELS.slice(0, 2), 'warning', 'error'].join(', ')}, got ${JSON.stringify(levelText)}`);

  const config = required(parsed.config, 'config');
  if (config !== undefined && dashes !== -1) {
    throw new UsageError('give either --config or a server command after --, not both');
  }
  if (config === undefined) {
    if (dashes === -1) throw new UsageError('nothing to serve: give a server command after --, or --config <file>');
    if (command.length === 0 || command[0] === '') throw new UsageError('no server command after --');
    if (serverType !== 'stdio') {
      if (command.length > 1) throw new UsageError(`a ${serverType} server takes one URL after --, got ${command.length} words`);
      let url: URL | undefined;
      try {
        url = new URL(command[0]!);
      } catch {
        url = undefined;
      }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
        throw new UsageError(`the word after -- must be the server's http(s) URL for --server-type ${serverType}, got ${JSON.stringify(command[0])}`);
      }
    }
  }

  const toolPrefixServers = Boolean(parsed['tool-prefix-servers']);
  if (toolPrefixServers && config === undefined) {
    throw new UsageError('--tool-prefix-servers is for --config, where servers can share tool names; a single server has none to clash with');
  }

  const mcpSeparator = required(parsed['mcp-separator'], 'mcp-separator');
  if (mcpSeparator !== undefined) {
    if (config === undefined) throw new UsageError('--mcp-separator is for --config: it joins server and tool names on the aggregate MCP endpoint /mcp');
    if (!MCP_SEPARATOR.test(mcpSeparator)) throw new UsageError(`--mcp-separator must be 1 to 8 letters, digits, "_" or "-", so that joined names stay function names; got ${JSON.stringify(mcpSeparator)}`);
  }

  const publicUrlText = required(parsed['public-url'], 'public-url');
  let publicUrl: string | undefined;
  if (publicUrlText !== undefined) {
    try {
      publicUrl = normalizePublicUrl(publicUrlText, 'public-url');
    } catch (err) {
      throw new UsageError(`--${(err as Error).message.slice(1).replace('"', '')}`);
    }
  }
  const stateDir = required(parsed['state-dir'], 'state-dir') ?? (env.MCPO_STATE_DIR || undefined);
  const oauth = oauthBlock(parsed, env, { config: config !== undefined, serverType });

  const opt = (flag: string) => required(parsed[flag], flag);
  const name = opt('name');
  const description = single(parsed.description, 'description');
  const version = opt('version');
  const envPath = opt('env-path');
  return {
    kind: 'serve',
    options: {
      host,
      port,
      ...(certFile !== undefined && keyFile !== undefined ? { tls: { certFile, keyFile } } : {}),
      rootPath: single(parsed['root-path'], 'root-path') ?? '',
      pathPrefix: single(parsed['path-prefix'], 'path-prefix') ?? '/',
      ...(apiKey !== undefined ? { apiKey } : {}),
      ...(continuationSecret !== undefined ? { continuationSecret } : {}),
      strictAuth,
      allowUnauthenticated,
      corsAllowOrigins,
      ...(allowedHosts !== undefined ? { allowedHosts } : {}),
      bodyLimit,
      serverType,
      ...(headers !== undefined ? { headers } : {}),
      env: envVars,
      ...(envPath !== undefined ? { envPath } : {}),
      ...(config !== undefined ? { config } : {}),
      hotReload: Boolean(parsed['hot-reload']),
      toolPrefixServers,
      ...(mcpSeparator !== undefined ? { mcpSeparator } : {}),
      toolTimeout,
      ...(toolTimeoutMax !== undefined ? { toolTimeoutMax } : {}),
      ...(maxTotalTimeout !== undefined ? { maxTotalTimeout } : {}),
      structuredOutput: Boolean(parsed['structured-output']),
      ...(name !== undefined ? { name } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(version !== undefined ? { version } : {}),
      logLevel,
      gracePeriod,
      ...(publicUrl !== undefined ? { publicUrl } : {}),
      ...(stateDir !== undefined ? { stateDir } : {}),
      ...(oauth !== undefined ? { oauth } : {}),
      command,
    },
  };
}
