/**
 * The pages of a server whose sign-in is per caller (`oauth.perUser`), in
 * place of the shared ones of router/oauth-pages.ts:
 *
 * - `GET oauth/authorize?ticket=…`: the link of a caller's 403. The ticket
 *   says whose sign-in it is (a browser sends no credential); if the browser
 *   does send one, it must be that caller's. Redirects to the authorization
 *   server.
 * - `GET oauth/callback`: finishes the flow its `state` names, whichever
 *   replica started it, and says which server was authorized, never for whom.
 * - `DELETE oauth/token`: the caller (by their own credentials) forgets their
 *   tokens for this server, here and in every replica sharing the store.
 */
import type { Request, RequestHandler, Response, Router } from 'express';
import { callerOf } from '../auth/caller.js';
import type { Logger } from '../common/log.js';
import type { UserConnections } from '../mcp/users/user-connections.js';
import { failurePage, page } from './oauth-pages.js';
import type { RouterPersonal } from './personal.js';

export interface PersonalPagesOptions {
  name: string;
  personal: RouterPersonal;
  users: UserConnections;
  /** The callback URL: fixed by --public-url (or `redirectUrl`), else built from the request. */
  callbackUrl(req: Request): string;
  logger: Logger;
}

export function addPersonalRoutes(router: Router, options: PersonalPagesOptions): void {
  const { name, personal, users } = options;
  const fail = (res: Response, err: unknown, what: string): void => failurePage(res, err, `${name}: ${what}`, options.logger);
  const authorize: RequestHandler = function personalAuthorize(req, res) {
    const ticket = typeof req.query.ticket === 'string' ? req.query.ticket : undefined;
    if (ticket === undefined) {
      const text = 'Each caller signs in to this server on their own, through the link in the 403 answer to their first call. Call any of its tools to get yours.';
      return void res.status(400).set('Cache-Control', 'no-store').type('html').send(page(`${name}: open your own sign-in link`, text));
    }
    const caller = callerOf(req);
    Promise.resolve()
      .then(() => personal.signIn.start(ticket, options.callbackUrl(req), caller ? personal.keyOf(caller) : undefined))
      .then((url) => res.set('Cache-Control', 'no-store').redirect(302, url.href), (err: unknown) => fail(res, err, 'could not start the sign-in'));
  };
  const callback: RequestHandler = function personalCallback(req, res) {
    const query = new URLSearchParams(req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '');
    personal.signIn.finish(query).then(
      (caller) => {
        // A connection still waiting with the old grant makes way: the caller's next call starts afresh with the new one.
        users.forget(caller);
        personal.recount();
        res.set('Cache-Control', 'no-store').type('html').send(page(`${name} is authorized`, 'Your calls to it now run as you. You can close this tab.'));
      },
      (err: unknown) => fail(res, err, 'could not finish the sign-in'),
    );
  };
  const signOut: RequestHandler = function personalSignOut(req, res, next) {
    let caller: string;
    try {
      caller = personal.keyOf(callerOf(req));
    } catch (err) {
      return next(err);
    }
    personal.signIn.forget(caller).then(() => {
      users.forget(caller);
      personal.recount();
      res.set('Cache-Control', 'no-store').json({ ok: true, server: name, signedOut: true });
    }, next);
  };
  router.get('/oauth/authorize', authorize);
  router.get('/oauth/callback', callback);
  router.delete('/oauth/token', signOut);
}
