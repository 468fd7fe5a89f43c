/**
 * What the command line asks for: help, the version, or a server to run with
 * its options. Types only; the parser (bin/args.ts) builds them and the entry
 * point (bin/mcpo.ts) reads them.
 */
import type { LogLevel } from '../lib/common/log.js';
import type { TransportType } from '../lib/mcp/spec.js';
import type { OAuthSpec } from '../lib/mcp/oauth-spec.js';

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
  /** Seconds a 2025-era MCP session may stay idle before it is closed. */
  sessionIdleTimeout?: number;
  /** The most 2025-era sessions per MCP endpoint. */
  maxSessions?: number;
  name?: string;
  description?: string;
  version?: string;
  logLevel: LogLevel;
  gracePeriod: number;
  /** Seconds a client has to send a request's headers, and the whole request. */
  headersTimeout: number;
  requestTimeout: number;
  /** The base of the OAuth redirect URI behind a reverse proxy, normalised (no trailing slash). */
  publicUrl?: string;
  /** From --state-dir, else MCPO_STATE_DIR; as written (relative to the working directory). */
  stateDir?: string;
  /** From --state-store, else MCPO_STATE_STORE: the Redis URL the state lives at, shared by replicas. */
  stateStore?: string;
  /** The single remote server's `oauth` block, from the --oauth-* flags (the secret also from MCPO_OAUTH_CLIENT_SECRET). */
  oauth?: OAuthSpec;
  /** `/metrics` without credentials. */
  metricsPublic: boolean;
  /** The file the audit lines go to; absent: the log, at info. */
  auditLog?: string;
  /** The words after `--`: a command and its arguments, or one URL for remote servers. */
  command: string[];
}

/** `--forget-tokens <name>`: forget every caller's tokens for that server in the state store, then exit. */
export interface ForgetTokens {
  server: string;
  config?: string;
  stateDir?: string;
  stateStore?: string;
}

export type Invocation = { kind: 'help' } | { kind: 'version' } | { kind: 'serve'; options: CliOptions } | { kind: 'forget-tokens'; forget: ForgetTokens };
