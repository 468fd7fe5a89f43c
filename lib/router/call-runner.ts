/**
 * One tool call made and answered, once the handler (router/tool-calls.ts)
 * has found the tool and checked the body: the call goes out on the
 * connection the request runs on (the router's own, or the caller's lent
 * from the pool under caller templates, mcp/users/user-connections.ts), and
 * the result is answered as JSON (http/results.ts) or, to a caller that wants
 * progress, as Server-Sent Events (http/event-stream.ts). A caller that hangs
 * up cancels its call upstream; a server's questions become a 409 with a
 * sealed continuation (router/input-required.ts).
 */
import type { NextFunction, Request, Response } from 'express';
import { callerOf } from '../auth/caller.js';
import { giveBack, takeController } from '../http/abort-pool.js';
import type { ContinuationSealer } from '../http/continuation.js';
import { openEventStream, wantsEventStream } from '../http/event-stream.js';
import { toSuccessBody, toToolError } from '../http/results.js';
import { sendJson } from '../http/send-json.js';
import type { CallOptions, Upstream } from '../mcp/upstream.js';
import type { UserConnections } from '../mcp/users/user-connections.js';
import type { ToolEntry } from '../openapi/tools.js';
import { traceOf } from '../telemetry/observe.js';
import { inputRequiredError, type Resumed } from './input-required.js';
import type { ResolvedOptions } from './resolve-options.js';

/** A call's arguments, and for a resumed call the answers to the server's questions. */
export type Call = Resumed | { args: Record<string, unknown> };

/** Makes the call and answers the request; every failure goes to `next` (or, on an event stream, to an `error` event). */
export type CallRunner = (entry: ToolEntry, call: Call, timeoutMs: number, req: Request, res: Response, next: NextFunction) => void;

export interface CallRunnerOptions {
  opts: ResolvedOptions;
  sealer: ContinuationSealer;
  /** The router's own connection. */
  upstream: Upstream;
  /** Each caller's own connection, under caller templates. */
  users: UserConnections | undefined;
  forwardedHeaders(req: Request): Record<string, string> | undefined;
}

export function callRunner({ opts, sealer, upstream, users, forwardedHeaders }: CallRunnerOptions): CallRunner {
  const { logger } = opts;

  function invoke(entry: ToolEntry, call: Call, timeoutMs: number, req: Request, res: Response, next: NextFunction, target: Upstream = upstream, release?: () => void): void {
    const controller = takeController();
    const headers = forwardedHeaders(req);
    // A caller that hangs up cancels its call upstream.
    let hungUp = false;
    const hangUp = () => {
      if (res.writableFinished) return;
      hungUp = true;
      controller.abort(new Error('client disconnected'));
    };
    res.once('close', hangUp);
    const { args } = call;
    // Opened before the call, so every failure from here on is an `error` event; those before it are JSON.
    const stream = wantsEventStream(req) ? openEventStream(res, logger) : undefined;
    // Progress may extend the call past timeoutMs, never past the total; a caller's longer timeout wins.
    const options: CallOptions = { timeoutMs, maxTotalMs: Math.max(opts.maxTotalTimeoutMs, timeoutMs), signal: controller.signal, controller };
    if ('inputResponses' in call) {
      options.inputResponses = call.inputResponses;
      if (call.requestState !== undefined) options.requestState = call.requestState;
    }
    if (stream) options.onProgress = stream.progress;
    if (headers) options.headers = headers;
    const trace = traceOf(res);
    if (trace) options.trace = trace;
    target
      .call(entry.name, args, options)
      .then((outcome) => {
        if (outcome.kind === 'input_required') throw inputRequiredError(sealer, entry.name, args, outcome);
        if (outcome.result.isError) throw toToolError(outcome.result);
        const body = toSuccessBody(outcome.result, opts.structuredOutput);
        if (stream) stream.result(body);
        else sendJson(res, body);
      })
      .catch((err: unknown) => {
        if (hungUp) return;
        if (stream) stream.fail(err);
        else next(err);
      })
      .finally(() => {
        res.off('close', hangUp);
        // The call has settled and the hang-up listener is gone: nothing can abort the controller now.
        giveBack(controller);
        release?.();
      });
  }

  /** A call on the caller's own connection (caller templates): lent from the pool, given back when it is over. */
  function invokeAsCaller(entry: ToolEntry, call: Call, timeoutMs: number, req: Request, res: Response, next: NextFunction): void {
    users!.lease(req.headers, timeoutMs, callerOf(req)).then((lease) => invoke(entry, call, timeoutMs, req, res, next, lease.connection, lease.release), next);
  }

  return users ? invokeAsCaller : invoke;
}
