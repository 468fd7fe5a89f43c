/**
 * The part of oidc-provider (which ships no types) that the identity-provider
 * fixture uses: enough to type its configuration callbacks, no more.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  interface Context {
    oidc: { client?: { clientId: string } };
  }
  interface Token {
    clientId?: string;
    resourceServer?: { accessTokenTTL?: number };
  }
  interface Adapter {
    upsert(id: string, payload: unknown, expiresIn?: number): Promise<void>;
    find(id: string): Promise<unknown>;
    findByUserCode(code: string): Promise<unknown>;
    findByUid(uid: string): Promise<unknown>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }
  interface ResourceServer {
    scope: string;
    audience?: string;
    accessTokenTTL?: number;
    accessTokenFormat?: 'opaque' | 'jwt';
    jwt?: { sign?: { alg?: string; kid?: string } };
  }
  interface Configuration {
    adapter?: (name: string) => Adapter;
    jwks?: { keys: object[] };
    features?: {
      devInteractions?: { enabled: boolean };
      clientCredentials?: { enabled: boolean };
      resourceIndicators?: {
        enabled: boolean;
        defaultResource?: (ctx: Context, client: unknown, oneOf?: string | string[]) => Promise<string | string[] | undefined>;
        useGrantedResource?: (ctx: Context, model: unknown) => Promise<boolean>;
        getResourceServerInfo?: (ctx: Context, resourceIndicator: string, client: unknown) => Promise<ResourceServer>;
      };
    };
    ttl?: Record<string, number | ((ctx: Context, token: Token, client: unknown) => number)>;
    extraTokenClaims?: (ctx: Context, token: Token) => Promise<Record<string, unknown> | undefined>;
  }

  export default class Provider {
    constructor(issuer: string, configuration?: Configuration);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    readonly Client: { readonly adapter: Adapter };
  }
}
