/**
 * The tool call handler of a router: `POST /<tool>` found in the table of the
 * moment and open to the caller (a tool whose `access` does not admit them
 * is a 403, router/caller-view.ts), its body read (router/call-request.ts)
 * and checked against the tool's schema (openapi/validation.ts), or, with
 * `Mcp-Continuation`, read as the answers to a server's questions
 * (router/input-required.ts); the call is then made and answered by
 * router/call-runner.ts.
 *
 * The handler sits behind a dispatcher (http/dispatcher.ts): a changed tool
 * list swaps in a new one while calls in flight finish on the old one.
 */
import type { Request, RequestHandler } from 'express';
import { continuationSealer } from '../http/continuation.js';
import { createDispatcher } from '../http/dispatcher.js';
import { callerOf, type Caller } from '../auth/caller.js';
import { ForbiddenError, MethodNotAllowedError, UnknownToolError } from '../http/errors.js';
import type { Upstream } from '../mcp/upstream.js';
import type { UserConnections } from '../mcp/users/user-connections.js';
import type { ToolTable } from '../openapi/tools.js';
import { argumentValidators } from '../openapi/validation.js';
import { requestTimeoutMs, toolSegment } from './call-request.js';
import { callRunner } from './call-runner.js';
import { CONTINUATION_HEADER, resume } from './input-required.js';
import type { ResolvedOptions } from './resolve-options.js';

export interface ToolCallsOptions {
  opts: ResolvedOptions;
  /** The server's name, for the continuations' seal. */
  name: string;
  /** The router's own connection. */
  upstream: Upstream;
  /** Each caller's own connection, under caller templates. */
  users: UserConnections | undefined;
  readArguments(req: Request): Promise<Record<string, unknown>>;
  forwardedHeaders(req: Request): Record<string, string> | undefined;
}

export interface ToolCalls {
  /** The handler to mount: answers tool calls and passes every other request on. */
  readonly handle: RequestHandler;
  /** Serves calls from this table from now on; `mayCall`, when some tool has an access list, says who may call which (by MCP name). */
  serve(table: ToolTable, mayCall?: (caller: Caller | undefined, mcpName: string) => boolean): void;
  /** Every tool call answers 503 from now on, as before the first tool list. */
  stop(): void;
}

export function toolCalls(options: ToolCallsOptions): ToolCalls {
  const { opts, upstream, users, readArguments, forwardedHeaders } = options;
  const { logger } = opts;
  const sealer = continuationSealer({
    ttlMs: opts.continuationTtlMs,
    server: options.name,
    ...(opts.continuationSecret !== undefined ? { secret: opts.continuationSecret } : {}),
  });
  const run = callRunner({ opts, sealer, upstream, users, forwardedHeaders });

  let serving = false;
  /**
   * Before the first tool list and after close(): every tool call is 503;
   * but a server waiting for its first caller lists its tools on this
   * caller's own connection, and the call then goes to the tools it listed.
   */
  const notConnected: RequestHandler = function unavailable(req, res, next) {
    if (req.method !== 'POST' || toolSegment(req.path) === undefined) return next();
    if (!users || upstream.status().state !== 'waiting-for-caller') return next(upstream.unavailable());
    users.lease(req.headers, requestTimeoutMs(req, opts), callerOf(req)).then((lease) => {
      lease.release();
      if (serving) dispatcher(req, res, next);
      else next(upstream.unavailable());
    }, next);
  };

  /**
   * The handler for one tool list: find the tool, read and check the body,
   * call. One function rather than a Router of routes: a tool call is the
   * hot path, and each Express layer it crosses costs a path match.
   */
  function handlerFor(table: ToolTable, mayCall: ((caller: Caller | undefined, mcpName: string) => boolean) | undefined): RequestHandler {
    const validators = argumentValidators((entry, reason) =>
      logger.warn('arguments of this tool cannot be validated; passing them on unchecked', { tool: entry.name, reason }),
    );
    // A throw here (a malformed escape, a bad timeout) reaches next(err) through Express's own catch.
    return function callTool(req, res, next) {
      const segment = toolSegment(req.path);
      if (segment === undefined) return next();
      const entry = table.byPath.get(segment);
      if (!entry) return req.method === 'POST' ? next(new UnknownToolError(`No tool at ${req.path}`)) : next();
      if (mayCall !== undefined && !mayCall(callerOf(req), entry.name)) return next(new ForbiddenError(`You may not call the tool at ${req.path}`));
      if (req.method !== 'POST') return next(new MethodNotAllowedError('POST'));
      const timeoutMs = requestTimeoutMs(req, opts);
      const continuation = req.headers[CONTINUATION_HEADER];
      readArguments(req)
        .then((body) => {
          // A second request answers the server's questions: its body is the answers, not arguments.
          if (typeof continuation === 'string') return run(entry, resume(sealer, entry.name, continuation, body), timeoutMs, req, res, next);
          const invalid = validators.check(entry, body);
          if (invalid) return next(invalid);
          run(entry, { args: body }, timeoutMs, req, res, next);
        })
        .catch(next);
    };
  }

  const dispatcher = createDispatcher(notConnected);
  return {
    handle: dispatcher,
    serve: (table, mayCall) => {
      serving = true;
      dispatcher.swap(handlerFor(table, mayCall));
    },
    stop: () => {
      serving = false;
      dispatcher.swap(notConnected);
    },
  };
}
