/**
 * What the resource and prompt routes share: one request to the server on
 * behalf of an HTTP request, with the caller's timeout (`X-Tool-Timeout`,
 * `?timeout=`), forwarded headers and cancellation when the caller hangs up,
 * exactly as a tool call has them (router/call-request.ts reads them). The
 * routes (router/resource-routes.ts, router/prompt-routes.ts) say what to
 * send and how to answer; failures go to the router's JSON error handler.
 */
import type { Client } from '@modelcontextprotocol/client';
import type { IncomingHttpHeaders } from 'node:http';
import { callerOf, type Caller } from '../auth/caller.js';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../common/log.js';
import type { Feature, RequestLabel, Upstream } from '../mcp/upstream.js';
import type { Lease } from '../mcp/users/user-pool.js';
import { traceOf } from '../telemetry/observe.js';
import { requestTimeoutMs } from './call-request.js';
import type { ResolvedOptions } from './resolve-options.js';

export interface FeatureContext {
  /** The connection this request runs on (the caller's own under caller templates), lent until released. */
  connect(req: Request): Promise<Lease<Upstream>>;
  logger: Logger;
  /** The caller's deadline in ms (`requestTimeoutMs`); throws a 400 for a bad one. */
  timeoutMs(req: Request): number;
  /** The JSON object body, or {} without one (`argumentReader`). */
  readArguments(req: Request): Promise<Record<string, unknown>>;
  /** The caller's headers this server is configured to receive. */
  forwardedHeaders(req: Request): Record<string, string> | undefined;
}

/** The context of a router's resource and prompt routes: its connection choice, and the request read as a tool call's is. */
export function featureContext(
  opts: ResolvedOptions,
  connect: (headers: IncomingHttpHeaders, timeoutMs: number, caller?: Caller) => Promise<Lease<Upstream>>,
  read: Pick<FeatureContext, 'readArguments' | 'forwardedHeaders'>,
): FeatureContext {
  return {
    connect: (req) => connect(req.headers, requestTimeoutMs(req, opts), callerOf(req)),
    logger: opts.logger,
    timeoutMs: (req) => requestTimeoutMs(req, opts),
    readArguments: read.readArguments,
    forwardedHeaders: read.forwardedHeaders,
  };
}

/** What `send` gets: the client of the session, the time left for the request, and the cancel signal. */
export interface SendContext {
  client: Client;
  timeoutMs: number;
  signal: AbortSignal;
}

/**
 * Sends over the upstream and hands the result to `answer`; a caller that
 * hangs up cancels the request upstream and gets no answer.
 */
export function sendFor<T>(
  ctx: FeatureContext,
  req: Request,
  res: Response,
  next: NextFunction,
  feature: Feature,
  label: RequestLabel,
  send: (sending: SendContext) => Promise<T>,
  answer: (result: T) => void,
): void {
  const controller = new AbortController();
  const hangUp = (): void => {
    if (!res.writableFinished) controller.abort(new Error('client disconnected'));
  };
  res.once('close', hangUp);
  const headers = ctx.forwardedHeaders(req);
  const trace = traceOf(res);
  const { signal } = controller;
  Promise.resolve()
    .then(() => ctx.connect(req))
    .then((lease) =>
      lease.connection
        .request(feature, label, { timeoutMs: ctx.timeoutMs(req), signal, ...(headers ? { headers } : {}), ...(trace ? { trace } : {}) }, (client, timeoutMs) => send({ client, timeoutMs, signal }))
        .finally(lease.release),
    )
    .then(answer)
    .catch((err: unknown) => {
      if (!signal.aborted) next(err);
    })
    .finally(() => res.off('close', hangUp));
}
