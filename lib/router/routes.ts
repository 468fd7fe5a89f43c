/**
 * The routes of one router, in the order that decides who answers: the
 * request's observer (telemetry/observe.ts, unless an app observed it
 * first), the OAuth pages (router/oauth.ts), request ids, the caller, its
 * root (a redirect to the docs), the MCP endpoint, the document as the
 * caller may see it (router/caller-view.ts) and its docs pages
 * (http/docs.ts), the server's access (403 for a caller outside it), the
 * rate limit on calls (`rateLimit`), resources and prompts
 * (router/resource-routes.ts, router/prompt-routes.ts), the tool calls
 * (router/tool-calls.ts), and last the router's own JSON error handler
 * (http/error-handler.ts), so it answers JSON wherever it is mounted.
 */
import express, { type Request, type RequestHandler, type Router } from 'express';
import { admits } from '../auth/access.js';
import { appCaller, callerOf, limitKeyOf, setCaller } from '../auth/caller.js';
import { docsPages, rootToDocs } from '../http/docs.js';
import { jsonErrorHandler } from '../http/error-handler.js';
import { ForbiddenError, UnavailableError } from '../http/errors.js';
import type { UserConnections } from '../mcp/users/user-connections.js';
import { addPersonalRoutes } from './personal-pages.js';
import type { RouterPersonal } from './personal.js';
import { inSequence } from '../http/in-sequence.js';
import { requestId, requestIdOf } from '../http/request-id.js';
import { observeRequests } from '../telemetry/observe.js';
import type { CallLimiter } from '../telemetry/rate-limits.js';
import type { RequestKinds } from './request-kind.js';
import type { McpEndpoint } from '../mcp-endpoint/http-endpoint.js';
import type { Upstream } from '../mcp/upstream.js';
import { serversUrl } from '../openapi/document.js';
import type { CallerViews } from './caller-view.js';
import type { FeatureContext } from './feature-request.js';
import type { RouterOAuth } from './oauth.js';
import { promptRoutes } from './prompt-routes.js';
import type { ResolvedOptions } from './resolve-options.js';
import { resourceRoutes } from './resource-routes.js';
import type { ToolCalls } from './tool-calls.js';

export interface RouterParts {
  opts: ResolvedOptions;
  upstream: Upstream;
  oauth: RouterOAuth | undefined;
  /** The tool view as each caller sees it. */
  views: CallerViews;
  endpoint: McpEndpoint | undefined;
  features: FeatureContext;
  calls: ToolCalls;
  /** Per-caller sign-in (`oauth.perUser`) and the connections it signs in. */
  personal: (RouterPersonal & { users: UserConnections }) | undefined;
  /** What kind of request a path is (router/request-kind.ts). */
  kinds: RequestKinds;
}

export function routerRoutes({ opts, upstream, oauth, views, endpoint, features, calls, personal, kinds }: RouterParts): Router {
  const router = express.Router({ caseSensitive: true });
  const first = [observeRequests({ telemetry: opts.telemetry, classify: (req) => kinds(req, req.path), who: (req) => callerOf(req)?.id, requestId: requestIdOf }), requestId()];
  if (opts.caller) first.push(callerFromApp(opts.caller));
  router.use(inSequence(first));
  // Per-caller sign-in answers the OAuth pages itself, before the shared ones.
  if (personal && oauth) addPersonalRoutes(router, { name: personal.name, personal, users: personal.users, callbackUrl: oauth.callbackUrl, logger: opts.logger });
  oauth?.mount(router, upstream);
  // A browser pointed at the router's root lands on its docs, as at the app's root.
  router.use(rootToDocs());
  // Before the tools: a tool named "mcp" stays reachable through the endpoint, by its name.
  if (endpoint) router.all('/mcp', endpoint.handle);
  router.get('/openapi.json', function openapiJson(req, res, next) {
    const current = views.viewFor(callerOf(req));
    if (!current) {
      if (!personal) return next(upstream.unavailable());
      // A link's ticket is signed with a key read from the store, which may not have been read yet.
      return void personal.signIn.ready().then(() => next(noToolsYet(personal, req)), next);
    }
    res.type('json').send(current.json(serversUrl(opts.rootPath, req.baseUrl)));
  });
  router.use(docsPages());
  // The document and docs answer everyone (a caller outside the access sees no operations); every route after them is refused.
  if (opts.access) router.use(serverAccess(opts.access));
  if (opts.limiter) router.use(callLimit(opts.limiter, kinds));
  // Before the tools: `GET resources` is the list even when a tool is named "resources" (tools answer POST).
  router.use(featureRouting(features));
  router.use(calls.handle);
  router.use(jsonErrorHandler(opts.logger));
  return router;
}

/** Before anyone signed in to a per-caller server its tools are unknown: a caller gets their sign-in link, anyone else the reason. */
function noToolsYet(personal: RouterPersonal, req: Request): Error {
  const caller = callerOf(req);
  if (caller) return personal.required(personal.keyOf(caller), req.headers);
  return new UnavailableError('This server acts as each caller after their own sign-in, and its tools are known once a caller has signed in: call one of its routes with your credentials to get your sign-in link', 30, { state: 'waiting-for-sign-in' });
}

/** Tool calls are the hot path: one prefix test sends the rest past these routes, not a path match per route. */
function featureRouting(features: FeatureContext): RequestHandler {
  const resources = resourceRoutes(features);
  const prompts = promptRoutes(features);
  return function featureRoutes(req, res, next) {
    if (req.path.startsWith('/resources')) return resources(req, res, next);
    if (req.path.startsWith('/prompts')) return prompts(req, res, next);
    next();
  };
}

/** The `caller` option: the app's own signed-in user becomes the request's caller, before any route reads it. */
function callerFromApp(caller: NonNullable<ResolvedOptions['caller']>): RequestHandler {
  return function appSignedIn(req, _res, next) {
    try {
      const given = caller(req);
      if (given !== undefined) setCaller(req, appCaller(given));
    } catch (err) {
      return next(err);
    }
    // Outside the try: a route further on that throws must not be taken for the app's caller failing.
    next();
  };
}

/** The `rateLimit` option: a call (a tool call, resource read or prompt) counts against its caller's limit before it is read. */
function callLimit(limiter: CallLimiter, kinds: RequestKinds): RequestHandler {
  return function rateLimit(req, _res, next) {
    if (!kinds(req, req.path).call) return next();
    limiter.take(limitKeyOf(req)).then(() => next(), next);
  };
}

/** The `access` option: a caller it does not admit gets 403 on every route past the documents, tools, resources and prompts alike. */
function serverAccess(access: NonNullable<ResolvedOptions['access']>): RequestHandler {
  return function accessCheck(req, _res, next) {
    if (admits(access, callerOf(req))) return next();
    next(new ForbiddenError(callerOf(req) ? 'You may not use this server' : 'This server is open only to verified callers on its access list'));
  };
}
