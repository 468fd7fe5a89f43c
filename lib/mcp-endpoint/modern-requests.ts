/**
 * What the endpoint does with a 2026-07-28 request before the SDK's handler
 * sees it, because the SDK does it only for servers it built from tool
 * definitions, and mcpo's proxy server relays:
 *
 * - a `tools/call` of a tool with `x-mcp-header` parameters is refused
 *   (HTTP 400, JSON-RPC -32020) when its `Mcp-Param-*` headers are missing,
 *   malformed or disagree with the body (param-header-check.ts);
 * - a `subscriptions/listen` that names resources subscribes to them behind
 *   the endpoint for as long as its stream is open, so the upstream's
 *   updates reach the SDK's listen streams (`resourceUpdated`).
 */
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { Request as ExpressRequest, Response as ExpressResponse } from 'express';
import { callerOf, type Caller } from '../auth/caller.js';
import type { Logger } from '../common/log.js';
import { isRecord } from '../common/is-record.js';
import { paramHeaderProblem } from './param-header-check.js';
import type { McpSource, RequestFrom } from './source.js';

/** The JSON-RPC code for headers that disagree with the body (SEP-2243). */
const HEADER_MISMATCH = -32020;

/** The 400 for a `tools/call` whose `Mcp-Param-*` headers do not match its arguments; undefined for any other request. */
export function paramHeaderRefusal(source: McpSource, body: unknown, headers: Headers, authInfo: AuthInfo | undefined): Response | undefined {
  if (!isRecord(body) || body.method !== 'tools/call' || !isRecord(body.params) || typeof body.params.name !== 'string') return undefined;
  const tool = source.tool(body.params.name, authInfo?.extra?.caller as Caller | undefined);
  if (!tool) return undefined;
  const problem = paramHeaderProblem(tool.tool.inputSchema, body.params.arguments, headers);
  if (!problem) return undefined;
  const id = typeof body.id === 'string' || typeof body.id === 'number' ? body.id : null;
  return Response.json({ jsonrpc: '2.0', id, error: { code: HEADER_MISMATCH, message: problem.message, data: problem.data } }, { status: 400 });
}

/** The resource URIs a `subscriptions/listen` body asks to hear about; empty for any other body. */
function listenedUris(body: unknown): string[] {
  if (!isRecord(body) || body.method !== 'subscriptions/listen' || !isRecord(body.params) || !isRecord(body.params.notifications)) return [];
  const uris = body.params.notifications.resourceSubscriptions;
  return Array.isArray(uris) ? uris.filter((uri): uri is string => typeof uri === 'string') : [];
}

/**
 * For a listen that names resources: subscribes to each behind the endpoint,
 * calling `updated` on each change; returns what ends them, or undefined
 * when the body names none. A URI that cannot be subscribed is left out
 * (the listen stream stays open for the others), and said so at debug level.
 */
export function listenSubscriptions(source: McpSource, body: unknown, from: RequestFrom, updated: (uri: string) => void, onError: (uri: string, err: unknown) => void): (() => void) | undefined {
  const uris = listenedUris(body);
  if (uris.length === 0 || !source.capabilities().resources?.subscribe) return undefined;
  let ended = false;
  const ends: (() => void)[] = [];
  for (const uri of new Set(uris)) {
    source.subscribe(uri, () => updated(uri), from).then(
      (end) => (ended ? end() : void ends.push(end)),
      (err: unknown) => onError(uri, err),
    );
  }
  return () => {
    ended = true;
    for (const end of ends.splice(0)) end();
  };
}

/** For each request: a listen stream that names resources holds their subscriptions behind the endpoint until it closes. */
export function listenHolder(source: McpSource, updated: (uri: string) => void, logger: Logger): (req: ExpressRequest, res: ExpressResponse, body: unknown) => void {
  const onError = (uri: string, err: unknown): void => logger.debug('MCP endpoint: could not subscribe a listened resource', { uri, error: err instanceof Error ? err.message : String(err) });
  return (req, res, body) => {
    if ((body as { method?: unknown } | null)?.method !== 'subscriptions/listen') return;
    const end = listenSubscriptions(source, body, { headers: req.headers, caller: callerOf(req) }, updated, onError);
    if (end) res.on('close', end);
  };
}
