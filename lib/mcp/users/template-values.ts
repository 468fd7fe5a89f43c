/**
 * The value one caller template (template-parse.ts) takes from a request:
 * a header's text, or a field or claim of the request's verified caller
 * (lib/auth/caller.ts), as text for a server's `env` or `headers`.
 * caller-templates.ts fills the fields with these; "" means absent.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Caller } from '../../auth/caller.js';
import type { Template } from './template-parse.js';

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

/**
 * A claim as text: a string as it is, a number or boolean written out, a list
 * of strings joined with ",", null or absent as "", anything else as JSON.
 */
export function claimText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(',');
  return JSON.stringify(value) ?? '';
}

/** A field of the caller (`groups` joined with ","), or a claim of its token; "" with no caller. */
function callerText(caller: Caller | undefined, template: Template): string {
  if (!caller) return '';
  if (template.source === 'claim') return claimText(caller.claims?.[template.name]);
  switch (template.name) {
    case 'id': return caller.id;
    case 'name': return caller.name ?? '';
    case 'email': return caller.email ?? '';
    default: return caller.groups.join(',');
  }
}

/**
 * Text for a header field, sent as UTF-8: a header carries bytes, which
 * Node and fetch write from a string's code points as Latin-1, so a
 * caller's `José` or `山田` goes as its UTF-8 bytes, as a client would send it.
 */
function asHeaderBytes(text: string): string {
  return /[^\x00-\x7f]/.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
}

/** Reads templates for one field kind: a header field keeps header bytes as they came, an env field gets text. */
export function templateReader(field: 'headers' | 'env'): (template: Template, headers: IncomingHttpHeaders, caller: Caller | undefined) => string {
  if (field === 'env') return (t, headers, caller) => (t.source === 'header' ? headerText(headers, t.name) : callerText(caller, t));
  return (t, headers, caller) => (t.source === 'header' ? headerValue(headers, t.name) : asHeaderBytes(callerText(caller, t)));
}
