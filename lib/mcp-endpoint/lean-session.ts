/**
 * The lean path for a request on a 2025 session: a request
 * lean-admission.ts admits is answered without the session's transport and
 * server, as the transport answers it: a stream of two events, a priming
 * event (its id and `retry`, for a client of 2025-11-25 or later) and the
 * answer, both kept in the session's event store, so a client resumes from
 * them as from any other. The transport's `Mcp-Session-Id` check, its
 * protocol-version check and its `Accept` check pass for every admitted
 * request; the session and its owner are http-endpoint.ts's to have checked.
 *
 * The SDK's path answers the request instead, from the call already under
 * way (replayed-source.ts), whenever anything but a quick answer happens:
 *
 * - the call ends in an error or in the upstream's questions;
 * - the upstream sends a log line, or asks the client something, during the
 *   call: those go on the request's stream, which the SDK's path owns;
 * - the call takes longer than PRIMING_HOLD_MS, the time the SDK's path
 *   holds the priming event back too (priming-hold.ts), so a client whose
 *   connection breaks after that can resume either way.
 *
 * Until then nothing is written, so the SDK's path starts from a response
 * that is untouched. A client that hangs up meanwhile does not cancel the
 * call, as on the SDK's path, where a session's answer outlives its stream.
 */
import { randomUUID } from 'node:crypto';
import type { Request as ExpressRequest, Response as ExpressResponse } from 'express';
import { callerOf } from '../auth/caller.js';
import { giveBack, takeController } from '../http/abort-pool.js';
import { logPasses, type Peer } from '../mcp/peer.js';
import { requestIdOf } from '../http/request-id.js';
import { traceOf } from '../telemetry/observe.js';
import { sessionStateOf } from './endpoint-peer.js';
import { leanSessionRequest, type LeanSessionRequest } from './lean-admission.js';
import { finishedResult, leanCall, leanTally, legacyResponse, toolList } from './lean-answers.js';
import type { HandOff } from './lean-path.js';
import { SSE_RETRY_MS, type LiveSession } from './legacy-sessions.js';
import { PRIMING_HOLD_MS } from './priming-hold.js';
import type { Joiner } from './replayed-source.js';
import type { McpSource } from './source.js';

/** Answers `body` on `session` and returns true, or returns false, having done nothing, for the SDK to answer it. */
export type LeanSessionPath = (req: ExpressRequest, res: ExpressResponse, body: unknown, session: LiveSession) => boolean;

/** The first revision whose streams open with a priming event (the SDK's `supportsEmptySSEData`). */
const PRIMED_FROM = '2025-11-25';

/** A listed tool whose output schema is not an object: the SDK's 2025 codec rewrites it, so the SDK lists those. */
const rewritten = (tools: unknown[]): boolean => tools.some((tool) => {
  const schema = (tool as { outputSchema?: { type?: unknown } }).outputSchema;
  return schema !== undefined && (typeof schema !== 'object' || schema === null || schema.type !== 'object');
});

/** Writes `result` as the transport writes a request's stream, keeping both events in the session's store. */
function writeStream(res: ExpressResponse, session: LiveSession, request: LeanSessionRequest, result: Record<string, unknown>): void {
  const streamId = randomUUID();
  const priming = request.version >= PRIMED_FROM ? `id: ${session.events.store(streamId, {} as never)}\nretry: ${SSE_RETRY_MS}\ndata: \n\n` : '';
  const message = legacyResponse(request.method, request.id, result);
  const eventId = session.events.store(streamId, message as never);
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
    'mcp-session-id': res.req.headers['mcp-session-id'] as string,
  });
  res.end(`${priming}event: message\nid: ${eventId}\ndata: ${JSON.stringify(message)}\n\n`);
}

export function leanSessionPath(source: McpSource, handOff: HandOff): LeanSessionPath {
  return (req, res, body, session) => {
    const request = leanSessionRequest(body, req.headers);
    if (!request) return false;
    const caller = callerOf(req);
    const answer = (result: Record<string, unknown>): void => {
      leanTally.direct++;
      writeStream(res, session, request, result);
    };
    if (request.method === 'tools/list') {
      const result = toolList(source, caller);
      if (rewritten(result.tools as unknown[])) return false;
      answer(result);
      return true;
    }
    const running = callOnSession(source, request, session, req, res, (settled) => {
      leanTally.replayed++;
      handOff(req, res, body, settled);
    });
    running.then((result) => result && answer(result));
    return true;
  };
}

/**
 * Makes the call with a client (`peer`) that hands the request over on the
 * first thing the SDK's path must carry, and after the hold; `running`
 * gives the result to write, or undefined once the request is handed over.
 */
function callOnSession(source: McpSource, request: LeanSessionRequest, session: LiveSession, req: ExpressRequest, res: ExpressResponse, handOff: (settled: Parameters<HandOff>[3]) => void) {
  const state = sessionStateOf(session.server);
  // What endpoint-peer.ts's peerOf makes of a 2025 session: its level (the upstream's own choice until it set one), log lines and questions on the request's stream.
  const logLevel = state?.logLevel ?? 'debug';
  const controller = takeController();
  let joiner: Joiner | undefined;
  let handed = false;
  const waiting: ((peer: Peer | undefined) => void)[] = [];
  const handOver = (): void => {
    if (handed) return;
    handed = true;
    clearTimeout(timer);
    handOff({
      pending: call,
      join(joined) {
        joiner = joined;
        if (joined.signal.aborted) controller.abort(joined.signal.reason);
        else joined.signal.addEventListener('abort', () => controller.abort(joined.signal.reason), { once: true });
        for (const resume of waiting.splice(0)) resume(joined.peer);
      },
    });
  };
  /** Runs `use` with the SDK's side of the client, handing the request over first if need be. */
  const viaHandler = <T>(use: (peer: Peer | undefined) => T | PromiseLike<T>): Promise<T> => {
    const joined = new Promise<T>((resolve, reject) => {
      const run = (peer: Peer | undefined): void => {
        try {
          resolve(use(peer));
        } catch (err) {
          reject(err);
        }
      };
      if (joiner) run(joiner.peer);
      else waiting.push(run);
    });
    handOver();
    return joined;
  };
  const peer: Peer = {
    capabilities: session.server.getClientCapabilities() ?? {},
    logLevel,
    onLog: (params) => {
      if (logPasses(logLevel, params.level)) void viaHandler((joined) => joined?.onLog?.(params));
    },
    ask: (method, params) => viaHandler((joined) => joined!.ask!(method, params)),
  };
  const call = leanCall(source, request.method as Exclude<typeof request.method, 'tools/list'>, request.params, {
    signal: controller.signal,
    headers: req.headers,
    caller: callerOf(req),
    trace: traceOf(res),
    requestId: requestIdOf(res),
    peer,
  });
  const timer = setTimeout(handOver, PRIMING_HOLD_MS);
  const running = call.then(
    (value) => {
      if (handed) return undefined;
      const result = finishedResult(request.method, value);
      if (!result) return void handOverSettled({ value });
      handed = true;
      clearTimeout(timer);
      giveBack(controller);
      return result;
    },
    (error: unknown) => {
      if (!handed) handOverSettled({ error });
      return undefined;
    },
  );
  /** A settled call is answered from its ending: nothing joins the controller, which can go back to the pool. */
  function handOverSettled(settled: { value: unknown } | { error: unknown }): void {
    handed = true;
    clearTimeout(timer);
    giveBack(controller);
    handOff(settled);
  }
  return running;
}
