/**
 * One request over a supervised connection, whatever its method: a deadline,
 * a cancel signal, the caller's forwarded headers, and the rule that a
 * request is never sent twice if the server may have seen it. Only a request
 * the server certainly refused (an expired 2025-era session, a refused
 * connection) is sent once more, on the new session the connection starts
 * for it. Every failure leaves here as an McpoError or a ProtocolError, never
 * a raw transport error.
 *
 * tool-call.ts sends `tools/call` through here; resources.ts and prompts.ts
 * send the resource and prompt methods. What is sent, and how its result is
 * checked, is the caller's `send`; this module knows no method.
 */
import { ProtocolError, SdkError, SdkErrorCode, UnauthorizedError, type Client, type Tool } from '@modelcontextprotocol/client';
import { isMcpoError, TimeoutError, UpstreamError, type McpoError } from '../http/errors.js';
import type { TransportType } from './spec.js';
import { httpStatusOf, isTransportFailure, messageOf, notDelivered, type Era } from './transport-errors.js';
import { withCallContext } from './transports.js';
import type { TraceContext } from '../telemetry/trace-context.js';
import { track, type Peer } from './peer.js';

export interface RequestOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Caller headers to put on the HTTP requests (remote servers with `forwardHeaders`). */
  headers?: Readonly<Record<string, string>>;
  /** The call's trace context, passed to the server (transports.ts says how). */
  trace?: TraceContext;
  /** The MCP endpoint's client the request is for: the server is asked as it (peer.ts). */
  peer?: Peer;
}

/** What a request needs of the connection it goes over; `S` is one session of it. */
export interface CallLink<S> {
  readonly type: TransportType;
  /** The ready session, if there is one. */
  session(): S | undefined;
  client(session: S): Client;
  /** The tool's definition where its parameters must be mirrored as headers on this session; else undefined. */
  mirrored(session: S, tool: string): Tool | undefined;
  /** The server refused the session's authorization during a request (a revoked token, a step-up); false when mcpo has stopped asking. */
  unauthorized(session: S): boolean;
  /** The session is broken: end it and start a new one (`now` skips the backoff). */
  lost(session: S, reason: string, now?: boolean): void;
  /** Waits for the new session; rejects with a 503 if it fails or outlasts the deadline. */
  next(deadline: number): Promise<S>;
  /** The 503 to answer while there is no session. */
  unavailable(): McpoError;
}

/** How error messages name the request: `subject` starts a sentence, `during` ends one. */
export interface RequestLabel {
  /** e.g. `Tool "echo"`, `resources/read of "file:///a"`. */
  subject: string;
  /** e.g. `the call to "echo"`, `resources/read`. */
  during: string;
}

/** Sends one request, given the session to send it on and the time left. */
export type Send<S, T> = (session: S, timeoutMs: number) => Promise<T>;

const eraOf = (client: Client): Era => client.getProtocolEra() ?? 'legacy';

/** Runs `send` over the session of the moment; once more on a new session if the server never saw it. */
export async function request<S, T>(link: CallLink<S>, label: () => RequestLabel, options: RequestOptions, send: Send<S, T>): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const session = link.session();
  if (session === undefined) throw link.unavailable();
  try {
    return await attempt(link, session, options.timeoutMs, options, send);
  } catch (err) {
    if (options.signal?.aborted || !notDelivered(err, link.type, eraOf(link.client(session)))) throw requestError(link, session, label(), err, options);
    // The server never saw this request: start a new session and send it once more.
    link.lost(session, messageOf(err), true);
    const next = await link.next(deadline);
    try {
      return await attempt(link, next, Math.max(1, deadline - Date.now()), options, send);
    } catch (again) {
      throw requestError(link, next, label(), again, options);
    }
  }
}

/**
 * Sends with the call's context where the transport reads it (transports.ts):
 * forwarded headers, the trace context for a remote server (headers) or a
 * 2026-07-28 one (`_meta`), and the peer, which a remote or 2026-07-28
 * server's answers about this request find there. A 2025-era stdio server
 * reads none of it, so its calls skip the AsyncLocalStorage: on Node 20 a
 * first `run` turns on promise hooks for the whole process, which every
 * later promise pays for. Its messages name no request; while this one
 * runs, its peer is counted in flight, for them to find (peer.ts).
 */
function attempt<S, T>(link: CallLink<S>, session: S, timeoutMs: number, options: RequestOptions, send: Send<S, T>): Promise<T> {
  const readsContext = link.type !== 'stdio' || eraOf(link.client(session)) === 'modern';
  const sent = options.headers || (readsContext && (options.trace !== undefined || options.peer !== undefined)) ? withCallContext(options, () => send(session, timeoutMs)) : send(session, timeoutMs);
  if (options.peer === undefined) return sent;
  return sent.finally(track(link.client(session), options.peer));
}

/** The bound of tool-call.ts's `maxTotalMs` in an SDK timeout it caused, else undefined. */
function totalTimeoutOf(err: unknown): number | undefined {
  return err instanceof SdkError ? (err.data as { maxTotalTimeout?: number } | undefined)?.maxTotalTimeout : undefined;
}

/** A failed request → the error the router maps; a broken transport also starts a new session. */
function requestError<S>(link: CallLink<S>, session: S, label: RequestLabel, err: unknown, options: RequestOptions): unknown {
  // The caller cancelled, unless the signal was aborted by tool-call.ts's bound on the whole call.
  if (options.signal?.aborted && totalTimeoutOf(err) === undefined) return err;
  // A ProtocolError is the server's answer; an McpoError is the caller's `send` refusing to ask (a missing capability).
  if (err instanceof ProtocolError || isMcpoError(err)) return err;
  if (err instanceof SdkError) {
    switch (err.code) {
      case SdkErrorCode.RequestTimeout: {
        // tool-call.ts's bound on a call that kept reporting progress.
        const total = totalTimeoutOf(err);
        if (total !== undefined) return new TimeoutError(`${label.subject} did not finish within ${total} ms`, { maxTotalTimeoutMs: total });
        return new TimeoutError(`${label.subject} did not answer within ${options.timeoutMs} ms`, { timeoutMs: options.timeoutMs });
      }
      case SdkErrorCode.NotConnected:
        return link.unavailable();
      case SdkErrorCode.ConnectionClosed:
        return new UpstreamError(`The connection to the MCP server closed during ${label.during}`, 'connection_closed');
      case SdkErrorCode.InvalidResult:
      case SdkErrorCode.UnsupportedResultType:
        return new UpstreamError(`${label.subject} returned a malformed result`, 'malformed_result');
    }
  }
  if (err instanceof UnauthorizedError || httpStatusOf(err) === 401) {
    // The token was refused and could not be renewed, or the server wants more scope: a person must authorize again.
    if (link.unauthorized(session)) return link.unavailable();
    return new UpstreamError(`The MCP server refused ${label.during} after repeated authorizations`, 'authorization_refused');
  }
  if (notDelivered(err, link.type, eraOf(link.client(session)))) return link.unavailable();
  if (isTransportFailure(err)) {
    // The request may have reached the server; it is not sent again. The session is suspect: start over.
    link.lost(session, messageOf(err));
    return new UpstreamError(`The connection to the MCP server failed during ${label.during}`, 'connection_failed');
  }
  // Anything else is a schema check of the result (a zod error): the server broke the protocol.
  return new UpstreamError(`${label.subject} returned a malformed result`, 'malformed_result');
}
