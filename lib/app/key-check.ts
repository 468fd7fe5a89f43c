/**
 * Which requests need a verified caller, for the command's app (the check
 * itself, keys and JWTs, is lib/auth/authenticate.ts's): tool calls and
 * the resource and prompt routes (their GETs too: they read the server's
 * data) always; documents, docs pages and the roots that lead to them (the
 * prefix's, and each mounted server's) only with `strictAuth`; CORS preflight never (a browser sends it without
 * credentials). `/healthz` and `/readyz` are routed before this check.
 */
import type { Request, RequestHandler } from 'express';
import type { ResolvedAuth } from '../auth/auth-config.js';
import { authenticate } from '../auth/authenticate.js';

export interface KeyCheckOptions {
  /** The named keys and JWT issuers (the API key among them, as "default"). */
  auth: ResolvedAuth;
  /** The key guards documents and docs too, and browsers get a Basic prompt. */
  strictAuth: boolean;
  /** Where the app mounts its servers, normalized ('' for the root). */
  prefix: string;
  /** Whether a server is mounted at `<prefix>/<name>` now (config mode): its root leads to its docs. @default none is */
  isServer?: (name: string) => boolean;
  /** The protected resource metadata URL for a request to an MCP endpoint (lib/app/protected-resource.ts). */
  resourceMetadata?: (req: Request) => string | undefined;
}

export function keyCheck(options: KeyCheckOptions): RequestHandler {
  const isDocumentRequest = documentRequests(options.prefix, options.isServer ?? (() => false));
  return authenticate({
    auth: options.auth,
    ...(options.resourceMetadata ? { resourceMetadata: options.resourceMetadata } : {}),
    // A person opens the OAuth authorize page in a browser, which can only answer a Basic prompt.
    basicChallenge: options.strictAuth ? true : isOAuthAuthorize,
    // The OAuth callback: the browser comes back from the authorization server without mcpo's key; it accepts only a pending state.
    isPublic: options.strictAuth
      ? (req) => isPreflight(req) || isOAuthCallback(req) || isTicketLink(req)
      : (req) => isPreflight(req) || isOAuthCallback(req) || isTicketLink(req) || isDocumentRequest(req),
  });
}

/**
 * GET and HEAD of documents, docs pages and their assets, and of the roots
 * that redirect to the docs (the prefix's; a mounted server's, looked up by
 * name as written, since a server name needs no escapes, so that no other
 * path one level down is opened): readable without a key unless strictAuth.
 */
function documentRequests(prefix: string, isServer: (name: string) => boolean): (req: Request) => boolean {
  // Express matches the mount path without regard to case, so this does too.
  const roots = new Set([prefix || '/', `${prefix}/`].map((p) => p.toLowerCase()));
  const lowerPrefix = prefix.toLowerCase();
  return function isDocumentRequest(req) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = req.path;
    if (path.endsWith('/openapi.json') || /\/docs(\/[^/]*)?$/.test(path) || roots.has(path.toLowerCase())) return true;
    const server = /^(.*)\/([^/]+)\/?$/.exec(path);
    return server !== null && server[1]!.toLowerCase() === lowerPrefix && isServer(server[2]!);
  };
}

/** A GET of a router's `…/oauth/<step>` or the app's `…/oauth/<name>/<step>`. */
const oauthPage = (step: 'authorize' | 'callback') => {
  const page = new RegExp(`/oauth(/[^/]+)?/${step}$`);
  return (req: Request): boolean => req.method === 'GET' && page.test(req.path);
};
const isOAuthAuthorize = oauthPage('authorize');
const isOAuthCallback = oauthPage('callback');
/** A per-caller sign-in link: its signed ticket says whose sign-in it is, and the router checks it (router/personal-pages.ts). */
const isTicketLink = (req: Request): boolean => isOAuthAuthorize(req) && typeof req.query.ticket === 'string';

function isPreflight(req: Request): boolean {
  return req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
}
