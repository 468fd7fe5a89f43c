/**
 * The routes of one router, in the order that decides who answers: the OAuth
 * pages (router/oauth.ts), request ids, its root (a redirect to the docs),
 * the MCP endpoint, the document and
 * its docs pages (http/docs.ts), resources and prompts
 * (router/resource-routes.ts, router/prompt-routes.ts), the tool calls
 * (router/tool-calls.ts), and last the router's own JSON error handler
 * (http/error-handler.ts), so it answers JSON wherever it is mounted.
 */
import express, { type RequestHandler, type Router } from 'express';
import { appCaller, setCaller } from '../auth/caller.js';
import { docsPages, rootToDocs } from '../http/docs.js';
import { jsonErrorHandler } from '../http/error-handler.js';
import { requestId } from '../http/request-id.js';
import type { McpEndpoint } from '../mcp-endpoint/http-endpoint.js';
import type { Upstream } from '../mcp/upstream.js';
import { serversUrl } from '../openapi/document.js';
import type { FeatureContext } from './feature-request.js';
import type { RouterOAuth } from './oauth.js';
import { promptRoutes } from './prompt-routes.js';
import type { ResolvedOptions } from './resolve-options.js';
import { resourceRoutes } from './resource-routes.js';
import type { ToolCalls } from './tool-calls.js';
import type { ToolView } from './tool-view.js';

export interface RouterParts {
  opts: ResolvedOptions;
  upstream: Upstream;
  oauth: RouterOAuth | undefined;
  view: ToolView;
  endpoint: McpEndpoint | undefined;
  features: FeatureContext;
  calls: ToolCalls;
}

export function routerRoutes({ opts, upstream, oauth, view, endpoint, features, calls }: RouterParts): Router {
  const router = express.Router({ caseSensitive: true });
  oauth?.mount(router, upstream);
  router.use(requestId());
  if (opts.caller) router.use(callerFromApp(opts.caller));
  // A browser pointed at the router's root lands on its docs, as at the app's root.
  router.use(rootToDocs());
  // Before the tools: a tool named "mcp" stays reachable through the endpoint, by its name.
  if (endpoint) router.all('/mcp', endpoint.handle);
  router.get('/openapi.json', function openapiJson(req, res, next) {
    const current = view.current();
    if (!current) return next(upstream.unavailable());
    res.type('json').send(current.json(serversUrl(opts.rootPath, req.baseUrl)));
  });
  router.use(docsPages());
  // Before the tools: `GET resources` is the list even when a tool is named "resources" (tools answer POST).
  router.use(featureRouting(features));
  router.use(calls.handle);
  router.use(jsonErrorHandler(opts.logger));
  return router;
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
      next();
    } catch (err) {
      next(err);
    }
  };
}
