/**
 * Which client mcpo shows an authorization server when a server's `oauth`
 * block names both a pre-registered client (`clientId`) and a Client ID
 * Metadata Document (`clientMetadataUrl`): the pre-registered one, except
 * where the authorization server does not know it. mcpo learns that two
 * ways, and the provider (provider.ts) keeps what it learnt with the
 * server's client record (state/auth-records.ts), so a restart remembers it:
 *
 * - the issuer where the pre-registered client first got tokens is the one
 *   it belongs to; another issuer (the server moved to a new authorization
 *   server) never sees it, as the SDK treats a registered client (SEP-2352);
 * - an issuer that refuses it, with `invalid_client` or `unauthorized_client`
 *   from its token endpoint (which the SDK's `auth()` answers with
 *   `invalidateCredentials('client')`) or in the authorization response at
 *   the callback, does not see it again.
 *
 * Where it is not shown, the provider answers with the client the SDK saved
 * for that issuer, or none, and the SDK does what it does for the document
 * alone: the document's URL as client id, or dynamic registration where the
 * server takes no documents. A block with `clientId` alone keeps using it
 * everywhere; nothing here applies to it.
 */
import type { OAuthClientInformationMixed } from '@modelcontextprotocol/client';
import type { OAuthSpec } from '../oauth-spec.js';

/** What mcpo learnt of its pre-registered client at one issuer. */
export interface Learnt {
  client_id: string;
  issuer: string;
  /** true: the issuer gave it tokens, so it belongs there and nowhere else; false: the issuer refused it. */
  known: boolean;
}

/** The stored record, when it has the right shape; anything else is not trusted. */
function readLearnt(value: unknown): Learnt | undefined {
  const record = value as Partial<Learnt> | undefined;
  if (typeof record?.client_id !== 'string' || typeof record.issuer !== 'string' || typeof record.known !== 'boolean') return undefined;
  return { client_id: record.client_id, issuer: record.issuer, known: record.known };
}

/** Issuers compared as the SDK compares them: equal, or one trailing slash apart. */
function sameIssuer(a: string, b: string): boolean {
  return a === b || a === `${b}/` || b === `${a}/`;
}

/** Whether the pre-registered client `clientId` is shown at `issuer`, given what was learnt; before anything is, it is. */
function showsPreRegistered(learnt: Learnt | undefined, clientId: string, issuer: string | undefined): boolean {
  if (learnt === undefined || learnt.client_id !== clientId || issuer === undefined) return true;
  return sameIssuer(learnt.issuer, issuer) === learnt.known;
}

/** The provider's choice of client, run by run of the SDK's `auth()`. */
export class ClientChoice {
  /** The issuer of the SDK's run in progress, as it names it in saveAuthorizationServerUrl. */
  issuer: string | undefined;
  /** The client last handed to the SDK was the pre-registered one, beside a metadata document. */
  #showing = false;

  constructor(private readonly spec: OAuthSpec) {}

  /** The pre-registered client to hand the SDK at `issuer`; undefined: the client the SDK saved. */
  client(stored: unknown, issuer = this.issuer): OAuthClientInformationMixed | undefined {
    const { clientId, clientSecret, clientMetadataUrl } = this.spec;
    const beside = clientMetadataUrl !== undefined;
    this.#showing = false;
    if (clientId === undefined || (beside && !showsPreRegistered(readLearnt(stored), clientId, issuer))) return undefined;
    this.#showing = beside;
    // The SDK picks basic or post from the server's metadata when none is named. Beside a
    // document the client is bound to an issuer here, so it is stamped with this one.
    return { client_id: clientId, ...(clientSecret !== undefined ? { client_secret: clientSecret } : {}), ...(beside && issuer !== undefined ? { issuer } : {}) };
  }

  /** What to store of the pre-registered client at the issuer in use, when it was the one shown there; else undefined. */
  learnt(known: boolean): Learnt | undefined {
    if (!this.#showing || this.spec.clientId === undefined || this.issuer === undefined) return undefined;
    if (!known) this.#showing = false;
    return { client_id: this.spec.clientId, issuer: this.issuer, known };
  }
}
