/**
 * One tool call over a supervised connection: a JSON-RPC request with a
 * deadline and a cancel signal, and the rule that a call is never sent twice
 * if the server may have seen it. Only a call the server certainly refused
 * (an expired 2025-era session, a refused connection) is sent once more, on
 * the new session the connection starts for it. Every failure leaves here as
 * an McpoError or a ProtocolError, never a raw transport error.
 *
 * A 2026-07-28 server may answer `input_required` instead of a result; that
 * comes back as a value (`InputRequired`) for the router to hand to its
 * caller. A retry carries the caller's `inputResponses` and the server's
 * `requestState` unchanged; the SDK gives it a new JSON-RPC id.
 *
 * Calls go through `client.request`, not `client.callTool`: the latter checks
 * `structuredContent` against validators built from the SDK's own tool list
 * cache, which mcpo does not fill (tool-list.ts reads pages leniently), and
 * the result is checked by call-result.ts rather than the SDK's schema. The
 * exception is a tool with `x-mcp-header` parameters on a 2026-07-28 HTTP
 * connection: `callTool` with the tool's input schema mirrors them as
 * `Mcp-Param-*` headers (SEP-2243), and is given no output schema to check.
 */
import {
  isInputRequiredResult,
  ProtocolError,
  SdkError,
  SdkErrorCode,
  UnauthorizedError,
  type CallToolResult,
  type Client,
  type Tool,
} from '@modelcontextprotocol/client';
import { TimeoutError, UpstreamError, type McpoError } from '../http/errors.js';
import { CallToolResultCheck } from './call-result.js';
import type { TransportType } from './spec.js';
import { httpStatusOf, isTransportFailure, messageOf, notDelivered, type Era } from './transport-errors.js';
import { withForwardedHeaders } from './transports.js';

export interface CallOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Caller headers to put on the HTTP requests of this call (remote servers with `forwardHeaders`). */
  headers?: Readonly<Record<string, string>>;
  /** The answers to a previous `input_required`, keyed as the server keyed its requests. */
  inputResponses?: Record<string, unknown>;
  /** The server's `requestState` from that `input_required`, echoed exactly. */
  requestState?: string;
}

/** A 2026-07-28 server needs input from the caller before it can finish the call (SEP-2322). */
export interface InputRequired {
  kind: 'input_required';
  inputRequests: Record<string, unknown>;
  requestState?: string;
}

export type CallOutcome = { kind: 'result'; result: CallToolResult } | InputRequired;

/** What a call needs of the connection it goes over; `S` is one session of it. */
export interface CallLink<S> {
  readonly type: TransportType;
  /** The ready session, if there is one. */
  session(): S | undefined;
  client(session: S): Client;
  /** The tool's definition where its parameters must be mirrored as headers on this session; else undefined. */
  mirrored(session: S, tool: string): Tool | undefined;
  /** The server refused the session's authorization during a call (a revoked token, a step-up); false when mcpo has stopped asking. */
  unauthorized(session: S): boolean;
  /** The session is broken: end it and start a new one (`now` skips the backoff). */
  lost(session: S, reason: string, now?: boolean): void;
  /** Waits for the new session; rejects with a 503 if it fails or outlasts the deadline. */
  next(deadline: number): Promise<S>;
  /** The 503 to answer while there is no session. */
  unavailable(): McpoError;
}

const eraOf = (client: Client): Era => client.getProtocolEra() ?? 'legacy';

export async function callTool<S>(link: CallLink<S>, name: string, args: Record<string, unknown>, options: CallOptions): Promise<CallOutcome> {
  const deadline = Date.now() + options.timeoutMs;
  const session = link.session();
  if (session === undefined) throw link.unavailable();
  try {
    return await send(link, session, name, args, options.timeoutMs, options);
  } catch (err) {
    if (options.signal?.aborted || !notDelivered(err, link.type, eraOf(link.client(session)))) throw callError(link, session, name, err, options);
    // The server never saw this call: start a new session and send it once more.
    link.lost(session, messageOf(err), true);
    const next = await link.next(deadline);
    try {
      return await send(link, next, name, args, Math.max(1, deadline - Date.now()), options);
    } catch (again) {
      throw callError(link, next, name, again, options);
    }
  }
}

async function send<S>(link: CallLink<S>, session: S, name: string, args: Record<string, unknown>, timeoutMs: number, options: CallOptions): Promise<CallOutcome> {
  const client = link.client(session);
  const params = {
    name,
    arguments: args,
    ...(options.inputResponses !== undefined ? { inputResponses: options.inputResponses } : {}),
    ...(options.requestState !== undefined ? { requestState: options.requestState } : {}),
  };
  const requestOptions = { timeout: timeoutMs, allowInputRequired: true, ...(options.signal ? { signal: options.signal } : {}) };
  const tool = link.mirrored(session, name);
  const request = (): Promise<unknown> =>
    tool
      ? client.callTool(params, { ...requestOptions, toolDefinition: { name: tool.name, inputSchema: tool.inputSchema } })
      : client.request({ method: 'tools/call', params }, CallToolResultCheck, requestOptions);
  const answer = await (options.headers ? withForwardedHeaders(options.headers, request) : request());
  if (isInputRequiredResult(answer)) {
    return {
      kind: 'input_required',
      inputRequests: (answer.inputRequests ?? {}) as Record<string, unknown>,
      ...(answer.requestState !== undefined ? { requestState: answer.requestState } : {}),
    };
  }
  return { kind: 'result', result: answer as CallToolResult };
}

/** A failed call → the error the router maps; a broken transport also starts a new session. */
function callError<S>(link: CallLink<S>, session: S, name: string, err: unknown, options: CallOptions): unknown {
  if (options.signal?.aborted) return err;
  if (err instanceof ProtocolError) return err;
  if (err instanceof SdkError) {
    switch (err.code) {
      case SdkErrorCode.RequestTimeout:
        return new TimeoutError(`Tool "${name}" did not answer within ${options.timeoutMs} ms`, { timeoutMs: options.timeoutMs });
      case SdkErrorCode.NotConnected:
        return link.unavailable();
      case SdkErrorCode.ConnectionClosed:
        return new UpstreamError(`The connection to the MCP server closed during the call to "${name}"`, 'connection_closed');
      case SdkErrorCode.InvalidResult:
      case SdkErrorCode.UnsupportedResultType:
        return new UpstreamError(`Tool "${name}" returned a malformed result`, 'malformed_result');
    }
  }
  if (err instanceof UnauthorizedError || httpStatusOf(err) === 401) {
    // The token was refused and could not be renewed, or the server wants more scope: a person must authorize again.
    if (link.unauthorized(session)) return link.unavailable();
    return new UpstreamError(`The MCP server refused the call to "${name}" after repeated authorizations`, 'authorization_refused');
  }
  if (notDelivered(err, link.type, eraOf(link.client(session)))) return link.unavailable();
  if (isTransportFailure(err)) {
    // The request may have reached the server; it is not sent again. The session is suspect: start over.
    link.lost(session, messageOf(err));
    return new UpstreamError(`The connection to the MCP server failed during the call to "${name}"`, 'connection_failed');
  }
  // Anything else is a schema check of the result (a zod error): the server broke the protocol.
  return new UpstreamError(`Tool "${name}" returned a malformed result`, 'malformed_result');
}
