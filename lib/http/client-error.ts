/**
 * `answerClientError`: a `clientError` listener for the HTTP server, so a
 * request too malformed to reach Express (a broken request line, a header
 * too large, a body without a length Node can parse) still gets mcpo's JSON
 * error body instead of Node's bare status line, and one that arrives too
 * slowly (lib/http/server-limits.ts) gets a 408. The statuses are Node's own.
 * `clientErrorListener` adds the count of sockets cut off for slowness, one
 * debug line per `REPORT_MS` at most, since a flood of them must not flood
 * the log too.
 */
import type { Duplex } from 'node:stream';
import type { Logger } from '../common/log.js';
import { errorBody, McpoError } from './errors.js';

const UNPARSED = 'the request could not be parsed as HTTP';
const STATUS: Readonly<Record<string, [number, string, string, string]>> = Object.freeze({
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'headers_too_large', UNPARSED],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'Payload Too Large', 'payload_too_large', UNPARSED],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'request_timeout', 'the request did not arrive in time'],
});

/** How often, at most, the count of sockets cut off for slowness is logged. */
export const REPORT_MS = 5000;

export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  // Nothing can be answered on a socket that is gone or in the middle of a response; between requests
  // on a keep-alive socket (the last response done, none begun) an answer is allowed again.
  const current = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (!socket.writable || current?.headersSent === true || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  socket.end(answerFor(err.code !== undefined && Object.hasOwn(STATUS, err.code) ? err.code : ''));
}

/** Each answer is the same bytes every time, made once: a thousand sockets cut off in one tick must cost only their writes. */
const answers = new Map<string, string>();
function answerFor(key: string): string {
  let answer = answers.get(key);
  if (answer === undefined) {
    const [status, reason, code, why] = (key === '' ? undefined : STATUS[key]) ?? [400, 'Bad Request', 'malformed_request', UNPARSED];
    const body = JSON.stringify(errorBody(new McpoError(`${reason}: ${why}`, status, code)));
    answer =
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`;
    answers.set(key, answer);
  }
  return answer;
}

export type ClientErrorListener = ((err: NodeJS.ErrnoException, socket: Duplex) => void) & {
  /** Logs what was counted since the last line, if anything (when the server closes, say). */
  report(): void;
};

/** How many sockets cut off for slowness are answered per turn of the event loop. */
const ANSWERS_PER_TURN = 50;

/**
 * `answerClientError`, counting the sockets cut off for slowness into `logger.debug`. Node cuts off
 * every socket whose time is up in one tick, so a thousand slow sockets opened together would all be
 * answered in one long tick; they are answered a batch per turn instead, with other requests served
 * between batches. A socket waiting its turn is paused, so nothing more it sends is read.
 */
export function clientErrorListener(logger: Logger): ClientErrorListener {
  let count = 0;
  let timer: NodeJS.Timeout | undefined;
  const report = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (count > 0) logger.debug('slow requests cut off', { count });
    count = 0;
  };
  const waiting: Duplex[] = [];
  const answerSome = (): void => {
    for (const socket of waiting.splice(0, ANSWERS_PER_TURN)) {
      // Reading again, so the client's end is seen and the socket closes once it has its answer.
      socket.resume();
      answerClientError(TIMED_OUT, socket);
    }
    if (waiting.length > 0) setImmediate(answerSome);
  };
  const listener = (err: NodeJS.ErrnoException, socket: Duplex): void => {
    if (err.code !== 'ERR_HTTP_REQUEST_TIMEOUT') return answerClientError(err, socket);
    count++;
    // Started by the first socket cut off, so an idle server keeps no timer.
    timer ??= setTimeout(report, REPORT_MS).unref();
    socket.pause();
    if (waiting.push(socket) === 1) setImmediate(answerSome);
  };
  return Object.assign(listener, { report });
}

const TIMED_OUT: NodeJS.ErrnoException = Object.assign(new Error('request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' });
