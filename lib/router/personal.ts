/**
 * A router's part in per-caller sign-in (`oauth.perUser`): which caller a
 * request is (their key, state/auth-records.ts), the 403 with their own
 * sign-in link when they hold no grant (http/sign-in-required.ts), and the
 * tool list a signed-in caller's connection listed, kept in the store so
 * another replica, or this one after a restart, knows the tools before its
 * own first caller signs in. The sign-in itself is
 * mcp/oauth/personal-sign-in.ts's; the pages are router/personal-pages.ts's.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ServerCapabilities, Tool } from '@modelcontextprotocol/client';
import { isRecord } from '../common/is-record.js';
import type { Caller } from '../auth/caller.js';
import { ForbiddenError } from '../http/errors.js';
import { SignInRequiredError } from '../http/sign-in-required.js';
import type { ResolvedSpec } from '../mcp/spec.js';
import type { ServerMeta } from '../mcp/status.js';
import { PersonalSignIn } from '../mcp/oauth/personal-sign-in.js';
import { callerKey, type AuthRecords, type ServerRef } from '../state/auth-records.js';
import { StateStoreUnavailableError } from '../state/state-store.js';
import { stateRecords } from '../state/stores.js';
import type { RouterOAuth } from './oauth.js';
import type { ResolvedOptions } from './resolve-options.js';

export interface RouterPersonal {
  /** The server's name, for the pages. */
  readonly name: string;
  readonly signIn: PersonalSignIn;
  /** The caller's key; a 403 for a request without a verified caller. */
  keyOf(caller: Caller | undefined): string;
  /** The 403 that sends `caller` (a key) to their own sign-in, with a link made for the request's host unless --public-url says. */
  required(caller: string, headers: IncomingHttpHeaders): SignInRequiredError;
  /** The OAuth callback URL as the request's caller's sign-in would use it. */
  callbackFor(headers: IncomingHttpHeaders): string;
  /** Hands the tool list kept in the store, if there is one, to `onTools`. */
  restoreTools(onTools: (tools: Tool[], meta: ServerMeta, capabilities: ServerCapabilities) => void): void;
  /** How many callers hold a grant, as last counted in the store (recounted in the background, at most every few seconds). */
  authorizedCallers(): number | undefined;
  /** A caller signed in or out: count again now. */
  recount(): void;
  /** Keeps a caller's connection's tool list in the store, for the other replicas and the next start. */
  keepTools(tools: Tool[], meta: ServerMeta, capabilities: ServerCapabilities | undefined): void;
}

/** How stale the count of authorized callers that /healthz shows may be. */
const COUNT_EVERY_MS = 5_000;

/** The router's per-caller sign-in, for a remote server whose `oauth` block says `perUser`; undefined otherwise. */
export function routerPersonal(spec: ResolvedSpec, opts: ResolvedOptions, name: string, oauth: RouterOAuth | undefined): RouterPersonal | undefined {
  if (spec.type === 'stdio' || !spec.oauth?.perUser || !oauth) return undefined;
  const records: AuthRecords = stateRecords(opts);
  const ref: ServerRef = { name, url: spec.url.href };
  const signIn = new PersonalSignIn({ name, url: spec.url.href, spec: spec.oauth, records });
  const { logger } = opts;
  /** The authorize page, absolute: from --public-url, else from the request's Host. */
  const pageFor = (headers: IncomingHttpHeaders): string => {
    const page = oauth.page();
    return /^https?:\/\//.test(page) ? page : `http://${headers.host ?? 'localhost'}${page.startsWith('/') ? '' : '/'}${page}`;
  };
  let counted: { count: number | undefined; at: number; running: boolean; again: boolean } = { count: undefined, at: 0, running: false, again: false };
  const recount = (): void => {
    // A count asked for while one runs (a sign-in during a /healthz count) runs after it, so it sees the sign-in.
    if (counted.running) return void (counted.again = true);
    counted.running = true;
    const done = (count: number | undefined): void => {
      const again = counted.again;
      counted = { count, at: Date.now(), running: false, again: false };
      if (again) recount();
    };
    // The store is away: the last count stands until it is back.
    signIn.count().then(done, () => done(counted.count));
  };
  recount();
  return {
    name,
    authorizedCallers() {
      if (Date.now() - counted.at > COUNT_EVERY_MS) recount();
      return counted.count;
    },
    recount,
    signIn,
    keyOf(caller) {
      if (!caller) throw new ForbiddenError(`MCP server "${name}" acts as each caller, after their own sign-in; this request has no verified caller`, 'caller_required');
      return callerKey(caller.via, caller.id);
    },
    required(caller, headers) {
      return new SignInRequiredError(`MCP server "${name}" acts as each caller: sign in to it once by opening authorizeUrl in a browser, then call again`, signIn.link(caller, pageFor(headers)));
    },
    // The callback sits beside the authorize page, at the app's `<prefix>/oauth/<name>/` or a router's `oauth/`.
    callbackFor: (headers) => pageFor(headers).replace(/\/authorize$/, '/callback'),
    restoreTools(onTools) {
      let restored = false;
      const restore = (): void => {
        if (restored) return;
        records.tools(ref).then(
          (kept) => {
            restored = true;
            if (kept && Array.isArray(kept.tools) && isRecord(kept.meta)) onTools(kept.tools as Tool[], kept.meta as unknown as ServerMeta, isRecord(kept.capabilities) ? kept.capabilities : {});
          },
          (err: unknown) => {
            // Redis connects in the background: read again once it answers.
            if (!(err instanceof StateStoreUnavailableError)) logger.warn('could not read the kept tool list; it is listed again at the first signed-in call', { error: err instanceof Error ? err.message : String(err) });
          },
        );
      };
      records.store.onConnection((up) => up && restore());
      restore();
    },
    keepTools(tools, meta, capabilities) {
      records.saveTools(ref, { tools, meta, capabilities: capabilities ?? {} }).catch((err: unknown) => logger.debug('could not keep the tool list in the state store', { error: err instanceof Error ? err.message : String(err) }));
    },
  };
}
