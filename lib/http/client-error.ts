/**
 * `answerClientError`: a `clientError` listener for the HTTP server, so a
 * request too malformed to reach Express (a broken request line, a header
 * too large, a body without a length Node can parse) still gets mcpo's JSON
 * error body instead of Node's bare status line. The statuses are Node's own.
 */
import type { Duplex } from 'node:stream';
import { errorBody, McpoError } from './errors.js';

const STATUS: Readonly<Record<string, [number, string, string]>> = Object.freeze({
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'headers_too_large'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'Payload Too Large', 'payload_too_large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'request_timeout'],
});

export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  // Nothing can be answered on a socket that is gone or already carries a response.
  const written = (socket as Duplex & { bytesWritten?: number }).bytesWritten ?? 0;
  if (!socket.writable || written > 0 || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const [status, reason, code] = STATUS[err.code ?? ''] ?? [400, 'Bad Request', 'malformed_request'];
  const body = JSON.stringify(errorBody(new McpoError(`${reason}: the request could not be parsed as HTTP`, status, code)));
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
  );
}
