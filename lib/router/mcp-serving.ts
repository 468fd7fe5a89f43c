/**
 * A router's server served back out as MCP: its source
 * (mcp-endpoint/router-source.ts: the tools under their served names, those
 * the caller may call (router/caller-view.ts), the rest passed through, on
 * the connection each request runs on) and, unless
 * the `mcp` option is off, its endpoint at `mcp` under the mount path
 * (mcp-endpoint/http-endpoint.ts). The app's aggregate endpoint reads the same
 * source, so a connection that comes or goes tells the source's listeners
 * that every list may have changed (`availabilityChanges`).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { limitKeyOf, type Caller } from '../auth/caller.js';
import { VERSION } from '../common/version.js';
import { mcpEndpoint, type McpEndpoint } from '../mcp-endpoint/http-endpoint.js';
import { routerSource, type RouterSource } from '../mcp-endpoint/router-source.js';
import type { ListKind } from '../mcp-endpoint/source.js';
import type { Upstream, UpstreamState } from '../mcp/upstream.js';
import type { Lease } from '../mcp/users/user-pool.js';
import type { ResolvedOptions } from './resolve-options.js';
import type { CallerViews } from './caller-view.js';

export interface McpServing {
  readonly source: RouterSource;
  /** Undefined when the `mcp` option is off. */
  readonly endpoint: McpEndpoint | undefined;
}

export interface McpServingOptions {
  opts: ResolvedOptions;
  name: string;
  upstream: Upstream;
  /** The tools as each caller sees them. */
  views: CallerViews;
  connect(headers: IncomingHttpHeaders, timeoutMs: number, caller?: Caller): Promise<Lease<Upstream>>;
}

export function mcpServing({ opts, name, upstream, views, connect }: McpServingOptions): McpServing {
  const source = routerSource(upstream, {
    tools: views.servedFor,
    tool: views.toolFor,
    admits: views.admits,
    timeoutMs: opts.toolTimeoutMs,
    maxTotalMs: opts.maxTotalTimeoutMs,
    connect,
    server: name,
    telemetry: opts.telemetry,
  });
  const limiter = opts.limiter;
  const endpoint = opts.mcp
    ? mcpEndpoint(source, {
        info: { name, version: VERSION },
        maxBodyBytes: opts.bodyLimit,
        sessionIdleTimeoutMs: opts.sessionIdleTimeoutMs,
        maxSessions: opts.maxSessions,
        logger: opts.logger,
        ...(limiter ? { limitCalls: (req, calls) => limiter.take(limitKeyOf(req), calls.length) } : {}),
      })
    : undefined;
  return { source, endpoint };
}

/**
 * A connection's state hook that calls `changed` with every list kind when
 * the connection comes or goes, and not on the other changes of its state.
 */
export function availabilityChanges(changed: (kind: ListKind) => void): (state: UpstreamState) => void {
  let wasReady = false;
  return function onState(state) {
    const now = state === 'ready';
    if (now === wasReady) return;
    wasReady = now;
    // Connected or lost: an aggregate endpoint shows or hides this server, so every list may have changed.
    for (const kind of ['tools', 'resources', 'prompts'] as const) changed(kind);
  };
}
