/**
 * `securityHeaders()`: helmet, set up so that Swagger UI works from any host
 * over plain HTTP.
 *
 * helmet's defaults would break that in two ways: `upgrade-insecure-requests`
 * makes a browser fetch the page's assets over https from a host that only
 * speaks http, and HSTS pins a host to https. Both are on only when mcpo
 * itself serves TLS. The docs page loads nothing but its own files, so the
 * rest of the default policy stays as strict as helmet makes it.
 */
import helmet from 'helmet';
import type { RequestHandler } from 'express';

export interface SecurityHeadersOptions {
  /** mcpo serves TLS itself: send HSTS, upgrade insecure requests and isolate the browsing context. @default false */
  https?: boolean;
}

export function securityHeaders(options: Readonly<SecurityHeadersOptions> = {}): RequestHandler {
  const https = options.https ?? false;
  return helmet({
    contentSecurityPolicy: {
      directives: {
        'upgrade-insecure-requests': https ? [] : null,
        // Swagger UI's spec and "Try it out" calls go to the page's own origin.
        'connect-src': ["'self'"],
        'frame-ancestors': ["'none'"],
      },
    },
    strictTransportSecurity: https,
    // Browsers ignore (and warn about) COOP on origins that are not https or localhost.
    crossOriginOpenerPolicy: https,
  });
}
