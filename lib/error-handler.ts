/**
 * `jsonErrorHandler()`: the last middleware of every router and of the app.
 * Anything thrown becomes the JSON error body of errors.ts, with its status
 * and headers; no stack ever reaches a client, whatever NODE_ENV says.
 *
 * Errors nobody recognised (a 500 `internal_error`) are logged, redacted
 * first, because their text may quote secrets.
 */
import type { ErrorRequestHandler } from 'express';
import { errorBody, isMcpoError, toHttpError } from './errors.js';
import type { Logger } from './log.js';

export function jsonErrorHandler(logger: Logger, redact: (text: string) => string = (text) => text): ErrorRequestHandler {
  return function sendError(err: unknown, _req, res, next) {
    const httpError = toHttpError(err);
    if (httpError.code === 'internal_error' && !isMcpoError(err)) {
      logger.error('unexpected error', { error: redact(err instanceof Error ? err.message : String(err)) });
    }
    if (res.headersSent) return next(err);
    res.status(httpError.status).set(httpError.headers).json(errorBody(httpError));
  };
}
