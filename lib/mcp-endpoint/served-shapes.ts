/**
 * What the endpoint serves, shaped the same on the SDK's path
 * (proxy-server.ts) and on the lean paths (lean-answers.ts): the tools as
 * listed, and a result with the upstream's reserved `_meta` keys taken off.
 * It imports nothing from the SDK's server, so the lean paths can answer
 * before that is loaded (http-endpoint.ts).
 */
import type { Tool } from '@modelcontextprotocol/client';
import type { Caller } from '../auth/caller.js';
import type { McpSource } from './source.js';

/** The tools `caller` may call, as `tools/list` lists them: each under its served name and description. */
export function listedTools(source: McpSource, caller: Caller | undefined): Tool[] {
  return source.tools(caller).map(({ name, tool, description }) => ({ ...tool, name, ...(description !== undefined ? { description } : {}) }));
}

/**
 * A result without the upstream's `io.modelcontextprotocol/*` `_meta` keys
 * (its serverInfo, say): those describe the hop they came on, and the SDK
 * stamps this endpoint's own.
 */
export function withoutReservedMeta<T extends object>(result: T): T {
  const meta = (result as { _meta?: Record<string, unknown> })._meta;
  if (meta === undefined || meta === null) return result;
  const kept = Object.entries(meta).filter(([key]) => !key.startsWith('io.modelcontextprotocol/'));
  if (kept.length === Object.keys(meta).length) return result;
  const { _meta: _dropped, ...rest } = result as T & { _meta: unknown };
  return (kept.length > 0 ? { ...rest, _meta: Object.fromEntries(kept) } : rest) as T;
}
