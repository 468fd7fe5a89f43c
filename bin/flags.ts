/**
 * The flag table: every long flag, whether it takes a value, its short form,
 * and the defaults. Data only, so the help text (bin/help.ts) can be built
 * from it without loading anything else; the parser (bin/args.ts) reads it.
 * Flags and short forms follow the original, so commands from its README and
 * from users' shell history work unchanged. Two short forms double as the
 * usual ones: a bare `-h` asks for help and a bare `-v` for the version,
 * while `-h HOST` and `-v VERSION` keep their original meaning.
 */
import type { LogLevel } from '../lib/common/log.js';

export const DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: 8000,
  toolTimeout: 30,
  logLevel: 'info' as LogLevel,
  gracePeriod: 30,
  bodyLimit: '1mb',
  // lib/http/server-limits.ts's defaults, repeated so that help loads nothing from lib/ (test/cli/args.test.ts compares them).
  headersTimeout: 20,
  requestTimeout: 60,
});

export const STRINGS = [
  'host', 'port', 'ssl-certfile', 'ssl-keyfile', 'root-path', 'path-prefix',
  'api-key', 'cors-allow-origins', 'allowed-hosts', 'body-limit', 'server-type', 'header', 'env', 'env-path',
  'config', 'mcp-separator', 'tool-timeout', 'tool-timeout-max', 'max-total-timeout', 'name', 'description', 'version',
  'session-idle-timeout', 'max-sessions', 'log-level', 'grace-period', 'headers-timeout', 'request-timeout', 'public-url', 'state-dir',
  'state-store', 'forget-tokens', 'audit-log',
  'oauth-client-id', 'oauth-client-secret', 'oauth-scope', 'oauth-grant-type', 'oauth-client-metadata-url',
];
export const BOOLEANS = ['strict-auth', 'allow-unauthenticated', 'hot-reload', 'tool-prefix-servers', 'structured-output', 'metrics-public', 'help'];
export const ALIASES: Record<string, string> = {
  h: 'host', p: 'port', t: 'ssl-certfile', K: 'ssl-keyfile', k: 'api-key', type: 'server-type',
  H: 'header', e: 'env', c: 'config', n: 'name', d: 'description', v: 'version',
};
/** Every long flag, for --help and its test. */
export const LONG_FLAGS: readonly string[] = [...STRINGS, ...BOOLEANS, 'type'];
