/**
 * `requestLog()`: one info line per request (method, path, status, time),
 * written when the response ends or the client goes away.
 *
 * The query string is left out, and bodies are never read here: arguments,
 * results and headers do not reach the log. The request id (request-id.ts,
 * which must run first) is the one field added.
 */
import type { RequestHandler } from 'express';
import type { Logger } from '../common/log.js';
import { requestIdOf } from './request-id.js';

export function requestLog(logger: Logger): RequestHandler {
  return function logRequest(req, res, next) {
    const start = process.hrtime.bigint();
    // The path as the client sent it; routers below rewrite req.url.
    const url = req.originalUrl;
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    res.once('close', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const status = res.writableFinished ? String(res.statusCode) : `${res.statusCode} (client went away)`;
      logger.info(`${req.method} ${path} ${status} ${ms.toFixed(1)} ms`, { requestId: requestIdOf(res) });
    });
    next();
  };
}
