/**
 * Sign-in per caller, for a server whose `oauth` block says `perUser`: each
 * verified caller authorizes the server under their own account, and their
 * calls carry their own tokens (kept under their caller key,
 * state/auth-records.ts). This module holds what is the server's, not one
 * connection's:
 *
 * - whether a caller has a grant, and the link that starts their sign-in
 *   (`<authorize page>?ticket=…`, mcp/oauth/sign-in-tickets.ts);
 * - starting the flow the ticket names, and finishing any flow at the
 *   callback, whichever replica started it: the flow's record in the store
 *   says whose it is and holds its PKCE verifier;
 * - forgetting a caller's grant, and counting the callers who hold one.
 *
 * The SDK runs the protocol (discovery, registration, PKCE, the exchange)
 * through a provider for the caller (mcp/oauth/provider.ts); each
 * caller's connection has its own provider, which reads the same store.
 */
import { auth } from '@modelcontextprotocol/client';
import { BadRequestError, UpstreamError } from '../../http/errors.js';
import { serverKey, type AuthRecords, type ServerRef } from '../../state/auth-records.js';
import type { OAuthSpec } from '../oauth-spec.js';
import { McpoOAuthProvider } from './provider.js';
import { SignInTickets } from './sign-in-tickets.js';

export interface PersonalSignInOptions {
  name: string;
  url: string;
  spec: OAuthSpec;
  records: AuthRecords;
}

export class PersonalSignIn {
  readonly #ref: ServerRef;
  readonly #tickets: SignInTickets;

  constructor(private readonly options: PersonalSignInOptions) {
    this.#ref = { name: options.name, url: options.url };
    this.#tickets = new SignInTickets(options.records, this.#ref);
  }

  /** A provider that keeps `caller`'s tokens: one for each of their connections, and one for each flow. */
  provider(caller: string): McpoOAuthProvider {
    const { name, url, spec, records } = this.options;
    return new McpoOAuthProvider({ name, url, spec, records, caller });
  }

  /** Whether `caller` holds tokens for the server (read from the store). */
  async hasGrant(caller: string): Promise<boolean> {
    return (await this.options.records.tokens(this.#ref, caller)) !== undefined;
  }

  /** Reads what making links needs from the store (the tickets' key); `link` may be called once it resolves. */
  ready(): Promise<void> {
    return this.#tickets.ready();
  }

  /** The link that starts `caller`'s sign-in: the absolute authorize page, with a ticket. */
  link(caller: string, page: string): string {
    const url = new URL(page);
    url.searchParams.set('ticket', this.#tickets.mintNow(caller));
    return url.href;
  }

  /**
   * The authorize page opened with a ticket: the authorization server's URL
   * to send the person to. `requestCaller`, when the browser did send a
   * credential, must be the caller the ticket names.
   */
  async start(ticket: string, redirectUrl: string, requestCaller: string | undefined): Promise<URL> {
    const caller = await this.#tickets.redeem(ticket, requestCaller);
    const provider = this.provider(caller);
    await provider.load();
    await provider.setRedirectUrl(redirectUrl);
    // A fresh authorization, never a refresh: the person is here to sign in.
    const result = await auth(provider, { serverUrl: this.options.url, forceReauthorization: true });
    const url = provider.takeAuthorizationUrl();
    if (result !== 'REDIRECT' || url === undefined) throw new UpstreamError('The authorization could not start: the SDK produced no page to sign in at', 'authorization_failed');
    return url;
  }

  /** The callback: exchanges the code for the caller whose flow `state` names; answers their caller key. */
  async finish(params: URLSearchParams): Promise<string> {
    const state = params.get('state');
    const flow = state === null ? undefined : await this.options.records.takeFlow(state);
    if (!flow || flow.server !== serverKey(this.#ref) || flow.caller === undefined) {
      throw new BadRequestError('This authorization was not started here, or was already used', undefined, 'invalid_state');
    }
    const refused = params.get('error');
    if (refused !== null) throw new BadRequestError(`The authorization server refused: ${refused}`, { description: params.get('error_description') ?? undefined }, 'authorization_refused');
    const code = params.get('code');
    if (code === null) throw new BadRequestError('The callback carries no authorization code', undefined, 'invalid_callback');
    const provider = this.provider(flow.caller);
    await provider.load();
    provider.resumeFlow(flow.verifier, flow.redirectUrl);
    const iss = params.get('iss');
    await auth(provider, { serverUrl: this.options.url, authorizationCode: code, ...(iss !== null ? { iss } : {}) });
    return flow.caller;
  }

  /** Forgets `caller`'s tokens, here and in every replica sharing the store. */
  forget(caller: string): Promise<void> {
    return this.options.records.saveTokens(this.#ref, caller, undefined);
  }

  /** How many callers hold a grant (never who). */
  count(): Promise<number> {
    return this.options.records.countCallers(this.#ref);
  }
}
