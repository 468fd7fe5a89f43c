/**
 * The OAuth flows of one supervised connection: what happens when the
 * server wants a person (the connection waits in `needs-authorization`,
 * keeping the session whose transport will finish the exchange), the
 * authorize page (a fresh flow, or the one the SDK started for a step-up;
 * for a server already authorized and connected, nothing unless asked, then
 * a sign-in beside the working one, whose tokens keep serving calls until
 * the callback replaces them), the callback, and the rule that a server
 * answering three authorizations in a row by asking for another is not
 * asked a fourth time unprompted.
 *
 * It drives the connection through `FlowLink`, as tool-call.ts does through
 * `CallLink`; upstream-supervisor.ts owns the sessions, and
 * upstream-standing.ts the state.
 */
import { auth } from '@modelcontextprotocol/client';
import { BadRequestError, UpstreamError } from '../../http/errors.js';
import { finishAuth, isAuthWall, type UpstreamAuthorization } from './authorization.js';
import type { Session } from '../session.js';
import type { UpstreamState } from '../status.js';

/** Authorizations in a row the server may answer by asking for another, before mcpo stops asking (as the SDK caps step-ups). */
const MAX_ROUNDS = 3;
/** How long a flow the SDK started on its own is offered to the person before a fresh one is started. */
const PENDING_FLOW_MS = 5 * 60_000;

/** What a flow needs of the connection it authorizes. */
export interface FlowLink {
  state(): UpstreamState;
  /** The session of the moment, ready or waiting. */
  session(): Session | undefined;
  /** Waits for a person: state `needs-authorization`, the session of the moment kept, the page logged once per flow. */
  park(err: unknown, startedFlow: boolean): void;
  /** The session is broken: end it and start a new one (`now` skips the backoff). */
  lost(session: Session, reason: string, now: boolean): void;
  /** Drops the session of the moment and connects afresh; resolves when that attempt has ended. */
  reconnect(): Promise<void>;
  /** The text of the last failure, for an error page. */
  lastError(): string | null;
  /** The person is here: the page need not be logged for this flow. */
  personArrived(): void;
  /** The MCP server's URL, for a sign-in started beside a working connection. */
  serverUrl(): URL;
}

/** What the authorize page does: send the person to `URL`, or say the server is connected without one, or already authorized. */
export type AuthorizeOutcome = URL | 'connected' | 'authorized';

/** Authorization responses that say the authorization server does not know the client. */
const CLIENT_REFUSED = new Set(['invalid_client', 'unauthorized_client']);

export class AuthorizationFlow {
  /** A flow the SDK started on its own, offered to the authorize page; `reusable` only for a step-up. */
  #pending: { url: URL; at: number; reusable: boolean } | undefined;
  /** Authorizations in a row that the server answered by asking for another. */
  #rounds = 0;
  /** A sign-in started beside a working connection is waiting for its callback. */
  #beside = false;

  constructor(
    readonly auth: UpstreamAuthorization,
    private readonly link: FlowLink,
  ) {}

  /**
   * A connect failed: true when it was the authorization wall and the
   * connection now waits for a person. After MAX_ROUNDS it is a plain
   * failure (returned as the error to report), and mcpo backs off instead.
   */
  atWall(session: Session, err: unknown): { waiting: true } | { waiting: false; error: unknown } {
    if (!isAuthWall(session, err, this.auth.provider)) return { waiting: false, error: err };
    if (this.#rounds >= MAX_ROUNDS) {
      return {
        waiting: false,
        error: new Error(`the server asked for authorization ${MAX_ROUNDS} times in a row and refused each; not asking again until the authorize page is opened`, { cause: err }),
      };
    }
    this.#wait(err, false);
    return { waiting: true };
  }

  /**
   * The server refused a ready session's authorization during a call: a
   * revoked token, or a step-up. False when mcpo has stopped asking.
   */
  refusedDuringCall(session: Session): boolean {
    if (!this.auth.provider.interactive) {
      this.link.lost(session, 'the server refused the token', true);
      return true;
    }
    if (this.#rounds >= MAX_ROUNDS) return false;
    // A step-up (403 insufficient_scope) keeps the metadata: the SDK's flow for the wider scope can be offered as it is.
    // A refused token (401) may mean the server moved: that flow starts afresh.
    this.#wait(new Error('the server asked for a new authorization during a call'), !session.unauthorized);
    return true;
  }

  /** A call went through: the authorization the server has is enough. */
  answered(): void {
    this.#rounds = 0;
  }

  #wait(err: unknown, reusable: boolean): void {
    // The SDK may have started the flow already (a step-up, or a start with a known redirect URI).
    const url = this.auth.provider.takeAuthorizationUrl();
    this.#pending = url ? { url, at: Date.now(), reusable } : undefined;
    this.link.park(err, url !== undefined);
  }

  /**
   * The authorize page: the step-up flow the SDK started, if there is one;
   * else a fresh flow (no old token, the server's metadata read afresh, in
   * case it moved to another authorization server), whose URL the SDK
   * produces as the connection reaches the wall again. 'connected' when the
   * server let mcpo in without one.
   */
  async authorize(redirectUrl: string, reauthorize = false): Promise<AuthorizeOutcome> {
    const { provider } = this.auth;
    // Authorized and connected: the tokens are kept, and a new sign-in only on request.
    if (this.link.state() === 'ready' && provider.interactive && provider.canConnectAlone) {
      return reauthorize ? this.#signInBeside(redirectUrl) : 'authorized';
    }
    this.#beside = false;
    const pending = this.#pending;
    this.#pending = undefined;
    // Opened by a person: ask again, even after mcpo gave up.
    if (this.#rounds >= MAX_ROUNDS) this.#rounds = 0;
    if (this.link.state() === 'needs-authorization' && pending?.reusable && Date.now() - pending.at < PENDING_FLOW_MS && provider.redirectUrl === redirectUrl) {
      return pending.url;
    }
    await provider.setRedirectUrl(redirectUrl);
    await provider.invalidateCredentials('tokens');
    await provider.invalidateCredentials('discovery');
    this.link.personArrived();
    provider.takeAuthorizationUrl();
    await this.link.reconnect();
    const started = (this.#pending as { url: URL } | undefined)?.url;
    this.#pending = undefined;
    if (started) return started;
    if (this.link.state() === 'ready') return 'connected';
    // The SDK stopped before it had a page to send the person to (a resource or issuer that does not match, say).
    throw new UpstreamError(`The authorization could not start: ${this.link.lastError() ?? 'the server failed'}`, 'authorization_failed');
  }

  /**
   * A new sign-in while the connection works: the SDK starts a flow without
   * refreshing (`forceReauthorization`) and without touching the stored
   * tokens, which keep serving calls. Its discovery state is the one the
   * working tokens came with.
   */
  async #signInBeside(redirectUrl: string): Promise<URL> {
    const { provider } = this.auth;
    await provider.setRedirectUrl(redirectUrl);
    provider.takeAuthorizationUrl();
    const result = await auth(provider, { serverUrl: this.link.serverUrl(), forceReauthorization: true });
    const url = provider.takeAuthorizationUrl();
    if (result !== 'REDIRECT' || url === undefined) throw new UpstreamError('The authorization could not start: the SDK produced no page to sign in at', 'authorization_failed');
    this.#beside = true;
    return url;
  }

  /** The callback: checks `state`, lets the SDK exchange the code on the waiting session (or the working one), connects. */
  async complete(params: URLSearchParams): Promise<UpstreamState> {
    const session = this.link.session();
    const beside = this.#beside && this.link.state() === 'ready';
    if ((this.link.state() !== 'needs-authorization' && !beside) || !session) {
      throw new BadRequestError('No authorization is pending for this server', undefined, 'no_pending_authorization');
    }
    if (!(await this.auth.provider.takeState(params.get('state')))) {
      throw new BadRequestError('This authorization was not started here, or was already used', undefined, 'invalid_state');
    }
    this.#beside = false;
    const refused = params.get('error');
    if (refused !== null) {
      // An authorization server that does not know the pre-registered client: the next flow shows the metadata document.
      const next = CLIENT_REFUSED.has(refused) && (await this.auth.provider.refusedClient()) ? '; mcpo will use its client metadata document instead: open the authorize page again' : '';
      throw new BadRequestError(`The authorization server refused: ${refused}${next}`, { description: params.get('error_description') ?? undefined }, 'authorization_refused');
    }
    // The working session's transport saves the new tokens; its next request sends them.
    await finishAuth(session, params);
    if (beside) return 'ready';
    this.#rounds++;
    await this.link.reconnect();
    return this.link.state();
  }
}
