/**
 * What a supervised connection reports about itself: its state, and what the
 * server said of itself when it connected.
 */
import type { Client, Implementation } from '@modelcontextprotocol/client';
import type { TransportType } from './spec.js';

/**
 * `waiting-for-caller`: a connection kept in standby, for a server whose
 * caller templates need a caller's values; it becomes `ready` once a
 * caller's own connection listed the tools for it.
 */
export type UpstreamState = 'connecting' | 'ready' | 'backing-off' | 'needs-authorization' | 'waiting-for-caller' | 'closed';

/** What the server said about itself during initialization. */
export interface ServerMeta {
  serverInfo: Implementation;
  /** The protocol version negotiated. */
  protocolVersion?: string;
  /** `modern` for 2026-07-28 and later, where a tool may answer `input_required`; `legacy` for the 2025 era. */
  era?: 'modern' | 'legacy';
  instructions?: string;
}

export interface UpstreamStatus {
  state: UpstreamState;
  type: TransportType;
  /** Number of tools currently listed. */
  tools: number;
  /** The protocol version negotiated on the last connection (`2026-07-28`, `2025-11-25`, …); null before the first. */
  protocolVersion: string | null;
  lastError: string | null;
  /** When the state last changed (ISO time). */
  since: string;
  /** Connection attempts after the first: restarts of a child, new sessions. */
  restarts: number;
  /** While backing off: when the next attempt starts (ISO time). */
  nextAttempt?: string;
  /** While it needs authorization: the page a person opens to give it. */
  authorize?: string;
  pid?: number;
  /** The last few KiB the stdio child wrote to stderr. */
  stderr?: string;
}

/** What the server said about itself when `client` connected to it. */
export function serverMeta(client: Client): ServerMeta {
  const instructions = client.getInstructions();
  const protocolVersion = client.getNegotiatedProtocolVersion();
  const era = client.getProtocolEra();
  return {
    // A 2026-07-28 server need not say who it is.
    serverInfo: client.getServerVersion() ?? { name: 'mcp-server', version: '0.0.0' },
    ...(protocolVersion ? { protocolVersion } : {}),
    ...(era ? { era } : {}),
    ...(instructions ? { instructions } : {}),
  };
}
