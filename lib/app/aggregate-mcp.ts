/**
 * `<prefix>/mcp` in config mode: every server of the table at once as one MCP
 * server, their tools and prompts named `<server><separator><name>`. It
 * composes the aggregate source (lib/mcp-endpoint/aggregate-source.ts) over
 * the table's routers and the HTTP endpoint (lib/mcp-endpoint/http-endpoint.ts)
 * that serves it; whether there is one at all is createApp's choice.
 */
import type { Request, RequestHandler } from 'express';
import type { Logger } from '../common/log.js';
import { aggregateSource } from '../mcp-endpoint/aggregate-source.js';
import { mcpEndpoint, type McpCall } from '../mcp-endpoint/http-endpoint.js';
import type { McpSource } from '../mcp-endpoint/source.js';
import type { McpoRouter } from '../router/mcpo-router.js';
import type { RouterOptions } from '../router/options.js';
import { resolveOptions } from '../router/resolve-options.js';
import type { ServerTable } from './server-table.js';

export interface AggregateMcpOptions {
  /** Between a server's name and a tool's or prompt's. @default '_' */
  separator: string | undefined;
  /** How the endpoint introduces itself to clients. */
  info: { title: string; version: string };
  /** The routers' body limit and session limits, which the endpoint keeps too. */
  limits: Pick<RouterOptions, 'bodyLimit' | 'sessionIdleTimeout' | 'maxSessions'> | undefined;
  logger: Logger;
  /** Counts the calls a request carries against the limits of the servers they are for (app/call-limits.ts). */
  limitCalls?: (req: Request, calls: readonly McpCall[], ownerOf: (call: McpCall) => string | undefined) => Promise<void>;
}

export interface AggregateMcp {
  /** The Express handler for every method at `<prefix>/mcp`. */
  handle: RequestHandler;
  /** The table was replaced (a reload): clients hear that every list may have changed. */
  tableChanged(): void;
  /** The number of open 2025-era sessions. */
  sessions(): number;
  close(): Promise<void>;
}

export function aggregateMcp(servers: ServerTable, options: AggregateMcpOptions): AggregateMcp {
  const { info, logger } = options;
  // The table changes only on reload: its sources are mapped once per table, not on every MCP request.
  let sourcesFor: ReadonlyMap<string, { router: McpoRouter }> | undefined;
  let sources: ReadonlyMap<string, McpSource> = new Map();
  const sourcesOf = (table: ReadonlyMap<string, { router: McpoRouter }>): ReadonlyMap<string, McpSource> => {
    if (table !== sourcesFor) {
      sourcesFor = table;
      sources = new Map([...table].map(([name, m]) => [name, m.router.mcpSource]));
    }
    return sources;
  };
  const source = aggregateSource({
    servers: () => sourcesOf(servers.current),
    separator: options.separator ?? '_',
    logger,
  });
  const { bodyLimit, sessionIdleTimeout, maxSessions } = options.limits ?? {};
  const limits = resolveOptions({ bodyLimit, sessionIdleTimeout, maxSessions });
  const endpoint = mcpEndpoint(source, {
    info: { name: info.title, version: info.version },
    maxBodyBytes: limits.bodyLimit,
    sessionIdleTimeoutMs: limits.sessionIdleTimeoutMs,
    maxSessions: limits.maxSessions,
    logger,
    ...(options.limitCalls ? { limitCalls: (req: Request, calls: readonly McpCall[]) => options.limitCalls!(req, calls, (call) => source.ownerOf(call.method, call.params)) } : {}),
  });
  return {
    handle: endpoint.handle,
    tableChanged: () => source.tableChanged(),
    sessions: endpoint.sessions,
    async close() {
      source.close();
      await endpoint.close();
    },
  };
}
