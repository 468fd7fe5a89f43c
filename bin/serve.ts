/**
 * The `mcpo` command once bin/mcpo.ts has found it is to serve (or to forget
 * tokens): argv → config → listen → createApp, and the process around it
 * (env files, TLS files, signals, exit codes). Everything a request meets
 * lives in lib/; this file only wires it to a port, from the command line
 * (bin/args.ts), what to serve (bin/server-config.ts) and
 * whether callers are verified where they must be (bin/caller-checks.ts), the app's
 * options (bin/app-options.ts), the port (bin/listen.ts), the log lines that
 * say where it serves (bin/announce.ts), reloads (bin/reload.ts), the
 * shutdown (bin/shutdown.ts), traces to a collector (bin/tracing.ts), the
 * audit file (bin/audit-log.ts), and an operator's `--forget-tokens`
 * (bin/forget-tokens.ts).
 *
 * Exit codes: 0 after a clean shutdown, 1 when the grace period ran out or
 * the port could not be opened, 2 for a usage or config problem (one line on
 * stderr, never a stack trace).
 */
import type { McpoApp } from '../lib/app/app.js';
import type { AppConfig } from '../lib/app/server-entries.js';
import { ConfigError, type McpoConfig } from '../lib/app/config.js';
import { createConsoleLogger, type Logger } from '../lib/common/log.js';
import { normalizeRootPath } from '../lib/http/base-url.js';
import { logListening, logServers } from './announce.js';
import { appOptions } from './app-options.js';
import { parseArgs } from './args.js';
import type { CliOptions, Invocation } from './cli-options.js';
import { baseUrl, listen, listenErrorReason, type Listening } from './listen.js';
import { watchReloads } from './reload.js';
import { checkCallersVerified } from './caller-checks.js';
import { buildConfig, extraEnv } from './server-config.js';
import { forgetTokens } from './forget-tokens.js';
import { openAuditLog } from './audit-log.js';
import { startTracing } from './tracing.js';
import type { AuditFile } from '../lib/telemetry/audit.js';
import { exitOnEarlySignals, stopOnSignals } from './shutdown.js';
import { startAhead } from './start-ahead.js';
import { dropAhead } from '../lib/mcp/spawn-ahead.js';
import { StartupError } from './startup-error.js';
import { UsageError } from './usage-error.js';

interface Started {
  app: McpoApp;
  /** The --audit-log file, when one is named. */
  audit: AuditFile | undefined;
  config: AppConfig;
  /** The command line's variables for stdio servers, kept for reloads. */
  env: Record<string, string>;
}

function fail(message: string, code: number): never {
  process.stderr.write(`mcpo: ${message}\n`);
  process.exit(code);
}

function readInvocation(): Invocation {
  try {
    return parseArgs(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof UsageError) fail(`${err.message} (see "mcpo --help")`, 2);
    throw err;
  }
}

/** What is exited on with code 2: the user's to fix, said in their words. */
const isStartupProblem = (err: unknown): boolean => err instanceof StartupError || err instanceof ConfigError || err instanceof TypeError || err instanceof UsageError;

/** The config and what goes with it, each problem found before the port opens. */
async function prepare(options: CliOptions, logger: Logger): Promise<Omit<Started, 'app'>> {
  try {
    const env = extraEnv(options);
    const config = await buildConfig(options, env, logger);
    if (options.config !== undefined) {
      const verified = options.apiKey !== undefined || ('servers' in config && config.auth !== undefined);
      checkCallersVerified({ host: options.host, strictAuth: options.strictAuth, allowUnauthenticated: options.allowUnauthenticated, verified });
    }
    if (options.hotReload && options.config === undefined) logger.warn('--hot-reload watches a config file; without --config it does nothing');
    const audit = options.auditLog !== undefined ? openAuditLog(options.auditLog, logger) : undefined;
    return { audit, config, env };
  } catch (err) {
    if (isStartupProblem(err)) fail((err as Error).message, 2);
    throw err;
  }
}

/** The app, loaded only now: its modules are most of the command's start (bin/listen.ts). */
async function makeApp(prepared: Omit<Started, 'app'>, options: CliOptions, logger: Logger): Promise<McpoApp> {
  const { createApp } = await import('../lib/app/app.js');
  try {
    return createApp(prepared.config, appOptions(options, prepared.config, logger, prepared.audit?.write));
  } catch (err) {
    await prepared.audit?.close();
    if (isStartupProblem(err)) fail((err as Error).message, 2);
    throw err;
  }
}

async function listenOrExit(options: CliOptions, logger: Logger): Promise<Listening> {
  try {
    return await listen(options, logger);
  } catch (err) {
    if (err instanceof StartupError) fail(err.message, 2);
    fail(`cannot listen on ${options.host}:${options.port}: ${listenErrorReason(err)}`, 1);
  }
}

async function main(): Promise<void> {
  const invocation = readInvocation();
  // bin/mcpo.ts answered help and version (the same earlyKind as parseArgs) before it loaded this module.
  if (invocation.kind === 'help' || invocation.kind === 'version') return;
  if (invocation.kind === 'forget-tokens') {
    const { count, where } = await forgetTokens(invocation.forget, createConsoleLogger('warn')).catch((err: unknown) => {
      if (err instanceof StartupError || err instanceof ConfigError || err instanceof TypeError) fail(err.message, 2);
      throw err;
    });
    process.stdout.write(`mcpo: forgot ${count} token record${count === 1 ? '' : 's'} of server "${invocation.forget.server}" in ${where}\n`);
    return;
  }
  const options = invocation.options;
  const endEarlyExits = exitOnEarlySignals();
  const logger = createConsoleLogger(options.logLevel);
  // Before the app, so the first call already has a tracer to report to.
  const tracing = await startTracing(process.env, logger);
  const prepared = await prepare(options, logger);
  const { audit, config, env } = prepared;
  const { server, serve } = await listenOrExit(options, logger);
  // The servers start while the app loads; the app's transports take them (lib/mcp/spawn-ahead.ts).
  startAhead(config);
  const app = await makeApp(prepared, options, logger);
  serve(app);
  const at = { url: baseUrl(server, options), prefix: normalizeRootPath(options.pathPrefix, 'pathPrefix') };
  // In config mode SIGHUP re-reads the file; --hot-reload also watches it.
  const watcher =
    options.config === undefined ? undefined : watchReloads({ file: options.config, started: config as McpoConfig, env, options, app, logger });
  const finish = async (): Promise<void> => {
    await Promise.all([audit?.close(), tracing?.shutdown()]);
  };
  const stopping = stopOnSignals({ server, app, watcher, logger, gracePeriod: options.gracePeriod, finish });
  endEarlyExits();
  // Only now: whoever reads this line and sends a signal gets the graceful shutdown.
  logListening(logger, at, options.apiKey);
  void app.ready().then(() => {
    // Every server has connected (or failed to): a process started ahead that no transport took was not the app's.
    dropAhead();
    // A shutdown before every server connected ends ready() too; the summary would only confuse.
    if (!stopping()) logServers(app, at, options.config !== undefined, logger);
  });
}

main().catch((err: unknown) => {
  fail(`unexpected error: ${err instanceof Error ? err.message : String(err)}`, 1);
});
