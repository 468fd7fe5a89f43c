/**
 * The connections of a router, and which one a request runs on. Every router
 * has its own supervised connection (mcp/upstream.ts). A server whose `env`
 * or `headers` take values from the caller's request or verified identity
 * (mcp/users/caller-templates.ts) also has one per caller, lent from a pool
 * (mcp/users/user-connections.ts); the router's own connection is then the
 * probe that lists the tools with the templates' defaults, and no request
 * runs on it. When a template is `required`, a probe without a caller's
 * values could only fail: the router's own connection stands by, and the
 * first caller's connection lists the tools instead. What the router does
 * with a connection's tool list is the caller's business, through the hooks
 * it passes.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Caller } from '../auth/caller.js';
import { withFields, type Logger } from '../common/log.js';
import { createRedactor, type Redactor } from '../common/redact.js';
import { resolveSpec, specSecrets, type ResolvedSpec, type ServerSpec } from '../mcp/spec.js';
import type { CatalogFeature } from '../mcp/catalog.js';
import type { Tool } from '@modelcontextprotocol/client';
import { Upstream, type ServerMeta, type UpstreamOptions } from '../mcp/upstream.js';
import { compileCallerTemplates, type CallerTemplates } from '../mcp/users/caller-templates.js';
import { specFor, userConnections, type UserConnections } from '../mcp/users/user-connections.js';
import type { Lease } from '../mcp/users/user-pool.js';
import type { RouterOAuth } from './oauth.js';
import { serverName, type ResolvedOptions } from './resolve-options.js';

/** The server as given, and as the router's own connection speaks to it. */
export interface RouterServer {
  /** The spec as given, templates and all: each caller's connection is made from it. */
  asGiven: ResolvedSpec;
  /** The caller templates, when the spec has any. */
  templates: CallerTemplates | undefined;
  /** The router's own connection's spec: the templates' defaults in place, no caller's values. */
  resolved: ResolvedSpec;
  /** The `name` option, or its default for this server. */
  name: string;
  /** Masks the spec's secrets in what a client is shown of the server's errors. */
  redact: Redactor;
  /**
   * The templates need a caller's values (one is `required`): the router's
   * own connection never connects, and the tools are listed from the first
   * caller's own connection.
   */
  standby: boolean;
}

/** What the router hears from its own connection. */
export type RouterHooks = Required<Pick<UpstreamOptions, 'onTools' | 'onCatalog' | 'onListChanged' | 'onState'>>;

/** Checks the spec and compiles its caller templates; throws a TypeError naming the fix. */
export function routerServer(spec: ServerSpec, opts: ResolvedOptions): RouterServer {
  const asGiven = resolveSpec(spec);
  const templates = compileCallerTemplates(asGiven, {
    // Requests are authenticated: createApp checks a key or token, or the app in front names its signed-in user.
    callersVerified: opts.allowCallerTemplates || opts.caller !== undefined,
    trustedCallerHeaders: opts.trustedCallerHeaders,
    // A secret shared by replicas gives a caller the same label in each one's logs.
    ...(opts.continuationSecret !== undefined ? { labelKey: opts.continuationSecret } : {}),
    ...(opts.name !== undefined ? { where: `mcpServers.${opts.name}` } : {}),
  });
  // With caller templates, the router's own connection is the probe that lists tools: the templates' defaults, no caller's values.
  const resolved = templates ? specFor(asGiven, templates.defaults()) : asGiven;
  const standby = templates !== undefined && (templates.required.length > 0 || templates.requiredCaller.length > 0);
  return { asGiven, templates, resolved, name: serverName(opts, resolved), redact: createRedactor(specSecrets(asGiven)), standby };
}

/** What every connection of a router shares: its name, log, timeouts, backoff and redactor. */
function connectionOptions(opts: ResolvedOptions, server: RouterServer, logger: Logger) {
  return { name: server.name, logger, connectTimeoutMs: opts.connectTimeoutMs, retryAfter: opts.retryAfter, backoff: opts.backoff, redact: server.redact };
}

/** The router's own connection: it lists the tools, keeps the catalog the documents show, and watches the lists the MCP endpoint passes on. */
export function routerUpstream(server: RouterServer, opts: ResolvedOptions, oauth: RouterOAuth | undefined, hooks: RouterHooks): Upstream {
  return new Upstream(server.resolved, {
    ...connectionOptions(opts, server, opts.logger),
    ...hooks,
    // Only what the documents show is listed and kept.
    catalog: opts.documents.filter((s): s is CatalogFeature => s !== 'tools'),
    watch: ['resources', 'prompts'],
    ...(server.standby ? { standby: true } : {}),
    ...(oauth ? { authorization: { provider: oauth.provider, page: oauth.page } } : {}),
  });
}

/**
 * Each caller's own connection, under caller templates; undefined for a
 * server without them. In standby (`server.standby`) each one's tool list is
 * offered to `listed`.
 */
export function callerConnections(server: RouterServer, opts: ResolvedOptions, listed: Listed): UserConnections | undefined {
  const { templates } = server;
  if (!templates) return undefined;
  const { logger } = opts;
  return userConnections(server.asGiven, templates, {
    make: (userSpec, label) => {
      const connection: Upstream = new Upstream(userSpec, {
        ...connectionOptions(opts, server, withFields(logger, { user: label })),
        onTools: server.standby ? (tools, meta) => listed(connection, tools, meta) : () => {},
      });
      return connection;
    },
    onSecrets: opts.onSecrets ?? (() => {}),
    idleMs: opts.idleTimeoutMs,
    max: opts.maxProcesses,
    retryAfter: opts.retryAfter,
    onStopped: (label, why) => logger.debug('per-user connection stopped', { user: label, why }),
  });
}

/** A caller's connection listed the tools. */
export type Listed = (connection: Upstream, tools: Tool[], meta: ServerMeta) => void;

/**
 * In standby, the tools come from one caller's connection at a time: the
 * first that lists them, and, once it has stopped, the next that does, so
 * callers whose lists differ do not swap the documents back and forth. Its
 * lists go to `onTools`, and the router's own connection adopts it.
 */
export function firstCallerLists(upstream: Upstream, onTools: UpstreamOptions['onTools']): Listed {
  let lister: Upstream | undefined;
  return (connection, tools, meta) => {
    if (lister !== undefined && lister !== connection && lister.status().state !== 'closed') return;
    lister = connection;
    onTools(tools, meta);
    upstream.adopt(connection);
  };
}

/** Lends the connection a request runs on, given its headers and verified caller (`callerOf(req)`). */
export type Connect = (headers: IncomingHttpHeaders, timeoutMs: number, caller?: Caller) => Promise<Lease<Upstream>>;

/** The connection a request runs on: the caller's own under caller templates, else the router's. */
export function connectionChoice(upstream: Upstream, users: UserConnections | undefined): Connect {
  return (headers, timeoutMs, caller) =>
    users ? users.lease(headers, timeoutMs, caller) : Promise.resolve({ connection: upstream, release: () => {} });
}
