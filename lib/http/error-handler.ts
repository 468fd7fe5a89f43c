/**
 * `jsonErrorHandler()`: the last middleware of every router and of the app.
 * Anything thrown becomes the JSON error body of errors.ts, with its status
 * and headers; no stack ever reaches a client, whatever NODE_ENV says.
 *
 * Errors nobody recognised (a 500 `internal_error`) are logged, redacted
 * first, because their text may quote secrets. An error that comes before
 * the body was read waits for the rest of it, within bounds (lib/http/body.ts);
 * when the rest is too much, the connection closes without cutting off the
 * answer (lib/http/lingering-close.ts).
 */
import type { ErrorRequestHandler } from 'express';
import { discardBody } from './body.js';
import { lingerOnClose } from './lingering-close.js';
import { toHttpError } from './error-mapping.js';
import { errorBody, isMcpoError } from './errors.js';
import type { Logger } from '../common/log.js';
import { requestIdOf } from './request-id.js';

export function jsonErrorHandler(logger: Logger, redact: (text: string) => string = (text) => text): ErrorRequestHandler {
  return function sendError(err: unknown, req, res, next) {
    const httpError = toHttpError(err);
    const requestId = requestIdOf(res);
    if (httpError.code === 'internal_error' && !isMcpoError(err)) {
      logger.error('unexpected error', { error: redact(err instanceof Error ? err.message : String(err)), requestId });
    }
    if (res.headersSent) return next(err);
    const answer = (): void => {
      if (!res.headersSent && !res.destroyed) res.status(httpError.status).set(httpError.headers).json(errorBody(httpError, requestId));
    };
    if (req.complete) return answer();
    void discardBody(req).then((whole) => {
      if (!whole) {
        res.set('Connection', 'close');
        lingerOnClose(req);
      }
      answer();
    });
  };
}
