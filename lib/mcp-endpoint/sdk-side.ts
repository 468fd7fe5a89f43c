/**
 * The MCP endpoint's side that needs the SDK's server (http-endpoint.ts):
 * the SDK's handler for 2026-07-28 requests, each answered by a fresh
 * server instance (proxy-server.ts), the 2025-era sessions
 * (legacy-sessions.ts) and a session's lean path (lean-session.ts), which
 * only a session the SDK opened can take.
 *
 * http-endpoint.ts loads this module the first time a request needs it:
 * the SDK's server is a sixth of the command's code, compiled and run at
 * start for nothing when no MCP client comes, or only for what the lean
 * path outside a session answers (lean-path.ts).
 */
import type { NextFunction, Request as ExpressRequest, Response as ExpressResponse } from 'express';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, isLegacyRequest, type AuthInfo, type Implementation, type McpHandlerRequestOptions } from '@modelcontextprotocol/server';
import type { Logger } from '../common/log.js';
import { callerOf, type Caller } from '../auth/caller.js';
import { requestIdOf } from '../http/request-id.js';
import { traceOf } from '../telemetry/observe.js';
import { plainContext } from '../telemetry/trace-context.js';
import { plainEra, sessionIdOf } from './era-route.js';
import type { HandOff } from './lean-path.js';
import { leanSessionPath } from './lean-session.js';
import { legacySessions, type LiveSession } from './legacy-sessions.js';
import { paramHeaderRefusal } from './modern-requests.js';
import { holdPriming } from './priming-hold.js';
import { proxyServer } from './proxy-server.js';
import { handOver, type Settled } from './replayed-source.js';
import type { ListKind, McpSource } from './source.js';

/** What the SDK's side is built with: the endpoint's options but its rate limit, which http-endpoint.ts applies. */
export interface SdkSideOptions {
  /** How the endpoint introduces itself to clients. */
  info: Implementation;
  instructions?: string;
  /** The largest request body read, in bytes. */
  maxBodyBytes: number;
  /** A 2025-era session with no request in flight and no stream open this long is closed. */
  sessionIdleTimeoutMs: number;
  /** The most 2025-era sessions open at once; the longest idle makes room for a new one. */
  maxSessions: number;
  logger: Logger;
}

export interface SdkSide {
  /** The open session `sessionId` names, its activity counted on `res`; undefined if there is none (the SDK answers 404). */
  track(sessionId: string, caller: Caller | undefined, res: ExpressResponse): LiveSession | undefined;
  /** Answers a POST whose body is read: on its session's lean path, or by the SDK. */
  answer(req: ExpressRequest, res: ExpressResponse, body: unknown, next: NextFunction, session: LiveSession | undefined): void;
  /** The SDK's answer to a request the lean path outside a session took and did not finish. */
  handOff: HandOff;
  /** The SDK's answer to anything but a POST of JSON (a GET stream, a DELETE). */
  node(req: ExpressRequest, res: ExpressResponse): Promise<void>;
  listChanged(kind: ListKind): void;
  resourceUpdated(uri: string): void;
  sessions(): number;
  close(): Promise<void>;
}

/**
 * The request's verified caller, id and trace context as the `authInfo` the
 * SDK's Node adapter forwards (`req.auth`), under `extra`; auth info another
 * middleware set is kept beside them.
 */
function withRequestContext(req: ExpressRequest, res: ExpressResponse): void {
  const caller = callerOf(req);
  const trace = traceOf(res);
  const requestId = requestIdOf(res);
  // A plain copy: the SDK's adapter may copy authInfo, and a context's ids may be getters (telemetry/trace-context.ts).
  // The headers as Node parsed them, as the REST routes read them: rebuilding them from the SDK's Request would cost every call a copy.
  const extra = { headers: req.headers, ...(caller ? { caller } : {}), ...(trace ? { trace: plainContext(trace) } : {}), ...(requestId !== undefined ? { requestId } : {}) };
  const carrier = req as ExpressRequest & { auth?: AuthInfo };
  const given = carrier.auth;
  carrier.auth = given
    ? { ...given, extra: { ...given.extra, ...extra } }
    : { token: '', clientId: caller?.id ?? '', scopes: [], extra };
}

export function sdkSide(source: McpSource, options: SdkSideOptions): SdkSide {
  const onerror = (err: Error): void => options.logger.debug('MCP endpoint', { error: err.message });
  // A 2026-07-28 request gets an instance of its own, with none of a session's handlers (log level, subscriptions).
  const modern = createMcpHandler(() => proxyServer(source, options.info, options.instructions, false), { legacy: 'reject', maxRequestBodySize: options.maxBodyBytes, onerror });
  const legacy = legacySessions(() => proxyServer(source, options.info, options.instructions, true), {
    maxBodyBytes: options.maxBodyBytes,
    idleTimeoutMs: options.sessionIdleTimeoutMs,
    maxSessions: options.maxSessions,
    logger: options.logger,
  });
  // The body is read once, by http-endpoint.ts, and handed on parsed: otherwise the era check and the handler that answers would each read a copy.
  const fetch = async (request: Request, given?: McpHandlerRequestOptions): Promise<Response> => {
    const parsedBody = given?.parsedBody;
    const era = plainEra(parsedBody, request.headers.get('mcp-protocol-version'));
    if (era === 'legacy' || (era === undefined && (await isLegacyRequest(request, parsedBody, { maxRequestBodySize: options.maxBodyBytes })))) return legacy.fetch(request, parsedBody, given?.authInfo);
    return paramHeaderRefusal(source, parsedBody, request.headers, given?.authInfo) ?? modern.fetch(request, given);
  };
  const node = toNodeHandler({ fetch }, { onerror });
  /** The SDK's handler for a read POST, with the request's context and, from a lean path, how its call went (replayed-source.ts). */
  const toNode = (req: ExpressRequest, res: ExpressResponse, body: unknown, settled?: Settled): Promise<void> => {
    withRequestContext(req, res);
    if (settled) handOver(req, settled);
    // Only a 2025 session's streams are primed (legacy-sessions.ts); a 2026-07-28 request has no session.
    if (sessionIdOf(req) !== undefined) holdPriming(res);
    return node(req, res, body);
  };
  const handOff: HandOff = (req, res, body, settled) => {
    toNode(req, res, body, settled).catch((err: unknown) => res.destroy(err instanceof Error ? err : undefined));
  };
  const leanSession = leanSessionPath(source, handOff);
  return {
    track: (sessionId, caller, res) => legacy.track(sessionId, caller, res),
    answer(req, res, body, next, session) {
      if (session && leanSession(req, res, body, session)) return;
      toNode(req, res, body).catch(next);
    },
    handOff,
    node(req, res) {
      withRequestContext(req, res);
      return node(req, res);
    },
    listChanged(kind) {
      if (kind === 'tools') modern.notify.toolsChanged();
      else if (kind === 'prompts') modern.notify.promptsChanged();
      else modern.notify.resourcesChanged();
      legacy.listChanged(kind);
    },
    resourceUpdated: (uri) => modern.notify.resourceUpdated(uri),
    sessions: () => legacy.size(),
    async close() {
      await Promise.allSettled([legacy.close(), modern.close()]);
    },
  };
}
