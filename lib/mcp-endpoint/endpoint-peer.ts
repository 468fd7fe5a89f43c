/**
 * The endpoint's client as the upstream is to see it (mcp/peer.ts), built
 * from the request a proxy server instance (proxy-server.ts) is handling:
 * its capabilities and log level (a 2026-07-28 request carries both; a
 * 2025-era session declared the first at `initialize` and set the second
 * with `logging/setLevel`), where its log lines go, and how it is asked a
 * question. And the one thing a 2025-era client cannot do itself: answer an
 * `input_required` result. A 2026-07-28 upstream asks its questions that
 * way whatever era the client speaks, so for a 2025-era client mcpo asks
 * them in that era's form (requests on the client's stream), and retries
 * the upstream request with the answers, round after round.
 *
 * Also here: the handlers of a 2025 session's own state, its log level and
 * its resource subscriptions, which die with the session.
 */
import {
  CLIENT_CAPABILITIES_META_KEY,
  LOG_LEVEL_META_KEY,
  ProtocolError,
  ProtocolErrorCode,
  type ClientCapabilities,
  type LoggingLevel,
  type Server,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { declaresElicitation, isLoggingLevel, logPasses, type Peer } from '../mcp/peer.js';
import type { McpSource, RequestFrom } from './source.js';

/** What one proxy server instance keeps for its client: a 2025 session's level and subscriptions. */
export interface PeerState {
  logLevel?: LoggingLevel;
  /** Ends each subscription of the session, by URI. */
  readonly subscriptions: Map<string, () => void>;
}

/** Rounds of questions a 2025-era client is asked for one request before mcpo gives up on it. */
const MAX_ROUNDS = 16;

/** Whether the request is a 2026-07-28 one: it carries the per-request envelope. */
const envelopeOf = (ctx: ServerContext): Record<string, unknown> | undefined => (ctx.mcpReq as { envelope?: Record<string, unknown> }).envelope;

export function peerOf(server: Server, ctx: ServerContext, state: PeerState): Peer {
  const envelope = envelopeOf(ctx);
  const modern = envelope?.[CLIENT_CAPABILITIES_META_KEY] !== undefined;
  const capabilities = ((modern ? envelope![CLIENT_CAPABILITIES_META_KEY] : server.getClientCapabilities()) ?? {}) as ClientCapabilities;
  const asked = envelope?.[LOG_LEVEL_META_KEY];
  // A 2025-era client that set no level takes what the server sends, as a 2025-era server sends it without one.
  const logLevel = modern ? (isLoggingLevel(asked) ? asked : undefined) : (state.logLevel ?? 'debug');
  // A 2026-07-28 client gets log lines only for a request that named a level.
  const logs = !modern || logLevel !== undefined;
  return {
    capabilities,
    logLevel,
    onLog: logs
      ? (params) => {
          if (logPasses(logLevel, params.level)) void ctx.mcpReq.notify({ method: 'notifications/message', params } as never).catch(() => {});
        }
      : undefined,
    ask: modern ? undefined : (method, params) => ctx.mcpReq.send({ method, params } as never) as Promise<Record<string, unknown>>,
  };
}

/** Whether the client declared what an input request asks of it. */
function declares(capabilities: ClientCapabilities, method: string, params: Record<string, unknown>): boolean {
  if (method === 'elicitation/create') return declaresElicitation(capabilities, params);
  if (method === 'sampling/createMessage') return capabilities.sampling !== undefined;
  if (method === 'roots/list') return capabilities.roots !== undefined;
  return false;
}

/** The answers of a 2025-era client to an upstream's input requests, asked on its stream. */
async function answers(peer: Peer, inputRequests: Record<string, unknown>): Promise<Record<string, unknown>> {
  const asked = Object.entries(inputRequests).map(async ([key, request]) => {
    const { method, params = {} } = (request ?? {}) as { method?: unknown; params?: Record<string, unknown> };
    if (typeof method !== 'string' || !declares(peer.capabilities, method, params)) {
      throw new ProtocolError(ProtocolErrorCode.InvalidRequest, `The MCP server asked this client for ${String(method)}, which the client did not declare it can answer`);
    }
    return [key, await peer.ask!(method, params)] as const;
  });
  return Object.fromEntries(await Promise.all(asked));
}

/** What an upstream answers: done, or questions for the client and the state to send back with the answers. */
export type Answer<T> = { done: T } | { inputRequests: Record<string, unknown>; requestState?: string | undefined };

/**
 * Sends `send` until the upstream is done: for a client that can answer
 * `input_required` itself (2026-07-28, no `ask`), the first answer as it is;
 * for a 2025-era client, each round's questions are asked of it and the
 * request is sent again with its answers.
 */
export async function untilDone<T>(peer: Peer, send: (retry: { inputResponses?: Record<string, unknown>; requestState?: string }) => Promise<Answer<T>>): Promise<Answer<T>> {
  let answer = await send({});
  for (let round = 1; peer.ask && !('done' in answer); round++) {
    if (round > MAX_ROUNDS) throw new ProtocolError(ProtocolErrorCode.InternalError, `The MCP server kept asking for input: ${MAX_ROUNDS} rounds`);
    const inputResponses = await answers(peer, answer.inputRequests);
    answer = await send({ inputResponses, ...(answer.requestState !== undefined ? { requestState: answer.requestState } : {}) });
  }
  return answer;
}

/** Each 2025 session's state, by its server instance: the lean path (lean-session.ts) reads the log level there. */
const sessionStates = new WeakMap<Server, PeerState>();
export const sessionStateOf = (server: Server): PeerState | undefined => sessionStates.get(server);

/** A 2025 session's `logging/setLevel`, `resources/subscribe` and `resources/unsubscribe`, as far as the source offers them. */
export function sessionHandlers(server: Server, source: McpSource, state: PeerState, from: (ctx: ServerContext) => RequestFrom): void {
  sessionStates.set(server, state);
  const capabilities = source.capabilities();
  if (capabilities.logging) {
    server.setRequestHandler('logging/setLevel', async (request, ctx) => {
      state.logLevel = request.params.level;
      await source.request('logging/setLevel', { level: request.params.level }, ctx.mcpReq.signal, from(ctx));
      return {};
    });
  }
  if (!capabilities.resources?.subscribe) return;
  server.setRequestHandler('resources/subscribe', async (request, ctx) => {
    const { uri } = request.params;
    if (state.subscriptions.has(uri)) return {};
    const end = await source.subscribe(uri, () => void server.sendResourceUpdated({ uri }).catch(() => {}), from(ctx));
    // Subscribed twice at once: the second keeps the first's.
    if (state.subscriptions.has(uri)) end();
    else state.subscriptions.set(uri, end);
    return {};
  });
  server.setRequestHandler('resources/unsubscribe', (request) => {
    state.subscriptions.get(request.params.uri)?.();
    state.subscriptions.delete(request.params.uri);
    return {};
  });
  const closed = server.onclose;
  server.onclose = () => {
    for (const end of state.subscriptions.values()) end();
    state.subscriptions.clear();
    closed?.();
  };
}
