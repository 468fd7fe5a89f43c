/**
 * `requestId()`: every request carries an id, echoed as `X-Request-Id` on the
 * response and written into its log line and its error body, so a caller
 * and an operator can talk about the same request.
 *
 * A caller's (or a proxy's) id is kept when it is short and plain; anything
 * else is replaced, because the id is written into logs and headers and must
 * not carry newlines, markup or a megabyte of text.
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';

const HEADER = 'X-Request-Id';
const VALID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** The request's id, once `requestId()` has run. */
export function requestIdOf(res: Response): string | undefined {
  return res.locals.requestId as string | undefined;
}

export function requestId(): RequestHandler {
  return function assignRequestId(req, res, next) {
    // Mounted twice (the app, then a router inside it): the first id stands.
    if (res.locals.requestId === undefined) {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && VALID.test(given) ? given : randomUUID();
      res.locals.requestId = id;
      res.setHeader(HEADER, id);
    }
    next();
  };
}
