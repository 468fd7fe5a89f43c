/**
 * The app-wide middleware, in the order Express runs it: before every route,
 * the request id (lib/http/request-id.ts), the request's observer
 * (lib/telemetry/observe.ts: metrics, the call's span, its audit line), the
 * access log with the trace id (lib/http/access-log.ts), the in-flight count (lib/app/drain.ts), the
 * security headers (lib/http/headers.ts), the host check (lib/http/hosts.ts)
 * and CORS (lib/http/cors.ts); after every route, the JSON 404 and the JSON
 * error handler (lib/http/error-handler.ts). The routes themselves, and the
 * API-key check between, are createApp's.
 */
import type { Express, Request, RequestHandler } from 'express';
import { callerOf } from '../auth/caller.js';
import { logs, type Logger } from '../common/log.js';
import type { Redactor } from '../common/redact.js';
import { requestLog } from '../http/access-log.js';
import { cors } from '../http/cors.js';
import { jsonErrorHandler } from '../http/error-handler.js';
import { NotFoundError } from '../http/errors.js';
import { securityHeaders } from '../http/headers.js';
import { hostCheck } from '../http/hosts.js';
import { inSequence } from '../http/in-sequence.js';
import { requestId, requestIdOf } from '../http/request-id.js';
import { observeRequests, traceOf, type RequestKind } from '../telemetry/observe.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import type { AppOptions } from './app-options.js';
import { countInFlight, type Drain } from './drain.js';

export interface AppMiddlewareOptions extends Pick<AppOptions, 'https' | 'allowedHosts' | 'corsAllowOrigins'> {
  logger: Logger;
  drain: Drain;
  telemetry: Telemetry;
  /** What kind of request a path is (lib/app/request-kinds.ts). */
  classify(req: Request): RequestKind;
}

/** What runs before every route. */
export function useAppMiddleware(app: Express, options: AppMiddlewareOptions): void {
  app.disable('x-powered-by');
  app.set('etag', false);
  // A key's name or a user's id, never a credential.
  const who = (req: Request): string | undefined => callerOf(req)?.id;
  const handlers: RequestHandler[] = [requestId(), observeRequests({ telemetry: options.telemetry, classify: options.classify, who, requestId: requestIdOf })];
  // At warn and above no request is logged: nothing to build per request.
  if (logs(options.logger, 'info')) handlers.push(requestLog(options.logger, (req, res) => ({ caller: who(req), traceId: traceOf(res)?.traceId })));
  handlers.push(countInFlight(options.drain), securityHeaders({ https: options.https ?? false }));
  if (options.allowedHosts !== undefined) handlers.push(hostCheck({ allowed: options.allowedHosts }));
  handlers.push(cors({ origins: options.corsAllowOrigins ?? [] }));
  // One layer: Express's cost per layer would be paid by every request (lib/http/in-sequence.ts).
  app.use(inSequence(handlers));
}

/** What runs after every route: a JSON 404 for a request none took, and JSON errors. */
export function useFallbacks(app: Express, logger: Logger, redact: Redactor): void {
  app.use(function notFound(req, _res, next) {
    next(new NotFoundError(`No route for ${req.method} ${req.path}`));
  });
  app.use(jsonErrorHandler(logger, redact));
}
