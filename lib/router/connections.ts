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
import { specFor, userConnections, type ResolveUser, type UserConnections, type UserResolution } from '../mcp/users/user-connections.js';
import type { UpstreamAuthorization } from '../mcp/oauth/authorization.js';
import type { RouterPersonal } from './personal.js';
import { createHash } from 'node:crypto';
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
  /** The sign-in is per caller (`oauth.perUser`): each caller's calls run on their own connection, with their own tokens. */
  perUser: boolean;
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
  const perUser = asGiven.type !== 'stdio' && asGiven.oauth?.perUser === true;
  if (perUser && !opts.allowCallerTemplates && opts.caller === undefined) {
    throw new TypeError(`${opts.name !== undefined ? `mcpServers.${opts.name}` : 'mcpoRouter'}: "oauth.perUser" signs each verified caller in on their own, so callers must be verified: give mcpo an "auth" block or --api-key (or the router a "caller" option)`);
  }
  // Per-caller sign-in: no connection can list the tools until a caller has signed in.
  const standby = perUser || (templates !== undefined && (templates.required.length > 0 || templates.requiredCaller.length > 0));
  return { asGiven, templates, resolved, name: serverName(opts, resolved), redact: createRedactor(specSecrets(asGiven)), standby, perUser };
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
 * Each caller's own connection, under caller templates or per-caller
 * sign-in; undefined for a server with neither. In standby
 * (`server.standby`) each one's tool list is offered to `listed`.
 */
export function callerConnections(server: RouterServer, opts: ResolvedOptions, listed: Listed, personal: RouterPersonal | undefined): UserConnections | undefined {
  const { templates } = server;
  if (!templates && !personal) return undefined;
  const { logger } = opts;
  return userConnections(server.asGiven, userResolver(templates, personal), {
    make: (userSpec, label, resolution, headers) => {
      const connection: Upstream = new Upstream(userSpec, {
        ...connectionOptions(opts, server, withFields(logger, { user: label })),
        onTools: server.standby ? (tools, meta) => listed(connection, tools, meta) : () => {},
        ...(personal && resolution.personal !== undefined ? { authorization: personalAuthorization(personal, resolution.personal, headers) } : {}),
      });
      return connection;
    },
    onSecrets: opts.onSecrets ?? (() => {}),
    ...(personal ? { admit: personalAdmission(personal) } : {}),
    idleMs: opts.idleTimeoutMs,
    max: opts.maxProcesses,
    retryAfter: opts.retryAfter,
    onStopped: (label, why) => logger.debug('per-user connection stopped', { user: label, why }),
  });
}

/** The connection key of a request: the templates' values, and with per-caller sign-in, the caller. */
function userResolver(templates: CallerTemplates | undefined, personal: RouterPersonal | undefined): ResolveUser {
  return (headers, caller) => {
    const base = templates ? templates.resolve(headers, caller) : { key: '', label: '', secrets: [] };
    if (!personal) return base;
    const mine = personal.keyOf(caller);
    const key = createHash('sha256').update(`${base.key}\0${mine}`).digest('hex');
    return { ...base, key, label: key.slice(0, 8), personal: mine };
  };
}

/** A caller without a connection gets one only with a grant; without, the 403 with their sign-in link. */
function personalAdmission(personal: RouterPersonal): (resolution: UserResolution, headers: IncomingHttpHeaders) => Promise<void> {
  return async (resolution, headers) => {
    await personal.signIn.ready();
    if (!(await personal.signIn.hasGrant(resolution.personal!))) throw personal.required(resolution.personal!, headers);
  };
}

/** OAuth for one caller's connection: their own tokens; a lost grant answers with their sign-in link. */
function personalAuthorization(personal: RouterPersonal, caller: string, headers: IncomingHttpHeaders): UpstreamAuthorization {
  const provider = personal.signIn.provider(caller);
  // With a redirect URI the SDK treats a refused token as a person's grant: it refreshes, and forgets the grant on
  // invalid_grant, then stops at the wall, which answers with the caller's link; it never sends anyone to that URI itself.
  void provider.setRedirectUrl(personal.callbackFor(headers));
  return {
    provider,
    // What the log names; the link itself carries a ticket, and a ticket is never logged.
    page: () => 'the sign-in link in this caller\'s 403 answer',
    signInRequired: () => {
      // The grant was refused (and, on invalid_grant, forgotten): /healthz counts again.
      personal.recount();
      return personal.required(caller, headers);
    },
  };
}

/** A caller's connection listed the tools. */
export type Listed = (connection: Upstream, tools: Tool[], meta: ServerMeta) => void;

/**
 * In standby, the tools come from one caller's connection at a time: the
 * first that lists them, and, once it has stopped, the next that does, so
 * callers whose lists differ do not swap the documents back and forth. Its
 * lists go to `onTools`, and the router's own connection adopts it.
 */
export function firstCallerLists(upstream: Upstream, onTools: UpstreamOptions['onTools'], personal?: RouterPersonal): Listed {
  let lister: Upstream | undefined;
  // Per-caller sign-in: the list another replica (or an earlier run) kept stands until a caller here lists.
  personal?.restoreTools((tools, meta, capabilities) => {
    if (lister !== undefined) return;
    onTools(tools, meta);
    upstream.adopt(capabilities);
  });
  return (connection, tools, meta) => {
    if (lister !== undefined && lister !== connection && lister.status().state !== 'closed') return;
    lister = connection;
    onTools(tools, meta);
    upstream.adopt(connection);
    personal?.keepTools(tools, meta, connection.capabilities());
  };
}

/** Lends the connection a request runs on, given its headers and verified caller (`callerOf(req)`). */
export type Connect = (headers: IncomingHttpHeaders, timeoutMs: number, caller?: Caller) => Promise<Lease<Upstream>>;

/** The connection a request runs on: the caller's own under caller templates, else the router's. */
export function connectionChoice(upstream: Upstream, users: UserConnections | undefined): Connect {
  return (headers, timeoutMs, caller) =>
    users ? users.lease(headers, timeoutMs, caller) : Promise.resolve({ connection: upstream, release: () => {} });
}
