/**
 * Which requests the endpoint may answer without the SDK's server
 * (lean-path.ts for 2026-07-28, lean-session.ts for a 2025 session): the
 * hot methods, in the one plain form an SDK client sends them, with headers
 * that agree with the body. For such a request every rung of the SDK's
 * validation (era, envelope, standard headers, capability gate, params; a
 * session transport's version and Accept checks) would pass, so answering
 * it directly skips nothing the SDK would have refused.
 *
 * The rule is narrower than the SDK's on purpose: anything this does not
 * recognise (a progress token, a log level, an unusual client capability, a
 * header in another encoding, an extra key) goes to the SDK, which answers
 * it as before. Declining costs a few property reads; a wrong admission
 * would answer what the SDK refuses, so every test here errs towards no.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { CLIENT_CAPABILITIES_META_KEY, CLIENT_INFO_META_KEY, PROTOCOL_VERSION_META_KEY, SUPPORTED_PROTOCOL_VERSIONS, type ClientCapabilities } from '@modelcontextprotocol/client';
import { isRecord } from '../common/is-record.js';

export type LeanMethod = 'tools/call' | 'tools/list' | 'resources/read' | 'prompts/get';

/** A request admitted to the lean path. */
export interface LeanRequest {
  id: string | number;
  method: LeanMethod;
  /** The params as the SDK hands them to a handler: without the envelope, which is all the `_meta` an admitted request has. */
  params: Record<string, unknown>;
  /** The client's capabilities, from the envelope. */
  capabilities: ClientCapabilities;
}

/** The revisions answered here: the SDK's one modern revision. A later one goes to the SDK, which knows whether it serves it. */
const MODERN_VERSIONS = new Set(['2026-07-28']);
const ENVELOPE_KEYS = new Set([PROTOCOL_VERSION_META_KEY, CLIENT_INFO_META_KEY, CLIENT_CAPABILITIES_META_KEY]);
const MESSAGE_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
const CLIENT_INFO_KEYS = new Set(['name', 'version', 'title', 'description']);
/** The base64 form of a header value (SEP-2243): decoding is the SDK's business. */
const SENTINEL = '=?base64?';

/** Whether every key of `value` is in `allowed`. */
function keysWithin(value: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const key in value) if (!allowed.has(key)) return false;
  return true;
}

const isEmptyRecord = (value: unknown): boolean => isRecord(value) && Object.keys(value).length === 0;

/** `{ name, version }` strings, and at most a title and description. */
function plainClientInfo(info: unknown): boolean {
  if (!isRecord(info) || typeof info.name !== 'string' || typeof info.version !== 'string' || !keysWithin(info, CLIENT_INFO_KEYS)) return false;
  return (info.title === undefined || typeof info.title === 'string') && (info.description === undefined || typeof info.description === 'string');
}

/** Capabilities in the forms SDK clients declare them: roots, sampling and elicitation, with nothing the schema could refuse. */
function plainCapabilities(capabilities: unknown): capabilities is ClientCapabilities {
  if (!isRecord(capabilities)) return false;
  for (const key in capabilities) {
    const value = capabilities[key];
    if (key === 'roots') {
      if (!isRecord(value) || !keysWithin(value, ROOTS_KEYS) || (value.listChanged !== undefined && typeof value.listChanged !== 'boolean')) return false;
    } else if (key === 'sampling') {
      if (!isEmptyRecord(value)) return false;
    } else if (key === 'elicitation') {
      if (!isRecord(value) || !keysWithin(value, ELICITATION_KEYS) || (value.form !== undefined && !isEmptyRecord(value.form)) || (value.url !== undefined && !isEmptyRecord(value.url))) return false;
    } else return false;
  }
  return true;
}
const ROOTS_KEYS = new Set(['listChanged']);
const ELICITATION_KEYS = new Set(['form', 'url']);

const CALL_KEYS = new Set(['name', 'arguments', '_meta']);
const LIST_KEYS = new Set(['cursor', '_meta']);
const READ_KEYS = new Set(['uri', '_meta']);

/** The params' value the `Mcp-Name` header mirrors (null for a method with none), or undefined when the params are not plain. */
function nameOf(method: LeanMethod, params: Record<string, unknown>): string | null | undefined {
  switch (method) {
    case 'tools/list':
      return keysWithin(params, LIST_KEYS) && (params.cursor === undefined || typeof params.cursor === 'string') ? null : undefined;
    case 'resources/read':
      return keysWithin(params, READ_KEYS) && typeof params.uri === 'string' ? params.uri : undefined;
    case 'tools/call':
      return keysWithin(params, CALL_KEYS) && typeof params.name === 'string' && (params.arguments === undefined || isRecord(params.arguments)) ? params.name : undefined;
    case 'prompts/get': {
      if (!keysWithin(params, CALL_KEYS) || typeof params.name !== 'string') return undefined;
      const args = params.arguments;
      if (args !== undefined && (!isRecord(args) || !Object.values(args).every((value) => typeof value === 'string'))) return undefined;
      return params.name;
    }
  }
}

const LEAN_METHODS = new Set<string>(['tools/call', 'tools/list', 'resources/read', 'prompts/get']);

/** A JSON-RPC request of a hot method, with nothing beside its four members. */
function isPlainRequest(body: unknown): body is { id: string | number; method: LeanMethod; params?: unknown } {
  if (!isRecord(body) || body.jsonrpc !== '2.0' || typeof body.method !== 'string' || !LEAN_METHODS.has(body.method) || !keysWithin(body, MESSAGE_KEYS)) return false;
  return typeof body.id === 'string' || Number.isSafeInteger(body.id);
}

/** The request, when `body` and `headers` are a plain 2026-07-28 request of a hot method; undefined sends it to the SDK. */
export function leanRequest(body: unknown, headers: IncomingHttpHeaders): LeanRequest | undefined {
  if (!isPlainRequest(body)) return undefined;
  const { id, params } = body;
  if (!isRecord(params) || !isRecord(params._meta) || !keysWithin(params._meta, ENVELOPE_KEYS)) return undefined;
  const meta = params._meta;
  const version = meta[PROTOCOL_VERSION_META_KEY];
  if (typeof version !== 'string' || !MODERN_VERSIONS.has(version) || headers['mcp-protocol-version'] !== version || headers['mcp-method'] !== body.method) return undefined;
  const capabilities = meta[CLIENT_CAPABILITIES_META_KEY];
  if (!plainClientInfo(meta[CLIENT_INFO_META_KEY]) || !plainCapabilities(capabilities)) return undefined;
  const method = body.method;
  const name = nameOf(method, params);
  if (name === undefined) return undefined;
  const nameHeader = headers['mcp-name'];
  if (name !== null && (nameHeader !== name || name.startsWith(SENTINEL))) return undefined;
  const { _meta: _envelope, ...rest } = params;
  return { id, method, params: rest, capabilities };
}

/** A request on a 2025 session admitted to the lean path (lean-session.ts). */
export interface LeanSessionRequest {
  id: string | number;
  method: LeanMethod;
  params: Record<string, unknown>;
  /** Its `MCP-Protocol-Version`. */
  version: string;
}

const LEGACY_VERSIONS = new Set<string>(SUPPORTED_PROTOCOL_VERSIONS);

/**
 * The request, when `body` and `headers` are a plain request of a hot method
 * on a 2025 session: no `_meta` at all (a progress token asks for a stream),
 * a protocol version the session's transport accepts, and an `Accept` it
 * takes. That the session is open and the caller's is http-endpoint.ts's to know.
 */
export function leanSessionRequest(body: unknown, headers: IncomingHttpHeaders): LeanSessionRequest | undefined {
  if (!isPlainRequest(body)) return undefined;
  const params = body.params ?? {};
  if (!isRecord(params) || '_meta' in params || nameOf(body.method, params) === undefined) return undefined;
  const version = headers['mcp-protocol-version'];
  const accept = headers.accept;
  if (typeof version !== 'string' || !LEGACY_VERSIONS.has(version) || typeof accept !== 'string' || !accept.includes('application/json') || !accept.includes('text/event-stream')) return undefined;
  return { id: body.id, method: body.method, params, version };
}
