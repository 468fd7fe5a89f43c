/**
 * `applyServerLimits(server, limits)`: how long a client may take to send a
 * request, set on the Node server that carries an mcpo app, so that a client
 * sending its headers or its body a byte at a time cannot hold a socket for
 * Node's five minutes. A socket cut off gets the 408 of
 * lib/http/client-error.ts where HTTP allows one, and is counted in a debug
 * line, never logged one by one.
 *
 * The limits bound receiving a request only: once its body has arrived, a
 * long tool call or an event stream being answered is never cut. Idle
 * keep-alive sockets close after 5 s.
 */
import http from 'node:http';
import { consoleLogger, type Logger } from '../common/log.js';
import { clientErrorListener } from './client-error.js';

export interface ServerLimits {
  /** Seconds a client has to send a request's headers. @default 20 */
  headersTimeout?: number;
  /** Seconds a client has to send a whole request, headers and body; not the time to answer it. @default 60 */
  requestTimeout?: number;
  /** Where the count of sockets cut off goes, at debug. @default warnings and errors to stderr */
  logger?: Logger;
}

export const SERVER_LIMIT_DEFAULTS = Object.freeze({ headersTimeout: 20, requestTimeout: 60 });
const KEEP_ALIVE_MS = 5000;
/** Node checks the timeouts above only this often (30 s unless told), so a cut-off socket is gone within a second of its timeout. */
const CHECK_INTERVAL_MS = 1000;

/** The two timeouts in milliseconds, checked; throws a TypeError naming `who` and the fix. */
export function serverLimitsMs(limits: ServerLimits, who: string): { headersMs: number; requestMs: number } {
  const ms = (name: 'headersTimeout' | 'requestTimeout'): number => {
    const value = limits[name] ?? SERVER_LIMIT_DEFAULTS[name];
    if (typeof value !== 'number' || !Number.isFinite(value) || Math.round(value * 1000) < 1) {
      throw new TypeError(`${who}: "${name}" must be a positive number of seconds, got ${JSON.stringify(value)}`);
    }
    return Math.round(value * 1000);
  };
  const headersMs = ms('headersTimeout');
  const requestMs = ms('requestTimeout');
  // Node refuses the same at createServer: the headers are part of the request.
  if (headersMs > requestMs) throw new TypeError(`${who}: "headersTimeout" (${headersMs / 1000}) is above "requestTimeout" (${requestMs / 1000}); raise requestTimeout too`);
  return { headersMs, requestMs };
}

/** Sets the limits on `server` and answers its client errors; call it before `server.listen()`. Returns the server. */
export function applyServerLimits<S extends http.Server>(server: S, limits: ServerLimits = {}): S {
  const { headersMs, requestMs } = serverLimitsMs(limits, 'applyServerLimits');
  // Node starts checking connections when it starts listening, at the interval it has then.
  if (server.listening) throw new TypeError('applyServerLimits: call it before server.listen(); Node reads the checking interval when it starts listening');
  server.headersTimeout = headersMs;
  server.requestTimeout = requestMs;
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  (server as { connectionsCheckingInterval?: number }).connectionsCheckingInterval = CHECK_INTERVAL_MS;
  const listener = clientErrorListener(limits.logger ?? consoleLogger);
  server.on('clientError', listener);
  server.once('close', listener.report);
  return server;
}

/** Express's `app.listen`, on a server with the limits set; a callback also hears a failure to listen, as in Express 5. */
export function limitedListen(app: http.RequestListener, limit: (server: http.Server) => http.Server): (...args: unknown[]) => http.Server {
  return function listen(...args) {
    const server = limit(http.createServer(app));
    const last = args.at(-1);
    if (typeof last === 'function') {
      let called = false;
      const once = (...values: unknown[]): void => {
        if (!called) (called = true), last(...values);
      };
      args[args.length - 1] = once;
      server.once('error', once);
    }
    return (server.listen as (...values: unknown[]) => http.Server)(...args);
  };
}
