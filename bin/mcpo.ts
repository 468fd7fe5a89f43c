#!/usr/bin/env node
/**
 * The `mcpo` command: argv → createApp → listen, and the process around it
 * (env files, TLS files, signals, exit codes). Everything a request meets
 * lives in lib/; this file only wires it to a port.
 *
 * Exit codes: 0 after a clean shutdown, 1 when the grace period ran out or
 * the port could not be opened, 2 for a usage or config problem (one line on
 * stderr, never a stack trace).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { parseEnv } from 'node:util';
import { answerClientError } from '../lib/http/client-error.js';
import { createApp, type AppConfig, type AppOptions, type McpoApp } from '../lib/app/app.js';
import { ConfigError, fileErrorReason, loadConfig, type McpoConfig } from '../lib/app/config.js';
import { watchConfig, type ConfigWatcher } from '../lib/app/config-watch.js';
import { createConsoleLogger, type Logger } from '../lib/common/log.js';
import { normalizeRootPath } from '../lib/http/base-url.js';
import type { ServerSpec } from '../lib/mcp/spec.js';
import { VERSION } from '../lib/common/version.js';
import { HELP, parseArgs, UsageError, type CliOptions } from './args.js';

class StartupError extends Error {}

function fail(message: string, code: number): never {
  process.stderr.write(`mcpo: ${message}\n`);
  process.exit(code);
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new StartupError(`${what} ${path}: ${fileErrorReason(err)}`);
  }
}

/** Variables for stdio servers: --env-path first, then --env, which wins. */
function extraEnv(options: CliOptions): Record<string, string> {
  if (options.envPath === undefined) return { ...options.env };
  let fromFile: Record<string, string>;
  try {
    fromFile = parseEnv(readText(options.envPath, '--env-path')) as Record<string, string>;
  } catch (err) {
    if (err instanceof StartupError) throw err;
    throw new StartupError(`--env-path ${options.envPath}: not a dotenv file`);
  }
  return { ...fromFile, ...options.env };
}

function withEnv(spec: ServerSpec, env: Record<string, string>): ServerSpec {
  if (!('command' in spec) || Object.keys(env).length === 0) return spec;
  // The server's own env wins over the command line's.
  return { ...spec, env: { ...env, ...spec.env } };
}

/** Reads the config file, at start and on every reload, with the command line's env folded in. */
async function readConfigFile(file: string, env: Record<string, string>, logger: Logger): Promise<McpoConfig> {
  const config = await loadConfig(file, { env: { ...process.env, ...env } });
  for (const warning of config.warnings) logger.warn(warning);
  for (const name of config.skipped) logger.info(`server ${name} is disabled in the config; skipped`);
  if (config.servers.length === 0) logger.warn('the config has no enabled servers');
  return { ...config, servers: config.servers.map((s) => ({ ...s, spec: withEnv(s.spec, env) })) };
}

async function buildConfig(options: CliOptions, env: Record<string, string>, logger: Logger): Promise<AppConfig> {
  if (options.config !== undefined) {
    if (options.headers) logger.warn('--header applies to a single remote server; with --config, set "headers" per server');
    if (options.serverType !== 'stdio') logger.warn('--server-type applies to a single server; with --config, set "type" per server');
    return readConfigFile(options.config, env, logger);
  }
  const [first, ...rest] = options.command;
  let server: ServerSpec;
  if (options.serverType === 'stdio') {
    if (options.headers) logger.warn('--header applies to sse and streamable-http servers; ignored for a stdio server');
    server = withEnv({ command: first!, args: rest }, env);
  } else {
    server = { type: options.serverType, url: first!, headers: options.headers ?? {}, ...(options.oauth ? { oauth: options.oauth } : {}) };
  }
  return { server, ...(options.name !== undefined ? { name: options.name } : {}) };
}

function listen(app: McpoApp, options: CliOptions): Promise<http.Server> {
  const server = options.tls
    ? https.createServer({ cert: readText(options.tls.certFile, '--ssl-certfile'), key: readText(options.tls.keyFile, '--ssl-keyfile') }, app)
    : http.createServer(app);
  server.on('clientError', answerClientError);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function baseUrl(server: http.Server, options: CliOptions): string {
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return `${options.tls ? 'https' : 'http'}://${host}:${port}`;
}

/** The command line's options in createApp's terms; --public-url and --state-dir (or MCPO_STATE_DIR) win over the file's keys. */
function appOptions(options: CliOptions, config: AppConfig, logger: Logger): AppOptions {
  const file: Pick<McpoConfig, 'publicUrl' | 'stateDir'> = 'servers' in config ? config : {};
  const publicUrl = options.publicUrl ?? file.publicUrl;
  const stateDir = options.stateDir ?? file.stateDir;
  return {
    ...(publicUrl !== undefined ? { publicUrl } : {}),
    ...(stateDir !== undefined ? { stateDir: path.resolve(stateDir) } : {}),
    ...(options.apiKey !== undefined ? { apiKey: options.apiKey } : {}),
    strictAuth: options.strictAuth,
    corsAllowOrigins: options.corsAllowOrigins,
    ...(options.allowedHosts !== undefined ? { allowedHosts: options.allowedHosts } : {}),
    pathPrefix: options.pathPrefix,
    rootPath: options.rootPath,
    https: options.tls !== undefined,
    ...(options.toolPrefixServers ? { toolPrefixServers: true } : {}),
    ...(options.mcpSeparator !== undefined ? { mcpSeparator: options.mcpSeparator } : {}),
    info: {
      ...(options.name !== undefined ? { title: options.name } : {}),
      ...(options.description !== undefined ? { description: options.description } : {}),
      ...(options.version !== undefined ? { version: options.version } : {}),
    },
    router: {
      toolTimeout: options.toolTimeout,
      ...(options.toolTimeoutMax !== undefined ? { toolTimeoutMax: options.toolTimeoutMax } : {}),
      ...(options.maxTotalTimeout !== undefined ? { maxTotalTimeout: options.maxTotalTimeout } : {}),
      structuredOutput: options.structuredOutput,
      bodyLimit: options.bodyLimit,
      ...(options.continuationSecret !== undefined ? { continuationSecret: options.continuationSecret } : {}),
    },
    logger,
  };
}

async function main(): Promise<void> {
  let invocation;
  try {
    invocation = parseArgs(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof UsageError) fail(`${err.message} (see "mcpo --help")`, 2);
    throw err;
  }
  if (invocation.kind === 'help') {
    process.stdout.write(HELP);
    return;
  }
  if (invocation.kind === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  const options = invocation.options;
  const logger = createConsoleLogger(options.logLevel);

  let app: McpoApp;
  let server: http.Server;
  let env: Record<string, string>;
  let config: AppConfig;
  try {
    env = extraEnv(options);
    config = await buildConfig(options, env, logger);
    if (options.hotReload && options.config === undefined) logger.warn('--hot-reload watches a config file; without --config it does nothing');
    app = createApp(config, appOptions(options, config, logger));
  } catch (err) {
    if (err instanceof StartupError || err instanceof ConfigError || err instanceof TypeError) fail(err.message, 2);
    throw err;
  }
  try {
    server = await listen(app, options);
  } catch (err) {
    await app.close();
    if (err instanceof StartupError) fail(err.message, 2);
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'EADDRINUSE' ? 'the address is in use' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EADDRNOTAVAIL' ? 'no such address on this machine' : e.message;
    fail(`cannot listen on ${options.host}:${options.port}: ${why}`, 1);
  }
  const url = baseUrl(server, options);
  const prefix = normalizeRootPath(options.pathPrefix, 'pathPrefix');
  logger.info(`listening on ${url}${prefix}/ (docs at ${url}${prefix}/docs${options.apiKey ? ', API key required' : ''})`);
  let stopping = false;
  void app.ready().then(() => {
    // A shutdown before every server connected ends ready() too; the summary would only confuse.
    if (stopping) return;
    for (const [name, report] of Object.entries(app.health().servers)) {
      if (report.connected) logger.info(`server ${name}: ${report.tools} tool(s) at ${url}${prefix}${options.config ? `/${name}` : ''}/docs`);
      else if (report.authorizeUrl !== undefined) {
        const page = report.authorizeUrl.startsWith('/') ? `${url}${report.authorizeUrl}` : report.authorizeUrl;
        logger.warn(`server ${name}: needs authorization; open ${page} in a browser`);
      }
      // The error (quoted stderr included) goes in a field, so the log stays one line per event.
      else logger.warn(`server ${name}: not connected; retrying in the background`, report.lastError ? { error: report.lastError } : undefined);
    }
  });

  // In config mode SIGHUP re-reads the file; --hot-reload also watches it.
  let watcher: ConfigWatcher | undefined;
  if (options.config !== undefined) {
    const file = options.config;
    const started = config as McpoConfig;
    const load = async (): Promise<McpoConfig> => {
      const next = await readConfigFile(file, env, logger);
      for (const key of ['publicUrl', 'stateDir'] as const) {
        // A key the command line sets is not the file's to change anyway.
        if (options[key] === undefined && next[key] !== started[key]) logger.warn(`"${key}" changed in ${file}; restart mcpo to apply it (a reload changes servers only)`);
      }
      return next;
    };
    watcher = watchConfig({ file, load, app, logger, watch: options.hotReload });
    if (options.hotReload) logger.info(`watching ${file} for changes`);
    process.on('SIGHUP', () => {
      logger.info('SIGHUP: reloading the config');
      void watcher!.reload();
    });
  }

  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) {
      // A second signal: stop now. The stdio transport's exit hook SIGKILLs every child's process group.
      logger.warn(`${signal} again; exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    watcher?.close();
    logger.info(`${signal}: no new connections; waiting up to ${options.gracePeriod} s for calls in flight`);
    server.close();
    server.closeIdleConnections();
    const drained = await app.drain(options.gracePeriod * 1000);
    if (!drained) logger.warn('the grace period ran out with calls still in flight');
    server.closeAllConnections();
    await app.close();
    logger.info('stopped');
    process.exit(drained ? 0 : 1);
  };
  process.on('SIGTERM', (s) => void shutdown(s));
  process.on('SIGINT', (s) => void shutdown(s));
}

main().catch((err: unknown) => {
  fail(`unexpected error: ${err instanceof Error ? err.message : String(err)}`, 1);
});
