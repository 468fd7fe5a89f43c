/**
 * Error classes that carry their HTTP status and a stable snake_case code, and
 * the one function that turns anything thrown into the JSON error body. Every status mcpo answers with is decided here, in `toHttpError`, so the
 * mapping from MCP/JSON-RPC failures to HTTP lives in one table. This module
 * never writes to a response; the router does that.
 */

/** The body of every error response. */
export interface ErrorBody {
  ok: false;
  error: { message: string; code: string; data?: unknown; requestId?: string; [field: string]: unknown };
}

const BRAND = Symbol.for('mcpo.error');

/** Base class: an error that knows its HTTP status and stable code. */
export class McpoError extends Error {
  readonly [BRAND] = true;
  /** Extra response headers, e.g. `Retry-After`; a list is sent as one header line per value. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;

  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly data?: unknown,
    headers: Record<string, string | readonly string[]> = {},
  ) {
    super(message);
    this.name = new.target.name;
    this.headers = headers;
  }

  /** What the error body carries beside `message` and `code`, where clients look first. */
  bodyFields(): Record<string, unknown> {
    return {};
  }
}

/** True for any mcpo error, even one from another copy of this module. */
export function isMcpoError(value: unknown): value is McpoError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

export class BadRequestError extends McpoError {
  constructor(message: string, data?: unknown, code = 'bad_request') {
    super(message, 400, code, data);
  }
}

export class UnauthorizedError extends McpoError {
  /** One challenge per header line: Chromium reads only the first challenge of a line, and answers Basic only if it sees it. */
  constructor(message: string, challenges: readonly string[]) {
    super(message, 401, 'unauthorized', undefined, { 'WWW-Authenticate': challenges });
  }
}

/** A bearer token that failed a check (RFC 6750 `invalid_token`): `description` says which, in words that never quote the token. */
export class InvalidTokenError extends McpoError {
  constructor(readonly description: string, challenges: readonly string[] = [InvalidTokenError.challenge(description)]) {
    super(`Invalid token: ${description}`, 401, 'invalid_token', undefined, { 'WWW-Authenticate': challenges });
  }

  /** The Bearer challenge naming the failed check, after any `params` (realm, resource_metadata). */
  static challenge(description: string, params: Readonly<Record<string, string>> = {}): string {
    return bearerChallenge({ ...params, error: 'invalid_token', error_description: description });
  }
}

/** A Bearer challenge line with `params` (realm, resource_metadata, error…), each a quoted-string (RFC 9110). */
export function bearerChallenge(params: Readonly<Record<string, string>>): string {
  return `Bearer ${Object.entries(params).map(([key, value]) => `${key}="${value.replace(/["\\]/g, '\\$&')}"`).join(', ')}`;
}

export class NotFoundError extends McpoError {
  constructor(message: string, code = 'not_found', data?: unknown) {
    super(message, 404, code, data);
  }
}

export class ForbiddenError extends McpoError {
  constructor(message: string, code = 'forbidden', data?: unknown) {
    super(message, 403, code, data);
  }
}

export class UnknownToolError extends McpoError {
  constructor(message: string, code = 'not_found', data?: unknown) {
    super(message, 404, code, data);
  }
}

export class MethodNotAllowedError extends McpoError {
  constructor(allow: string) {
    super(`Method not allowed; use ${allow}`, 405, 'method_not_allowed', undefined, { Allow: allow });
  }
}

export class PayloadTooLargeError extends McpoError {
  constructor(message: string) {
    super(message, 413, 'payload_too_large');
  }
}

export class UnsupportedMediaTypeError extends McpoError {
  constructor(message = 'Request body must be application/json') {
    super(message, 415, 'unsupported_media_type');
  }
}

export class InvalidArgumentsError extends McpoError {
  constructor(message: string, data?: unknown) {
    super(message, 422, 'invalid_arguments', data);
  }
}

/** The server needs input to finish a call (SEP-2322): the caller answers `inputRequests` and repeats the call with `continuation`. */
export class InputRequiredError extends McpoError {
  constructor(
    message: string,
    readonly inputRequests: Record<string, unknown>,
    readonly continuation: string,
  ) {
    super(message, 409, 'input_required');
  }

  override bodyFields(): Record<string, unknown> {
    return { inputRequests: this.inputRequests, continuation: this.continuation };
  }
}

export class ToolError extends McpoError {
  constructor(message: string, data?: unknown) {
    super(message, 500, 'tool_error', data);
  }
}

export class UpstreamError extends McpoError {
  constructor(message: string, code = 'upstream_error', data?: unknown) {
    super(message, 502, code, data);
  }
}

export class UnavailableError extends McpoError {
  constructor(message: string, retryAfterSeconds: number, data?: unknown) {
    super(message, 503, 'unavailable', data, { 'Retry-After': String(retryAfterSeconds) });
  }
}

/** The server wants OAuth authorization that only a person can give: the message names the page to open. */
export class AuthorizationRequiredError extends McpoError {
  constructor(message: string, page: string) {
    super(message, 503, 'authorization_required', { authorize: page }, { 'Retry-After': '30' });
  }
}

export class TimeoutError extends McpoError {
  constructor(message: string, data?: unknown) {
    super(message, 504, 'timeout', data);
  }
}

/** Caps text that comes from a server so a huge error message cannot bloat a response. */
export const MAX_MESSAGE_LENGTH = 2048;

/** Caps the serialized size of structured data a server attached to an error. */
export const MAX_DATA_LENGTH = 8192;

/** Text from a server, cut to MAX_MESSAGE_LENGTH and marked as cut. */
export function capText(text: string): string {
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH)}…` : text;
}

/** Data too large to pass on whole becomes the start of its JSON text, marked as cut. */
export function capData(data: unknown): unknown {
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch {
    return { truncated: true };
  }
  if (json === undefined || json.length <= MAX_DATA_LENGTH) return data;
  return { truncated: true, json: json.slice(0, MAX_DATA_LENGTH) };
}

/** The JSON body for an error; never includes a stack. `requestId` lets a caller quote it to an operator. */
export function errorBody(err: McpoError, requestId?: string): ErrorBody {
  const error: ErrorBody['error'] = { message: err.message, code: err.code };
  if (err.data !== undefined) error.data = err.data;
  Object.assign(error, err.bodyFields());
  if (requestId !== undefined) error.requestId = requestId;
  return { ok: false, error };
}
