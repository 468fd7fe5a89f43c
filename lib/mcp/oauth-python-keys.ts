/**
 * The Python original's `oauth` keys, read so that its config files load.
 *
 * The original ran the authorization in its own process: a loopback callback
 * server on `callback_port`, a browser opened (`use_loopback`), tokens in
 * `~/.mcpo/tokens` or memory (`storage_type`), and `client_metadata` for the
 * client it registered, found through `server_url`. mcpo receives the
 * callback on its own routes and finds the authorization server from the MCP
 * server itself, so most of these mean nothing here. A key that means the
 * same is mapped (`client_metadata.scope`) or accepted silently (a value that
 * is mcpo's default anyway); every other one is named in a warning that says
 * what mcpo does instead. Nothing here throws: these keys were valid there.
 */
import { isRecord } from '../common/is-record.js';

/** The original's keys at the top of `oauth`. */
export const PYTHON_KEYS: ReadonlySet<string> = new Set(['server_url', 'callback_port', 'use_loopback', 'storage_type', 'client_metadata']);

const CALLBACK = 'the authorization server redirects to mcpo’s own route <publicUrl><prefix>/oauth/<name>/callback';

/** Why each ignored key does not apply, in the words of a warning. */
const IGNORED: Readonly<Record<string, string>> = Object.freeze({
  server_url: 'mcpo finds the authorization server from the MCP server’s url (its protected resource metadata)',
  callback_port: `mcpo opens no port of its own: ${CALLBACK}`,
  use_loopback: `mcpo opens no browser and reads no pasted URL: ${CALLBACK}`,
  'client_metadata.redirect_uris': `${CALLBACK}; set "redirectUrl" if a proxy changes that URL`,
  'client_metadata.client_name': 'mcpo registers under its own name',
  'client_metadata.token_endpoint_auth_method': 'mcpo picks it: client_secret_basic or _post with "clientSecret", private_key_jwt with "privateKey", none without either',
  'client_metadata.grant_types': 'set "grantType" to "authorization_code" or "client_credentials"',
  'client_metadata.response_types': 'mcpo asks for "code"',
});

const isStringList = (v: unknown, allowed: readonly string[]): boolean =>
  Array.isArray(v) && v.every((s) => typeof s === 'string' && allowed.includes(s));

/** Whether a `client_metadata` value says what mcpo does anyway, so that a warning would only be noise. */
function meansTheDefault(key: string, value: unknown, raw: Record<string, unknown>): boolean {
  switch (key) {
    case 'grant_types':
      return isStringList(value, ['authorization_code', 'refresh_token']) && (raw.grantType ?? raw.grant_type ?? 'authorization_code') === 'authorization_code';
    case 'response_types':
      return isStringList(value, ['code']);
    case 'token_endpoint_auth_method': {
      const secret = (raw.clientSecret ?? raw.client_secret) !== undefined;
      const key = (raw.privateKey ?? raw.private_key) !== undefined;
      if (value === 'none') return !secret && !key;
      if (value === 'client_secret_basic' || value === 'client_secret_post') return secret;
      return value === 'private_key_jwt' && key;
    }
    default:
      return false;
  }
}

/**
 * Reads the original's keys of one `oauth` object: returns what maps onto
 * OAuthSpec, and warns about the rest.
 */
export function fromPythonKeys(raw: Record<string, unknown>, where: string, warn: (message: string) => void): { scope?: unknown } {
  const found: { scope?: unknown } = {};
  for (const key of ['server_url', 'callback_port', 'use_loopback']) {
    if (raw[key] !== undefined) warn(`${where}.${key} (from the Python mcpo) is ignored: ${IGNORED[key]}`);
  }
  // "file" is what mcpo does: tokens survive a restart, in --state-dir.
  if (raw.storage_type !== undefined && raw.storage_type !== 'file') {
    warn(`${where}.storage_type ${JSON.stringify(raw.storage_type)} (from the Python mcpo) is ignored: mcpo keeps tokens in files in --state-dir (mode 0600)`);
  }
  const metadata = raw.client_metadata;
  if (metadata === undefined) return found;
  if (!isRecord(metadata)) {
    warn(`${where}.client_metadata (from the Python mcpo) is ignored: it is not an object`);
    return found;
  }
  for (const [key, value] of Object.entries(metadata)) {
    if (value === undefined) continue;
    const path = `client_metadata.${key}`;
    if (key === 'scope') found.scope = value;
    else if (meansTheDefault(key, value, raw)) continue;
    else warn(`${where}.${path} (from the Python mcpo) is ignored: ${Object.hasOwn(IGNORED, path) ? IGNORED[path] : 'mcpo registers its client with metadata of its own'}`);
  }
  return found;
}
