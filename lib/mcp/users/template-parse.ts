/**
 * The parser of caller templates (caller-templates.ts compiles and resolves
 * them): one value of a server's `headers` or `env` → its literal text and
 * its templates, in order, or a TypeError's reason.
 *
 * Inside `{{ }}` (whitespace allowed) comes a source, then at most one
 * filter, `| default:"v"` (or `'v'`) or `| required`. The sources:
 *
 * - `header.<Name>`: a request header, its name matched case-insensitively;
 * - `user.id`, `user.name`, `user.email`, `user.groups`: a field of the
 *   request's verified caller (lib/auth/caller.ts);
 * - `claim.<name>`: a top-level claim of the caller's verified token, named
 *   exactly (letters, digits, `_ - . : /`). A dot is part of the name, never
 *   a path: `claim.a.b` reads the claim called `a.b`, so namespaced claims
 *   (`claim.https://example.com/roles`) are read as issuers write them.
 *
 * The close is the first `}}` outside quotes, so a default may hold `}}` or
 * `|`. `\{{` is a literal `{{`; no other backslash is special.
 */
import { HEADER_NAME } from '../spec.js';

/** Where a template's value comes from: the request's headers, or its verified caller. */
export type TemplateSource = 'header' | 'user' | 'claim';

export interface Template {
  source: TemplateSource;
  /** A header's name lower-case; a user field (`id`, `name`, `email`, `groups`); a claim's name as written. */
  name: string;
  /** How messages name it: a header as written (`X-User-Token`), else `user.email`, `claim.tenant`. */
  shown: string;
  required: boolean;
  fallback: string;
}

export type Part = string | Template;

/** Fails with the reason, for the caller to prefix with the field's name. */
export type Fail = (why: string) => never;

export const USER_FIELDS: ReadonlySet<string> = new Set(['id', 'name', 'email', 'groups']);
const CLAIM_NAME = /^[A-Za-z0-9_.:/-]+$/;
const FILTERS_HINT = 'use `| default:"value"` or `| required`';
const SOURCES_HINT = 'request headers ({{header.<Name>}}) or the verified caller ({{user.id}}, {{user.name}}, {{user.email}}, {{user.groups}}, {{claim.<name>}})';

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

/** The source of a template, checked: `header.X`, `user.<field>` or `claim.<name>`. */
function parseSource(source: string, fail: Fail): Pick<Template, 'source' | 'name' | 'shown'> {
  const match = /^(header|user|claim)\.(.*)$/s.exec(source);
  if (!match) {
    if (source === '') fail('has an empty template; write {{header.<Name>}}, {{user.<field>}} or {{claim.<name>}}');
    fail(`reads ${JSON.stringify(source)}; a template reads only ${SOURCES_HINT}, never the body`);
  }
  const kind = match[1] as Template['source'];
  const rest = match[2] ?? '';
  if (kind === 'header') {
    if (!HEADER_NAME.test(rest)) fail(`reads ${JSON.stringify(rest)}, which is not a header name`);
    return { source: kind, name: rest.toLowerCase(), shown: rest };
  }
  if (kind === 'user') {
    if (!USER_FIELDS.has(rest)) fail(`reads ${JSON.stringify(source)}; a caller's fields are {{user.id}}, {{user.name}}, {{user.email}} and {{user.groups}}; read any other part of a verified token as {{claim.<name>}}`);
    return { source: kind, name: rest, shown: source };
  }
  if (!CLAIM_NAME.test(rest)) fail(`reads ${JSON.stringify(source)}, whose claim name is not letters, digits, "_", "-", ".", ":" or "/"`);
  return { source: kind, name: rest, shown: source };
}

function parseTemplate(body: string, fail: Fail): Template {
  const [source = '', ...filters] = splitOutsideQuotes(body, '|').map((s) => s.trim());
  const template: Template = { ...parseSource(source, fail), required: false, fallback: '' };
  if (filters.length > 1) fail(`gives {{${source}}} ${filters.length} filters; ${FILTERS_HINT}, not both`);
  const filter = filters[0];
  if (filter === undefined) return template;
  if (filter === 'required') return { ...template, required: true };
  const fallback = /^default\s*:\s*(?:"([^"]*)"|'([^']*)')$/s.exec(filter);
  if (fallback) return { ...template, fallback: fallback[1] ?? fallback[2] ?? '' };
  if (/^default\b/.test(filter)) fail(`has ${JSON.stringify(filter)}; quote the default, as default:"value" or default:'value'`);
  return fail(`has an unknown filter ${JSON.stringify(filter)}; ${FILTERS_HINT}`);
}

/** One value → literal text and templates, in order. */
export function parseValue(value: string, fail: Fail): Part[] {
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
