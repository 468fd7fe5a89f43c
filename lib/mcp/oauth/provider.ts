/**
 * mcpo's side of OAuth 2.1 to one remote MCP server: the SDK's
 * `OAuthClientProvider`, which runs the protocol (discovery, registration,
 * PKCE, exchange, refresh, step-up, `iss` checks). It keeps what that needs:
 *
 * - the registered client and the discovery state, in the state store
 *   (state/auth-records.ts), shared by the server's callers and replicas;
 * - the tokens, the server's own or one caller's (`perUser`), through
 *   held-tokens.ts, which refreshes them once however many ask;
 * - with both a pre-registered client and a metadata document, which of
 *   them each authorization server is shown (pre-registered.ts);
 * - the flow in progress: its authorization URL in memory, and its `state`
 *   and PKCE verifier in the store, ten minutes and once, so the callback
 *   may reach any replica;
 * - for `client_credentials`, the grant and the client's authentication
 *   (a secret, or a `private_key_jwt` assertion signed by the SDK).
 *
 * It never opens a browser: the router sends a person to the authorization URL.
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
import { type AuthRecords, type ClientRecord, type ServerRef } from '../../state/auth-records.js';
import { ClientChoice, type Learnt } from './pre-registered.js';
import { HeldTokens } from './held-tokens.js';
import { PendingFlows } from './pending-flows.js';
import { clientCredentialsRequest, clientMetadata, refreshRequest } from './client-requests.js';

export interface OAuthProviderOptions {
  /** The server's name and URL: the key of its stored state. */
  name: string;
  url: string;
  spec: OAuthSpec;
  records: AuthRecords;
  /** The caller whose tokens this provider keeps (`perUser`, a key from state/auth-records.ts); undefined for the server's own. */
  caller?: string;
}

export class McpoOAuthProvider implements OAuthClientProvider {
  #redirectUrl: string | undefined;
  #client: ClientRecord = {};
  readonly #tokens: HeldTokens;
  #loaded: Promise<void> | undefined;
  #verifier: string | undefined;
  readonly #flows: PendingFlows;
  readonly #ref: ServerRef;
  /** The authorization URL of the flow just started, for the router to redirect to. */
  #authorizationUrl: URL | undefined;
  readonly #jwt: PrivateKeyJwtProvider | undefined;
  readonly #choice: ClientChoice;

  constructor(private readonly options: OAuthProviderOptions) {
    const { spec } = options;
    this.#ref = { name: options.name, url: options.url };
    this.#redirectUrl = spec.redirectUrl;
    this.#flows = new PendingFlows(options.records, this.#ref, options.caller);
    const interactive = spec.grantType !== 'client_credentials';
    this.#tokens = new HeldTokens({ records: options.records, ref: this.#ref, caller: options.caller, interactive, refresh: (token) => this.#refresh(token) });
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
    this.#loaded ??= (async () => {
      this.#client = await this.options.records.client(this.#ref);
      await this.#tokens.load();
      await this.#dropForeignRegistration();
    })();
    this.#loaded.catch(() => (this.#loaded = undefined)); // the store was away: the next connection reads again
    return this.#loaded;
  }

  /** A client registered for another redirect URI (an earlier --public-url, say) cannot use this one: register again. */
  async #dropForeignRegistration(): Promise<void> {
    const registered = (this.#client.clientInformation as { redirect_uris?: unknown } | undefined)?.redirect_uris;
    if (this.#redirectUrl !== undefined && Array.isArray(registered) && !registered.includes(this.#redirectUrl)) {
      await this.#save({ clientInformation: undefined });
    }
  }

  async #save(change: Partial<ClientRecord>): Promise<void> {
    this.#client = { ...this.#client, ...change };
    for (const key of Object.keys(change) as (keyof ClientRecord)[]) if (change[key] === undefined) delete this.#client[key];
    await this.options.records.saveClient(this.#ref, this.#client);
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
    return clientMetadata(this.options.spec, this.#redirectUrl, this.#jwt !== undefined);
  }

  state(): string {
    return this.#flows.issue();
  }

  /** True once for a state a flow of this server and caller issued in the last ten minutes, in any replica; its verifier is then the one sent. */
  async takeState(state: string | null): Promise<boolean> {
    const verifier = await this.#flows.take(state);
    if (verifier !== undefined) this.#verifier = verifier;
    return verifier !== undefined;
  }

  /** Called by the SDK before it reads the client, with the issuer it resolved. */
  saveAuthorizationServerUrl(issuer: string): void {
    this.#choice.issuer = issuer;
  }

  clientInformation(ctx?: { issuer?: string }): OAuthClientInformationMixed | undefined {
    return this.#choice.client(this.#client.preRegistered, ctx?.issuer) ?? (this.#client.clientInformation as OAuthClientInformationMixed | undefined);
  }

  async saveClientInformation(info: OAuthClientInformationMixed): Promise<void> {
    // The pre-registered client lives in the config, secret and all; the SDK only hands it back stamped.
    if (info.client_id !== this.options.spec.clientId) await this.#save({ clientInformation: info as Record<string, unknown> });
  }

  /** What was learnt of the pre-registered client at the issuer in use (pre-registered.ts), as a change to the store. */
  #learnt(known: boolean): Partial<ClientRecord> {
    const learnt: Learnt | undefined = this.#choice.learnt(known);
    return learnt ? { preRegistered: { ...learnt } } : {};
  }

  /** The client was refused at the callback: true when it was the pre-registered one, and the next flow shows the metadata document instead. */
  async refusedClient(): Promise<boolean> {
    const change = this.#learnt(false);
    if (change.preRegistered !== undefined) await this.#save(change);
    return change.preRegistered !== undefined;
  }

  tokens(): Promise<OAuthTokens | undefined> {
    return this.#tokens.current();
  }

  async saveTokens(tokens: OAuthTokens): Promise<void> {
    await this.#tokens.save(tokens);
    // Tokens for the pre-registered client: this issuer knows it, and it is shown to no other.
    const learnt = this.#learnt(true);
    if (learnt.preRegistered !== undefined) await this.#save(learnt);
  }

  /** A refresh on mcpo's own initiative (held-tokens.ts), with what the SDK's discovery learnt. */
  #refresh(refreshToken: string): Promise<OAuthTokens> {
    return refreshRequest(this.#client.discoveryState, (issuer) => this.clientInformation({ issuer }), refreshToken, this.addClientAuthentication);
  }

  redirectToAuthorization(url: URL): void {
    this.#authorizationUrl = url;
  }

  /** The SDK's authorization URL since the last call, once. */
  takeAuthorizationUrl(): URL | undefined {
    const url = this.#authorizationUrl;
    this.#authorizationUrl = undefined;
    return url;
  }

  async saveCodeVerifier(verifier: string): Promise<void> {
    this.#verifier = verifier;
    await this.#flows.started(verifier, this.#redirectUrl);
  }

  /** A flow another provider (another replica, say) started, to be finished here: its verifier and redirect URI. */
  resumeFlow(verifier: string, redirectUrl: string): void {
    this.#verifier = verifier;
    this.#redirectUrl = redirectUrl;
  }

  codeVerifier(): string {
    if (this.#verifier === undefined) throw new Error('no authorization flow is in progress');
    return this.#verifier;
  }

  async saveDiscoveryState(state: OAuthDiscoveryState): Promise<void> {
    await this.#save({ discoveryState: state as unknown as Record<string, unknown> });
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.#client.discoveryState as unknown as OAuthDiscoveryState | undefined;
  }

  /** What this provider holds that must never be shown: its tokens, the client's secret, the flow's verifier. */
  secrets(): string[] {
    const tokens = this.#tokens.held;
    const { clientInformation } = this.#client;
    const held = [tokens?.access_token, tokens?.refresh_token, (clientInformation as { client_secret?: unknown } | undefined)?.client_secret, this.#verifier];
    return held.filter((s): s is string => typeof s === 'string');
  }

  async invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): Promise<void> {
    if (scope === 'verifier' || scope === 'all') this.#verifier = undefined;
    if (scope === 'tokens' || scope === 'all') await this.#tokens.forget();
    const change: Partial<ClientRecord> = {};
    // The SDK's answer to invalid_client or unauthorized_client: the pre-registered client, if it was the one shown, is refused at this issuer.
    const refused = scope === 'client' || scope === 'all' ? this.#learnt(false) : {};
    if (refused.preRegistered !== undefined) Object.assign(change, refused);
    else if (scope === 'client' || scope === 'all') change.clientInformation = undefined;
    if (scope === 'discovery' || scope === 'all') change.discoveryState = undefined;
    if (Object.keys(change).length > 0) await this.#save(change);
  }

  prepareTokenRequest(scope?: string): URLSearchParams | undefined {
    return this.interactive ? undefined : clientCredentialsRequest(scope ?? this.options.spec.scope);
  }

  /** Whether other processes share the store: the sign-in may finish in another replica. */
  get shared(): boolean {
    return this.options.records.shared;
  }

  /** Whether the store holds tokens for this provider now (false while it cannot be read). */
  hasStoredTokens(): Promise<boolean> {
    return this.#tokens.stored();
  }

  /** Whether there is anything to try without a person: tokens, or a grant that needs none. */
  get canConnectAlone(): boolean {
    return !this.interactive || this.#tokens.held !== undefined;
  }
}
