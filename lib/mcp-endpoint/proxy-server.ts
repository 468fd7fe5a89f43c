/**
 * One MCP server instance answering from a source (source.ts): the tools it
 * lists and calls, and resources, prompts and completions passed through.
 * A fresh instance serves each 2026-07-28 request and each 2025-era session
 * (http-endpoint.ts); this module does not know which.
 *
 * What crosses unchanged: a tool's schema and annotations, results with
 * `isError` and `structuredContent`, an `input_required` answer (the client
 * answers it and retries, and the retry's `inputResponses` and
 * `requestState` go back upstream as they came), progress (re-addressed to
 * the client's own token), and cancellation (the client's cancel aborts the
 * upstream call). Errors leave as JSON-RPC errors: the upstream's own as it
 * sent them, mcpo's (not connected, timed out) as -32603 or -32001 with the
 * reason in words.
 *
 * The caller (http-endpoint.ts hands it over in the request's `authInfo`)
 * decides what is listed and callable: a tool their access lists hide is
 * answered as an unknown tool (source.ts).
 */
import {
  inputRequired,
  ProtocolError,
  ProtocolErrorCode,
  Server,
  type CallToolResult,
  type Tool,
  type Implementation,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { IncomingHttpHeaders } from 'node:http';
import type { Caller } from '../auth/caller.js';
import { isMcpoError } from '../http/errors.js';
import type { TraceContext } from '../telemetry/trace-context.js';
import type { McpSource, PassThroughMethod } from './source.js';
import { signInAnswer, withoutSignInResponse } from './sign-in-answer.js';
import { peerOf, sessionHandlers, untilDone, type PeerState } from './endpoint-peer.js';
import { sourceFor } from './replayed-source.js';
import { listedTools, withoutReservedMeta } from './served-shapes.js';

/** The JSON-RPC code for a request that timed out (the SDKs' RequestTimeout). */
const REQUEST_TIMEOUT = -32001;

/** `session`: the instance serves a 2025-era session, which sets a log level and subscribes (endpoint-peer.ts). */
export function proxyServer(source: McpSource, info: Implementation, instructions: string | undefined, session: boolean): Server {
  const server = new Server(info, { capabilities: source.capabilities(), ...(instructions ? { instructions } : {}) });
  const state: PeerState = { subscriptions: new Map() };
  if (session) sessionHandlers(server, source, state, (ctx) => ({ headers: callerHeaders(ctx), ...requestContext(ctx), peer: peerOf(server, ctx, state) }));

  server.setRequestHandler('tools/list', (_request, ctx) => ({ tools: listedTools(source, callerOfContext(ctx)) }));

  server.setRequestHandler('tools/call', async (request, ctx) => {
    const { name, arguments: args } = request.params;
    const token = ctx.mcpReq._meta?.progressToken;
    const { retry, declined } = retryOf(request.params, ctx);
    const peer = peerOf(server, ctx, state);
    const asked = sourceFor(source, ctx.http?.authInfo);
    try {
      const answer = await untilDone(peer, async (again) => {
        const outcome = await asked.callTool(name, (args ?? {}) as Record<string, unknown>, {
          signal: ctx.mcpReq.signal,
          headers: callerHeaders(ctx),
          ...requestContext(ctx),
          peer,
          ...(token !== undefined
            ? { onProgress: (progress) => void ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: token, ...progress } }).catch(() => {}) }
            : {}),
          ...(again.inputResponses !== undefined ? again : retry),
        });
        return outcome.kind === 'input_required' ? outcome : { done: outcome.result };
      });
      return 'done' in answer ? (withoutReservedMeta(answer.done) as CallToolResult) : asInputRequired(answer);
    } catch (err) {
      return (signInAnswer(server, 'tools/call', err, declined) as never) ?? throwAsProtocolError(err);
    }
  });

  const pass = (method: PassThroughMethod) => async (request: { params?: unknown }, ctx: ServerContext) => {
    let signInDeclined = false;
    try {
      const { inputResponses: _answers, ...params } = (request.params ?? {}) as Record<string, unknown>;
      const { retry, declined } = retryOf(request.params ?? {}, ctx);
      signInDeclined = declined;
      const peer = peerOf(server, ctx, state);
      const from = { headers: callerHeaders(ctx), ...requestContext(ctx), peer };
      const asked = sourceFor(source, ctx.http?.authInfo);
      const answer = await untilDone(peer, async (again) => {
        const result = await asked.request(method, { ...params, ...(again.inputResponses !== undefined ? again : retry) }, ctx.mcpReq.signal, from);
        return result.resultType === 'input_required' ? (result as { inputRequests: Record<string, unknown>; requestState?: string }) : { done: result };
      });
      return ('done' in answer ? withoutReservedMeta(answer.done) : asInputRequired(answer)) as never;
    } catch (err) {
      return (signInAnswer(server, method, err, signInDeclined) as never) ?? throwAsProtocolError(err);
    }
  };
  const capabilities = source.capabilities();
  if (capabilities.resources) {
    server.setRequestHandler('resources/list', pass('resources/list'));
    server.setRequestHandler('resources/templates/list', pass('resources/templates/list'));
    server.setRequestHandler('resources/read', pass('resources/read'));
  }
  if (capabilities.prompts) {
    server.setRequestHandler('prompts/list', pass('prompts/list'));
    server.setRequestHandler('prompts/get', pass('prompts/get'));
  }
  if (capabilities.completions) server.setRequestHandler('completion/complete', pass('completion/complete'));
  return server;
}


/** Questions of the upstream for a client that answers them itself (2026-07-28), as they came. */
function asInputRequired(answer: { inputRequests: Record<string, unknown>; requestState?: string | undefined }): never {
  return inputRequired({
    inputRequests: answer.inputRequests as never,
    ...(answer.requestState !== undefined ? { requestState: answer.requestState } : {}),
  }) as never;
}


/** The HTTP request's headers as Node names them (lower-case), for a source that chooses the caller's connection by them. */
function callerHeaders(ctx: ServerContext): IncomingHttpHeaders {
  // http-endpoint.ts hands on Node's own; a handler reached some other way has only the SDK's Request.
  const given = ctx.http?.authInfo?.extra?.headers as IncomingHttpHeaders | undefined;
  if (given) return given;
  const headers = ctx.http?.req?.headers;
  return headers ? Object.fromEntries(headers.entries()) : {};
}

/** The verified caller of the request, as http-endpoint.ts put it in the request's `authInfo`. */
function callerOfContext(ctx: ServerContext): Caller | undefined {
  return ctx.http?.authInfo?.extra?.caller as Caller | undefined;
}

/** The caller, the HTTP request's id and its trace context, as http-endpoint.ts put them in the request's `authInfo`. */
function requestContext(ctx: ServerContext): { caller?: Caller; trace?: TraceContext; requestId?: string } {
  const extra = ctx.http?.authInfo?.extra as { caller?: Caller; trace?: TraceContext; requestId?: string } | undefined;
  if (!extra) return {};
  return {
    ...(extra.caller ? { caller: extra.caller } : {}),
    ...(extra.trace ? { trace: extra.trace } : {}),
    ...(typeof extra.requestId === 'string' ? { requestId: extra.requestId } : {}),
  };
}

/** The answers and state a retried call carries (2026-07-28), wherever the SDK put them. */
function retryMaterial(params: object, ctx: ServerContext): { inputResponses?: Record<string, unknown>; requestState?: string } {
  const raw = params as { inputResponses?: Record<string, unknown>; requestState?: unknown };
  const inputResponses = ctx.mcpReq.inputResponses ?? raw.inputResponses;
  const state = typeof raw.requestState === 'string' ? raw.requestState : ctx.mcpReq.requestState<unknown>();
  return {
    ...(inputResponses !== undefined ? { inputResponses: inputResponses as Record<string, unknown> } : {}),
    ...(typeof state === 'string' ? { requestState: state } : {}),
  };
}

/** A retry's answers and state as they go upstream: without mcpo's own sign-in answer, and whether that declined. */
function retryOf(params: object, ctx: ServerContext): { retry: { inputResponses?: Record<string, unknown>; requestState?: string }; declined: boolean } {
  const { inputResponses: answers, ...retried } = retryMaterial(params, ctx);
  const { responses, declined } = withoutSignInResponse(answers);
  return { retry: { ...retried, ...(responses !== undefined ? { inputResponses: responses } : {}) }, declined };
}

function throwAsProtocolError(err: unknown): never {
  throw asProtocolError(err);
}

/** The upstream's JSON-RPC errors pass as they are; mcpo's own become JSON-RPC errors that say what happened. */
export function asProtocolError(err: unknown): ProtocolError {
  if (err instanceof ProtocolError) return err;
  if (isMcpoError(err)) {
    const code = err.code === 'timeout' ? REQUEST_TIMEOUT : err.status === 404 ? ProtocolErrorCode.MethodNotFound : ProtocolErrorCode.InternalError;
    return new ProtocolError(code, err.message, { code: err.code, ...err.bodyFields(), ...(err.data !== undefined ? { data: err.data } : {}) });
  }
  // The client's ProtocolError class differs from the server's when the packages are separate copies.
  const foreign = err as { code?: unknown; message?: unknown; data?: unknown } | undefined;
  if (typeof foreign?.code === 'number' && typeof foreign.message === 'string') return new ProtocolError(foreign.code, foreign.message.replace(/^(MCP error -?\d+: )+/, ''), foreign.data);
  return new ProtocolError(ProtocolErrorCode.InternalError, err instanceof Error ? err.message : String(err));
}
