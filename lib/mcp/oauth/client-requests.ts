/**
 * What mcpo says of itself as an OAuth client (provider.ts): the metadata it
 * registers with, per grant, and the refresh request it sends on its own
 * initiative (held-tokens.ts), built from what the SDK's discovery stored.
 */
import {
  refreshAuthorization,
  type AuthorizationServerMetadata,
  type OAuthClientInformationMixed,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthTokens,
} from '@modelcontextprotocol/client';
import type { OAuthSpec } from '../oauth-spec.js';

/** The client metadata for dynamic registration: a person's sign-in (with refresh) or the client alone. */
export function clientMetadata(spec: OAuthSpec, redirectUrl: string | undefined, signsAssertions: boolean): OAuthClientMetadata {
  const scope = spec.scope ? { scope: spec.scope } : {};
  if (spec.grantType === 'client_credentials') {
    return {
      client_name: 'mcpo',
      redirect_uris: [],
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: signsAssertions ? 'private_key_jwt' : 'client_secret_basic',
      ...scope,
    };
  }
  return {
    client_name: 'mcpo',
    redirect_uris: redirectUrl ? [redirectUrl] : [],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: spec.clientSecret !== undefined ? 'client_secret_basic' : 'none',
    ...scope,
  };
}

/** The token request of the client_credentials grant. */
export function clientCredentialsRequest(scope: string | undefined): URLSearchParams {
  const params = new URLSearchParams({ grant_type: 'client_credentials' });
  if (scope) params.set('scope', scope);
  return params;
}

interface Discovery {
  authorizationServerUrl?: string;
  authorizationServerMetadata?: AuthorizationServerMetadata;
  resourceMetadata?: { resource?: string };
}

/** Refreshes at the authorization server the discovery found, for the resource it named, as the client registered there. */
export function refreshRequest(
  discoveryState: Record<string, unknown> | undefined,
  clientAt: (issuer: string) => OAuthClientInformationMixed | undefined,
  refreshToken: string,
  addClientAuthentication: OAuthClientProvider['addClientAuthentication'],
): Promise<OAuthTokens> {
  const discovery = discoveryState as Discovery | undefined;
  const server = discovery?.authorizationServerUrl;
  if (server === undefined) return Promise.reject(new Error('no authorization server is known for this refresh'));
  const metadata = discovery?.authorizationServerMetadata;
  const client = clientAt(metadata?.issuer ?? server);
  if (!client) return Promise.reject(new Error('no registered client for this refresh'));
  const resource = discovery?.resourceMetadata?.resource;
  return refreshAuthorization(server, {
    ...(metadata ? { metadata } : {}),
    clientInformation: client,
    refreshToken,
    ...(resource ? { resource: new URL(resource) } : {}),
    ...(addClientAuthentication ? { addClientAuthentication } : {}),
  });
}
