/**
 * The MCP client a request came from, when it came in on one of mcpo's MCP
 * endpoints: what it declared it can do, the log level it asked for, and
 * how to reach it while the request runs. A REST call has no peer, and
 * goes upstream as mcpo itself (form elicitation only, the 409 flow).
 *
 * The upstream must ask only what this client can answer, so the peer's
 * capabilities (and log level) replace mcpo's own in a 2026-07-28 request's
 * `_meta` (transports.ts). What the upstream sends back about the request
 * (log lines; on a 2025-era connection, an elicitation) is handed to the
 * peer of the request it came on. Over HTTP the SDK reads each request's
 * response stream in that request's async context, so the peer is found
 * there; a stdio server's messages name no request, so they go to the one
 * peer with a request in flight on that connection, and to none when there
 * are several.
 */
import type { Client, ClientCapabilities, LoggingLevel } from '@modelcontextprotocol/client';

export interface Peer {
  readonly capabilities: ClientCapabilities;
  /** The least severe level the client wants log lines at; undefined: as the upstream decides (2025) or none (2026-07-28, where asking is per request). */
  readonly logLevel?: LoggingLevel | undefined;
  /** Hands a log notification's params to the client; undefined when the client takes none. */
  readonly onLog?: ((params: Record<string, unknown>) => void) | undefined;
  /** Asks the client a question of the 2025 era (an `elicitation/create`), related to its request; undefined when it cannot be asked. */
  readonly ask?: ((method: string, params: Record<string, unknown>) => Promise<Record<string, unknown>>) | undefined;
}

/** The severities, least first, as `logging/setLevel` orders them. */
const LEVELS: readonly LoggingLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

/** Whether a line at `level` reaches a client that asked for `threshold` (no threshold: every line). */
export function logPasses(threshold: LoggingLevel | undefined, level: unknown): boolean {
  if (threshold === undefined) return true;
  const at = LEVELS.indexOf(level as LoggingLevel);
  return at === -1 || at >= LEVELS.indexOf(threshold);
}

export function isLoggingLevel(value: unknown): value is LoggingLevel {
  return LEVELS.includes(value as LoggingLevel);
}

/** The peers with a request in flight, per connection: where a message that names no request may go. */
const inFlight = new WeakMap<Client, Map<Peer, number>>();

/** Counts `peer` in flight on `client` until the returned function is called. */
export function track(client: Client, peer: Peer): () => void {
  let peers = inFlight.get(client);
  if (!peers) inFlight.set(client, (peers = new Map()));
  const map = peers;
  map.set(peer, (map.get(peer) ?? 0) + 1);
  return () => {
    const left = (map.get(peer) ?? 1) - 1;
    if (left > 0) map.set(peer, left);
    else map.delete(peer);
  };
}

/** The only peer with requests in flight on `client`; undefined when there are none or several. */
export function solePeer(client: Client): Peer | undefined {
  const peers = inFlight.get(client);
  if (!peers || peers.size !== 1) return undefined;
  return peers.keys().next().value;
}

/** Whether the client declared the elicitation mode `params` asks for (form when none is named). */
export function declaresElicitation(capabilities: ClientCapabilities, params: Record<string, unknown>): boolean {
  const declared = capabilities.elicitation as { form?: unknown; url?: unknown } | undefined;
  if (!declared) return false;
  // An empty `elicitation: {}` is the 2025-06-18 form of declaring form mode.
  if (params.mode === 'url') return declared.url !== undefined;
  return declared.form !== undefined || declared.url === undefined;
}
