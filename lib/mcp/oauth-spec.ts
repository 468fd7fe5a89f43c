// placeholder until i15-conf lands
export type GrantType = 'authorization_code' | 'client_credentials';
export interface OAuthSpec {
  grantType: GrantType;
  clientId?: string;
  clientSecret?: string;
  clientMetadataUrl?: string;
  scope?: string;
  privateKey?: string;
  signingAlgorithm?: string;
  redirectUrl?: string;
}

/** The OAuth settings of a remote spec; OAuth starts on a 401 even without any. */
export function oauthSpecOf(spec: { oauth?: OAuthSpec }): OAuthSpec {
  return spec.oauth ?? { grantType: 'authorization_code' };
}
