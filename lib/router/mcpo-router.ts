/**
 * `mcpoRouter(spec, options)`: one MCP server's tools as an Express Router,
 * with its resources, prompts, document, docs and MCP endpoint. It composes
 * the router's parts and holds no logic of its own:
 *
 * - the options, checked once (router/resolve-options.ts);
 * - the server and its connections: the router's own, and each caller's
 *   under caller templates or per-caller sign-in, the first of which lists
 *   the tools when no probe can (router/connections.ts), with OAuth for a
 *   remote server (router/oauth.ts), per caller with `perUser` (router/personal.ts);
 * - the view of the tool list: the table and the document (router/tool-view.ts),
 *   and what each caller sees of it (router/caller-view.ts);
 * - the tool call handler (router/tool-calls.ts), reading requests through
 *   router/call-request.ts;
 * - the server served back out as MCP (router/mcp-serving.ts);
 * - what kind of request a path is, for metrics, spans and audit lines
 *   (router/request-kind.ts);
 * - the routes, in the order that decides who answers (router/routes.ts),
 *   with resources and prompts sharing router/feature-request.ts.
 */
import type { Router } from 'express';
import type { OpenAPIV3_1 } from 'openapi-types';
import type { Caller } from '../auth/caller.js';
import { withFields } from '../common/log.js';
import type { McpSource } from '../mcp-endpoint/source.js';
import type { ServerSpec } from '../mcp/spec.js';
import type { Tool } from '@modelcontextprotocol/client';
import type { ServerMeta, UpstreamStatus } from '../mcp/upstream.js';
import type { PoolCounts } from '../mcp/users/user-pool.js';
import { argumentReader, headerForwarder } from './call-request.js';
import { callerViews } from './caller-view.js';
import { callerConnections, connectionChoice, firstCallerLists, routerServer, routerUpstream } from './connections.js';
import { featureContext } from './feature-request.js';
import { availabilityChanges, mcpServing } from './mcp-serving.js';
import { routerOAuth } from './oauth.js';
import { routerPersonal } from './personal.js';
import type { RouterOptions } from './options.js';
import { resolveOptions } from './resolve-options.js';
import { eraOf } from '../telemetry/metrics.js';
import { requestKinds, type RequestKinds } from './request-kind.js';
import { routerRoutes } from './routes.js';
import { toolCalls } from './tool-calls.js';
import { toolView } from './tool-view.js';

/**
 * The connection's status; for a server with caller templates, also how many
 * per-user connections there are (counts, never values); with per-caller
 * sign-in, how many callers hold a grant (never who); with the MCP endpoint
 * on, how many 2025-era sessions it holds open.
 */
export type RouterStatus = UpstreamStatus & { users?: PoolCounts; mcpSessions?: number; authorizedCallers?: number };

export interface McpoRouter extends Router {
  /**
   * Resolves once connected and the tools are listed; rejects if the first
   * attempt failed. Retries go on in the background either way.
   */
  ready(): Promise<void>;
  /** Ends the connection and any child process; tool routes then answer 503. */
  close(): Promise<void>;
  status(): RouterStatus;
  /** The current published document (without `servers`), or undefined before the first tool list. */
  document(): OpenAPIV3_1.Document | undefined;
  /** The document as `caller` sees it, without the tools the access lists hide from them: one object per access set, until the tools change. */
  documentFor(caller: Caller | undefined): OpenAPIV3_1.Document | undefined;
  /** Whether the `access` option admits `caller` (always, without one). */
  admits(caller: Caller | undefined): boolean;
  /** What the router serves as MCP (its tools under their served names, the rest passed through): the app's aggregate endpoint reads it. */
  readonly mcpSource: McpSource;
  /** What kind of request a path under the router is (a tool call it serves, a document, …), for an app's metrics and spans. */
  readonly requestKind: RequestKinds;
}

export function mcpoRouter(spec: ServerSpec, options?: RouterOptions): McpoRouter {
  const resolved = resolveOptions(options);
  const server = routerServer(spec, resolved);
  // Every line says which router wrote it: its name, else the command or the URL's host (resolve-options.ts).
  const opts = Object.freeze({ ...resolved, logger: withFields(resolved.logger, { server: server.name }) });
  const view = toolView(opts);
  const kinds = requestKinds(server.name, view, () => eraOf(upstream.protocolVersion()));
  const views = callerViews(view, opts.access);
  const oauth = routerOAuth(server.resolved, opts, server.name);
  const personal = routerPersonal(server.resolved, opts, server.name, oauth);
  let closed = false;
  // The hooks that name a part made below run only once the connection is up, when every part exists.
  const onTools = (tools: Tool[], meta: ServerMeta): void => {
    if (closed) return;
    const table = view.setTools(tools, meta);
    calls.serve(table, views.toolCheck());
    opts.logger.debug('tools listed', { count: table.entries.length });
    serving.source.changed('tools');
  };
  const upstream = routerUpstream(server, opts, oauth, {
    onTools,
    // A change publishes here; at connect onTools follows at once and publishes.
    onCatalog: (catalog) => {
      if (!closed) view.setCatalog(catalog);
    },
    onListChanged: (feature) => serving.source.changed(feature),
    onState: availabilityChanges((kind) => serving.source.changed(kind)),
  });
  const users = callerConnections(server, opts, firstCallerLists(upstream, onTools, personal), personal);
  const connect = connectionChoice(upstream, users);
  const serving = mcpServing({ opts, name: server.name, upstream, views, connect });
  const read = { readArguments: argumentReader(opts.bodyLimit), forwardedHeaders: headerForwarder(server.asGiven) };
  const calls = toolCalls({ opts, name: server.name, upstream, users, ...read });
  const features = featureContext(opts, connect, read);
  const router = routerRoutes({ opts, upstream, oauth, personal: personal && users ? { ...personal, users } : undefined, views, endpoint: serving.endpoint, features, calls, kinds });

  return Object.assign(router, {
    ready: () => upstream.ready(),
    mcpSource: serving.source,
    requestKind: kinds,
    async close() {
      closed = true;
      await serving.endpoint?.close();
      calls.stop();
      await Promise.all([upstream.close(), users?.close()]);
    },
    status: (): RouterStatus => ({
      ...upstream.status(),
      ...(users ? { users: users.counts() } : {}),
      ...(serving.endpoint ? { mcpSessions: serving.endpoint.sessions() } : {}),
      ...(personal ? { authorizedCallers: personal.authorizedCallers() ?? 0 } : {}),
    }),
    document: () => view.current()?.document,
    documentFor: (caller: Caller | undefined) => views.viewFor(caller)?.document,
    admits: views.admits,
  });
}
