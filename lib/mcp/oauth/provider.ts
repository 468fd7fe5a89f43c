/**
 * mcpo's side of OAuth 2.1 to one remote MCP server: the SDK's
 * `OAuthClientProvider`, which the SDK's transports call to run the
 * protocol (discovery, registration, PKCE, token exchange and refresh,
 * step-up, `iss` checks). This module keeps what the protocol needs kept:
 *
 * - tokens, the registered client and the discovery state, in the token
 *   store (token-store.ts), so they survive restarts and reloads;
 * - with both a pre-registered client and a metadata document, which of
 *   them each authorization server is shown (pre-registered.ts);
 * - the flow in progress: its PKCE verifier and authorization URL, and the
 *   `state` values of flows started (flow-states.ts), in memory, since a
 *   flow lives as long as this process;
 * - for `client_credentials`, the grant and the client's authentication
 *   (a secret, or a `private_key_jwt` assertion signed by the SDK).
 *
 * It never opens a browser. An authorization URL is handed to `onAuthorize`
 * for the router to send a person to; the router's callback checks the
 * `state` here (a pending one, once) before the SDK finishes the exchange.
 */
import {
  PrivateKeyJwtProvider,
  type OAuthClientInformationMixed,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type OAuthTokens,
} from '@modelcontextprotocol/client';
import type { OAuthSpec } from '../oauth-spec.js';
import type { StoredAuth, TokenStore } from './token-store.js';
import { ClientChoice, type Learnt } from './pre-registered.js';
import { FlowStates } from './flow-states.js';

/** A client-credentials token this close to its expiry is not sent; a new one is fetched instead. */
const RENEW_BEFORE_MS = 30_000;

export interface OAuthProviderOptions {
  /** The server's name and URL: the key of its stored state. */
  name: string;
  url: string;
  spec: OAuthSpec;
  store: TokenStore;
}

type Stored = StoredAuth & { tokens?: OAuthTokens & { obtainedAt?: number } };

export class McpoOAuthProvider implements OAuthClientProvider {
  #redirectUrl: string | undefined;
  #saved: Stored = {};
  #loaded: Promise<void> | undefined;
  #verifier: string | undefined;
  readonly #states = new FlowStates();
  /** The authorization URL of the flow just started, for the router to redirect to. */
  #authorizationUrl: URL | undefined;
  readonly #jwt: PrivateKeyJwtProvider | undefined;
  readonly #choice: ClientChoice;

  constructor(private readonly options: OAuthProviderOptions) {
    const { spec } = options;
    this.#redirectUrl = spec.redirectUrl;
    this.#choice = new ClientChoice(spec);
    if (spec.grantType === 'client_credentials' && spec.privateKey !== undefined && spec.clientId !== undefined) {
      this.#jwt = new PrivateKeyJwtProvider({ clientId: spec.clientId, privateKey: spec.privateKey, algorithm: spec.signingAlgorithm ?? 'RS256', clientName: 'mcpo' });
      this.addClientAuthentication = this.#jwt.addClientAuthentication;
    }
  }

  addClientAuthentication?: OAuthClientProvider['addClientAuthentication'];

  get interactive(): boolean {
    return this.options.spec.grantType !== 'client_credentials';
  }

  /** Reads the stored state once, before the first connection uses it. */
  load(): Promise<void> {
    this.#loaded ??= this.options.store.load(this.options.name, this.options.url).then(async (saved) => {
      this.#saved = saved as Stored;
      await this.#dropForeignRegistration();
    });
    return this.#loaded;
  }

  /** A client registered for another redirect URI (an earlier --public-url, say) cannot use this one: register again. */
  async #dropForeignRegistration(): Promise<void> {
    const registered = (this.#saved.clientInformation as { redirect_uris?: unknown } | undefined)?.redirect_uris;
    if (this.#redirectUrl !== undefined && Array.isArray(registered) && !registered.includes(this.#redirectUrl)) {
      await this.#save({ clientInformation: undefined });
    }
  }

  async #save(change: Partial<Stored>): Promise<void> {
    this.#saved = { ...this.#saved, ...change };
    for (const key of Object.keys(change) as (keyof Stored)[]) if (change[key] === undefined) delete this.#saved[key];
    await this.options.store.save(this.options.name, this.options.url, this.#saved);
  }

  /** Where the authorization server sends the browser back; set from --public-url or the first request. */
  async setRedirectUrl(url: string): Promise<void> {
    if (this.options.spec.redirectUrl !== undefined || url === this.#redirectUrl) return;
    this.#redirectUrl = url;
    // Before the stored state is read there is nothing to compare; load() checks it then.
    if (this.#loaded) await this.#loaded.then(() => this.#dropForeignRegistration());
  }

  get redirectUrl(): string | undefined {
    return this.interactive ? this.#redirectUrl : undefined;
  }

  get clientMetadataUrl(): string | undefined {
    return this.options.spec.clientMetadataUrl;
  }

  get clientMetadata(): OAuthClientMetadata {
    const { spec } = this.options;
    if (!this.interactive) {
      return {
        client_name: 'mcpo',
        redirect_uris: [],
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: this.#jwt ? 'private_key_jwt' : 'client_secret_basic',
        ...(spec.scope ? { scope: spec.scope } : {}),
      };
    }
    return {
      client_name: 'mcpo',
      redirect_uris: this.#redirectUrl ? [this.#redirectUrl] : [],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: spec.clientSecret !== undefined ? 'client_secret_basic' : 'none',
      ...(spec.scope ? { scope: spec.scope } : {}),
    };
  }

  state(): string {
    return this.#states.issue();
  }

  /** True once for a state this provider issued in the last ten minutes; a replay is false. */
  takeState(state: string | null): boolean {
    return this.#states.take(state);
  }

  /** Called by the SDK before it reads the client, with the issuer it resolved. */
  saveAuthorizationServerUrl(issuer: string): void {
    this.#choice.issuer = issuer;
  }

  clientInformation(ctx?: { issuer?: string }): OAuthClientInformationMixed | undefined {
    return this.#choice.client(this.#saved.preRegistered, ctx?.issuer) ?? (this.#saved.clientInformation as OAuthClientInformationMixed | undefined);
  }

  async saveClientInformation(info: OAuthClientInformationMixed): Promise<void> {
    // The pre-registered client lives in the config, secret and all; the SDK only hands it back stamped.
    if (info.client_id !== this.options.spec.clientId) await this.#save({ clientInformation: info as Record<string, unknown> });
  }

  /** What was learnt of the pre-registered client at the issuer in use (pre-registered.ts), as a change to the store. */
  #learnt(known: boolean): Partial<Stored> {
    const learnt: Learnt | undefined = this.#choice.learnt(known);
    return learnt ? { preRegistered: { ...learnt } } : {};
  }

  /**
   * The authorization server refused the client at the callback (`invalid_client`,
   * `unauthorized_client`): true when that was the pre-registered client and the
   * next flow will show the metadata document instead.
   */
  async refusedClient(): Promise<boolean> {
    const change = this.#learnt(false);
    if (change.preRegistered !== undefined) await this.#save(change);
    return change.preRegistered !== undefined;
  }

  tokens(): OAuthTokens | undefined {
    const tokens = this.#saved.tokens;
    if (!tokens || this.interactive) return tokens;
    // client_credentials: renew before expiry, so no call is sent with a token about to lapse.
    const expiresAt = tokens.obtainedAt !== undefined && tokens.expires_in !== undefined ? tokens.obtainedAt + tokens.expires_in * 1000 : undefined;
    return expiresAt !== undefined && expiresAt - Date.now() < RENEW_BEFORE_MS ? undefined : tokens;
  }

  async saveTokens(tokens: OAuthTokens): Promise<void> {
    // Tokens for the pre-registered client: this issuer knows it, and it is shown to no other.
    await this.#save({ tokens: { ...tokens, obtainedAt: Date.now() }, ...this.#learnt(true) });
  }

  redirectToAuthorization(url: URL): void {
    this.#authorizationUrl = url;
  }

  /** The authorization URL the SDK produced since the last call, once. */
  takeAuthorizationUrl(): URL | undefined {
    const url = this.#authorizationUrl;
    this.#authorizationUrl = undefined;
    return url;
  }

  saveCodeVerifier(verifier: string): void {
    this.#verifier = verifier;
  }

  codeVerifier(): string {
    if (this.#verifier === undefined) throw new Error('no authorization flow is in progress');
    return this.#verifier;
  }

  async saveDiscoveryState(state: OAuthDiscoveryState): Promise<void> {
    await this.#save({ discoveryState: state as unknown as Record<string, unknown> });
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.#saved.discoveryState as unknown as OAuthDiscoveryState | undefined;
  }

  /** What this provider holds that must never be shown: its tokens, the client's secret, the flow's verifier. */
  secrets(): string[] {
    const { tokens, clientInformation } = this.#saved;
    const held = [tokens?.access_token, tokens?.refresh_token, (clientInformation as { client_secret?: unknown } | undefined)?.client_secret, this.#verifier];
    return held.filter((s): s is string => typeof s === 'string');
  }

  async invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): Promise<void> {
    if (scope === 'verifier' || scope === 'all') this.#verifier = undefined;
    const change: Partial<Stored> = {};
    if (scope === 'tokens' || scope === 'all') change.tokens = undefined;
    // The SDK's answer to invalid_client or unauthorized_client: the pre-registered client, if it was the one shown, is refused at this issuer.
    const refused = scope === 'client' || scope === 'all' ? this.#learnt(false) : {};
    if (refused.preRegistered !== undefined) Object.assign(change, refused);
    else if (scope === 'client' || scope === 'all') change.clientInformation = undefined;
    if (scope === 'discovery' || scope === 'all') change.discoveryState = undefined;
    if (Object.keys(change).length > 0) await this.#save(change);
  }

  prepareTokenRequest(scope?: string): URLSearchParams | undefined {
    if (this.interactive) return undefined;
    const params = new URLSearchParams({ grant_type: 'client_credentials' });
    const wanted = scope ?? this.options.spec.scope;
    if (wanted) params.set('scope', wanted);
    return params;
  }

  /** Whether there is anything to try without a person: tokens, or a grant that needs none. */
  get canConnectAlone(): boolean {
    return !this.interactive || this.#saved.tokens !== undefined;
  }
}
