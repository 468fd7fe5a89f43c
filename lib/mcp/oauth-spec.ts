/**
 * The `oauth` block of a remote server's spec: what a user may write, checked
 * once and folded into one normal form, `OAuthSpec`.
 *
 * Both spellings are read (`clientId` and `client_id`, …), and the Python
 * original's keys are mapped where they mean the same or warned about where
 * they do not (oauth-python-keys.ts). A private key is parsed here, so a bad
 * one fails at startup rather than at the first token request, and handed on
 * as PKCS#8, the only PEM form the SDK's signer reads. Nothing here talks to
 * an authorization server or stores a token.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { didYouMean } from '../common/suggest.js';
import { isLoopbackHost } from '../http/hosts.js';
import { PYTHON_KEYS, fromPythonKeys } from './oauth-python-keys.js';
import { isRecord } from '../common/is-record.js';

export type GrantType = 'authorization_code' | 'client_credentials';

export interface OAuthSpec {
  /** @default 'authorization_code' */
  grantType: GrantType;
  /**
   * A pre-registered client; without one the client registers itself (metadata
   * document or dynamic registration). With `clientMetadataUrl` as well, the
   * document's URL stands in where the authorization server does not know
   * this client (provider.ts says how that is told).
   */
  clientId?: string;
  clientSecret?: string;
  /** A Client ID Metadata Document URL (https; http only on a loopback host, for tests). */
  clientMetadataUrl?: string;
  /** Space-separated; overrides the scopes from WWW-Authenticate and scopes_supported. */
  scope?: string;
  /** PKCS#8 PEM, for private_key_jwt (client_credentials); PKCS#1 and SEC1 PEM are accepted and converted. */
  privateKey?: string;
  /** RS256…RS512, PS256…PS512 or ES256…ES512; goes with privateKey. */
  signingAlgorithm?: string;
  /** Overrides `<publicUrl><prefix>/oauth/<name>/callback`. */
  redirectUrl?: string;
  /**
   * Each verified caller signs in under their own account, and calls run
   * with their own tokens (needs verified callers; not with client_credentials).
   * @default false: one sign-in for the server, whoever calls
   */
  perUser?: boolean;
}

/** What a user may write: OAuthSpec's keys (or their snake_case spellings), or `true` for the defaults. */
export type OAuthInput = Readonly<Partial<OAuthSpec>> | true;

type Key = keyof OAuthSpec;
/** Each key and its snake_case spelling. */
const SPELLINGS: Readonly<Record<Key, string>> = Object.freeze({
  grantType: 'grant_type',
  clientId: 'client_id',
  clientSecret: 'client_secret',
  clientMetadataUrl: 'client_metadata_url',
  scope: 'scope',
  privateKey: 'private_key',
  signingAlgorithm: 'signing_algorithm',
  redirectUrl: 'redirect_url',
  perUser: 'per_user',
});
const GRANT_TYPES: readonly GrantType[] = ['authorization_code', 'client_credentials'];

/** The algorithms the SDK signs with from a PEM key, and the key each needs. */
const ALGORITHMS: Readonly<Record<string, { keyTypes: readonly string[]; curve?: string }>> = Object.freeze({
  RS256: { keyTypes: ['rsa'] }, RS384: { keyTypes: ['rsa'] }, RS512: { keyTypes: ['rsa'] },
  PS256: { keyTypes: ['rsa', 'rsa-pss'] }, PS384: { keyTypes: ['rsa', 'rsa-pss'] }, PS512: { keyTypes: ['rsa', 'rsa-pss'] },
  ES256: { keyTypes: ['ec'], curve: 'prime256v1' }, ES384: { keyTypes: ['ec'], curve: 'secp384r1' }, ES512: { keyTypes: ['ec'], curve: 'secp521r1' },
});

function httpUrl(value: string, label: string, httpsOnly: boolean): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${label} must be an absolute URL such as "https://example.com/…"`);
  }
  const loopback = url.protocol === 'http:' && isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && (httpsOnly ? !loopback : url.protocol !== 'http:')) {
    throw new TypeError(`${label} must be an ${httpsOnly ? 'https:' : 'http: or https:'} URL, got ${url.protocol}`);
  }
  if (url.hash) throw new TypeError(`${label} may not have a #fragment`);
  return url.href;
}

function signingKey(pem: string, algorithm: string, label: (k: Key) => string): string {
  const wants = Object.hasOwn(ALGORITHMS, algorithm) ? ALGORITHMS[algorithm] : undefined;
  if (!wants) {
    throw new TypeError(`${label('signingAlgorithm')} must be one of ${Object.keys(ALGORITHMS).join(', ')}, got ${JSON.stringify(algorithm)}`);
  }
  // Keys kept in environment variables often have their newlines written as "\n".
  const text = pem.includes('\n') ? pem : pem.replace(/\\n/g, '\n');
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch {
    // The parser's message is not quoted: nothing about the key may reach a log.
    throw new TypeError(`${label('privateKey')} is not an unencrypted PEM private key ("-----BEGIN PRIVATE KEY-----" …)`);
  }
  const type = key.asymmetricKeyType ?? 'unknown';
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (!wants.keyTypes.includes(type) || (wants.curve !== undefined && curve !== wants.curve)) {
    const fits = Object.entries(ALGORITHMS).filter(([, w]) => w.keyTypes.includes(type) && (w.curve === undefined || w.curve === curve)).map(([a]) => a);
    throw new TypeError(
      `${label('signingAlgorithm')} ${algorithm} does not fit ${label('privateKey')}, an ${type}${curve ? ` ${curve}` : ''} key; ` +
        (fits.length > 0 ? `use ${fits.join(', ')}` : 'use an RSA or an EC (P-256, P-384, P-521) key'),
    );
  }
  return key.export({ type: 'pkcs8', format: 'pem' }) as string;
}

/** The keys that go together, or do not: a TypeError naming the fix; what is ignored goes to `warn`. */
function checkCombination(spec: OAuthSpec, label: (key: Key) => string, warn: (message: string) => void): void {
  if (spec.clientSecret !== undefined && spec.clientId === undefined) {
    throw new TypeError(`${label('clientSecret')} needs ${label('clientId')}, the client it belongs to`);
  }
  if (spec.privateKey !== undefined && spec.signingAlgorithm === undefined) {
    throw new TypeError(`${label('privateKey')} needs ${label('signingAlgorithm')}, e.g. "RS256" or "ES256"`);
  }
  if (spec.signingAlgorithm !== undefined && spec.privateKey === undefined) {
    throw new TypeError(`${label('signingAlgorithm')} goes with ${label('privateKey')}; add the key or remove the algorithm`);
  }
  if (spec.privateKey !== undefined && spec.clientSecret !== undefined) {
    throw new TypeError(`${label('clientSecret')} and ${label('privateKey')} are two ways to authenticate the client; write one of them`);
  }
  if (spec.privateKey !== undefined && spec.grantType !== 'client_credentials') {
    throw new TypeError(`${label('privateKey')} (private_key_jwt) is for ${label('grantType')} "client_credentials"`);
  }
  if (spec.grantType === 'client_credentials') {
    if (spec.perUser) throw new TypeError(`${label('perUser')} is for people signing in; "client_credentials" has one grant for the server`);
    if (spec.clientId === undefined) {
      throw new TypeError(`${label('grantType')} "client_credentials" needs ${label('clientId')}, and ${label('clientSecret')} or ${label('privateKey')} with ${label('signingAlgorithm')}`);
    }
    if (spec.clientSecret === undefined && spec.privateKey === undefined) {
      throw new TypeError(`${label('grantType')} "client_credentials" needs ${label('clientSecret')}, or ${label('privateKey')} with ${label('signingAlgorithm')}`);
    }
    if (spec.redirectUrl !== undefined) warn(`${label('redirectUrl')} is ignored: "client_credentials" has no redirect`);
    if (spec.clientMetadataUrl !== undefined) {
      warn(`${label('clientMetadataUrl')} is ignored: "client_credentials" uses ${label('clientId')}`);
      delete spec.clientMetadataUrl;
    }
  }
}

/**
 * Validates and normalises a raw `oauth` value (from a config file or the
 * library). Throws a TypeError naming the key (as `<where>.<key>`, in the
 * spelling the user wrote) and the fix; never mutates its input. Keys that are
 * accepted but ignored (unknown ones, the original's that mean something else)
 * are passed to `warn`.
 */
export function resolveOAuthSpec(raw: unknown, where: string, warn: (message: string) => void = () => {}): OAuthSpec {
  if (raw === true) return { grantType: 'authorization_code' };
  if (!isRecord(raw)) {
    throw new TypeError(`${where} must be an object such as { "clientId": "…", "clientSecret": "…" }, or true`);
  }
  const value: Partial<Record<Key, unknown>> = {};
  const written: Partial<Record<Key, string>> = {};
  for (const key of Object.keys(SPELLINGS) as Key[]) {
    const snake = SPELLINGS[key];
    const hasCamel = Object.hasOwn(raw, key) && raw[key] !== undefined;
    const hasSnake = snake !== key && Object.hasOwn(raw, snake) && raw[snake] !== undefined;
    if (hasCamel && hasSnake) throw new TypeError(`${where} has both "${key}" and "${snake}"; write one of them`);
    if (hasCamel || hasSnake) {
      written[key] = hasCamel ? key : snake;
      value[key] = raw[written[key]!];
    }
  }
  const label = (key: Key): string => `${where}.${written[key] ?? key}`;

  const fromPython = fromPythonKeys(raw, where, warn);
  if (fromPython.scope !== undefined && value.scope === undefined) {
    value.scope = fromPython.scope;
    written.scope = 'client_metadata.scope';
  }
  for (const key of Object.keys(raw)) {
    if (Object.hasOwn(SPELLINGS, key) || Object.values(SPELLINGS).includes(key) || PYTHON_KEYS.has(key)) continue;
    // A near-miss (`clientID`, `client-secret`, `clientSecrt`) is matched to its key.
    warn(`${where}.${key} is not a known key and is ignored${didYouMean(key, Object.keys(SPELLINGS))}`);
  }

  const spec: OAuthSpec = { grantType: 'authorization_code' };
  for (const key of Object.keys(value) as Key[]) {
    let v = value[key];
    if (key === 'perUser') {
      if (typeof v !== 'boolean') throw new TypeError(`${label(key)} must be true or false`);
      if (v) spec.perUser = true;
      continue;
    }
    if (key === 'scope' && Array.isArray(v) && v.every((s) => typeof s === 'string')) v = v.join(' ');
    if (typeof v !== 'string' || v.trim() === '') {
      throw new TypeError(`${label(key)} must be a non-empty string${key === 'scope' ? ' of space-separated scopes (or an array of them)' : ''}`);
    }
    if (key === 'grantType') {
      if (!(GRANT_TYPES as readonly string[]).includes(v)) {
        throw new TypeError(`${label(key)} must be "authorization_code" or "client_credentials", got ${JSON.stringify(v)}`);
      }
      spec.grantType = v as GrantType;
    } else {
      (spec as unknown as Record<string, string>)[key] = key === 'scope' ? v.trim().split(/\s+/).join(' ') : v;
    }
  }
  if (spec.clientMetadataUrl !== undefined) spec.clientMetadataUrl = httpUrl(spec.clientMetadataUrl, label('clientMetadataUrl'), true);
  if (spec.redirectUrl !== undefined) spec.redirectUrl = httpUrl(spec.redirectUrl, label('redirectUrl'), false);

  checkCombination(spec, label, warn);
  if (spec.privateKey !== undefined) spec.privateKey = signingKey(spec.privateKey, spec.signingAlgorithm!, label);
  return spec;
}
