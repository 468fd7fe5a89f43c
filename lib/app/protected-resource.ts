/**
 * The MCP endpoints as OAuth protected resources (RFC 9728), when callers
 * may bring JWTs from an identity provider: `GET /.well-known/oauth-protected-resource<endpoint>`
 * for `<prefix>/mcp` and `<prefix>/<name>/mcp` names the issuers (built by
 * lib/auth/resource-metadata.ts), and a 401 from an endpoint points at it,
 * so an MCP client can sign its user in by itself. The endpoint's URL is
 * taken from `publicUrl` when set, else from the request, as for OAuth
 * callbacks (lib/app/server-mount.ts).
 */
import type { Request, RequestHandler } from 'express';
import { authorizationServersOf, metadataUrlFor, protectedResourceMetadata, resourceMetadataHandler, WELL_KNOWN } from '../auth/resource-metadata.js';
import type { ResolvedAuth } from '../auth/auth-config.js';

export interface ProtectedResourceOptions {
  auth: ResolvedAuth;
  /** Where servers are mounted ('' for the root). */
  prefix: string;
  rootPath: string;
  publicUrl: string | undefined;
  /** Whether a server is mounted at `<prefix>/<name>` now; undefined for one server at the prefix. */
  isServer: ((name: string) => boolean) | undefined;
}

export interface ProtectedResource {
  /** Serves the metadata documents (open to anyone; routed before the credential check). */
  handle: RequestHandler;
  /** The metadata URL for a request to an MCP endpoint, else undefined: the 401's `resource_metadata`. */
  metadataUrl(req: Request): string | undefined;
}

/** Undefined when no issuer hands out tokens a client could fetch (keys and shared secrets only). */
export function protectedResource(options: ProtectedResourceOptions): ProtectedResource | undefined {
  const servers = authorizationServersOf(options.auth);
  if (servers.length === 0) return undefined;
  const { prefix, rootPath, publicUrl, isServer } = options;
  // `<prefix>/mcp` always; `<prefix>/<name>/mcp` for a server mounted now (config mode).
  const isEndpoint = (path: string): boolean => {
    if (!path.startsWith(`${prefix}/`) || !path.endsWith('/mcp')) return false;
    const middle = path.slice(prefix.length + 1, -'/mcp'.length);
    return middle === '' || (isServer !== undefined && !middle.includes('/') && isServer(middle));
  };
  const origin = (req: Request): string => publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}${rootPath}`;
  /** The endpoint a metadata request asks about; behind a proxy that strips rootPath, a client asks for the path it sees. */
  const endpointOf = (req: Request): string => {
    const endpoint = req.path.slice(WELL_KNOWN.length);
    return rootPath && endpoint.startsWith(`${rootPath}/`) ? endpoint.slice(rootPath.length) : endpoint;
  };
  const serve = resourceMetadataHandler((req) => protectedResourceMetadata({ resource: `${origin(req)}${endpointOf(req)}`, authorizationServers: servers }));
  return {
    handle(req, res, next) {
      if ((req.method !== 'GET' && req.method !== 'HEAD') || !req.path.startsWith(`${WELL_KNOWN}/`) || !isEndpoint(endpointOf(req))) return next();
      serve(req, res, next);
    },
    metadataUrl(req) {
      const path = `${req.baseUrl}${req.path}`;
      if (!isEndpoint(path)) return undefined;
      const base = origin(req);
      const { origin: host, pathname } = new URL(base);
      return metadataUrlFor(host, `${pathname.replace(/\/$/, '')}${path}`);
    },
  };
}
