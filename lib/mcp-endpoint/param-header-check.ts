/**
 * Whether a 2026-07-28 `tools/call`'s `Mcp-Param-*` headers agree with its
 * arguments (SEP-2243). A client mirrors every argument whose input-schema
 * property carries `x-mcp-header` into a header so that load balancers and
 * gateways can route on it without reading the body; if mcpo ran a call whose
 * header said one thing and whose body said another, whatever routed on the
 * header and the upstream that acts on the body would disagree about the same
 * request. The spec therefore has the server refuse such a request (400,
 * `HeaderMismatch`, -32020); the SDK does that only for its own McpServer,
 * and mcpo's endpoint re-serves an upstream's tools, so it checks here.
 *
 * Which declarations count is `scanParamHeaders`'s call: a tool whose
 * declarations break the rules is one a conforming client leaves out, so it
 * is treated as having none. Pure, apart from a cache keyed by schema object.
 */
import { isRecord } from '../common/is-record.js';
import { scanParamHeaders } from '../mcp/param-headers.js';

export interface ParamHeaderProblem { message: string; data: Record<string, unknown> }

/** One `x-mcp-header` parameter: where its value sits in the arguments, and its header. */
interface Declaration { path: readonly string[]; parameter: string; header: string }

const PREFIX = 'Mcp-Param-';
// The spec's markers are case-sensitive: `=?BASE64?...?=` is a literal value, not an encoded one.
const SENTINEL_START = '=?base64?';
const SENTINEL_END = '?=';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DECIMAL = /^-?\d+(?:\.\d+)?$/;
/** Longest value quoted back in a message: the caller sent it, but a page of it helps no one. */
const QUOTE_LIMIT = 80;
const NONE: readonly Declaration[] = [];

/** Tool schemas are built once per tool list and read on every call, so the walk is done once per object. */
const declarationsBySchema = new WeakMap<object, readonly Declaration[]>();

/** Undefined when the request's Mcp-Param-* headers agree with the call's arguments for every x-mcp-header parameter of `inputSchema`. */
export function paramHeaderProblem(inputSchema: unknown, args: unknown, headers: Headers): ParamHeaderProblem | undefined {
  const declarations = declarationsOf(inputSchema);
  if (declarations.length === 0) return undefined;
  for (const declaration of declarations) {
    const problem = checkOne(declaration, args, headers);
    if (problem) return problem;
  }
  return undefined;
}

/** Whether a tool's schema has x-mcp-header parameters, whose headers a call must carry. */
export const declaresParamHeaders = (inputSchema: unknown): boolean => declarationsOf(inputSchema).length > 0;

function declarationsOf(inputSchema: unknown): readonly Declaration[] {
  if (typeof inputSchema !== 'object' || inputSchema === null) return NONE;
  let found = declarationsBySchema.get(inputSchema);
  if (found === undefined) {
    const scan = scanParamHeaders(inputSchema);
    found = scan.valid && scan.count > 0 ? scan.declarations.map(({ path, name }) => ({ path, parameter: path.join('.'), header: PREFIX + name })) : NONE;
    declarationsBySchema.set(inputSchema, found);
  }
  return found;
}

function checkOne(declaration: Declaration, args: unknown, headers: Headers): ParamHeaderProblem | undefined {
  const { header, parameter } = declaration;
  const body = valueAt(args, declaration.path);
  // Absent or null in the body: the client must omit the header and the server must not expect it.
  if (body === undefined || body === null) return undefined;
  const expected = asHeaderString(body);
  // Not a value a client can mirror (an object, a non-finite or unsafe number): it sends no header,
  // and the tool's own argument validation is what refuses the call.
  if (expected === undefined) return undefined;
  const sent = headers.get(header);
  if (sent === null) {
    return problem(`header ${header} is missing; argument ${parameter} is ${quote(body)}`, header, parameter, 'missing');
  }
  const decoded = decode(sent);
  if (typeof decoded !== 'string') {
    return problem(`header ${header} is not a valid value (${decoded.why})`, header, parameter, 'invalid');
  }
  if (agrees(decoded, body, expected)) return undefined;
  return problem(`header ${header} (${quote(decoded)}) disagrees with argument ${parameter} (${quote(body)})`, header, parameter, 'mismatch');
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const key of path) {
    if (!isRecord(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

/** The spec's type conversion: strings as they are, integers in decimal, booleans as `true`/`false`. */
function asHeaderString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' && Number.isFinite(value) && (!Number.isInteger(value) || Number.isSafeInteger(value))) return String(value);
  return undefined;
}

/**
 * The header's value as the client meant it, or why it cannot be read. A
 * plain value may hold only what RFC 9110 lets a field value hold (visible
 * ASCII, space, tab); anything else had to be sent Base64-encoded. An
 * encoded one must be canonical, padded Base64 of UTF-8.
 */
function decode(sent: string): string | { why: string } {
  const encoded = sent.length >= SENTINEL_START.length + SENTINEL_END.length
    && sent.startsWith(SENTINEL_START) && sent.endsWith(SENTINEL_END);
  if (!encoded) {
    for (let i = 0; i < sent.length; i++) {
      const c = sent.charCodeAt(i);
      if (c !== 0x09 && (c < 0x20 || c > 0x7e)) return { why: 'characters not allowed in a plain header value' };
    }
    return sent;
  }
  const b64 = sent.slice(SENTINEL_START.length, sent.length - SENTINEL_END.length);
  const bytes = BASE64.test(b64) ? Buffer.from(b64, 'base64') : undefined;
  // Round-tripping refuses the non-canonical spellings (stray low bits) the regular expression lets by.
  if (bytes === undefined || bytes.toString('base64') !== b64) return { why: 'bad Base64 in =?base64?...?=' };
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { why: 'the Base64 in =?base64?...?= is not UTF-8' };
  }
}

/** Numbers compare as numbers, as the spec advises (`42.0` and `42` agree); everything else as the exact string. */
function agrees(decoded: string, body: unknown, expected: string): boolean {
  if (typeof body === 'number' && DECIMAL.test(decoded)) return Number(decoded) === body;
  return decoded === expected;
}

function problem(text: string, header: string, parameter: string, reason: 'missing' | 'invalid' | 'mismatch'): ParamHeaderProblem {
  return { message: `Bad Request: ${text}`, data: { header, parameter, reason } };
}

/** JSON quoting keeps control characters and quotes in a value from garbling the message. */
function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  const cut = text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT)}…` : text;
  return JSON.stringify(cut);
}
