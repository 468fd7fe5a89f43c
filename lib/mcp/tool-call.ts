/**
 * One tool call over a supervised connection: a JSON-RPC request with a
 * deadline and a cancel signal, and the rule that a call is never sent twice
 * if the server may have seen it. Only a call the server certainly refused
 * (an expired session, a refused connection) is sent once more, on the new
 * session the connection starts for it. Every failure leaves here as an
 * McpoError or an McpError, never a raw transport error.
 *
 * Calls go through `client.request` rather than `client.callTool`: the
 * latter validates `structuredContent` with validators it caches from the last
 * `tools/list` page only, and reports a server's bad output as the caller's
 * invalid params.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { TimeoutError, UpstreamError, type UnavailableError } from '../http/errors.js';
import type { TransportType } from './spec.js';
import { isTransportFailure, messageOf, notDelivered } from './transport-errors.js';
import { withForwardedHeaders } from './transports.js';

export interface CallOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Caller headers to put on the HTTP requests of this call (remote servers with `forwardHeaders`). */
  headers?: Readonly<Record<string, string>>;
}

/** What a call needs of the connection it goes over; `S` is one session of it. */
export interface CallLink<S> {
  readonly type: TransportType;
  /** The ready session, if there is one. */
  session(): S | undefined;
  client(session: S): Client;
  /** The session is broken: end it and start a new one (`now` skips the backoff). */
  lost(session: S, reason: string, now?: boolean): void;
  /** Waits for the new session; rejects with a 503 if it fails or outlasts the deadline. */
  next(deadline: number): Promise<S>;
  /** The 503 to answer while there is no session. */
  unavailable(): UnavailableError;
}

export async function callTool<S>(link: CallLink<S>, name: string, args: Record<string, unknown>, options: CallOptions): Promise<CallToolResult> {
  const deadline = Date.now() + options.timeoutMs;
  const session = link.session();
  if (session === undefined) throw link.unavailable();
  try {
    return await send(link.client(session), name, args, options.timeoutMs, options);
  } catch (err) {
    if (options.signal?.aborted || !notDelivered(err, link.type)) throw callError(link, session, name, err, options);
    // The server never saw this call: start a new session and send it once more.
    link.lost(session, messageOf(err), true);
    const next = await link.next(deadline);
    try {
      return await send(link.client(next), name, args, Math.max(1, deadline - Date.now()), options);
    } catch (again) {
      throw callError(link, next, name, again, options);
    }
  }
}

function send(client: Client, name: string, args: Record<string, unknown>, timeoutMs: number, options: CallOptions): Promise<CallToolResult> {
  const request = () =>
    client.request({ method: 'tools/call', params: { name, arguments: args } }, CallToolResultSchema, {
      timeout: timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  return options.headers ? withForwardedHeaders(options.headers, request) : request();
}

/** A failed call → the error the router maps; a broken transport also starts a new session. */
function callError<S>(link: CallLink<S>, session: S, name: string, err: unknown, options: CallOptions): unknown {
  if (options.signal?.aborted) return err;
  if (err instanceof McpError) {
    if (err.code === -32001) return new TimeoutError(`Tool "${name}" did not answer within ${options.timeoutMs} ms`, { timeoutMs: options.timeoutMs });
    return err;
  }
  if (notDelivered(err, link.type) || (err instanceof Error && err.message === 'Not connected')) return link.unavailable();
  if (isTransportFailure(err)) {
    // The request may have reached the server; it is not sent again. The session is suspect: start over.
    link.lost(session, messageOf(err));
    return new UpstreamError(`The connection to the MCP server failed during the call to "${name}"`, 'connection_failed');
  }
  // Anything else is the SDK's schema check of the result (a zod error): the server broke the protocol.
  return new UpstreamError(`Tool "${name}" returned a malformed result`, 'malformed_result');
}
