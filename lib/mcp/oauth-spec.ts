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
