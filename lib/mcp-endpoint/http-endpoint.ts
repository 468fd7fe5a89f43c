/**
 * A source (source.ts) served as MCP over Streamable HTTP, both protocol
 * eras on one URL:
 *
 * - 2026-07-28 requests are stateless: the SDK's `createMcpHandler` answers
 *   each with a fresh server instance (proxy-server.ts), so any replica can
 *   answer any request, and list changes reach `subscriptions/listen`
 *   streams through its notifier.
 * - 2025-era clients open a session with `initialize`; it lives in this
 *   process (legacy-sessions.ts), with a server instance of its own that
 *   sends list changes on the session's stream, until it is deleted, idle
 *   too long or evicted for a new one.
 *
 * The doors (API key, Host and Origin, CORS, request ids) are the app's, in
 * front of this handler; the body limit is applied here, because the SDK
 * reads the body itself, and so is the rate limit on the calls a body
 * carries (`limitCalls`), answered with HTTP 429 before any JSON-RPC. The
 * request's verified caller (lib/auth/caller.ts), headers, id and trace
 * context go to the SDK in its `authInfo`, which reaches each handler of either era
 * (proxy-server.ts reads them).
 */
import type { NextFunction, Request as ExpressRequest, RequestHandler, Response as ExpressResponse } from 'express';
import { callerOf } from '../auth/caller.js';
import { isJson, readJsonBody, unsafeBodyProblem } from '../http/body.js';
import { BadRequestError, isMcpoError } from '../http/errors.js';
import { requestIdOf } from '../http/request-id.js';
import { traceOf } from '../telemetry/observe.js';
import { plainContext } from '../telemetry/trace-context.js';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, isLegacyRequest, type AuthInfo, type Implementation, type McpHandlerRequestOptions } from '@modelcontextprotocol/server';
import type { Logger } from '../common/log.js';
import { plainEra } from './era-route.js';
import { legacySessions, type LiveSession } from './legacy-sessions.js';
import { proxyServer } from './proxy-server.js';
import { listenHolder, paramHeaderRefusal } from './modern-requests.js';
import { holdPriming } from './priming-hold.js';
import { leanPath, type HandOff } from './lean-path.js';
import { leanSessionPath } from './lean-session.js';
import { handOver } from './replayed-source.js';
import type { McpSource } from './source.js';

export interface McpEndpointOptions {
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
  /** Counts the calls (`tools/call`, `resources/read`, `prompts/get`) a request carries; rejects with a 429 over a limit. @default no limit */
  limitCalls?: (req: ExpressRequest, calls: readonly McpCall[]) => Promise<void>;
}

/** A call a request body carries, as `limitCalls` sees it. */
export interface McpCall {
  method: string;
  params: Record<string, unknown>;
}

/** The methods that count as calls against a rate limit, as their REST routes do. */
const CALL_METHODS = new Set(['tools/call', 'resources/read', 'prompts/get']);

/** The calls in a JSON-RPC message or batch. */
function callsIn(body: unknown): McpCall[] {
  const messages = Array.isArray(body) ? body : [body];
  const calls: McpCall[] = [];
  for (const message of messages) {
    const { method, params } = (message ?? {}) as { method?: unknown; params?: unknown };
    if (typeof method === 'string' && CALL_METHODS.has(method)) calls.push({ method, params: typeof params === 'object' && params !== null ? (params as Record<string, unknown>) : {} });
  }
  return calls;
}

/** The id of a single request, to answer it by; null for a batch or a notification. */
const idOf = (body: unknown): unknown => (!Array.isArray(body) && typeof body === 'object' && body !== null && 'id' in body ? (body as { id: unknown }).id : null);

export interface McpEndpoint {
  /** The Express handler for every method at the endpoint's path. */
  handle: RequestHandler;
  /** The number of open 2025-era sessions. */
  sessions(): number;
  /** Ends every 2025-era session and listen stream. */
  close(): Promise<void>;
}

/** A body that could not be read, or calls over a limit, answered as MCP clients read errors: JSON-RPC, with mcpo's status and headers. */
function sendBodyError(res: ExpressResponse, err: unknown, next: NextFunction, id: unknown = null): void {
  if (!isMcpoError(err)) return next(err);
  const code = err.status === 413 || err.status === 429 ? -32000 : -32700;
  const message = err.status === 413 ? `Payload Too Large: ${err.message}` : err.status === 429 ? err.message : `Parse error: ${err.message}`;
  for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value as string | string[]);
  res.status(err.status).json({ jsonrpc: '2.0', id, error: { code, message, ...(err.status === 429 ? { data: { code: err.code, ...(err.data as object) } } : {}) } });
}

/** Methods a Fetch `Request` refuses to carry. */
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

/**
 * The SDK's Node adapter builds each request's URL as `http://<Host><target>`
 * and answers 500 when that does not parse. An absolute-form target
 * (`POST http://host/mcp`, which an HTTP/1.1 server must accept) is made
 * origin-form; a Host no URL can hold (`localhost:x`) is refused here.
 */
function targetProblem(req: ExpressRequest): string | undefined {
  if (!req.url.startsWith('/') && URL.canParse(req.url)) {
    const { pathname, search } = new URL(req.url);
    req.url = `${pathname}${search}`;
  }
  return URL.canParse(`http://${req.headers.host ?? 'localhost'}${req.url}`) ? undefined : 'Bad Request: the Host header and the request target make no valid URL';
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

const sessionIdOf = (req: ExpressRequest): string | undefined => {
  const id = req.headers['mcp-session-id'];
  return typeof id === 'string' ? id : undefined;
};

type NodeHandler = ReturnType<typeof toNodeHandler>;

/** Answers a POST whose body is read: `session` is the open session it came on, if it came on one. */
type Answer = (req: ExpressRequest, res: ExpressResponse, body: unknown, next: NextFunction, session: LiveSession | undefined) => void;

/**
 * The lean paths (lean-path.ts outside a session, lean-session.ts on one),
 * or else the SDK's handler, `node`, which also answers a call a lean path
 * made and did not finish, from how it ended or as it runs (replayed-source.ts).
 */
function leanOrNode(source: McpSource, info: Implementation, node: NodeHandler): Answer {
  const sdk = (req: ExpressRequest, res: ExpressResponse, body: unknown, onError: (err: unknown) => void): void => {
    withRequestContext(req, res);
    // Only a 2025 session's streams are primed (legacy-sessions.ts); a 2026-07-28 request has no session.
    if (sessionIdOf(req) !== undefined) holdPriming(res);
    node(req, res, body).catch(onError);
  };
  const handOff: HandOff = (req, res, body, settled) => {
    withRequestContext(req, res);
    handOver(req, settled);
    if (sessionIdOf(req) !== undefined) holdPriming(res);
    node(req, res, body).catch((err: unknown) => res.destroy(err instanceof Error ? err : undefined));
  };
  const lean = leanPath(source, info, handOff);
  const leanSession = leanSessionPath(source, handOff);
  return (req, res, body, next, session) => {
    if (session ? leanSession(req, res, body, session) : sessionIdOf(req) === undefined && lean(req, res, body)) return;
    sdk(req, res, body, next);
  };
}

export function mcpEndpoint(source: McpSource, options: McpEndpointOptions): McpEndpoint {
  const onerror = (err: Error): void => options.logger.debug('MCP endpoint', { error: err.message });
  // A 2026-07-28 request gets an instance of its own, with none of a session's handlers (log level, subscriptions).
  const modern = createMcpHandler(() => proxyServer(source, options.info, options.instructions, false), { legacy: 'reject', maxRequestBodySize: options.maxBodyBytes, onerror });
  const legacy = legacySessions(() => proxyServer(source, options.info, options.instructions, true), {
    maxBodyBytes: options.maxBodyBytes,
    idleTimeoutMs: options.sessionIdleTimeoutMs,
    maxSessions: options.maxSessions,
    logger: options.logger,
  });
  const unsubscribe = source.onListChanged((kind) => {
    if (kind === 'tools') modern.notify.toolsChanged();
    else if (kind === 'prompts') modern.notify.promptsChanged();
    else modern.notify.resourcesChanged();
    legacy.listChanged(kind);
  });
  // The body is read once, here, and handed on parsed: otherwise the era check and the handler that answers would each read a copy.
  const fetch = async (request: Request, given?: McpHandlerRequestOptions): Promise<Response> => {
    const parsedBody = given?.parsedBody;
    const era = plainEra(parsedBody, request.headers.get('mcp-protocol-version'));
    if (era === 'legacy' || (era === undefined && (await isLegacyRequest(request, parsedBody, { maxRequestBodySize: options.maxBodyBytes })))) return legacy.fetch(request, parsedBody, given?.authInfo);
    return paramHeaderRefusal(source, parsedBody, request.headers, given?.authInfo) ?? modern.fetch(request, given);
  };
  const holdListened = listenHolder(source, (uri) => modern.notify.resourceUpdated(uri), options.logger);
  const node = toNodeHandler({ fetch }, { onerror });
  const answer = leanOrNode(source, options.info, node);
  return {
    handle(req, res, next) {
      const sessionId = sessionIdOf(req);
      const session = sessionId !== undefined ? legacy.track(sessionId, callerOf(req), res) : undefined;
      // A method the Fetch API cannot carry would fail in the SDK's adapter as a 500; the SDK's own 405 for it instead.
      if (FORBIDDEN_METHODS.has(req.method)) return void res.status(405).set('Allow', 'GET, POST, DELETE').json({ jsonrpc: '2.0', id: null, error: { code: -32000, message: 'Method not allowed.' } });
      const refused = targetProblem(req);
      if (refused) return void res.status(400).json({ jsonrpc: '2.0', id: null, error: { code: -32600, message: refused } });
      if (req.method !== 'POST' || !isJson(req)) {
        withRequestContext(req, res);
        return void node(req, res).catch(next);
      }
      readJsonBody(req, options.maxBodyBytes).then(
        (body) => {
          // The REST routes' rule, for the same reason: the SDK validates a message recursively, and a deep one overflows its stack.
          const problem = unsafeBodyProblem(body);
          if (problem) return sendBodyError(res, new BadRequestError(problem.message, undefined, problem.code), next);
          holdListened(req, res, body);
          const calls = options.limitCalls ? callsIn(body) : [];
          if (calls.length === 0) return answer(req, res, body, next, session);
          options.limitCalls!(req, calls).then(
            () => answer(req, res, body, next, session),
            (err: unknown) => sendBodyError(res, err, next, idOf(body)),
          );
        },
        (err: unknown) => sendBodyError(res, err, next),
      );
    },
    sessions: legacy.size,
    async close() {
      unsubscribe();
      await Promise.allSettled([legacy.close(), modern.close()]);
    },
  };
}
