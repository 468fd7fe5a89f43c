/**
 * A tool call answered as Server-Sent Events, for a caller that sends
 * `Accept: text/event-stream`: `progress` events as the server reports
 * progress, then one `result` event with the body the JSON answer would have
 * had, or one `error` event with the error body, and the stream ends. A
 * comment line every 15 s keeps proxies from closing a quiet stream.
 *
 * Once the stream is open the status is 200 and cannot change, so an error
 * is told by the event's `error.code` (timeout, unavailable, tool_error…);
 * headers such as Retry-After are not carried. What fails before the router
 * opens the stream still answers as JSON with its status. It does not decide
 * when to open the stream, nor read progress from the MCP server.
 */
import type { Request, Response } from 'express';
import type { Logger } from '../common/log.js';
import { toHttpError } from './error-mapping.js';
import { errorBody, isMcpoError } from './errors.js';
import { requestIdOf } from './request-id.js';

export const EVENT_STREAM = 'text/event-stream';
const HEARTBEAT_MS = 15_000;

/** The caller asked for events rather than JSON: `text/event-stream` is its preferred type. */
export function wantsEventStream(req: Request): boolean {
  const accept = req.headers.accept;
  // Most calls send no Accept or `*/*`; only negotiate when events are named at all.
  return accept !== undefined && accept.includes(EVENT_STREAM) && req.accepts('application/json', EVENT_STREAM) === EVENT_STREAM;
}

export interface EventStream {
  progress(data: unknown): void;
  /** The last event: the success body. Ends the stream. */
  result(body: unknown): void;
  /** The last event: the error body of whatever was thrown. Ends the stream. */
  fail(err: unknown): void;
}

/** Sends the 200 and the event-stream headers now, and returns the stream's writer. */
export function openEventStream(res: Response, logger: Logger, heartbeatMs = HEARTBEAT_MS): EventStream {
  res.status(200).set({
    'Content-Type': `${EVENT_STREAM}; charset=utf-8`,
    'Cache-Control': 'no-cache',
    // nginx buffers responses unless told not to; events would arrive all at once at the end.
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs).unref();
  res.once('close', () => clearInterval(heartbeat));
  const send = (event: string, data: unknown): void => {
    if (!res.writableEnded && !res.destroyed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const end = (event: string, data: unknown): void => {
    clearInterval(heartbeat);
    send(event, data);
    if (!res.writableEnded) res.end();
  };
  return {
    progress: (data) => send('progress', data),
    result: (body) => end('result', body),
    fail(err) {
      const httpError = toHttpError(err);
      const requestId = requestIdOf(res);
      if (httpError.code === 'internal_error' && !isMcpoError(err)) {
        logger.error('unexpected error', { error: err instanceof Error ? err.message : String(err), requestId });
      }
      end('error', errorBody(httpError, requestId));
    },
  };
}
