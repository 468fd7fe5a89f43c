/**
 * `cors()`: which web origins may call, and the Cross-Origin Resource
 * Sharing headers that tell browsers so.
 *
 * A request that carries an `Origin` (a browser sends one on every
 * cross-origin request and on same-origin POSTs) is answered only when that
 * origin is the page's own host or is listed; any other gets 403 before auth
 * or a tool sees it, so a page elsewhere cannot drive tools even through
 * "simple" requests the browser sends without a preflight. Requests without
 * an `Origin` (curl, SDKs, servers) are not affected.
 *
 * CORS headers are off unless origins are given. With `*`, any origin may call, but never with
 * browser credentials: under --strict-auth a browser may hold Basic
 * credentials for mcpo, and a wildcard with credentials would let any page
 * spend them. Named origins are echoed back and may send credentials.
 * Preflight requests are answered here and never reach auth or routes.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestHandler } from 'express';
import { ForbiddenError } from './errors.js';

export interface CorsOptions {
  /** Allowed origins, e.g. `https://chat.example.com`, or `*`. @default [] (CORS off) */
  origins?: readonly string[];
  /** Seconds a browser may cache a preflight answer. @default 600 */
  maxAge?: number;
}

// The MCP endpoints (`/mcp`, `/<name>/mcp`) are called from browsers too: a
// 2025-era client ends its session with DELETE, sends `Mcp-Session-Id` and
// `MCP-Protocol-Version` (and `Last-Event-ID` to resume a stream), a
// 2026-07-28 client sends `Mcp-Method` and `Mcp-Name`, and the session id
// comes back in a response header the page must be able to read. The
// fallback list cannot name `Mcp-Param-<name>` headers; a preflight that
// asks for them gets them echoed back.
const METHODS = 'GET, HEAD, POST, DELETE, OPTIONS';
const DEFAULT_HEADERS = 'Authorization, Content-Type, X-Tool-Timeout, X-Request-Id, Mcp-Session-Id, MCP-Protocol-Version, Mcp-Method, Mcp-Name, Last-Event-ID';
const EXPOSED = 'Retry-After, WWW-Authenticate, X-Request-Id, Mcp-Session-Id';
/** A comma-separated list of header names, nothing else, so it can be echoed safely. */
const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;

/** `https://a.example/` and `HTTPS://A.example` name the same origin. */
export function normalizeOrigin(origin: string): string {
  if (origin === '*') return origin;
  try {
    return new URL(origin).origin;
  } catch {
    throw new TypeError(`cors: ${JSON.stringify(origin)} is not an origin; write it like https://chat.example.com`);
  }
}

/** A same-origin request: the Origin names the host the request was sent to (the scheme cannot differ on one port). */
function isSameOrigin(origin: string, headers: IncomingHttpHeaders): boolean {
  const host = headers.host;
  if (host === undefined) return false;
  try {
    return new URL(origin).host === new URL(`http://${host}`).host;
  } catch {
    return false;
  }
}

export function cors(options: Readonly<CorsOptions> = {}): RequestHandler {
  const origins = (options.origins ?? []).map(normalizeOrigin);
  const any = origins.includes('*');
  const allowed = new Set(origins);
  const maxAge = String(options.maxAge ?? 600);

  return function corsHeaders(req, res, next) {
    const origin = req.headers.origin;
    const preflight = req.method === 'OPTIONS' && origin !== undefined && req.headers['access-control-request-method'] !== undefined;
    // Nothing has set Vary this early on the app's own responses; res.vary() would parse it anyway.
    if (res.hasHeader('Vary')) res.vary('Origin');
    else res.setHeader('Vary', 'Origin');
    const ok = origin !== undefined && (any || allowed.has(origin));
    if (origin !== undefined && !ok && !isSameOrigin(origin, req.headers)) {
      return next(new ForbiddenError(`Requests from the origin ${JSON.stringify(origin.slice(0, 200))} are not allowed; start mcpo with --cors-allow-origins to allow it`, 'origin_not_allowed'));
    }
    if (ok) {
      if (any) {
        res.set('Access-Control-Allow-Origin', '*');
      } else {
        res.set('Access-Control-Allow-Origin', origin);
        res.set('Access-Control-Allow-Credentials', 'true');
      }
      res.set('Access-Control-Expose-Headers', EXPOSED);
    }
    if (!preflight) return next();
    if (ok) {
      const asked = req.headers['access-control-request-headers'];
      res.set('Access-Control-Allow-Methods', METHODS);
      res.set('Access-Control-Allow-Headers', typeof asked === 'string' && HEADER_LIST.test(asked) ? asked : DEFAULT_HEADERS);
      res.set('Access-Control-Max-Age', maxAge);
      res.vary('Access-Control-Request-Headers');
    }
    res.status(204).end();
  };
}
