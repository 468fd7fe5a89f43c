/**
 * What a transport's errors mean for a call and for its session. The SDK
 * reports these as plain errors with an HTTP status or a message; the
 * supervised connection (upstream.ts) needs three answers from them:
 *
 * - `notDelivered`: the server certainly did not take the message, so the
 *   call may be sent once more on a new session;
 * - `isTransportFailure`: the connection failed (the message may have
 *   arrived, so it is never sent again), as opposed to a bad result;
 * - `endsSession`: an error reported on its own that means the session is
 *   gone and a new one must be started.
 *
 * Sessions exist only in the 2025 era: a 2026-07-28 server keeps none, so
 * there a 404 is a missing endpoint, not an expired session, and a dropped
 * response stream ends one request, not the connection. The answers that
 * concern sessions therefore take the era that was negotiated.
 *
 * The SDK's classes decide where it has them (`SdkHttpError`, `SseError`);
 * the rest are plain Errors known by their words, each of which
 * test/mcp/sdk-messages.test.ts has the real SDK produce, so an SDK that
 * rewords one fails a test. Pure; unit-tested against the errors the SDK
 * really throws.
 */
import { SdkHttpError, SseError } from '@modelcontextprotocol/client';
import type { TransportType } from './spec.js';

/** `modern` for 2026-07-28 and later (stateless), `legacy` for the 2025 era. */
export type Era = 'modern' | 'legacy';

/** The error's words, with where the network failed when it says (`fetch failed` alone names nothing). */
export const messageOf = (err: unknown): string => {
  const message = err instanceof Error ? err.message : String(err);
  // An SSE stream that simply closed carries no message of its own.
  if (err instanceof SseError && message === 'SSE error: undefined') return 'SSE error: the event stream closed';
  const where = networkCause(err);
  return where === undefined || message.includes(where) ? message : `${message} (${where})`;
};

type SystemError = Error & { code?: unknown; address?: unknown; port?: unknown; hostname?: unknown };

const placeOf = (e: SystemError): string | undefined =>
  typeof e.address === 'string' ? (typeof e.port === 'number' ? `${e.address}:${e.port}` : e.address) : typeof e.hostname === 'string' ? e.hostname : undefined;

/**
 * The system error under fetch's `TypeError: fetch failed` (its `cause`, at
 * any depth), as `ECONNREFUSED 127.0.0.1:3002` or `ENOTFOUND host`. Several
 * addresses tried at once (`localhost`) come as an AggregateError of them.
 */
export function networkCause(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 8; depth++, e = e.cause) {
    const { code } = e as SystemError;
    if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) continue;
    const tried = e instanceof AggregateError ? (e.errors as SystemError[]) : [e as SystemError];
    const places = [...new Set(tried.map(placeOf).filter((p) => p !== undefined))];
    return places.length > 0 ? `${code} ${places.join(', ')}` : code;
  }
  return undefined;
}

/** The error's HTTP status where the transport reports one (Streamable HTTP or an SSE POST). */
export function httpStatusOf(err: unknown): number | undefined {
  if (err instanceof SdkHttpError) return err.status;
  const match = err instanceof Error ? /^Error POSTing to endpoint \(HTTP (\d{3})\)/.exec(err.message) : null;
  return match ? Number(match[1]) : undefined;
}

/**
 * True when the server certainly did not take the message: its session is
 * gone (404; an SSE endpoint refuses with any 4xx) or nothing was listening.
 * Such a call may be sent once more on a new session.
 */
export function notDelivered(err: unknown, type: TransportType, era: Era = 'legacy'): boolean {
  const status = httpStatusOf(err);
  if (status !== undefined) return type === 'sse' ? status >= 400 && status < 500 : status === 404 && era === 'legacy';
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  return cause?.code === 'ECONNREFUSED';
}

/** An error from the transport itself (HTTP status, network, stream), as opposed to a bad message. */
export function isTransportFailure(err: unknown): boolean {
  if (httpStatusOf(err) !== undefined) return true;
  if (!(err instanceof Error)) return false;
  if (err instanceof SseError || err.message.startsWith('SSE stream disconnected')) return true;
  // fetch's network errors: a TypeError whose cause carries a system or undici error code.
  const code = (err.cause as { code?: unknown } | undefined)?.code ?? (err as { code?: unknown }).code;
  return err.message === 'fetch failed' || (typeof code === 'string' && /^(E[A-Z]+|UND_ERR)/.test(code));
}

/**
 * Errors the transport reports on its own that mean the session cannot be
 * used any more. `withSessionId`: whether the server gave the connection a
 * session id. A 404 means the session is gone only if there was one: a
 * stateless server with no route for the GET stream answers 404 too, and
 * its POSTs still work.
 */
export function endsSession(err: unknown, type: TransportType, era: Era = 'legacy', withSessionId = true): boolean {
  if (type === 'sse') return err instanceof SseError;
  if (type === 'streamable-http' && era === 'legacy') {
    if (httpStatusOf(err) === 404) return withSessionId;
    return err instanceof Error && /^(SSE stream disconnected|Maximum reconnection attempts|Failed to reconnect SSE stream)/.test(err.message);
  }
  return false;
}
