/**
 * The calls of the lean paths (lean-path.ts for 2026-07-28 requests,
 * lean-session.ts for a 2025 session's), made without the SDK's server: the
 * same source calls proxy-server.ts's handlers make, and a finished result
 * encoded as the SDK's codec of the era encodes it (for 2026-07-28:
 * `resultType`, the cache fields of a cacheable result, this endpoint's
 * `serverInfo`). That skips, per call, the Node-to-Web request and back, a
 * server instance's dispatch and the zod checks of a message the admission
 * (lean-admission.ts) has already found plain; together they were most of
 * what an MCP call cost beyond a REST call (docs/performance.md).
 *
 * Only a finished result is encoded here. Anything else a call ends in (an
 * error, the upstream's questions) goes to the SDK's path, whose proxy
 * server takes it from the source in place of a second upstream call
 * (replayed-source.ts) and answers it with every rule the SDK has for it.
 */
import { SERVER_INFO_META_KEY, type Implementation } from '@modelcontextprotocol/client';
import type { IncomingHttpHeaders } from 'node:http';
import type { Caller } from '../auth/caller.js';
import { isRecord } from '../common/is-record.js';
import type { Peer } from '../mcp/peer.js';
import type { CallOutcome } from '../mcp/tool-call.js';
import type { TraceContext } from '../telemetry/trace-context.js';
import type { LeanMethod, LeanRequest } from './lean-admission.js';
import { listedTools, withoutReservedMeta } from './served-shapes.js';
import type { McpSource } from './source.js';

export interface LeanFrom {
  signal: AbortSignal;
  headers: IncomingHttpHeaders;
  caller?: Caller | undefined;
  trace?: TraceContext | undefined;
  requestId?: string | undefined;
  /** The client as the upstream is to see it: what endpoint-peer.ts's peerOf makes of it in the request's era. */
  peer: Peer;
}

/** How many requests each path answered; the tests read it to know the lean path was taken. */
export const leanTally = { direct: 0, replayed: 0 };

/** The results the SDK gives `ttlMs` and `cacheScope` (2026-07-28), of the methods admitted. */
const CACHEABLE = new Set(['tools/list', 'resources/read']);

/** `tools/list`'s result, which asks no one: the tools the caller may call. */
export const toolList = (source: McpSource, caller: Caller | undefined): Record<string, unknown> => ({ tools: listedTools(source, caller) });

/**
 * Asks the source as proxy-server.ts's handler for `method` asks it (tools/call,
 * resources/read, prompts/get): the value is what the source gives, a tool's
 * outcome or the result, for `finishedResult` to read or the SDK to answer.
 */
export function leanCall(source: McpSource, method: Exclude<LeanMethod, 'tools/list'>, params: Record<string, unknown>, from: LeanFrom): Promise<unknown> {
  const context = {
    headers: from.headers,
    ...(from.caller ? { caller: from.caller } : {}),
    ...(from.trace ? { trace: from.trace } : {}),
    ...(from.requestId !== undefined ? { requestId: from.requestId } : {}),
    peer: from.peer,
  };
  if (method !== 'tools/call') return source.request(method, params, from.signal, context);
  const { name, arguments: args } = params as { name: string; arguments?: Record<string, unknown> };
  return source.callTool(name, args ?? {}, { signal: from.signal, ...context });
}

/** The result of a finished call, as the handler would return it; undefined for anything else (the upstream's questions), which the SDK answers. */
export function finishedResult(method: LeanMethod, value: unknown): Record<string, unknown> | undefined {
  const result = method === 'tools/call' ? ((value as CallOutcome).kind === 'result' ? (value as { result: object }).result : undefined) : (value as object);
  if (result === undefined) return undefined;
  const type = (result as { resultType?: unknown }).resultType;
  return type === undefined || type === 'complete' ? (withoutReservedMeta(result) as Record<string, unknown>) : undefined;
}

/** A finished result as the SDK's 2025 codec sends it, in its JSON-RPC response: only a tool result without content changes. */
export function legacyResponse(method: LeanMethod, id: string | number, result: Record<string, unknown>): Record<string, unknown> {
  return { result: method === 'tools/call' ? withContent(result) : result, jsonrpc: '2.0', id };
}

/** The JSON-RPC response body of a finished result, as the SDK's 2026-07-28 codec writes it. */
export function encodeFinished(request: Pick<LeanRequest, 'id' | 'method'>, result: Record<string, unknown>, serverInfo: Implementation): string {
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
