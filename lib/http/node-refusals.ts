/**
 * The refusals Node's HTTP server would otherwise make on its own, bare or
 * by dropping the connection, made in mcpo's JSON error body instead (as
 * lib/http/client-error.ts does for requests its parser cannot read):
 *
 * - a request without a `Host` header: `400` (the server is created with
 *   `requireHostHeader: false` and its listener wrapped in `hostRequired`);
 * - headers over Node's `maxHeaderSize` (16 KiB) in all: `431`. Node 22's
 *   parser refuses them itself (client-error.ts answers), but Node 20's lets
 *   many small header lines past the limit, so `hostRequired` counts too (on
 *   a server with `maxHeadersCount = 0`, which keeps every line to count);
 * - an `Expect` other than `100-continue`: `417` (a `checkExpectation` listener);
 * - `CONNECT`, which mcpo does not tunnel: `405` (a `connect` listener),
 *   where Node would close the connection without a word.
 */
import { maxHeaderSize, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorBody, McpoError } from './errors.js';

/** The methods some route of mcpo answers, for the `Allow` of a refused CONNECT. */
const ALLOW = 'GET, HEAD, POST, DELETE, OPTIONS';

function jsonError(status: number, code: string, message: string): { status: number; body: string; headers: Record<string, string> } {
  const body = JSON.stringify(errorBody(new McpoError(message, status, code)));
  return {
    status,
    body,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), 'X-Content-Type-Options': 'nosniff', Connection: 'close' },
  };
}

/** The size of a request's header section as the parser counts it: each line's name, value, `: ` and CRLF. */
function headerBytes(raw: readonly string[]): number {
  let bytes = 0;
  // Header strings are Latin-1 decoded, one character per byte.
  for (const part of raw) bytes += part.length + 2;
  return bytes;
}

/**
 * Wraps the app: a request that names no Host gets a JSON 400, as RFC 9112
 * asks, and one whose headers are over the limit a JSON 431; neither reaches it.
 */
export function hostRequired(listener: RequestListener): RequestListener {
  return function requireHost(req, res) {
    const refusal = req.headers.host === undefined
      ? jsonError(400, 'missing_host', 'Bad Request: the request has no Host header')
      : headerBytes(req.rawHeaders) > maxHeaderSize
        ? jsonError(431, 'headers_too_large', `Request Header Fields Too Large: the headers are over ${maxHeaderSize} bytes`)
        : undefined;
    if (refusal === undefined) return listener(req, res);
    res.writeHead(refusal.status, refusal.headers).end(refusal.body);
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
