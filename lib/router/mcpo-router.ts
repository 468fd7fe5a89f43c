/**
 * `mcpoRouter(spec, options)`: one MCP server's tools as an Express Router,
 * with its resources and prompts (resource-routes.ts, prompt-routes.ts).
 *
 * It composes the other modules and holds no protocol logic of its own: the
 * upstream connection (upstream.ts), the tool table (tools.ts), the documents
 * (openapi.ts), argument validation (validation.ts), result shaping
 * (results.ts), error mapping (errors.ts), Server-Sent Events for a caller
 * that wants progress (event-stream.ts) and Swagger UI (docs.ts). The tool
 * handler sits behind a dispatcher, so a changed tool list swaps in a new
 * one while calls in flight finish on the old one.
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import type { OpenAPIV3_1 } from 'openapi-types';
import type { Tool } from '@modelcontextprotocol/client';
import { hasBody, isJson, readJsonBody, unsafeBodyProblem } from '../http/body.js';
import { createDispatcher } from '../http/dispatcher.js';
import { docsPages } from '../http/docs.js';
import { openEventStream, wantsEventStream } from '../http/event-stream.js';
import { giveBack, takeController } from '../http/abort-pool.js';
import {
  BadRequestError,
  MethodNotAllowedError,
  UnknownToolError,
  UnsupportedMediaTypeError,
  InvalidArgumentsError,
} from '../http/errors.js';
import { jsonErrorHandler } from '../http/error-handler.js';
import { buildDocument, servedDocument, serversUrl } from '../openapi/document.js';
import { decodeSegment } from '../http/path-segment.js';
import { resolveOptions, serverName, type ResolvedOptions, type RouterOptions } from './options.js';
import { requestId } from '../http/request-id.js';
import { toSuccessBody, toToolError } from '../http/results.js';
import { resolveSpec, type ServerSpec } from '../mcp/spec.js';
import type { IncomingHttpHeaders } from 'node:http';
import { compileCallerTemplates } from '../mcp/users/caller-templates.js';
import { specFor, userConnections } from '../mcp/users/user-connections.js';
import type { Lease, PoolCounts } from '../mcp/users/user-pool.js';
import { withFields } from '../common/log.js';
import { buildToolTable, type ServedTool, type ToolEntry, type ToolTable } from '../openapi/tools.js';
import { Upstream, type CallOptions, type ServerMeta, type UpstreamStatus } from '../mcp/upstream.js';
import { argumentValidators } from '../openapi/validation.js';
import { applyToolRules } from '../openapi/tool-rules.js';
import { continuationSealer } from '../http/continuation.js';
import { McpoOAuthProvider } from '../mcp/oauth/provider.js';
import { tokenStore } from '../mcp/oauth/token-store.js';
import { addOAuthRoutes, callbackFromRequest } from './oauth-pages.js';
import { CONTINUATION_HEADER, inputRequiredError, resume, type Resumed } from './input-required.js';
import type { FeatureContext } from './feature-request.js';
import { promptRoutes } from './prompt-routes.js';
import { mcpEndpoint } from '../mcp-endpoint/http-endpoint.js';
import { VERSION } from '../common/version.js';
import { routerSource } from '../mcp-endpoint/router-source.js';
import type { McpSource } from '../mcp-endpoint/source.js';
import { resourceRoutes } from './resource-routes.js';
import type { Catalog, CatalogFeature } from '../mcp/catalog.js';

/** The connection's status; for a server with caller templates, also how many per-user connections there are (counts, never values). */
export type RouterStatus = UpstreamStatus & { users?: PoolCounts };

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
  /** What the router serves as MCP (its tools under their served names, the rest passed through): the app's aggregate endpoint reads it. */
  readonly mcpSource: McpSource;
}

/** What one tool list produces; replaced whole when the list changes. */
interface View {
  table: ToolTable;
  document: OpenAPIV3_1.Document;
  /** The document as JSON, given its `servers` URL. */
  json: (serversUrl: string) => string;
}

const TIMEOUT_HEADER = 'x-tool-timeout';

/** Seconds from `X-Tool-Timeout` or `?timeout=`, bounded by toolTimeoutMax. */
function requestTimeoutMs(req: Request, opts: ResolvedOptions): number {
  const header = req.headers[TIMEOUT_HEADER] as string | undefined;
  // Express parses the query string on every read of req.query; most calls have none.
  const query = req.url.includes('?') ? req.query.timeout : undefined;
  const raw = header ?? (typeof query === 'string' ? query : query === undefined ? undefined : '');
  if (raw === undefined) return opts.toolTimeoutMs;
  const seconds = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(seconds) || seconds <= 0 || seconds * 1000 > opts.toolTimeoutMaxMs) {
    throw new BadRequestError(
      `Timeout must be a number of seconds above 0 and at most ${opts.toolTimeoutMaxMs / 1000}`,
      undefined,
      'bad_timeout',
    );
  }
  return seconds * 1000;
}

/**
 * The tool's path segment, decoded, when the path is `/<segment>` or
 * `/<segment>/` (the paths Express matches to `/:tool`); otherwise undefined.
 */
function toolSegment(path: string): string | undefined {
  const end = path.length > 1 && path.endsWith('/') ? path.length - 1 : path.length;
  const segment = path.slice(1, end);
  return segment === '' || segment.includes('/') ? undefined : decodeSegment(segment);
}

export function mcpoRouter(spec: ServerSpec, options?: RouterOptions): McpoRouter {
  const opts = resolveOptions(options);
  const { logger } = opts;
  const asGiven = resolveSpec(spec);
  const templates = compileCallerTemplates(asGiven, {
    apiKeySet: opts.allowCallerTemplates,
    trustedCallerHeaders: opts.trustedCallerHeaders,
    ...(opts.name !== undefined ? { where: `mcpServers.${opts.name}` } : {}),
  });
  // With caller templates, the router's own connection is the probe that lists tools: the templates' defaults, no caller's values.
  const resolved = templates ? specFor(asGiven, templates.defaults()) : asGiven;
  let view: View | undefined;
  let closed = false;
  const sealer = continuationSealer({
    ttlMs: opts.continuationTtlMs,
    server: serverName(opts, resolved),
    ...(opts.continuationSecret !== undefined ? { secret: opts.continuationSecret } : {}),
  });

  /** Missing or empty body → {}; a body must be JSON, a JSON object, and safe to pass on (body.ts). */
  const readArguments = async (req: Request): Promise<Record<string, unknown>> => {
    if (!hasBody(req)) return {};
    if (!isJson(req)) throw new UnsupportedMediaTypeError();
    const body = await readJsonBody(req, opts.bodyLimit);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new InvalidArgumentsError('The request body must be a JSON object of the tool’s arguments');
    }
    const problem = unsafeBodyProblem(body);
    if (problem) throw new BadRequestError(problem.message, undefined, problem.code);
    return body as Record<string, unknown>;
  };

  const forward = resolved.type === 'stdio' ? [] : resolved.forwardHeaders;
  /** The caller's headers this server is configured to receive, or undefined when there are none. */
  const forwardedHeaders = (req: Request): Record<string, string> | undefined => {
    let out: Record<string, string> | undefined;
    for (const name of forward) {
      const value = req.headers[name];
      if (value !== undefined) (out ??= {})[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    return out;
  };

  /** Before the first tool list and after close(): every tool call is 503. */
  const notConnected: RequestHandler = function unavailable(req, _res, next) {
    if (req.method === 'POST' && toolSegment(req.path) !== undefined) return next(upstream.unavailable());
    next();
  };

  /**
   * The handler for one tool list: find the tool, read and check the body,
   * call. One function rather than a Router of routes: a tool call is the
   * hot path, and each Express layer it crosses costs a path match.
   */
  function toolCalls(table: ToolTable): RequestHandler {
    const validators = argumentValidators((entry, reason) =>
      logger.warn('arguments of this tool cannot be validated; passing them on unchecked', { tool: entry.name, reason }),
    );
    // A throw here (a malformed escape, a bad timeout) reaches next(err) through Express's own catch.
    return function callTool(req, res, next) {
      const segment = toolSegment(req.path);
      if (segment === undefined) return next();
      const entry = table.byPath.get(segment);
      if (!entry) return req.method === 'POST' ? next(new UnknownToolError(`No tool at ${req.path}`)) : next();
      if (req.method !== 'POST') return next(new MethodNotAllowedError('POST'));
      const timeoutMs = requestTimeoutMs(req, opts);
      const continuation = req.headers[CONTINUATION_HEADER];
      readArguments(req)
        .then((body) => {
          // A second request answers the server's questions: its body is the answers, not arguments.
          const run = users ? invokeAsCaller : invoke;
          if (typeof continuation === 'string') return run(entry, resume(sealer, entry.name, continuation, body), timeoutMs, req, res, next);
          const invalid = validators.check(entry, body);
          if (invalid) return next(invalid);
          run(entry, { args: body }, timeoutMs, req, res, next);
        })
        .catch(next);
    };
  }

  function invoke(entry: ToolEntry, call: Resumed | { args: Record<string, unknown> }, timeoutMs: number, req: Request, res: Response, next: NextFunction, target: Upstream = upstream, release?: () => void): void {
    const controller = takeController();
    const headers = forwardedHeaders(req);
    // A caller that hangs up cancels its call upstream.
    let hungUp = false;
    const hangUp = () => {
      if (res.writableFinished) return;
      hungUp = true;
      controller.abort(new Error('client disconnected'));
    };
    res.once('close', hangUp);
    const { args } = call;
    // Opened before the call, so every failure from here on is an `error` event; those before it are JSON.
    const stream = wantsEventStream(req) ? openEventStream(res, logger) : undefined;
    // Progress may extend the call past timeoutMs, never past the total; a caller's longer timeout wins.
    const options: CallOptions = { timeoutMs, maxTotalMs: Math.max(opts.maxTotalTimeoutMs, timeoutMs), signal: controller.signal, controller };
    if ('inputResponses' in call) {
      options.inputResponses = call.inputResponses;
      if (call.requestState !== undefined) options.requestState = call.requestState;
    }
    if (stream) options.onProgress = stream.progress;
    if (headers) options.headers = headers;
    target
      .call(entry.name, args, options)
      .then((outcome) => {
        if (outcome.kind === 'input_required') throw inputRequiredError(sealer, entry.name, args, outcome);
        if (outcome.result.isError) throw toToolError(outcome.result);
        const body = toSuccessBody(outcome.result, opts.structuredOutput);
        if (stream) stream.result(body);
        else res.json(body);
      })
      .catch((err: unknown) => {
        if (hungUp) return;
        if (stream) stream.fail(err);
        else next(err);
      })
      .finally(() => {
        res.off('close', hangUp);
        // The call has settled and the hang-up listener is gone: nothing can abort the controller now.
        giveBack(controller);
        release?.();
      });
  }

  /** A call on the caller's own connection (caller templates): lent from the pool, given back when it is over. */
  function invokeAsCaller(entry: ToolEntry, call: Resumed | { args: Record<string, unknown> }, timeoutMs: number, req: Request, res: Response, next: NextFunction): void {
    users!.lease(req.headers, timeoutMs).then((lease) => invoke(entry, call, timeoutMs, req, res, next, lease.connection, lease.release), next);
  }

  const tools = createDispatcher(notConnected);

  let catalog: Catalog = {};
  let listed: { meta: ServerMeta; table: ToolTable } | undefined;
  /** The tools of the moment under their served names, for the MCP endpoint. */
  let served: readonly ServedTool[] = [];
  let servedByName = new Map<string, ServedTool>();
  let wasReady = false;
  /** The document of the tools and catalog of the moment (`documents` says what it shows). */
  const publish = (table: ToolTable, meta: ServerMeta): void => {
    const document = buildDocument(table, meta, {
      info: opts.info,
      // A named server's operations are grouped under its name, as in the aggregated document.
      ...(opts.name !== undefined ? { tag: opts.name } : {}),
      structuredOutput: opts.structuredOutput,
      bearerAuth: opts.bearerAuth,
      sections: opts.documents,
      catalog,
    });
    view = { table, document, json: servedDocument(document) };
  };

  const onCatalog = (next: Catalog): void => {
    if (closed) return;
    catalog = next;
    // A change publishes here; at connect onTools follows at once and publishes.
    if (listed) publish(listed.table, listed.meta);
  };

  const onTools = (listedTools: Tool[], meta: ServerMeta): void => {
    if (closed) return;
    const list = applyToolRules(opts.toolRules, listedTools, {
      onClash: (kept, skipped, name) =>
        logger.warn('two tools would be served under one name; serving the first, skipping the other (rename or disable one)', { name, kept, skipped }),
      onUnknownOverride: (tool) => logger.warn('"tools" has an entry for a tool the server does not list', { tool }),
    });
    const table = buildToolTable(list, {
      maxRecursion: opts.maxSchemaRecursion,
      onWarning: (tool, message, pointer) =>
        logger.warn('schema degraded to an unconstrained one', { tool, pointer, message }),
    });
    listed = { meta, table };
    served = list;
    servedByName = new Map(list.map((t) => [t.name, t]));
    publish(table, meta);
    tools.swap(toolCalls(table));
    logger.debug('tools listed', { count: table.entries.length });
    source.changed('tools');
  };

  // The authorize page as a person opens it: given, or learnt from the mount path of the first request.
  let mountPath: string | undefined;
  const oauthPage = (): string => opts.oauthPage ?? (mountPath !== undefined ? `${opts.rootPath}${mountPath}/oauth/authorize` : 'oauth/authorize under this router\'s mount path');
  const provider = resolved.type === 'stdio' ? undefined : new McpoOAuthProvider({
    name: serverName(opts, resolved),
    url: resolved.url.href,
    // OAuth starts on a 401 even for a server with no `oauth` block.
    spec: resolved.oauth ?? { grantType: 'authorization_code' },
    store: tokenStore(opts.stateDir),
  });
  const upstream = new Upstream(resolved, {
    name: serverName(opts, resolved),
    logger,
    connectTimeoutMs: opts.connectTimeoutMs,
    retryAfter: opts.retryAfter,
    backoff: opts.backoff,
    onTools,
    // Only what the documents show is listed and kept.
    catalog: opts.documents.filter((s): s is CatalogFeature => s !== 'tools'),
    onCatalog,
    watch: ['resources', 'prompts'],
    onListChanged: (feature) => source.changed(feature),
    // Connected or lost: an aggregate endpoint shows or hides this server, so every list may have changed.
    onState: (state) => {
      const now = state === 'ready';
      if (now === wasReady) return;
      wasReady = now;
      for (const kind of ['tools', 'resources', 'prompts'] as const) source.changed(kind);
    },
    ...(provider ? { authorization: { provider, page: oauthPage } } : {}),
  });

  const users = templates
    ? userConnections(asGiven, templates, {
        make: (userSpec, label) =>
          new Upstream(userSpec, {
            name: serverName(opts, resolved),
            logger: withFields(logger, { user: label }),
            connectTimeoutMs: opts.connectTimeoutMs,
            retryAfter: opts.retryAfter,
            backoff: opts.backoff,
            onTools: () => {},
          }),
        onSecrets: opts.onSecrets ?? (() => {}),
        idleMs: opts.idleTimeoutMs,
        max: opts.maxProcesses,
        retryAfter: opts.retryAfter,
        onStopped: (label, why) => logger.debug('per-user connection stopped', { user: label, why }),
      })
    : undefined;
  /** The connection a request runs on: the caller's own under caller templates, else the router's. */
  const connectionFor = (headers: IncomingHttpHeaders, timeoutMs: number): Promise<Lease<Upstream>> =>
    users ? users.lease(headers, timeoutMs) : Promise.resolve({ connection: upstream, release: () => {} });
  const source = routerSource(upstream, { tools: () => served, tool: (name) => servedByName.get(name), timeoutMs: opts.toolTimeoutMs, maxTotalMs: opts.maxTotalTimeoutMs, connect: connectionFor });
  const endpoint = opts.mcp
    ? mcpEndpoint(source, { info: { name: serverName(opts, resolved), version: VERSION }, maxBodyBytes: opts.bodyLimit, logger })
    : undefined;

  const router = express.Router({ caseSensitive: true });
  if (provider) {
    router.use(function learnMountPath(req, _res, next) {
      mountPath ??= req.baseUrl;
      next();
    });
    const redirect = opts.oauthRedirectUrl;
    // A fixed redirect URI is known before any request, so a flow can start with the first connection.
    if (typeof redirect === 'string') void provider.setRedirectUrl(redirect);
    addOAuthRoutes(router, upstream, {
      name: serverName(opts, resolved),
      page: oauthPage,
      callbackUrl: (req) => (typeof redirect === 'function' ? redirect(req) : redirect ?? callbackFromRequest(req)),
      logger,
    });
  }

  router.use(requestId());
  // Before the tools: a tool named "mcp" stays reachable through the endpoint, by its name.
  if (endpoint) router.all('/mcp', endpoint.handle);
  router.get('/openapi.json', function openapiJson(req, res, next) {
    const current = view;
    if (!current) return next(upstream.unavailable());
    res.type('json').send(current.json(serversUrl(opts.rootPath, req.baseUrl)));
  });
  router.use(docsPages());
  // Before the tools: `GET resources` is the list even when a tool is named "resources" (tools answer POST).
  const features: FeatureContext = { connect: (req) => connectionFor(req.headers, requestTimeoutMs(req, opts)), logger, timeoutMs: (req) => requestTimeoutMs(req, opts), readArguments, forwardedHeaders };
  // Tool calls are the hot path: one prefix test sends the rest past these routes, not a path match per route.
  const resources = resourceRoutes(features);
  const prompts = promptRoutes(features);
  router.use(function featureRoutes(req, res, next) {
    if (req.path.startsWith('/resources')) return resources(req, res, next);
    if (req.path.startsWith('/prompts')) return prompts(req, res, next);
    next();
  });
  router.use(tools);
  router.use(jsonErrorHandler(logger));

  return Object.assign(router, {
    ready: () => upstream.ready(),
    mcpSource: source,
    async close() {
      closed = true;
      await endpoint?.close();
      tools.swap(notConnected);
      await Promise.all([upstream.close(), users?.close()]);
    },
    status: () => (users ? { ...upstream.status(), users: users.counts() } : upstream.status()),
    document: () => view?.document,
  });
}
