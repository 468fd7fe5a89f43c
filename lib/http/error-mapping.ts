/**
 * Any failure as the McpoError (http/errors.ts) a caller is answered with:
 * an upstream's JSON-RPC error by its code, a body parser's by its type, and
 * anything unrecognised as a generic 500, since its text may hold paths or
 * secrets. Apart from errors.ts, because this needs the MCP client's error
 * classes, and the command's early modules (its flags, its config, its
 * port) need the error classes without loading the client.
 */
import { ProtocolError, ProtocolErrorCode, ResourceNotFoundError } from '@modelcontextprotocol/client';
import {
  BadRequestError,
  capData,
  capText,
  InvalidArgumentsError,
  isMcpoError,
  McpoError,
  NotFoundError,
  PayloadTooLargeError,
  TimeoutError,
  UnknownToolError,
  UnsupportedMediaTypeError,
  UpstreamError,
} from './errors.js';

/** JSON-RPC error codes from an upstream server → HTTP. */
function fromProtocolError(err: ProtocolError): McpoError {
  // The SDK prefixes "MCP error <code>: ", sometimes twice; the code is in data already.
  const message = capText(err.message.replace(/^(MCP error -?\d+: )+/, ''));
  const data = { jsonrpcCode: err.code, ...(err.data !== undefined ? { upstream: capData(err.data) } : {}) };
  // 2026-07-28 (and the v1.x SDKs) answer a resources/read miss with -32602 and `data: { uri }`; earlier servers with -32002.
  if (err instanceof ResourceNotFoundError || err.code === ProtocolErrorCode.ResourceNotFound) return new NotFoundError(message, 'resource_not_found', data);
  switch (err.code) {
    case ProtocolErrorCode.ParseError:
    case ProtocolErrorCode.InvalidRequest:
      return new BadRequestError(message, data, 'upstream_bad_request');
    case ProtocolErrorCode.MethodNotFound:
      return new UnknownToolError(message, 'upstream_not_found', data);
    case ProtocolErrorCode.InvalidParams:
      return new InvalidArgumentsError(message, data);
    // The 2025 SDK's codes for a timeout and a closed connection, as servers built on it still send them.
    case -32001:
      return new TimeoutError(message, data);
    case -32000:
      return new UpstreamError(message, 'connection_closed', data);
    default:
      // -32603 and any server-defined code: the server failed, not the caller.
      return new UpstreamError(message, 'upstream_error', data);
  }
}

/** Anything thrown → an McpoError; an unrecognised one is a 500 with a generic message (its text may hold paths or secrets). */
export function toHttpError(err: unknown): McpoError {
  if (isMcpoError(err)) return err;
  if (err instanceof ProtocolError) return fromProtocolError(err);
  if (typeof err === 'object' && err !== null) {
    const e = err as { type?: unknown; status?: unknown; statusCode?: unknown; message?: unknown };
    // body-parser errors carry a `type`; their messages are safe to show.
    switch (e.type) {
      case 'entity.parse.failed':
        return new BadRequestError('Malformed JSON in request body', undefined, 'malformed_json');
      case 'entity.too.large':
        return new PayloadTooLargeError('Request body is too large');
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return new UnsupportedMediaTypeError(String(e.message));
      case 'request.aborted':
        return new BadRequestError('Request aborted', undefined, 'request_aborted');
    }
    const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 0;
    if (status >= 400 && status < 500) {
      return new McpoError(typeof e.message === 'string' ? capText(e.message) : 'Bad request', status, 'bad_request');
    }
  }
  return new McpoError('Internal error', 500, 'internal_error');
}
