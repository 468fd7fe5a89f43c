/**
 * OAuth to a remote server, as a router wires it: the provider the SDK asks
 * for tokens (mcp/oauth/provider.ts, keeping them in
 * the state store, state/stores.ts), the authorize page as a person opens it (given,
 * or learnt from the mount path of the first request), and the two pages at
 * `oauth/authorize` and `oauth/callback` (router/oauth-pages.ts). A stdio
 * server has none of it. The flow itself is the connection's
 * (mcp/oauth/authorization-flow.ts); what the SDK says on the console while
 * the provider is made goes to the router's log (mcp/sdk-console.ts).
 */
import type { Request, Router } from 'express';
import type { ResolvedSpec } from '../mcp/spec.js';
import { McpoOAuthProvider } from '../mcp/oauth/provider.js';
import { sdkScope } from '../mcp/sdk-console.js';
import { stateRecords } from '../state/stores.js';
import type { Upstream } from '../mcp/upstream.js';
import { addOAuthRoutes, callbackFromRequest } from './oauth-pages.js';
import type { ResolvedOptions } from './resolve-options.js';

export interface RouterOAuth {
  readonly provider: McpoOAuthProvider;
  /** The authorize page as a person opens it. */
  page(): string;
  /** The callback URL for a flow started by `req`: fixed by --public-url (or `redirectUrl`), else built from the request. */
  callbackUrl(req: Request): string;
  /** Puts the mount-path learning and the two pages, for `upstream`, on `router`. */
  mount(router: Router, upstream: Upstream): void;
}

/** The router's OAuth parts for a remote server; undefined for a stdio one. */
export function routerOAuth(spec: ResolvedSpec, opts: ResolvedOptions, name: string): RouterOAuth | undefined {
  if (spec.type === 'stdio') return undefined;
  // The authorize page as a person opens it: given, or learnt from the mount path of the first request.
  let mountPath: string | undefined;
  const page = (): string => opts.oauthPage ?? (mountPath !== undefined ? `${opts.rootPath}${mountPath}/oauth/authorize` : 'oauth/authorize under this router\'s mount path');
  // The SDK may warn as the provider is made (a signing key without an expected issuer): into this server's log.
  const provider = sdkScope(opts.logger)(() => new McpoOAuthProvider({
    name,
    url: spec.url.href,
    // OAuth starts on a 401 even for a server with no `oauth` block.
    spec: spec.oauth ?? { grantType: 'authorization_code' },
    records: stateRecords(opts),
  }));
  const redirect = opts.oauthRedirectUrl;
  const callbackUrl = (req: Request): string => (typeof redirect === 'function' ? redirect(req) : redirect ?? callbackFromRequest(req));
  return {
    provider,
    page,
    callbackUrl,
    mount(router, upstream) {
      router.use(function learnMountPath(req, _res, next) {
        mountPath ??= req.baseUrl;
        next();
      });
      // A fixed redirect URI is known before any request, so a flow can start with the first connection.
      if (typeof redirect === 'string') void provider.setRedirectUrl(redirect);
      addOAuthRoutes(router, upstream, {
        name,
        page,
        callbackUrl,
        logger: opts.logger,
      });
    },
  };
}
