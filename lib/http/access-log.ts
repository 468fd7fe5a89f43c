/**
 * `requestLog()`: one info line per request (method, path, status, time),
 * written when the response ends or the client goes away.
 *
 * The query string is left out, and bodies are never read here: arguments,
 * results and headers do not reach the log. The request id (request-id.ts,
 * which must run first) is added, and what `fields` adds when the response
 * ends (the app's: the caller, as the name of an API key or a user's id,
 * never a credential; the trace id); undefined values are left out.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from '../common/log.js';
import { requestIdOf } from './request-id.js';

export function requestLog(logger: Logger, fields?: (req: Request, res: Response) => Record<string, string | undefined>): RequestHandler {
  return function logRequest(req, res, next) {
    const start = process.hrtime.bigint();
    // The path as the client sent it; routers below rewrite req.url.
    const url = req.originalUrl;
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    res.once('close', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const status = res.writableFinished ? String(res.statusCode) : `${res.statusCode} (client went away)`;
      // Asked at the end: the caller is known only once the auth middleware after this one has run.
      const extra: Record<string, string> = {};
      for (const [key, value] of Object.entries(fields?.(req, res) ?? {})) if (value !== undefined) extra[key] = value;
      logger.info(`${req.method} ${path} ${status} ${ms.toFixed(1)} ms`, { requestId: requestIdOf(res), ...extra });
    });
    next();
  };
}
