/**
 * The 2025-era sessions of one MCP endpoint. A client's `initialize` opens
 * one: a server instance and a Streamable HTTP transport of its own, kept
 * here under its `Mcp-Session-Id` until the client deletes it, it stays idle
 * too long, it is evicted for a new one, or the endpoint closes. List
 * changes are sent on each session's stream.
 *
 * Most clients never delete their session (a crash, a closed laptop, a
 * script), so a session with nothing open for `idleTimeoutMs` is closed,
 * and at most `maxSessions` are kept: a new one evicts the longest idle,
 * and when every one is active, `initialize` is answered 503. What counts
 * as active, and the sweep's one timer, are session-activity.ts's. A closed
 * session's id gets the specification's 404, after which a client starts
 * anew.
 *
 * A session's SSE streams can be resumed: each keeps its recent events
 * (event-store.ts), every response stream opens with a priming event that
 * carries an id and a `retry`, and a client whose stream broke comes back
 * with a GET carrying `Last-Event-ID` and is sent what it missed. The store
 * is the session's own, so one session's event ids reach nothing of
 * another's, and its memory goes with the session.
 *
 * A session belongs to the verified caller who opened it: a request on it
 * from anyone else gets the same 404 as an unknown id, so a session id that
 * leaked is no way to act as its owner.
 *
 * Sessions live in this process's memory, so a deployment of several
 * replicas must route a session's requests to the replica that opened it
 * (sticky on `Mcp-Session-Id`). Each id starts with this replica's tag, so
 * a replica handed another's session answers a 404 that says so.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import os from 'node:os';
import { isInitializeRequest, WebStandardStreamableHTTPServerTransport, type AuthInfo, type Server } from '@modelcontextprotocol/server';
import type { Caller } from '../auth/caller.js';
import type { Logger } from '../common/log.js';
import { MemoryEventStore } from './event-store.js';
import { activeWhileOpen, idleNow, idleSweeper, type Activity } from './session-activity.js';
import type { ListKind } from './source.js';

/** This process's tag: stable for its life, different in every replica and after every restart. */
export const REPLICA = `r${createHash('sha256').update(`${os.hostname()}:${process.pid}:${Date.now()}:${randomUUID()}`).digest('hex').slice(0, 10)}`;

/** Seconds a client refused for want of room waits: room comes back as soon as any session's request or stream ends. */
const FULL_RETRY_AFTER = 1;

/**
 * The `retry` of the priming event, the wait before a client reconnects a
 * broken stream. The SDK client then waits exactly this before each of its
 * (by default two) tries, with no backoff: long enough that a blip can pass,
 * short enough that a resumed call's answer is hardly late.
 */
export const SSE_RETRY_MS = 2000;

export interface LegacySessionsOptions {
  maxBodyBytes: number;
  /** A session with no request in flight and no stream open this long is closed. */
  idleTimeoutMs: number;
  /** The most sessions open at once. */
  maxSessions: number;
  logger: Logger;
}

/** What a request on an open session may use of it without the SDK's transport (lean-session.ts). */
export interface LiveSession {
  readonly server: Server;
  /** Where its SSE events are kept for resumption. */
  readonly events: MemoryEventStore;
}

interface Open extends Activity, LiveSession {
  transport: WebStandardStreamableHTTPServerTransport;
  /** Who opened it (ownerOf), '' when nobody was verified. */
  owner: string;
}

/** The verified caller a request's authInfo carries (http-endpoint.ts), as one string; '' for none. */
function ownerOf(authInfo: AuthInfo | undefined): string {
  return ownerIs(authInfo?.extra?.caller as Caller | undefined);
}

const ownerIs = (caller: Caller | undefined): string => (caller === undefined ? '' : JSON.stringify([caller.via, caller.id]));

const notFound = (id: string): Response => {
  const elsewhere = !id.startsWith(`${REPLICA}.`) && /^r[0-9a-f]{10}\./.test(id);
  const message = elsewhere
    ? `Session not found: it was opened on another mcpo replica (${id.slice(0, 11)}), and this is ${REPLICA}. Route a session's requests to one replica (sticky on Mcp-Session-Id), or use a 2026-07-28 client, which needs no session.`
    : 'Session not found: it ended, or this mcpo was restarted. Start a new session with initialize.';
  return Response.json({ jsonrpc: '2.0', id: null, error: { code: -32001, message } }, { status: 404 });
};

const opensSession = (body: unknown): boolean => (Array.isArray(body) ? body : [body]).some((m) => isInitializeRequest(m));

/** The 503 for an `initialize` when every session is active, as a JSON-RPC error with the request's id. */
function full(body: unknown, maxSessions: number): Response {
  const id = (body as { id?: unknown } | undefined)?.id;
  const message = `Too many MCP sessions: all ${maxSessions} of this endpoint are in use. Retry shortly; clients should end sessions they no longer need (DELETE with Mcp-Session-Id).`;
  return Response.json(
    { jsonrpc: '2.0', id: typeof id === 'string' || typeof id === 'number' ? id : null, error: { code: -32000, message } },
    { status: 503, headers: { 'Retry-After': String(FULL_RETRY_AFTER) } },
  );
}

/**
 * The limits on `open`: the sweep that closes idle sessions, and a place for
 * each new one, made by closing the longest idle when the endpoint is full.
 */
function sessionLimits(open: Map<string, Open>, { idleTimeoutMs, maxSessions, logger }: LegacySessionsOptions) {
  // Initializes under way hold a place too, so that many at once cannot pass the limit together.
  let starting = 0;
  const end = (id: string, why: 'idle' | 'evicted'): void => {
    const session = open.get(id);
    if (!session) return;
    open.delete(id);
    void session.server.close().catch(() => {});
    logger.debug('MCP session closed', { why, sessions: open.size });
  };
  const sweeper = idleSweeper(idleTimeoutMs, (now) => {
    for (const [id, session] of open) if (session.active === 0 && now - session.idleSince >= idleTimeoutMs) end(id, 'idle');
    if (open.size === 0) sweeper.stop();
  });
  return {
    /** A session joined `open`: the sweep runs while there are any. */
    opened: (): void => sweeper.start(),
    /** Holds a place for a session being opened, closing the longest-idle one if need be; false when every one is active. */
    reserve(): boolean {
      if (open.size + starting >= maxSessions) {
        let oldest: string | undefined;
        let since = Infinity;
        for (const [id, session] of open) {
          if (session.active === 0 && session.idleSince < since) [oldest, since] = [id, session.idleSince];
        }
        if (oldest === undefined) return false;
        end(oldest, 'evicted');
      }
      starting++;
      return true;
    },
    release: (): void => void starting--,
    stop: (): void => sweeper.stop(),
  };
}

/** What the transport is handed with a request: the body already read, and who is calling. */
function handling(parsedBody: unknown, authInfo: AuthInfo | undefined): { parsedBody?: unknown; authInfo?: AuthInfo } | undefined {
  if (parsedBody === undefined && authInfo === undefined) return undefined;
  return { ...(parsedBody !== undefined ? { parsedBody } : {}), ...(authInfo !== undefined ? { authInfo } : {}) };
}

export function legacySessions(factory: () => Server, options: LegacySessionsOptions) {
  const { logger } = options;
  const open = new Map<string, Open>();
  const limits = sessionLimits(open, options);

  async function start(request: Request, parsedBody: unknown, authInfo: AuthInfo | undefined): Promise<Response> {
    const opening = opensSession(parsedBody);
    if (opening && !limits.reserve()) return full(parsedBody, options.maxSessions);
    try {
      return await connect(request, parsedBody, authInfo);
    } finally {
      if (opening) limits.release();
    }
  }

  async function connect(request: Request, parsedBody: unknown, authInfo: AuthInfo | undefined): Promise<Response> {
    const server = factory();
    const events = new MemoryEventStore();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => `${REPLICA}.${randomUUID()}`,
      onsessioninitialized: (id) => {
        open.set(id, { server, transport, events, owner: ownerOf(authInfo), ...idleNow() });
        limits.opened();
        logger.debug('MCP session opened', { sessions: open.size });
      },
      onsessionclosed: (id) => {
        open.delete(id);
      },
      maxRequestBodySize: options.maxBodyBytes,
      eventStore: events,
      retryInterval: SSE_RETRY_MS,
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) open.delete(transport.sessionId);
    };
    await server.connect(transport);
    const response = await transport.handleRequest(request, handling(parsedBody, authInfo));
    // Anything but an accepted initialize leaves no session: nothing holds this instance.
    if (transport.sessionId === undefined || !open.has(transport.sessionId)) void server.close();
    return response;
  }

  /** The session `id`, if it is open and `caller` opened it: anyone else is told no such session exists. */
  const owned = (id: string, caller: Caller | undefined): Open | undefined => {
    const session = open.get(id);
    return session && session.owner === ownerIs(caller) ? session : undefined;
  };

  return {
    /** `parsedBody`: the POST body, read by http-endpoint.ts (undefined: the transport reads it); `authInfo`: this request's verified caller. */
    fetch(request: Request, parsedBody?: unknown, authInfo?: AuthInfo): Promise<Response> {
      const id = request.headers.get('mcp-session-id');
      if (id === null) return start(request, parsedBody, authInfo);
      const session = owned(id, authInfo?.extra?.caller as Caller | undefined);
      if (!session) return Promise.resolve(notFound(id));
      return session.transport.handleRequest(request, handling(parsedBody, authInfo));
    },
    /** A request on session `id` from its owner keeps it active until `res` closes, and gets it; anyone else's, or an unknown id, gets undefined. */
    track(id: string, caller: Caller | undefined, res: ServerResponse): LiveSession | undefined {
      const session = owned(id, caller);
      if (session) activeWhileOpen(session, res);
      return session;
    },
    listChanged(kind: ListKind): void {
      for (const { server } of open.values()) {
        const sent = kind === 'tools' ? server.sendToolListChanged() : kind === 'prompts' ? server.sendPromptListChanged() : server.sendResourceListChanged();
        void sent.catch(() => {});
      }
    },
    size: (): number => open.size,
    async close(): Promise<void> {
      limits.stop();
      const all = [...open.values()];
      open.clear();
      await Promise.allSettled(all.map(({ server }) => server.close()));
    },
  };
}
