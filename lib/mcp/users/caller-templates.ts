/**
 * Caller templates: values in a server's `headers` (remote) or `env` (stdio)
 * that take parts of the caller's request, so each user's own credentials
 * reach the MCP server: `"Bearer {{header.X-User-Token | required}}"`.
 *
 * Syntax, inside `{{ }}` (whitespace allowed): `header.<Name>` (case-
 * insensitive), then at most one filter, `| default:"v"` (or `'v'`) or
 * `| required`. Plain `{{header.X}}` is the header's value, or "" when it is
 * absent or empty; `default` is used instead of ""; `required` makes its
 * absence a 400 (`missing_caller_header`) naming the header. A header sent
 * twice is read as Node joins it (`"a, b"`). `\{{` is a literal `{{`; no other
 * backslash is special. A field that resolves to "" is left out, so the
 * server sees it unset rather than blank.
 *
 * This module compiles and resolves, nothing more: it keeps no connections,
 * does no I/O and logs nothing; the per-user pool does that with its result.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { BadRequestError } from '../../http/errors.js';
import { HEADER_NAME, NEVER_FORWARDED, type ResolvedSpec } from '../spec.js';

export interface CallerTemplateOptions {
  /**
   * mcpo checks an API key on every call. Templates need it: whoever can
   * call mcpo could otherwise claim any user.
   */
  apiKeySet: boolean;
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
   * Every non-empty value a template produced (header or default), for the
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
  /** The fields for one request (`req.headers`: Node's lower-case names); throws a BadRequestError naming any missing required header. */
  resolve(requestHeaders: IncomingHttpHeaders): CallerResolution;
  /** The fields as if no header were sent, `required` ones giving "": for a probe connection that lists tools. */
  defaults(): CallerResolution;
}

interface Template { name: string; shown: string; required: boolean; fallback: string }
type Part = string | Template;

/** One per process: labels stay the same across reloads and routers, and mean nothing outside it. */
const PROCESS_LABEL_KEY = randomBytes(32);

/** Readable only when the operator trusts them by name. */
const CREDENTIALS: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'cookie']);
const FILTERS_HINT = 'use `| default:"value"` or `| required`';

/** Splits on `sep` outside single or double quotes. */
function splitOutsideQuotes(text: string, sep: string): string[] {
  const out: string[] = [];
  let quote = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) { if (c === quote) quote = ''; } else if (c === '"' || c === "'") quote = c;
    else if (c === sep) { out.push(text.slice(start, i)); start = i + 1; }
  }
  out.push(text.slice(start));
  return out;
}

function parseTemplate(body: string, fail: (why: string) => never): Template {
  const [source = '', ...filters] = splitOutsideQuotes(body, '|').map((s) => s.trim());
  const match = /^header\.(.*)$/s.exec(source);
  if (!match) {
    if (source === '') fail('has an empty template; write {{header.<Name>}}');
    fail(`reads ${JSON.stringify(source)}; a template reads only request headers, as {{header.<Name>}}, never the body`);
  }
  const shown = match[1] ?? '';
  if (!HEADER_NAME.test(shown)) fail(`reads ${JSON.stringify(shown)}, which is not a header name`);
  if (filters.length > 1) fail(`gives {{header.${shown}}} ${filters.length} filters; ${FILTERS_HINT}, not both`);
  const template: Template = { name: shown.toLowerCase(), shown, required: false, fallback: '' };
  const filter = filters[0];
  if (filter === undefined) return template;
  if (filter === 'required') return { ...template, required: true };
  const fallback = /^default\s*:\s*(?:"([^"]*)"|'([^']*)')$/s.exec(filter);
  if (fallback) return { ...template, fallback: fallback[1] ?? fallback[2] ?? '' };
  if (/^default\b/.test(filter)) fail(`has ${JSON.stringify(filter)}; quote the default, as default:"value" or default:'value'`);
  return fail(`has an unknown filter ${JSON.stringify(filter)}; ${FILTERS_HINT}`);
}

/** One value → literal text and templates, in order. */
function parseValue(value: string, fail: (why: string) => never): Part[] {
  const parts: Part[] = [];
  let literal = '';
  let i = 0;
  while (i < value.length) {
    if (value.startsWith('\\{{', i)) { literal += '{{'; i += 3; continue; }
    if (!value.startsWith('{{', i)) { literal += value[i]; i += 1; continue; }
    // The close is the first `}}` outside quotes, so a default may hold `}}` or `|`.
    let j = i + 2;
    let quote = '';
    for (; j < value.length; j++) {
      const c = value[j];
      if (quote) { if (c === quote) quote = ''; } else if (c === '"' || c === "'") quote = c;
      else if (value.startsWith('}}', j)) break;
    }
    if (j >= value.length) fail(`has a "{{" with no closing "}}"${quote ? ` (a ${quote} is not closed)` : ''}; write \\{{ for a literal {{`);
    if (literal) parts.push(literal);
    literal = '';
    parts.push(parseTemplate(value.slice(i + 2, j), fail));
    i = j + 2;
  }
  if (literal) parts.push(literal);
  return parts;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const raw = headers[name];
  return Array.isArray(raw) ? raw.join(', ') : raw ?? '';
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The value as text, for `env`: Node reads header bytes as Latin-1, so bytes
 * that form UTF-8 are read again as UTF-8 (`café`, not `cafÃ©`). A header
 * keeps Node's reading: sent on as Latin-1, its bytes arrive unchanged.
 */
function headerText(headers: IncomingHttpHeaders, name: string): string {
  const value = headerValue(headers, name);
  if (!/[\x80-\xff]/.test(value)) return value;
  try { return UTF8.decode(Buffer.from(value, 'latin1')); } catch { return value; }
}

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
  const labelKey = options.labelKey ?? PROCESS_LABEL_KEY;

  const compiled: [string, Part[]][] = [];
  for (const [key, value] of Object.entries(values)) {
    const where = `${prefix}${field}.${key}`;
    const fail = (why: string): never => { throw new TypeError(`${where} ${why}`); };
    const parts = parseValue(value, fail);
    for (const part of parts) {
      if (typeof part === 'string') continue;
      if (CREDENTIALS.has(part.name) && !trusted.has(part.name)) {
        fail(`reads the caller's "${part.shown}": a caller's credentials are for mcpo and are not readable; list "${part.shown}" in trustedCallerHeaders to pass it on on purpose`);
      }
      if (NEVER_FORWARDED.has(part.name) && !CREDENTIALS.has(part.name)) {
        fail(`reads "${part.shown}", which belongs to the connection or to the MCP transport and is never readable`);
      }
    }
    compiled.push([key, parts]);
  }

  const templates = compiled.flatMap(([, parts]) => parts.filter((p): p is Template => typeof p !== 'string'));
  const reads = [...new Set(templates.map((t) => t.name))];
  if (reads.length > 0 && !options.apiKeySet) {
    const first = compiled.find(([, parts]) => parts.some((p) => typeof p !== 'string'));
    throw new TypeError(`${prefix}${field}.${first?.[0]} takes values from the caller's request; set --api-key: whoever can call mcpo could otherwise claim any user`);
  }

  const read = field === 'env' ? headerText : headerValue;
  const fill = (headers: IncomingHttpHeaders, lenient: boolean): CallerResolution => {
    const out: Record<string, string> = {};
    const secrets: string[] = [];
    const keyed: [string, string][] = [];
    const missing: string[] = [];
    for (const [key, parts] of compiled) {
      let text = '';
      for (const part of parts) {
        if (typeof part === 'string') { text += part; continue; }
        let got = read(headers, part.name);
        if (got === '' && part.required && !lenient && !missing.some((m) => m.toLowerCase() === part.name)) missing.push(part.shown);
        if (got === '') got = part.fallback;
        if (got !== '') secrets.push(got);
        text += got;
      }
      const templated = parts.some((p) => typeof p !== 'string');
      if (templated) keyed.push([key, text]);
      if (text !== '') out[key] = text;
    }
    if (missing.length > 0) {
      // Every missing one at once, so a caller fixes them in one go.
      const names = missing.map((m) => `"${m}"`).join(', ');
      throw new BadRequestError(`Missing request header${missing.length > 1 ? 's' : ''} ${names}: this server takes ${missing.length > 1 ? 'them' : 'it'} from each caller`, { headers: missing }, 'missing_caller_header');
    }
    const hash = createHmac('sha256', labelKey).update(JSON.stringify([field, keyed])).digest('hex');
    return { [field]: out, key: hash, label: hash.slice(0, 8), secrets: [...new Set(secrets)] };
  };

  return Object.freeze({
    field,
    reads: Object.freeze(reads),
    required: Object.freeze([...new Set(templates.filter((t) => t.required).map((t) => t.name))]),
    resolve: (requestHeaders: IncomingHttpHeaders) => fill(requestHeaders, false),
    defaults: () => fill({}, true),
  });
}
