/**
 * The command line: argv → what to run, or a UsageError (bin/usage-error.ts)
 * that names the problem in one line. Pure (it reads nothing but its
 * arguments), so every flag is unit-tested without starting a process.
 * parseArgs is the order of the checks: argv split and unknown options
 * refused (bin/argv.ts), help and version before any value, then one reader
 * per group of flags, each with the one-flag readers of bin/flag-values.ts,
 * the limits on what a client may hold (bin/client-limit-flags.ts), the
 * OAuth flags (bin/oauth-flags.ts) once the mode is known, and what an
 * operator reads (bin/operations-flags.ts). The first
 * problem wins, so the readers run in the order their checks always have.
 * The flag table is bin/flags.ts, the help text bin/help.ts.
 */
import { parseByteSize } from '../lib/http/body.js';
import { normalizeOrigin } from '../lib/http/cors.js';
import { isLoopbackHost, normalizeAllowedHost } from '../lib/http/hosts.js';
import { checkCallersVerified } from './caller-checks.js';
import { LOG_LEVELS, type LogLevel } from '../lib/common/log.js';
import { transportType, type TransportType } from '../lib/mcp/spec.js';
import { MCP_SEPARATOR } from '../lib/mcp-endpoint/separator.js';
import { earlyKind, splitArgv, type ParsedFlags, type SplitArgv } from './argv.js';
import type { CliOptions, Invocation } from './cli-options.js';
import { commaList, list, parseHeaders, required, seconds, single } from './flag-values.js';
import { readClientLimits } from './client-limit-flags.js';
import { DEFAULTS } from './flags.js';
import { readOAuthFlags, readStatePlace } from './oauth-flags.js';
import { readOperations } from './operations-flags.js';
import { UsageError } from './usage-error.js';

type Env = Readonly<Record<string, string | undefined>>;

const LEVEL_NAMES: Record<string, LogLevel> = { debug: 'debug', info: 'info', warn: 'warn', warning: 'warn', error: 'error', critical: 'error' };

/**
 * Reads argv (without node and the script) and the environment. Throws
 * UsageError with one line naming the problem.
 */
export function parseArgs(argv: readonly string[], env: Env = {}): Invocation {
  const words = splitArgv(argv);
  const { parsed } = words;
  const early = earlyKind(words);
  if (early !== undefined) return { kind: early };
  const forget = required(parsed['forget-tokens'], 'forget-tokens');
  if (forget !== undefined) {
    const config = required(parsed.config, 'config');
    return { kind: 'forget-tokens', forget: { server: forget, ...(config !== undefined ? { config } : {}), ...readStatePlace(parsed, env) } };
  }

  const network = readNetwork(parsed);
  const auth = readAuth(parsed, env, network.host);
  const access = readOriginsAndHosts(parsed, network.host);
  const bodyLimit = readBodyLimit(parsed);
  const server = readServer(parsed);
  const calls = readCalls(parsed);
  const clients = readClientLimits(parsed);
  const mode = readMode(parsed, words, server.serverType);
  const oauth = readOAuthFlags(parsed, env, { config: mode.config !== undefined, serverType: server.serverType });
  const docs = readDocs(parsed);
  const paths = readPaths(parsed);
  return {
    kind: 'serve',
    options: {
      ...network,
      ...paths,
      ...auth,
      ...access,
      bodyLimit,
      ...server,
      ...mode,
      ...calls,
      ...clients,
      structuredOutput: Boolean(parsed['structured-output']),
      ...readOperations(parsed),
      ...docs,
      ...oauth,
      command: words.command,
    },
  };
}

/** --host, --port, and --ssl-certfile with --ssl-keyfile. */
function readNetwork(parsed: ParsedFlags): Pick<CliOptions, 'host' | 'port' | 'tls'> {
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
  return { host, port, ...(certFile !== undefined && keyFile !== undefined ? { tls: { certFile, keyFile } } : {}) };
}

/** The API key (--api-key, else MCPO_API_KEY), MCPO_CONTINUATION_SECRET, and who may call without a key. */
function readAuth(parsed: ParsedFlags, env: Env, host: string): Pick<CliOptions, 'apiKey' | 'continuationSecret' | 'strictAuth' | 'allowUnauthenticated'> {
  const apiKeyFlag = single(parsed['api-key'], 'api-key');
  if (apiKeyFlag === '') throw new UsageError('--api-key needs a value');
  const apiKey = apiKeyFlag ?? (env.MCPO_API_KEY ? env.MCPO_API_KEY : undefined);
  const continuationSecret = env.MCPO_CONTINUATION_SECRET || undefined;
  if (continuationSecret !== undefined && continuationSecret.length < 16) {
    throw new UsageError('MCPO_CONTINUATION_SECRET must be at least 16 characters long');
  }
  const strictAuth = Boolean(parsed['strict-auth']);
  const allowUnauthenticated = Boolean(parsed['allow-unauthenticated']);
  // A config file may verify callers with its own "auth" block: bin/caller-checks.ts asks again once it is read.
  if (parsed.config === undefined) checkCallersVerified({ host, strictAuth, allowUnauthenticated, verified: apiKey !== undefined });
  return {
    ...(apiKey !== undefined ? { apiKey } : {}),
    ...(continuationSecret !== undefined ? { continuationSecret } : {}),
    strictAuth,
    allowUnauthenticated,
  };
}

/** --cors-allow-origins and --allowed-hosts. */
function readOriginsAndHosts(parsed: ParsedFlags, host: string): Pick<CliOptions, 'corsAllowOrigins' | 'allowedHosts'> {
  const corsAllowOrigins = commaList(parsed, 'cors-allow-origins', normalizeOrigin, 'is not an origin; write it like https://chat.example.com, or *');
  const hostList = commaList(parsed, 'allowed-hosts', normalizeAllowedHost, 'is not a host name; write it like api.example.com, *.example.com, or *');
  // A loopback bind is what DNS rebinding targets: its Host check is on even when no name is added.
  const allowedHosts = isLoopbackHost(host) || hostList.length > 0 ? hostList : undefined;
  return { corsAllowOrigins, ...(allowedHosts !== undefined ? { allowedHosts } : {}) };
}

function readBodyLimit(parsed: ParsedFlags): number {
  const bodyLimitText = required(parsed['body-limit'], 'body-limit') ?? DEFAULTS.bodyLimit;
  const bodyLimit = parseByteSize(bodyLimitText);
  if (bodyLimit === undefined) throw new UsageError(`--body-limit must be a size such as 512kb or 2mb, got ${JSON.stringify(bodyLimitText)}`);
  return bodyLimit;
}

/** The single server's flags: --server-type, --header and --env. */
function readServer(parsed: ParsedFlags): Pick<CliOptions, 'serverType' | 'headers' | 'env'> {
  const typeText = required(parsed['server-type'], 'server-type') ?? 'stdio';
  const serverType = transportType(typeText);
  if (!serverType) throw new UsageError(`--server-type must be stdio, sse or streamable-http, got ${JSON.stringify(typeText)}`);

  const headerText = required(parsed.header, 'header');
  const headers = headerText === undefined ? undefined : parseHeaders(headerText);

  const env: Record<string, string> = {};
  for (const pair of list(parsed.env)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--env must look like KEY=VALUE, got ${JSON.stringify(pair)}`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { serverType, ...(headers !== undefined ? { headers } : {}), env };
}

/** The timeouts of tool calls, the grace period and the log level. */
function readCalls(parsed: ParsedFlags): Pick<CliOptions, 'toolTimeout' | 'toolTimeoutMax' | 'maxTotalTimeout' | 'gracePeriod' | 'logLevel'> {
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
  return {
    toolTimeout,
    ...(toolTimeoutMax !== undefined ? { toolTimeoutMax } : {}),
    ...(maxTotalTimeout !== undefined ? { maxTotalTimeout } : {}),
    gracePeriod,
    logLevel,
  };
}

/** Config mode (--config and the flags only it takes) or a server command after `--`, never both. */
function readMode(
  parsed: ParsedFlags,
  words: SplitArgv,
  serverType: TransportType,
): Pick<CliOptions, 'config' | 'hotReload' | 'toolPrefixServers' | 'mcpSeparator'> {
  const config = required(parsed.config, 'config');
  if (config !== undefined && words.dashes) {
    throw new UsageError('give either --config or a server command after --, not both');
  }
  if (config === undefined) checkCommand(words, serverType);

  const toolPrefixServers = Boolean(parsed['tool-prefix-servers']);
  if (toolPrefixServers && config === undefined) {
    throw new UsageError('--tool-prefix-servers is for --config, where servers can share tool names; a single server has none to clash with');
  }

  const mcpSeparator = required(parsed['mcp-separator'], 'mcp-separator');
  if (mcpSeparator !== undefined) {
    if (config === undefined) throw new UsageError('--mcp-separator is for --config: it joins server and tool names on the aggregate MCP endpoint /mcp');
    if (!MCP_SEPARATOR.test(mcpSeparator)) throw new UsageError(`--mcp-separator must be 1 to 8 letters, digits, "_" or "-", so that joined names stay function names; got ${JSON.stringify(mcpSeparator)}`);
  }
  return {
    ...(config !== undefined ? { config } : {}),
    hotReload: Boolean(parsed['hot-reload']),
    toolPrefixServers,
    ...(mcpSeparator !== undefined ? { mcpSeparator } : {}),
  };
}

/** The words after `--`: a command, or one http(s) URL for a remote server. */
function checkCommand({ dashes, command }: SplitArgv, serverType: TransportType): void {
  if (!dashes) throw new UsageError('nothing to serve: give a server command after --, or --config <file>');
  if (command.length === 0 || command[0] === '') throw new UsageError('no server command after --');
  if (serverType === 'stdio') return;
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

/** The docs' --name, --description and --version. */
function readDocs(parsed: ParsedFlags): Pick<CliOptions, 'name' | 'description' | 'version'> {
  const name = required(parsed.name, 'name');
  const description = single(parsed.description, 'description');
  const version = required(parsed.version, 'version');
  return {
    ...(name !== undefined ? { name } : {}),
    ...(description !== undefined ? { description } : {}),
    ...(version !== undefined ? { version } : {}),
  };
}

/** --env-path, then the URL paths --root-path and --path-prefix. */
function readPaths(parsed: ParsedFlags): Pick<CliOptions, 'envPath' | 'rootPath' | 'pathPrefix'> {
  const envPath = required(parsed['env-path'], 'env-path');
  return {
    ...(envPath !== undefined ? { envPath } : {}),
    rootPath: single(parsed['root-path'], 'root-path') ?? '',
    pathPrefix: single(parsed['path-prefix'], 'path-prefix') ?? '/',
  };
}
