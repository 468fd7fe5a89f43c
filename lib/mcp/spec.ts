/**
 * What a user may write to describe one MCP server, and its one normal form.
 *
 * Users arrive with Claude-Desktop style entries and the original's spellings
 * (`streamable_http`, `streamableHttp`, `http`; a bare `url` meaning SSE), so
 * every accepted spelling is folded here, once, into `ResolvedSpec`. Nothing
 * here connects to anything.
 */

import { urlSecrets } from '../common/redact.js';
import { misspeltKey } from '../common/suggest.js';
import { resolveOAuthSpec, type OAuthInput, type OAuthSpec } from './oauth-spec.js';
import { isRecord } from '../common/is-record.js';

/** A server started as a child process and spoken to over stdin/stdout. */
export interface StdioServerSpec {
  type?: 'stdio';
  /** The program to run. It is spawned directly, never through a shell. */
  command: string;
  args?: readonly string[];
  /** Added to the SDK's small default environment (PATH, HOME, …); mcpo's own environment is not passed on. */
  env?: Readonly<Record<string, string>>;
  cwd?: string;
}

/** A remote server reached over HTTP. */
export interface RemoteServerSpec {
  /** `sse` (the default when only `url` is given) or Streamable HTTP under any of its spellings. */
  type?: 'sse' | 'streamable-http' | 'streamable_http' | 'streamableHttp' | 'http';
  url: string;
  /** Sent on every request to the server; they win over forwarded ones. */
  headers?: Readonly<Record<string, string>>;
  /**
   * Names of headers copied from the caller's request onto the tool call sent
   * to this server, e.g. `["X-User-Id"]`. Credentials and connection headers
   * (`Authorization`, `Cookie`, `Host`, …) are refused: the caller's token is
   * for mcpo, not for the server behind it. @default [] (nothing forwarded)
   */
  forwardHeaders?: readonly string[];
  /**
   * How mcpo authorizes to this server with OAuth 2.1: a pre-registered
   * client, client credentials, a scope (see OAuthSpec). `true` or `{}` is the
   * default. @default undefined (still, a server that answers 401 starts the
   * authorization-code flow with a client mcpo registers itself)
   */
  oauth?: OAuthInput;
}

export type ServerSpec = StdioServerSpec | RemoteServerSpec;

export type TransportType = 'stdio' | 'sse' | 'streamable-http';

export type ResolvedSpec =
  | { type: 'stdio'; command: string; args: string[]; env: Record<string, string>; cwd?: string }
  | { type: 'sse' | 'streamable-http'; url: URL; headers: Record<string, string>; forwardHeaders: string[]; oauth?: OAuthSpec };

/**
 * Headers never copied from a caller to a server, whatever `forwardHeaders`
 * says (caller templates read the same list, see caller-templates.ts):
 * credentials meant for mcpo (token passthrough would hand the caller's
 * key to a third party), and headers that belong to the connection or to the
 * MCP transport itself.
 */
export const NEVER_FORWARDED: ReadonlySet<string> = new Set([
  'authorization', 'proxy-authorization', 'cookie', 'set-cookie',
  'host', 'connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect',
  'content-length', 'content-type', 'content-encoding', 'accept', 'accept-encoding',
  'mcp-session-id', 'mcp-protocol-version', 'last-event-id',
]);
/** An RFC 9110 field name (a token). */
export const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

function forwardList(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && HEADER_NAME.test(v))) {
    throw new TypeError('"forwardHeaders" must be an array of header names, e.g. ["X-User-Id"]');
  }
  const names = value.map((v: string) => v.toLowerCase());
  const refused = names.find((n) => NEVER_FORWARDED.has(n));
  if (refused) {
    throw new TypeError(
      `"forwardHeaders" may not include "${refused}": ${refused.includes('auth') || refused.includes('cookie') ? 'a caller’s credentials are for mcpo and are never passed to a server; put the server’s own credentials in "headers"' : 'it belongs to the connection or to the MCP transport'}`,
    );
  }
  return [...new Set(names)];
}

const TYPE_ALIASES: Readonly<Record<string, TransportType>> = Object.freeze({
  stdio: 'stdio',
  sse: 'sse',
  'streamable-http': 'streamable-http',
  streamable_http: 'streamable-http',
  streamableHttp: 'streamable-http',
  http: 'streamable-http',
});

/** The transport a user's spelling names (`streamable_http`, `http`, …), or undefined for an unknown one. */
export function transportType(raw: unknown): TransportType | undefined {
  // Own keys only: "toString" or "__proto__" must not pass as a type.
  return typeof raw === 'string' && Object.hasOwn(TYPE_ALIASES, raw) ? TYPE_ALIASES[raw] : undefined;
}

function stringRecord(value: unknown, key: string): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value)) throw new TypeError(`"${key}" must be an object of strings`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new TypeError(`"${key}.${k}" must be a string, got ${typeof v}`);
    out[k] = v;
  }
  return out;
}

/**
 * Validates a spec and folds its spellings. Throws a TypeError that names the
 * key and says how to fix it; never mutates its input.
 */
export function resolveSpec(spec: unknown): ResolvedSpec {
  if (!isRecord(spec)) throw new TypeError('A server spec must be an object: { command, args } or { type, url }');
  const rawType = spec.type;
  let type: TransportType | undefined;
  if (rawType !== undefined) {
    type = transportType(rawType);
    if (!type) {
      throw new TypeError(
        `Unknown server "type" ${JSON.stringify(rawType)}; use "stdio", "sse" or "streamable-http"`,
      );
    }
  }
  if (type === undefined) {
    if (typeof spec.command === 'string') type = 'stdio';
    else if (typeof spec.url === 'string') type = 'sse';
    else throw new TypeError(`A server spec needs a "command" (stdio) or a "url" (sse, streamable-http)${misspeltKey(Object.keys(spec), ['command', 'url'])}`);
  }

  if (type === 'stdio') {
    if (typeof spec.command !== 'string' || spec.command === '') {
      throw new TypeError('A stdio server needs a non-empty "command"');
    }
    const args = spec.args ?? [];
    if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) {
      throw new TypeError('"args" must be an array of strings');
    }
    if (spec.cwd !== undefined && typeof spec.cwd !== 'string') throw new TypeError('"cwd" must be a string');
    if (spec.oauth !== undefined) {
      throw new TypeError('"oauth" is for sse and streamable-http servers; a stdio server gets its credentials in "env"');
    }
    return {
      type,
      command: spec.command,
      args: [...args],
      env: stringRecord(spec.env, 'env'),
      ...(spec.cwd !== undefined ? { cwd: spec.cwd } : {}),
    };
  }

  if (typeof spec.url !== 'string') throw new TypeError(`A ${type} server needs a "url"`);
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    throw new TypeError(`"url" is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`"url" must be http: or https:, got ${url.protocol}`);
  }
  return {
    type,
    url,
    headers: stringRecord(spec.headers, 'headers'),
    forwardHeaders: forwardList(spec.forwardHeaders),
    ...(spec.oauth !== undefined ? { oauth: resolveOAuthSpec(spec.oauth, 'oauth') } : {}),
  };
}

/** A URL safe to show: no credentials, no query (tokens often live there). */
export function redactUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** Every value of a spec that may be a secret: env values, headers, URL credentials, OAuth client secrets and keys. */
export function specSecrets(resolved: ResolvedSpec): string[] {
  if (resolved.type === 'stdio') return Object.values(resolved.env);
  const secrets = [...Object.values(resolved.headers), ...urlSecrets(resolved.url)];
  const { clientSecret, privateKey } = resolved.oauth ?? {};
  if (clientSecret !== undefined) secrets.push(clientSecret);
  // The key whole, and each line of its body, in case a message quotes only part of it.
  if (privateKey !== undefined) secrets.push(privateKey, ...privateKey.split('\n').filter((line) => line.length >= 16 && !line.startsWith('-----')));
  return secrets;
}
