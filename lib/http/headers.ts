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

/**
 * helmet's headers are the same for every response, so they are worked out
 * once, by running helmet on a stand-in response, and set from that list:
 * helmet itself runs a dozen middleware functions per response to set them.
 */
export function securityHeaders(options: Readonly<SecurityHeadersOptions> = {}): RequestHandler {
  const headers: [string, string][] = [];
  const standIn = { setHeader: (name: string, value: unknown) => void headers.push([name, String(value)]), removeHeader: () => {} };
  let done = false;
  helmetFor(options.https ?? false)({} as never, standIn as never, () => void (done = true));
  // helmet answers synchronously; a version that did not would leave the list short, which must not pass unseen.
  if (!done) throw new Error('helmet did not set its headers synchronously');
  return function securityHeaders(_req, res, next) {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}

function helmetFor(https: boolean): RequestHandler {
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
