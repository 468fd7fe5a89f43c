/**
 * What to serve, from the command line: the config file (read at start and
 * on every reload) or the one server after `--`, with the variables of
 * --env-path and --env folded into every stdio server's environment. Files
 * are read with bin/startup-error.ts, the config with lib/app/config.ts; the
 * app is built elsewhere (bin/mcpo.ts).
 */
import { parseEnv } from 'node:util';
import type { AppConfig } from '../lib/app/server-entries.js';
import { loadConfig, type McpoConfig } from '../lib/app/config.js';
import type { Logger } from '../lib/common/log.js';
import type { ServerSpec } from '../lib/mcp/spec.js';
import type { CliOptions } from './cli-options.js';
import { readText, StartupError } from './startup-error.js';

/** Variables for stdio servers: --env-path first, then --env, which wins. */
export function extraEnv(options: CliOptions): Record<string, string> {
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
export async function readConfigFile(file: string, env: Record<string, string>, logger: Logger): Promise<McpoConfig> {
  const config = await loadConfig(file, { env: { ...process.env, ...env } });
  for (const warning of config.warnings) logger.warn(warning);
  for (const name of config.skipped) logger.info(`server ${name} is disabled in the config; skipped`);
  if (config.servers.length === 0) logger.warn('the config has no enabled servers');
  return { ...config, servers: config.servers.map((s) => ({ ...s, spec: withEnv(s.spec, env) })) };
}

export async function buildConfig(options: CliOptions, env: Record<string, string>, logger: Logger): Promise<AppConfig> {
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
