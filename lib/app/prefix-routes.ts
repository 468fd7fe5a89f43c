/**
 * The routes under the app's prefix. `/` leads to the docs
 * (lib/http/docs.ts), and `/oauth/<name>/authorize|callback` to that server's
 * OAuth pages. One server given as `{ server }` serves its routes at the
 * prefix itself; named servers are each served at `/<name>`, beside the
 * aggregated `openapi.json` (lib/app/aggregate-route.ts), the aggregate MCP
 * endpoint (lib/app/aggregate-mcp.ts) and the docs. Every request looks its
 * server up in the table as it is when the request arrives.
 */
import express, { type RequestHandler, type Router } from 'express';
import { docsPages, rootToDocs } from '../http/docs.js';
import type { AggregateInfo } from '../openapi/aggregate.js';
import type { AggregateMcp } from './aggregate-mcp.js';
import { aggregatedDocument } from './aggregate-route.js';
import type { ServerTable } from './server-table.js';

export interface PrefixRoutesOptions {
  servers: ServerTable;
  /** One server at the prefix itself (`{ server }`), rather than named servers under it. */
  single: boolean;
  /** The aggregated document's info. */
  info: AggregateInfo;
  rootPath: string;
  /** `<prefix>/mcp`, in config mode unless the routers' MCP endpoints are off. */
  aggregate: AggregateMcp | undefined;
}

/** The steps a server's OAuth pages answer, and how: the sign-in pages, and a caller's sign-out (per-caller sign-in). */
const OAUTH_STEPS: Readonly<Record<string, string>> = { authorize: 'GET', callback: 'GET', token: 'DELETE' };

/** `<prefix>/oauth/<name>/authorize|callback|token` → that server's router, at `/oauth/<step>`. */
function oauthForwarder(servers: ServerTable): RequestHandler {
  return function forwardOAuth(req, res, next) {
    const step = req.params.step as string;
    const found = servers.current.get(req.params.server as string);
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if (!found || !Object.hasOwn(OAUTH_STEPS, step) || OAUTH_STEPS[step] !== method) return next();
    const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
    req.url = `/oauth/${step}${query}`;
    found.router(req, res, next);
  };
}

/** `<prefix>/<name>/…` → that server's router, counted as in flight on it. */
function serverForwarder(servers: ServerTable): RequestHandler {
  return function toServer(req, res, next) {
    const found = servers.current.get(req.params.server as string);
    if (!found) return next();
    found.inFlight.track(res);
    found.router(req, res, next);
  };
}

export function prefixRoutes({ servers, single, info, rootPath, aggregate }: PrefixRoutesOptions): Router {
  const forwardOAuth = oauthForwarder(servers);
  const base = express.Router({ caseSensitive: true });
  base.use(rootToDocs());
  if (single) base.all('/oauth/:server/:step', forwardOAuth);
  if (single) {
    base.use(servers.current.values().next().value!.router);
  } else {
    base.get('/openapi.json', aggregatedDocument(() => servers.current, info, rootPath));
    if (aggregate) base.all('/mcp', aggregate.handle);
    base.use(docsPages());
    base.all('/oauth/:server/:step', forwardOAuth);
    base.use('/:server', serverForwarder(servers));
  }
  return base;
}
