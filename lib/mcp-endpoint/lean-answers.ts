/**
 * A 2026-07-28 request admitted by lean-admission.ts, answered without the
 * SDK's server: the same source calls proxy-server.ts's handlers make, and a
 * result encoded as the SDK's 2026-07-28 codec encodes it (`resultType`, the
 * cache fields of a cacheable result, this endpoint's `serverInfo`). That
 * skips, per call, the Node-to-Web request and back, a server instance and
 * its transport, and the zod checks of a message the admission has already
 * found plain; together they were most of what an MCP call cost beyond a
 * REST call (docs/performance.md).
 *
 * Only a finished result is encoded here. Anything else the call ends in
 * (an error, the upstream's questions) is `settled`: http-endpoint.ts hands
 * it to the SDK's path, whose proxy server takes it from the source in place
 * of a second upstream call (replayed-source.ts) and answers it with every
 * rule the SDK has for it.
 */
import { SERVER_INFO_META_KEY, type Implementation } from '@modelcontextprotocol/server';
import type { IncomingHttpHeaders } from 'node:http';
import type { Caller } from '../auth/caller.js';
import { isRecord } from '../common/is-record.js';
import type { Peer } from '../mcp/peer.js';
import type { TraceContext } from '../telemetry/trace-context.js';
import type { LeanRequest } from './lean-admission.js';
import { listedTools, withoutReservedMeta } from './proxy-server.js';
import type { McpSource } from './source.js';

/** How a call ended that the SDK is to answer: the value the source gave, or what it threw. */
export type Settled = { value: unknown } | { error: unknown };

export type LeanOutcome = { result: Record<string, unknown> } | { settled: Settled };

export interface LeanFrom {
  signal: AbortSignal;
  headers: IncomingHttpHeaders;
  caller?: Caller | undefined;
  trace?: TraceContext | undefined;
  requestId?: string | undefined;
}

/** How many requests each path answered; the tests read it to know the lean path was taken. */
export const leanTally = { direct: 0, replayed: 0 };

/** The results the SDK gives `ttlMs` and `cacheScope` (2026-07-28), of the methods admitted. */
const CACHEABLE = new Set(['tools/list', 'resources/read']);

/** Asks the source as proxy-server.ts's handler for the method would, for a client that answers questions itself. */
export async function leanAnswer(source: McpSource, request: LeanRequest, from: LeanFrom): Promise<LeanOutcome> {
  // What endpoint-peer.ts's peerOf makes of a 2026-07-28 request without a log level: no log lines, no asking.
  const peer: Peer = { capabilities: request.capabilities, logLevel: undefined, onLog: undefined, ask: undefined };
  const context = {
    ...(from.caller ? { caller: from.caller } : {}),
    ...(from.trace ? { trace: from.trace } : {}),
    ...(from.requestId !== undefined ? { requestId: from.requestId } : {}),
  };
  try {
    if (request.method === 'tools/list') return { result: { tools: listedTools(source, from.caller) } };
    if (request.method === 'tools/call') {
      const { name, arguments: args } = request.params as { name: string; arguments?: Record<string, unknown> };
      const outcome = await source.callTool(name, args ?? {}, { signal: from.signal, headers: from.headers, ...context, peer });
      return outcome.kind === 'result' ? finished(outcome.result) : { settled: { value: outcome } };
    }
    const result = await source.request(request.method, request.params, from.signal, { headers: from.headers, ...context, peer });
    return finished(result);
  } catch (error) {
    return { settled: { error } };
  }
}

/** A result with no `resultType`, or `complete`, is finished; any other the SDK answers. */
function finished(result: object): LeanOutcome {
  const type = (result as { resultType?: unknown }).resultType;
  return type === undefined || type === 'complete' ? { result: withoutReservedMeta(result) as Record<string, unknown> } : { settled: { value: result } };
}

/** The JSON-RPC response body of a finished result, as the SDK's 2026-07-28 codec writes it. */
export function encodeFinished(request: LeanRequest, result: Record<string, unknown>, serverInfo: Implementation): string {
  let encoded = request.method === 'tools/call' ? withContent(result) : request.method === 'tools/list' ? withoutExecution(result) : result;
  if (encoded.resultType === undefined) encoded = { ...encoded, resultType: 'complete' };
  if (CACHEABLE.has(request.method)) {
    const { ttlMs, cacheScope } = encoded;
    encoded = { ...encoded, ttlMs: Number.isSafeInteger(ttlMs) && (ttlMs as number) >= 0 ? ttlMs : 0, cacheScope: cacheScope === 'public' || cacheScope === 'private' ? cacheScope : 'private' };
  }
  return JSON.stringify({ result: withServerInfo(encoded, serverInfo), jsonrpc: '2.0', id: request.id });
}

/** Keys that make a tool result something other than content (the SDK's `normalizeContentlessToolResult`). */
const NOT_CONTENT = ['task', 'inputRequests', 'requestState'];

/** A tool result without `content` gets an empty one. */
function withContent(result: Record<string, unknown>): Record<string, unknown> {
  return result.content !== undefined || NOT_CONTENT.some((key) => key in result) ? result : { ...result, content: [] };
}

/** 2026-07-28 has no `execution` on a tool: the SDK drops it from a listed one. */
function withoutExecution(result: Record<string, unknown>): Record<string, unknown> {
  const tools = result.tools as unknown[];
  if (!tools.some((tool) => isRecord(tool) && 'execution' in tool)) return result;
  return {
    ...result,
    tools: tools.map((tool) => {
      if (!isRecord(tool) || !('execution' in tool)) return tool;
      const { execution: _dropped, ...rest } = tool;
      return rest;
    }),
  };
}

/** This endpoint's identity in the result's `_meta`, unless the result names one (or has a `_meta` that is no object). */
function withServerInfo(result: Record<string, unknown>, serverInfo: Implementation): Record<string, unknown> {
  const meta = result._meta;
  if (meta === undefined) return { ...result, _meta: { [SERVER_INFO_META_KEY]: serverInfo } };
  if (!isRecord(meta) || meta[SERVER_INFO_META_KEY] !== undefined) return result;
  return { ...result, _meta: { ...meta, [SERVER_INFO_META_KEY]: serverInfo } };
}
