/**
 * What one client may hold on to: the time it has to send a request
 * (--headers-timeout, --request-timeout; lib/http/server-limits.ts) and the
 * 2025-era sessions it leaves open on the MCP endpoints
 * (--session-idle-timeout, --max-sessions; lib/mcp-endpoint/legacy-sessions.ts).
 * Read by bin/args.ts.
 */
import type { ParsedFlags } from './argv.js';
import type { CliOptions } from './cli-options.js';
import { seconds, wholeNumber } from './flag-values.js';
import { DEFAULTS } from './flags.js';
import { UsageError } from './usage-error.js';

type ClientLimits = Pick<CliOptions, 'headersTimeout' | 'requestTimeout' | 'sessionIdleTimeout' | 'maxSessions'>;

/** The limits from the flags; unset session limits are left to the router's defaults. */
export function readClientLimits(parsed: ParsedFlags): ClientLimits {
  const headersTimeout = seconds(parsed['headers-timeout'], 'headers-timeout') ?? DEFAULTS.headersTimeout;
  const requestTimeout = seconds(parsed['request-timeout'], 'request-timeout') ?? DEFAULTS.requestTimeout;
  if (headersTimeout > requestTimeout) {
    throw new UsageError(`--headers-timeout (${headersTimeout}) is above --request-timeout (${requestTimeout}); the headers are part of the request`);
  }
  const sessionIdleTimeout = seconds(parsed['session-idle-timeout'], 'session-idle-timeout');
  const maxSessions = wholeNumber(parsed['max-sessions'], 'max-sessions');
  return {
    headersTimeout,
    requestTimeout,
    ...(sessionIdleTimeout !== undefined ? { sessionIdleTimeout } : {}),
    ...(maxSessions !== undefined ? { maxSessions } : {}),
  };
}
