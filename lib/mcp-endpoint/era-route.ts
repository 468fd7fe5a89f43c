/**
 * Which era a POST to the endpoint belongs to, when that is plain from the
 * body's shape and one header. The SDK's `isLegacyRequest` answers every
 * case, but it gets there by trial-parsing the body against three message
 * schemas, and the handler it routes to parses it again: for the requests
 * of a 2025 session, every one of which is answered the same way, that is
 * a few percent of a call spent learning nothing.
 *
 * So a request this recognises is routed without that trial parse, and
 * anything else (a batch, a notification, a response, an odd id) still goes
 * through it. The rule is the SDK's own for a request: legacy unless its
 * `_meta` claims a protocol version or its `MCP-Protocol-Version` header
 * names a modern one. A request that does either is never routed to
 * 2025-era serving (an `initialize` aside: one with a broken claim is), so
 * it goes to the 2026-07-28 handler, which classifies it once more and
 * refuses what is wrong with it.
 */
import type { IncomingMessage } from 'node:http';
import { PROTOCOL_VERSION_META_KEY } from '@modelcontextprotocol/client';
import { isRecord } from '../common/is-record.js';
import { eraOf } from '../telemetry/metrics.js';

/** The `Mcp-Session-Id` a request names: a 2025-era session's, if it came on one. */
export const sessionIdOf = (req: IncomingMessage): string | undefined => {
  const id = req.headers['mcp-session-id'];
  return typeof id === 'string' ? id : undefined;
};

/** A JSON-RPC request id as the schema takes it: a string or an integer. */
const isRequestId = (id: unknown): boolean => typeof id === 'string' || Number.isInteger(id);

/**
 * The era whose handler the SDK would route `body` to, when that is plain:
 * a single well-formed request, not an `initialize`. Undefined means "ask
 * the SDK". `protocolHeader` is the request's `MCP-Protocol-Version`, or null.
 */
export function plainEra(body: unknown, protocolHeader: string | null): 'legacy' | 'modern' | undefined {
  // A request that also carries a result or an error would pass the SDK's response check first.
  if (!isRecord(body) || body.jsonrpc !== '2.0' || typeof body.method !== 'string' || !isRequestId(body.id) || 'result' in body || 'error' in body) return undefined;
  if (body.params !== undefined && !isRecord(body.params)) return undefined;
  const meta = body.params?._meta;
  if (meta !== undefined && !isRecord(meta)) return undefined;
  const claimed = meta !== undefined && PROTOCOL_VERSION_META_KEY in meta;
  const headerModern = protocolHeader !== null && eraOf(protocolHeader.trim()) !== 'legacy';
  if (!claimed && !headerModern) return 'legacy';
  return body.method === 'initialize' ? undefined : 'modern';
}
