/**
 * The command line's options in createApp's terms (lib/app/app.ts): a
 * mapping only, with the config file's publicUrl and stateDir where the
 * command line leaves them out, its auth block and rate limit, and the
 * audit file's sink when --audit-log names one.
 */
import path from 'node:path';
import type { AppOptions } from '../lib/app/app-options.js';
import type { AppConfig } from '../lib/app/server-entries.js';
import type { McpoConfig } from '../lib/app/config.js';
import type { Logger } from '../lib/common/log.js';
import type { AuditSink } from '../lib/telemetry/audit.js';
import type { CliOptions } from './cli-options.js';

/** The command line's options in createApp's terms; --public-url and --state-dir (or MCPO_STATE_DIR) win over the file's keys. */
export function appOptions(options: CliOptions, config: AppConfig, logger: Logger, audit?: AuditSink): AppOptions {
  const file: Pick<McpoConfig, 'publicUrl' | 'stateDir' | 'auth' | 'rateLimit'> = 'servers' in config ? config : {};
  const publicUrl = options.publicUrl ?? file.publicUrl;
  const stateDir = options.stateDir ?? file.stateDir;
  return {
    ...(publicUrl !== undefined ? { publicUrl } : {}),
    ...(stateDir !== undefined ? { stateDir: path.resolve(stateDir) } : {}),
    ...(options.stateStore !== undefined ? { stateStore: options.stateStore } : {}),
    ...(options.apiKey !== undefined ? { apiKey: options.apiKey } : {}),
    ...(file.auth !== undefined ? { auth: file.auth as AppOptions['auth'] } : {}),
    ...(file.rateLimit !== undefined ? { rateLimit: file.rateLimit } : {}),
    metricsPublic: options.metricsPublic,
    ...(audit ? { audit } : {}),
    strictAuth: options.strictAuth,
    corsAllowOrigins: options.corsAllowOrigins,
    ...(options.allowedHosts !== undefined ? { allowedHosts: options.allowedHosts } : {}),
    pathPrefix: options.pathPrefix,
    rootPath: options.rootPath,
    https: options.tls !== undefined,
    headersTimeout: options.headersTimeout,
    requestTimeout: options.requestTimeout,
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
      ...(options.sessionIdleTimeout !== undefined ? { sessionIdleTimeout: options.sessionIdleTimeout } : {}),
      ...(options.maxSessions !== undefined ? { maxSessions: options.maxSessions } : {}),
      ...(options.continuationSecret !== undefined ? { continuationSecret: options.continuationSecret } : {}),
    },
    logger,
  };
}
