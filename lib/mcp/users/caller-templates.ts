/**
 * Caller templates: values in a server's `headers` (remote) or `env` (stdio)
 * that take parts of the caller's request or of its verified identity, so
 * each user's own credentials reach the MCP server:
 * `"Bearer {{header.X-User-Token | required}}"`, `"{{user.email}}"`,
 * `"{{claim.tenant | default:\"public\"}}"`. The syntax is
 * template-parse.ts's; a template's value is template-values.ts's.
 *
 * Plain `{{header.X}}` is the header's value, or "" when it is absent or
 * empty; `default` is used instead of ""; `required` makes its absence a 400
 * (`missing_caller_header`) naming the header. A header sent twice is read
 * as Node joins it (`"a, b"`). `{{user.*}}` and `{{claim.*}}` read the
 * request's verified caller (lib/auth/caller.ts): with no caller, or a
 * caller without that field, they are "" too, and a `required` one is a 403
 * (`missing_caller_claim`), which no header can fix. A field that resolves
 * to "" is left out, so the server sees it unset rather than blank.
 *
 * This module compiles and resolves, nothing more: it keeps no connections,
 * does no I/O and logs nothing; the per-user pool does that with its result.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { setBounded } from '../../common/bounded-map.js';
import type { IncomingHttpHeaders } from 'node:http';
import type { Caller } from '../../auth/caller.js';
import { BadRequestError, ForbiddenError } from '../../http/errors.js';
import { HEADER_NAME, NEVER_FORWARDED, type ResolvedSpec } from '../spec.js';
import { parseValue, type Part, type Template } from './template-parse.js';
import { templateReader } from './template-values.js';

export interface CallerTemplateOptions {
  /**
   * Every request is authenticated: mcpo checks an API key or a token
   * (createApp's `--api-key` or `auth`), or the router's `caller` option
   * names the app's signed-in user. Templates need it: whoever can call mcpo
   * could otherwise claim any user, and no caller would be verified.
   */
  callersVerified: boolean;
  /** Credential headers (`Authorization`, `Cookie`, `Proxy-Authorization`) templates may read. @default [] */
  trustedCallerHeaders?: readonly string[];
  /** How messages name the server, e.g. `mcpServers.github`. @default "" (fields named alone) */
  where?: string;
  /**
   * The HMAC key of a caller's `key` and `label`, so a label in a log cannot
   * be matched by hashing guesses (e-mail addresses, user ids).
   * @default a random key chosen when the process starts
   */
  labelKey?: string | Buffer;
}

/** The spec's fields for one caller. */
export interface CallerResolution {
  /** The remote spec's `headers`, templates filled in. */
  headers?: Record<string, string>;
  /** The stdio spec's `env`, templates filled in. */
  env?: Record<string, string>;
  /** HMAC-SHA256 hex of the templated fields' values: equal values, equal key. */
  key: string;
  /** The key's first 8 hex digits, to name this caller's connection in logs. */
  label: string;
  /**
   * Every non-empty value a template produced (header, caller or default), for the
   * redactor. The field around it is not listed: masking the value masks it
   * there too, and a field's literal text ("Bearer ") would garble every log line.
   */
  secrets: string[];
}

export interface CallerTemplates {
  readonly field: 'headers' | 'env';
  /** Request header names the templates read, lower-case, each once. */
  readonly reads: readonly string[];
  /** Those of `reads` marked `required`. */
  readonly required: readonly string[];
  /** Some template reads the verified caller (`{{user.*}}`, `{{claim.*}}`). */
  readonly readsCaller: boolean;
  /** The caller's values marked `required`, as `user.email`, `claim.tenant`, each once. */
  readonly requiredCaller: readonly string[];
  /**
   * The fields for one request (`req.headers`: Node's lower-case names) and
   * its verified caller; throws a 403 ForbiddenError naming any missing
   * required caller value, else a 400 BadRequestError naming any missing
   * required header.
   */
  resolve(requestHeaders: IncomingHttpHeaders, caller?: Caller): CallerResolution;
  /** The fields as if no header were sent and no caller known, `required` ones giving "": for a probe connection that lists tools. */
  defaults(): CallerResolution;
}

/** The most callers whose key a template remembers; past it the first remembered is forgotten. */
const KEYS_REMEMBERED = 4096;

/** One per process: labels stay the same across reloads and routers, and mean nothing outside it. */
const PROCESS_LABEL_KEY = randomBytes(32);

/** Readable only when the operator trusts them by name. */
const CREDENTIALS: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'cookie']);

/** `trustedCallerHeaders`, checked, lower-case. */
function trustedNames(list: readonly string[], prefix: string): Set<string> {
  const trusted = new Set<string>();
  for (const raw of list) {
    if (typeof raw !== 'string' || !HEADER_NAME.test(raw)) {
      throw new TypeError(`${prefix}trustedCallerHeaders must be an array of header names, e.g. ["Cookie"]; got ${JSON.stringify(raw)}`);
    }
    const name = raw.toLowerCase();
    if (NEVER_FORWARDED.has(name) && !CREDENTIALS.has(name)) {
      throw new TypeError(`${prefix}trustedCallerHeaders may not include "${raw}": it belongs to the connection or to the MCP transport, and is never readable`);
    }
    trusted.add(name);
  }
  return trusted;
}

/** The missing required values as one error: a caller's (403: no header fixes it) before a header's (400). */
function missingError(headers: readonly string[], caller: readonly string[], known: boolean): Error {
  const names = (list: readonly string[]) => list.map((m) => `"${m}"`).join(', ');
  const them = (list: readonly string[]) => (list.length > 1 ? 'them' : 'it');
  if (caller.length > 0) {
    const message = known
      ? `The verified caller has no ${names(caller)}: this server takes ${them(caller)} from each caller's identity`
      : `No verified caller: this server takes ${names(caller)} from each caller's identity (a named API key, a token, or the app's sign-in)`;
    return new ForbiddenError(message, 'missing_caller_claim', { missing: caller });
  }
  // Every missing one at once, so a caller fixes them in one go.
  return new BadRequestError(`Missing request header${headers.length > 1 ? 's' : ''} ${names(headers)}: this server takes ${them(headers)} from each caller`, { headers }, 'missing_caller_header');
}

/** Each field's parts, checked: a header a template reads must be one a caller may state. */
function compileFields(values: Readonly<Record<string, string>>, where: string, trusted: ReadonlySet<string>): [string, Part[]][] {
  const compiled: [string, Part[]][] = [];
  for (const [key, value] of Object.entries(values)) {
    const fail = (why: string): never => { throw new TypeError(`${where}.${key} ${why}`); };
    const parts = parseValue(value, fail);
    for (const part of parts) {
      if (typeof part === 'string' || part.source !== 'header') continue;
      if (CREDENTIALS.has(part.name) && !trusted.has(part.name)) {
        fail(`reads the caller's "${part.shown}": a caller's credentials are for mcpo and are not readable; list "${part.shown}" in trustedCallerHeaders to pass it on on purpose`);
      }
      if (NEVER_FORWARDED.has(part.name) && !CREDENTIALS.has(part.name)) {
        fail(`reads "${part.shown}", which belongs to the connection or to the MCP transport and is never readable`);
      }
    }
    compiled.push([key, parts]);
  }
  return compiled;
}

type Fill = (headers: IncomingHttpHeaders, caller: Caller | undefined, lenient: boolean) => CallerResolution;

/** Resolves the compiled fields for one request; lenient (a probe's) lets a required value be "". */
function filler(field: 'headers' | 'env', compiled: readonly [string, Part[]][], labelKey: string | Buffer): Fill {
  const read = templateReader(field);
  // A caller's values and their key, so a caller's later calls skip the HMAC (about
  // 10 µs of a per-user call's 300 in a profile). It holds no value the redactor
  // does not keep for good already (app/secrets.ts).
  const hashes = new Map<string, string>();
  return (headers, caller, lenient) => {
    const out: Record<string, string> = {};
    const secrets: string[] = [];
    const keyed: [string, string][] = [];
    const missingHeaders: string[] = [];
    const missingCaller: string[] = [];
    for (const [key, parts] of compiled) {
      let text = '';
      for (const part of parts) {
        if (typeof part === 'string') { text += part; continue; }
        let got = read(part, headers, caller);
        if (got === '' && part.required && !lenient) {
          if (part.source !== 'header') { if (!missingCaller.includes(part.shown)) missingCaller.push(part.shown); }
          else if (!missingHeaders.some((m) => m.toLowerCase() === part.name)) missingHeaders.push(part.shown);
        }
        if (got === '') got = part.fallback;
        if (got !== '') secrets.push(got);
        text += got;
      }
      if (parts.some((p) => typeof p !== 'string')) keyed.push([key, text]);
      if (text !== '') out[key] = text;
    }
    if (missingCaller.length > 0 || missingHeaders.length > 0) throw missingError(missingHeaders, missingCaller, caller !== undefined);
    const values = JSON.stringify([field, keyed]);
    let hash = hashes.get(values);
    if (hash === undefined) {
      hash = createHmac('sha256', labelKey).update(values).digest('hex');
      setBounded(hashes, values, hash, KEYS_REMEMBERED);
    }
    return { [field]: out, key: hash, label: hash.slice(0, 8), secrets: [...new Set(secrets)] };
  };
}

/**
 * Finds the templates in a spec's `headers` or `env` and checks them once.
 * Undefined when no value holds `{{`; otherwise every call should use
 * `resolve()` (or `defaults()`), which also turns `\{{` into `{{`. Throws a
 * TypeError naming the field and the fix; never mutates its input.
 */
export function compileCallerTemplates(spec: ResolvedSpec, options: Readonly<CallerTemplateOptions>): CallerTemplates | undefined {
  const field = spec.type === 'stdio' ? 'env' : 'headers';
  const values: Readonly<Record<string, string>> = spec.type === 'stdio' ? spec.env : spec.headers;
  if (!Object.values(values).some((v) => v.includes('{{'))) return undefined;
  const prefix = options.where ? `${options.where}.` : '';
  const trusted = trustedNames(options.trustedCallerHeaders ?? [], prefix);
  const compiled = compileFields(values, `${prefix}${field}`, trusted);

  const templates = compiled.flatMap(([, parts]) => parts.filter((p): p is Template => typeof p !== 'string'));
  const fromHeaders = templates.filter((t) => t.source === 'header');
  const fromCaller = templates.filter((t) => t.source !== 'header');
  if (templates.length > 0 && !options.callersVerified) {
    const [first] = compiled.find(([, parts]) => parts.some((p) => typeof p !== 'string')) ?? [];
    const what = fromHeaders.length > 0 ? "the caller's request" : 'the verified caller';
    throw new TypeError(`${prefix}${field}.${first} takes values from ${what}; set --api-key or an auth block, or give the router a caller option: whoever can call mcpo could otherwise claim any user`);
  }

  const fill = filler(field, compiled, options.labelKey ?? PROCESS_LABEL_KEY);
  return Object.freeze({
    field,
    reads: Object.freeze([...new Set(fromHeaders.map((t) => t.name))]),
    required: Object.freeze([...new Set(fromHeaders.filter((t) => t.required).map((t) => t.name))]),
    readsCaller: fromCaller.length > 0,
    requiredCaller: Object.freeze([...new Set(fromCaller.filter((t) => t.required).map((t) => t.shown))]),
    resolve: (requestHeaders: IncomingHttpHeaders, caller?: Caller) => fill(requestHeaders, caller, false),
    defaults: () => fill({}, undefined, true),
  });
}
