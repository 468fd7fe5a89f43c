/**
 * The tokens one OAuth provider sends (provider.ts): the server's own, or,
 * for a `perUser` server, one caller's. They are kept in the state store
 * (state/auth-records.ts) and in memory:
 *
 * - with a store other processes share (Redis), every use reads the store
 *   first, so a token another replica stored, refreshed or forgot is seen at
 *   the next call; while the store is away, the copy in memory is sent;
 * - a token due for a refresh is refreshed once (mcp/oauth/token-refresh.ts),
 *   however many calls find it due;
 * - a `client_credentials` token close to its expiry is not sent, so the SDK
 *   fetches a new one instead of sending one about to lapse.
 */
import type { OAuthTokens } from '@modelcontextprotocol/client';
import type { AuthRecords, ServerRef } from '../../state/auth-records.js';
import { StateStoreUnavailableError } from '../../state/state-store.js';
import { dueForRefresh, expiresAt, refreshOnce, type StoredTokens } from './token-refresh.js';

/** A client-credentials token this close to its expiry is not sent; a new one is fetched instead. */
const RENEW_BEFORE_MS = 30_000;

export interface HeldTokensOptions {
  records: AuthRecords;
  ref: ServerRef;
  /** The caller whose tokens these are (`perUser`); undefined for the server's own. */
  caller: string | undefined;
  /** Whether a person signs in (authorization_code), or the client alone (client_credentials). */
  interactive: boolean;
  /** Asks the authorization server for new tokens with a refresh token. */
  refresh(refreshToken: string): Promise<OAuthTokens>;
}

export class HeldTokens {
  #held: StoredTokens | undefined;
  #refreshing: Promise<StoredTokens | undefined> | undefined;

  constructor(private readonly options: HeldTokensOptions) {}

  /** The copy in memory, as last read or written. */
  get held(): StoredTokens | undefined {
    return this.#held;
  }

  /** Reads the stored tokens into memory. */
  async load(): Promise<void> {
    this.#held = (await this.options.records.tokens(this.options.ref, this.options.caller)) as StoredTokens | undefined;
  }

  /** The tokens to send now, refreshed first when due; undefined when there are none to send. */
  async current(): Promise<StoredTokens | undefined> {
    const { records, interactive } = this.options;
    if (records.shared) await this.load().catch((err: unknown) => {
      // The store is away: the tokens held in memory keep serving calls until it is back.
      if (!(err instanceof StateStoreUnavailableError)) throw err;
    });
    const tokens = this.#held;
    if (!tokens) return undefined;
    if (!interactive) {
      const end = expiresAt(tokens);
      return end !== undefined && end - Date.now() < RENEW_BEFORE_MS ? undefined : tokens;
    }
    if (!dueForRefresh(tokens)) return tokens;
    this.#refreshing ??= refreshOnce({ ...this.options, refresh: this.options.refresh }, tokens).finally(() => {
      this.#refreshing = undefined;
    });
    const fresh = await this.#refreshing;
    this.#held = fresh;
    return fresh;
  }

  /** Stores new tokens (from a sign-in or the SDK's own refresh), stamped with when they were obtained. */
  async save(tokens: OAuthTokens): Promise<void> {
    const stamped: StoredTokens = { ...tokens, obtainedAt: Date.now() };
    this.#held = stamped;
    await this.options.records.saveTokens(this.options.ref, this.options.caller, stamped);
  }

  /** Whether the store holds tokens now (false while it cannot be read). */
  stored(): Promise<boolean> {
    return this.options.records.tokens(this.options.ref, this.options.caller).then((tokens) => tokens !== undefined, () => false);
  }

  /** Forgets them here and in the store. */
  async forget(): Promise<void> {
    this.#held = undefined;
    await this.options.records.saveTokens(this.options.ref, this.options.caller, undefined);
  }
}
