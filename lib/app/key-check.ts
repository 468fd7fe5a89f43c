/**
 * Which requests the API key guards, for the command's app: tool calls and
 * the resource and prompt routes (their GETs too: they read the server's
 * data) always; documents, docs pages and the root that leads to them only with
 * `strictAuth`; CORS preflight never (a browser sends it without
 * credentials). `/healthz` and `/readyz` are routed before this check.
 */
import type { Request, RequestHandler } from 'express';
import { apiKeyAuth } from '../http/auth.js';

export interface KeyCheckOptions {
  apiKey: string;
  /** The key guards documents and docs too, and browsers get a Basic prompt. */
  strictAuth: boolean;
  /** Where the app mounts its servers, normalized ('' for the root). */
  prefix: string;
}

export function keyCheck(options: KeyCheckOptions): RequestHandler {
  const isDocumentRequest = documentRequests(options.prefix);
  return apiKeyAuth({
    apiKey: options.apiKey,
    // A person opens the OAuth authorize page in a browser, which can only answer a Basic prompt.
    basicChallenge: options.strictAuth ? true : isOAuthAuthorize,
    // The OAuth callback: the browser comes back from the authorization server without mcpo's key; it accepts only a pending state.
    isPublic: options.strictAuth
      ? (req) => isPreflight(req) || isOAuthCallback(req)
      : (req) => isPreflight(req) || isOAuthCallback(req) || isDocumentRequest(req),
  });
}

/**
 * GET and HEAD of documents, docs pages and their assets, and of the prefix
 * root that redirects to the docs: readable without a key unless strictAuth.
 */
function documentRequests(prefix: string): (req: Request) => boolean {
  // Express matches the mount path without regard to case, so this does too.
  const roots = new Set([prefix || '/', `${prefix}/`].map((p) => p.toLowerCase()));
  return function isDocumentRequest(req) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    return req.path.endsWith('/openapi.json') || /\/docs(\/[^/]*)?$/.test(req.path) || roots.has(req.path.toLowerCase());
  };
}

/** A GET of a router's `…/oauth/<step>` or the app's `…/oauth/<name>/<step>`. */
const oauthPage = (step: 'authorize' | 'callback') => {
  const page = new RegExp(`/oauth(/[^/]+)?/${step}$`);
  return (req: Request): boolean => req.method === 'GET' && page.test(req.path);
};
const isOAuthAuthorize = oauthPage('authorize');
const isOAuthCallback = oauthPage('callback');

function isPreflight(req: Request): boolean {
  return req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
}
