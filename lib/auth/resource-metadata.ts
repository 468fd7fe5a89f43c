/**
 * Protected resource metadata (RFC 9728): the document that tells an MCP
 * client which authorization servers issue tokens mcpo accepts, found from
 * the `resource_metadata` of a 401's challenge (lib/auth/authenticate.ts).
 * The servers are the issuers of the key-set `jwt` entries
 * (lib/auth/auth-config.ts); a shared-secret issuer is no place a client
 * can sign in, so it is not named.
 */
import type { Request, RequestHandler } from 'express';
import type { ResolvedAuth } from './auth-config.js';

export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  bearer_methods_supported: ['header'];
  resource_name?: string;
}

export interface ResourceMetadataInput {
  /** The endpoint's own URL, as clients reach it. */
  resource: string;
  authorizationServers: readonly string[];
  resourceName?: string;
}

/** Where protected resource metadata lives, before the resource's own path (RFC 9728 §3.1). */
export const WELL_KNOWN = '/.well-known/oauth-protected-resource';

export function protectedResourceMetadata(input: Readonly<ResourceMetadataInput>): ProtectedResourceMetadata {
  return {
    resource: input.resource,
    authorization_servers: [...input.authorizationServers],
    // Tokens in a query string end up in logs; mcpo reads the Authorization header only.
    bearer_methods_supported: ['header'],
    ...(input.resourceName !== undefined ? { resource_name: input.resourceName } : {}),
  };
}

/** The issuers a client can get a token from: those of the entries with a key set. */
export function authorizationServersOf(auth: ResolvedAuth | undefined): string[] {
  return (auth?.jwt ?? []).filter((entry) => entry.keys.kind !== 'secret' && entry.issuer !== undefined).map((entry) => entry.issuer!);
}

/**
 * Where the metadata of the endpoint at `endpointPath` lives: the well-known
 * path goes between the origin and the endpoint's path (RFC 9728 §3.1), so
 * `/mcp` on https://x has https://x/.well-known/oauth-protected-resource/mcp.
 */
export function metadataUrlFor(publicOrigin: string, endpointPath: string): string {
  const origin = publicOrigin.replace(/\/+$/, '');
  const path = endpointPath === '/' || endpointPath === '' ? '' : endpointPath.startsWith('/') ? endpointPath : `/${endpointPath}`;
  return `${origin}${WELL_KNOWN}${path}`;
}

/** Serves the document `build` gives for a request, to anyone: a client reads it before it has a token. */
export function resourceMetadataHandler(build: (req: Request) => ProtectedResourceMetadata): RequestHandler {
  return function serveResourceMetadata(req, res) {
    res.set('Cache-Control', 'max-age=300').json(build(req));
  };
}
