/**
 * The two pages a person meets when a remote MCP server wants OAuth, served
 * by each router at its mount path (and by the command at
 * `<prefix>/oauth/<name>/…`, which forwards here):
 *
 * - `GET oauth/authorize` starts a fresh flow and redirects the browser to
 *   the authorization server. Guard it like a tool call. For a server that
 *   is authorized and connected it says so instead (in JSON when asked for
 *   JSON), with a link to `?reauthorize=1`, which signs in again while the
 *   old tokens keep serving calls.
 * - `GET oauth/callback` is where the authorization server sends the browser
 *   back. It is not guarded (the browser arrives from another site, without
 *   mcpo's key); it accepts only a `state` a flow here issued, once.
 *
 * Both answer a browser, so they answer HTML; nothing from the query is
 * shown unescaped, and no token or code is ever shown or logged.
 */
import type { Request, RequestHandler, Response, Router } from 'express';
import { toHttpError } from '../http/error-mapping.js';
import { BadRequestError, isMcpoError } from '../http/errors.js';
import type { Logger } from '../common/log.js';
import type { Upstream } from '../mcp/upstream.js';

export interface OAuthRoutesOptions {
  /** The server's name, for the pages. */
  name: string;
  /** The authorize page as a person opens it. */
  page(): string;
  /** The callback URL: fixed by --public-url (or `redirectUrl`), else built from the request. */
  callbackUrl(req: Request): string;
  logger: Logger;
}

const escape = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A small HTML page for a person, everything in it escaped. */
export function page(title: string, text: string, link?: { href: string; text: string }): string {
  const more = link ? `<p><a href="${escape(link.href)}">${escape(link.text)}</a></p>` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>` +
    `<body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 4em auto"><h1>${escape(title)}</h1><p>${escape(text)}</p>${more}</body></html>`;
}

/**
 * A page that says a sign-in step failed: mcpo's own errors with their status
 * and words; anything else (the authorization server's, the SDK's) a 502 that
 * points to the log, where its text went.
 */
export function failurePage(res: Response, err: unknown, title: string, logger: Logger): void {
  const known = isMcpoError(err);
  if (!known) logger.warn(title, { error: err instanceof Error ? err.message : String(err) });
  const http = toHttpError(err);
  res.status(known ? http.status : 502).set('Cache-Control', 'no-store').type('html')
    .send(page(title, known ? http.message : 'The authorization server or the MCP server failed; see mcpo\'s log.'));
}

/** The authorize page again, as this request reached it, asking for a new sign-in. */
const reauthorizeUrl = (req: Request): string => `${req.originalUrl.split('?')[0]}?reauthorize=1`;

/** The callback URL a router derives from a request when none is configured: `<origin><mount>/oauth/callback`. */
export function callbackFromRequest(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}${req.baseUrl}/oauth/callback`;
}

export function addOAuthRoutes(router: Router, upstream: Upstream, options: OAuthRoutesOptions): void {
  const authorize: RequestHandler = function oauthAuthorize(req, res) {
    // A ticket stands in for a credential only on per-caller servers (router/personal-pages.ts); the command lets such links
    // through its key check, so here, where the key is what guards the page, one is refused rather than ignored.
    if (req.query.ticket !== undefined) return void fail(res, new BadRequestError('This server has one sign-in for everyone; sign-in links with a ticket are for per-caller servers', undefined, 'invalid_ticket'), 'could not start authorization');
    upstream.authorize(options.callbackUrl(req), req.query.reauthorize === '1').then(
      (url) => {
        res.set('Cache-Control', 'no-store');
        if (url === 'authorized') {
          const again = reauthorizeUrl(req);
          if (req.accepts(['html', 'json']) === 'json') return res.json({ server: options.name, authorized: true, reauthorize: again });
          const text = 'mcpo holds working tokens for this server and is connected. Signing in again replaces them once the new sign-in completes; until then the old ones keep serving calls.';
          return res.type('html').send(page(`${options.name} is already authorized`, text, { href: again, text: 'Sign in again' }));
        }
        if (url !== 'connected') return res.redirect(302, url.href);
        res.type('html').send(page(`${options.name} is connected`, 'The server did not ask for authorization. You can close this tab.'));
      },
      (err: unknown) => fail(res, err, 'could not start authorization'),
    );
  };
  const callback: RequestHandler = function oauthCallback(req, res) {
    const query = new URLSearchParams(req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '');
    upstream.completeAuthorization(query).then(
      (state) => {
        res.set('Cache-Control', 'no-store');
        if (state === 'ready') return res.type('html').send(page(`${options.name} is authorized`, 'mcpo is connected to it. You can close this tab.'));
        // Accepted, but the server wants more (a wider scope, another authorization server): one more round.
        if (state === 'needs-authorization') return res.type('html').send(page(`${options.name} asks for more`, `The authorization was accepted, but the server asks for another. Open ${options.page()} again.`));
        res.status(502).type('html').send(page(`${options.name} did not connect`, 'The authorization was accepted, but the server still refuses mcpo. See mcpo\'s /healthz and its log.'));
      },
      (err: unknown) => fail(res, err, 'could not finish authorization'),
    );
  };
  const fail = (res: Response, err: unknown, what: string): void => failurePage(res, err, `${options.name}: ${what}`, options.logger);
  router.get('/oauth/authorize', authorize);
  router.get('/oauth/callback', callback);
}
