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
 *
 * Everything the SDK's server does lives in sdk-side.ts, loaded the first
 * time a request needs it; until then the lean path outside a session
 * answers what it takes without it (lean-path.ts).
 */
import type { NextFunction, Request as ExpressRequest, RequestHandler, Response as ExpressResponse } from 'express';
import { callerOf } from '../auth/caller.js';
import { isJson, readJsonBody, unsafeBodyProblem } from '../http/body.js';
import { BadRequestError, isMcpoError } from '../http/errors.js';
import { sessionIdOf } from './era-route.js';
import { listenHolder } from './modern-requests.js';
import { leanPath, type HandOff } from './lean-path.js';
import type { LiveSession } from './legacy-sessions.js';
import type { SdkSide, SdkSideOptions } from './sdk-side.js';
import type { McpSource } from './source.js';

export interface McpEndpointOptions extends SdkSideOptions {
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

/** Answers a POST whose body is read: `session` is the open session it came on, if it came on one. */
type Answer = (req: ExpressRequest, res: ExpressResponse, body: unknown, next: NextFunction, session: LiveSession | undefined) => void;

export function mcpEndpoint(source: McpSource, options: McpEndpointOptions): McpEndpoint {
  let side: SdkSide | undefined;
  let loading: Promise<SdkSide> | undefined;
  let closed = false;
  const load = (): Promise<SdkSide> =>
    (loading ??= import('./sdk-side.js').then(({ sdkSide }) => {
      side = sdkSide(source, options);
      if (closed) void side.close();
      return side;
    }));
  /** Runs `use` with the SDK's side, loading it first if need be; a failure to load goes to `next`. */
  const withSide = (next: NextFunction, use: (loaded: SdkSide) => unknown): void => {
    if (side) void use(side);
    else load().then(use, next);
  };
  // Before the SDK's side is loaded there is no session or listen stream to tell.
  const unsubscribe = source.onListChanged((kind) => side?.listChanged(kind));
  const holdListened = listenHolder(source, (uri) => side?.resourceUpdated(uri), options.logger);
  const handOff: HandOff = (req, res, body, settled) =>
    withSide((err: unknown) => res.destroy(err instanceof Error ? err : undefined), (loaded) => loaded.handOff(req, res, body, settled));
  const lean = leanPath(source, options.info, handOff);
  const answer: Answer = (req, res, body, next, session) => {
    if (!session && sessionIdOf(req) === undefined && lean(req, res, body)) return;
    withSide(next, (loaded) => loaded.answer(req, res, body, next, session));
  };
  const handle: RequestHandler = (req, res, next) => {
    const sessionId = sessionIdOf(req);
    // Only the SDK's side opens sessions, and only it can say that one is unknown.
    if (sessionId !== undefined && !side) return withSide(next, () => handle(req, res, next));
    const session = sessionId !== undefined ? side!.track(sessionId, callerOf(req), res) : undefined;
    // A method the Fetch API cannot carry would fail in the SDK's adapter as a 500; the SDK's own 405 for it instead.
    if (FORBIDDEN_METHODS.has(req.method)) return void res.status(405).set('Allow', 'GET, POST, DELETE').json({ jsonrpc: '2.0', id: null, error: { code: -32000, message: 'Method not allowed.' } });
    const refused = targetProblem(req);
    if (refused) return void res.status(400).json({ jsonrpc: '2.0', id: null, error: { code: -32600, message: refused } });
    if (req.method !== 'POST' || !isJson(req)) return withSide(next, (loaded) => loaded.node(req, res).catch(next));
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
  };
  return {
    handle,
    sessions: () => side?.sessions() ?? 0,
    async close() {
      closed = true;
      unsubscribe();
      // A side still loading is closed as it arrives (load), having had no request to open anything.
      await side?.close();
    },
  };
}
