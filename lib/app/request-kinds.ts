/**
 * What kind of request a path of the app is, for its metrics, spans and
 * audit lines (telemetry/observe.ts): `/healthz`, `/readyz`, `/metrics`, the
 * routes under the prefix (the aggregated document, docs, `/mcp`, OAuth
 * pages), and a server's own routes, which its router names
 * (router/request-kind.ts). A path under no route is `other`: a client
 * sending made-up paths adds no label value.
 */
import type { Request } from 'express';
import type { RequestKind } from '../telemetry/observe.js';
import type { ServerTable } from './server-table.js';

export interface RequestKindsOptions {
  servers: ServerTable;
  /** Where the servers are mounted, normalized ('' for the root). */
  prefix: string;
  /** One server at the prefix itself. */
  single: boolean;
}

// One object each: the observer keys a span's start on the kind (telemetry/observe.ts).
const AGGREGATE_POST: RequestKind = Object.freeze({ route: 'mcp', span: 'mcpo mcp' });
const AGGREGATE_OTHER: RequestKind = Object.freeze({ route: 'mcp' });

export function appRequestKinds({ servers, prefix, single }: RequestKindsOptions): (req: Request) => RequestKind {
  return function kindOf(req) {
    const path = req.path;
    if (path === '/healthz' || path === '/readyz') return { route: 'health' };
    if (path === '/metrics') return { route: 'metrics' };
    if (path.startsWith('/.well-known/')) return { route: 'oauth' };
    if (prefix !== '' && path !== prefix && !path.startsWith(`${prefix}/`)) return { route: 'other' };
    const rest = path.slice(prefix.length);
    if (single) return servers.current.values().next().value!.router.requestKind(req, rest);
    if (rest === '' || rest === '/' || rest === '/docs' || rest.startsWith('/docs/')) return { route: 'docs' };
    if (rest === '/openapi.json') return { route: 'document' };
    if (rest === '/mcp') return req.method === 'POST' ? AGGREGATE_POST : AGGREGATE_OTHER;
    if (rest.startsWith('/oauth/')) return { route: 'oauth' };
    const slash = rest.indexOf('/', 1);
    const found = servers.current.get(slash === -1 ? rest.slice(1) : rest.slice(1, slash));
    if (!found) return { route: 'other' };
    return found.router.requestKind(req, slash === -1 ? '' : rest.slice(slash));
  };
}
