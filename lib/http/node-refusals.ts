/**
 * The refusals Node's HTTP server would otherwise make on its own, bare or
 * by dropping the connection, made in mcpo's JSON error body instead (as
 * lib/http/client-error.ts does for requests its parser cannot read):
 *
 * - a request without a `Host` header: `400` (the server is created with
 *   `requireHostHeader: false` and its listener wrapped in `hostRequired`);
 * - an `Expect` other than `100-continue`: `417` (a `checkExpectation` listener);
 * - `CONNECT`, which mcpo does not tunnel: `405` (a `connect` listener),
 *   where Node would close the connection without a word.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorBody, McpoError } from './errors.js';

/** The methods some route of mcpo answers, for the `Allow` of a refused CONNECT. */
const ALLOW = 'GET, HEAD, POST, DELETE, OPTIONS';

function jsonError(status: number, code: string, message: string): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(errorBody(new McpoError(message, status, code)));
  return {
    body,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), 'X-Content-Type-Options': 'nosniff', Connection: 'close' },
  };
}

/** Wraps the app: a request that names no Host gets a JSON 400, as RFC 9112 asks, and never reaches it. */
export function hostRequired(listener: RequestListener): RequestListener {
  return function requireHost(req, res) {
    if (req.headers.host !== undefined) return listener(req, res);
    const { body, headers } = jsonError(400, 'missing_host', 'Bad Request: the request has no Host header');
    res.writeHead(400, headers).end(body);
  };
}

/** A `checkExpectation` listener: an expectation mcpo cannot meet. */
export function answerExpectation(_req: IncomingMessage, res: ServerResponse): void {
  const { body, headers } = jsonError(417, 'expectation_failed', 'Expectation Failed: only "Expect: 100-continue" is understood');
  res.writeHead(417, headers).end(body);
}

/** A `connect` listener: mcpo is not a proxy. */
export function answerConnect(_req: IncomingMessage, socket: Duplex): void {
  const { body, headers } = jsonError(405, 'method_not_allowed', `Method not allowed; use ${ALLOW}`);
  const head = Object.entries({ ...headers, Allow: ALLOW }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.on('error', () => socket.destroy());
  socket.end(`HTTP/1.1 405 Method Not Allowed\r\n${head}\r\n${body}`);
}
