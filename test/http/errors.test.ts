/**
 * The error classes and the one table from anything thrown to an HTTP status
 * (lib/http/errors.ts).
 */
import { expect } from 'chai';
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/client';

/** The 2025 SDK's codes for a closed connection and a timeout; servers built on it still send them. */
const ErrorCode = { ...ProtocolErrorCode, ConnectionClosed: -32000, RequestTimeout: -32001 } as const;
import {
  BadRequestError,
  errorBody,
  InvalidArgumentsError,
  isMcpoError,
  MAX_MESSAGE_LENGTH,
  McpoError,
  MethodNotAllowedError,
  TimeoutError,
  ToolError,
  UnavailableError,
  UnknownToolError,
  UnsupportedMediaTypeError,
  UpstreamError,
} from '../../lib/http/errors.js';
import { toHttpError } from '../../lib/http/error-mapping.js';

describe('toHttpError', () => {
  describe('JSON-RPC error codes', () => {
    const table: Array<[string, number, number, string]> = [
      ['ParseError', ErrorCode.ParseError, 400, 'upstream_bad_request'],
      ['InvalidRequest', ErrorCode.InvalidRequest, 400, 'upstream_bad_request'],
      ['MethodNotFound', ErrorCode.MethodNotFound, 404, 'upstream_not_found'],
      ['InvalidParams', ErrorCode.InvalidParams, 422, 'invalid_arguments'],
      ['InternalError', ErrorCode.InternalError, 502, 'upstream_error'],
      ['ConnectionClosed', ErrorCode.ConnectionClosed, 502, 'connection_closed'],
      ['RequestTimeout', ErrorCode.RequestTimeout, 504, 'timeout'],
      ['a server-defined code', -31999, 502, 'upstream_error'],
      ['a positive application code', 42, 502, 'upstream_error'],
    ];

    it('uses the JSON-RPC codes the table was written for', () => {
      expect([
        ErrorCode.ParseError,
        ErrorCode.InvalidRequest,
        ErrorCode.MethodNotFound,
        ErrorCode.InvalidParams,
        ErrorCode.InternalError,
        ErrorCode.ConnectionClosed,
        ErrorCode.RequestTimeout,
      ]).to.deep.equal([-32700, -32600, -32601, -32602, -32603, -32000, -32001]);
    });

    for (const [label, code, status, httpCode] of table) {
      it(`maps ${label} (${code}) to ${status} ${httpCode}`, () => {
        const err = toHttpError(new ProtocolError(code, 'upstream said no'));
        expect(err).to.be.instanceOf(McpoError);
        expect(err.status).to.equal(status);
        expect(err.code).to.equal(httpCode);
        expect(err.message).to.include('upstream said no');
      });
    }

    it('keeps the JSON-RPC code and the upstream data in the error data', () => {
      const err = toHttpError(new ProtocolError(ErrorCode.InvalidParams, 'bad', { field: 'city' }));
      expect(err.data).to.deep.equal({ jsonrpcCode: -32602, upstream: { field: 'city' } });
    });

    it('leaves upstream out of the data when the server sent none', () => {
      const err = toHttpError(new ProtocolError(ErrorCode.InternalError, 'bad'));
      expect(err.data).to.deep.equal({ jsonrpcCode: -32603 });
    });

    it('caps a long upstream message at MAX_MESSAGE_LENGTH plus the ellipsis', () => {
      const err = toHttpError(new ProtocolError(ErrorCode.InternalError, 'x'.repeat(MAX_MESSAGE_LENGTH * 4)));
      expect(err.message.length).to.equal(MAX_MESSAGE_LENGTH + 1);
      expect(err.message.endsWith('…')).to.equal(true);
    });

    it('leaves a message of exactly MAX_MESSAGE_LENGTH alone', () => {
      const exact = 'y'.repeat(MAX_MESSAGE_LENGTH);
      expect(toHttpError(new ProtocolError(ErrorCode.InternalError, exact)).message).to.equal(exact);
    });

    it('drops the 2025 SDK\'s "MCP error <code>: " prefix that servers built on it send, even when doubled', () => {
      expect(toHttpError(new ProtocolError(ErrorCode.InvalidParams, 'MCP error -32602: city is required')).message).to.equal(
        'city is required',
      );
      const doubled = new ProtocolError(ErrorCode.InternalError, 'MCP error -32603: MCP error -32603: boom');
      expect(toHttpError(doubled).message).to.equal('boom');
    });

    it('maps a resource-not-found of either era to 404 resource_not_found: -32602 with data { uri } (2026-07-28) and -32002 (earlier)', () => {
      // fromError is how the client builds the error it throws from a JSON-RPC error response.
      for (const err of [ProtocolError.fromError(-32602, 'Resource test://nope not found', { uri: 'test://nope' }), new ProtocolError(-32002, 'Resource not found')]) {
        const mapped = toHttpError(err);
        expect(mapped.status, String(err.code)).to.equal(404);
        expect(mapped.code).to.equal('resource_not_found');
        expect(mapped.data).to.include({ jsonrpcCode: err.code });
      }
    });

    it('keeps a -32602 whose data is more than { uri } an invalid-arguments 422', () => {
      const err = ProtocolError.fromError(-32602, 'Resource URI x is invalid', { uri: 'x', reason: 'invalid_uri' });
      expect(toHttpError(err)).to.include({ status: 422, code: 'invalid_arguments' });
    });

    it('keeps the JSON-RPC code in the data of a 404', () => {
      expect(toHttpError(new ProtocolError(ErrorCode.MethodNotFound, 'no such method')).data).to.deep.equal({
        jsonrpcCode: -32601,
      });
    });
  });

  describe('mcpo errors', () => {
    it('passes an mcpo error through as the same object', () => {
      const original = new InvalidArgumentsError('nope', { at: '/a' });
      expect(toHttpError(original)).to.equal(original);
    });

    it('answers UnavailableError with 503 and a Retry-After header', () => {
      const err = toHttpError(new UnavailableError('connecting', 5));
      expect(err.status).to.equal(503);
      expect(err.code).to.equal('unavailable');
      expect(err.headers).to.deep.equal({ 'Retry-After': '5' });
    });
  });

  describe('body-parser errors', () => {
    function bodyParserError(message: string, props: Record<string, unknown>): Error {
      return Object.assign(new Error(message), props);
    }

    it('maps entity.parse.failed to 400 malformed_json without echoing the body', () => {
      const err = toHttpError(
        bodyParserError('Unexpected token s in JSON at position 1', {
          type: 'entity.parse.failed',
          status: 400,
          body: '{secret-token',
        }),
      );
      expect(err.status).to.equal(400);
      expect(err.code).to.equal('malformed_json');
      expect(JSON.stringify(errorBody(err))).not.to.include('secret-token');
    });

    it('maps entity.too.large to 413', () => {
      const err = toHttpError(
        bodyParserError('request entity too large', { type: 'entity.too.large', status: 413, limit: 10, length: 20 }),
      );
      expect(err.status).to.equal(413);
      expect(err.code).to.equal('payload_too_large');
    });

    it('maps a bare { type } object the same way', () => {
      expect(toHttpError({ type: 'entity.parse.failed' }).status).to.equal(400);
      expect(toHttpError({ type: 'entity.too.large' }).status).to.equal(413);
    });

    it('maps an unsupported charset to 415', () => {
      const err = toHttpError(bodyParserError('unsupported charset "LATIN-9"', { type: 'charset.unsupported', status: 415 }));
      expect(err.status).to.equal(415);
      expect(err.code).to.equal('unsupported_media_type');
    });

    it('passes other 4xx statuses through', () => {
      const err = toHttpError({ status: 404, message: 'not here' });
      expect(err.status).to.equal(404);
      expect(err.message).to.equal('not here');
    });
  });

  describe('errors it does not know', () => {
    it('turns a plain Error into 500 internal_error without its message or stack', () => {
      const original = new Error('secret path /etc/x');
      const err = toHttpError(original);
      expect(err.status).to.equal(500);
      expect(err.code).to.equal('internal_error');
      const json = JSON.stringify(errorBody(err));
      expect(json).not.to.include('secret');
      expect(json).not.to.include('/etc/x');
      expect(json).not.to.include('stack');
      expect(json).not.to.include(original.stack!.split('\n')[1]!.trim());
    });

    it('does not trust a 5xx status on an unknown error', () => {
      const err = toHttpError(Object.assign(new Error('db password is hunter2'), { status: 503 }));
      expect(err.status).to.equal(500);
      expect(err.message).not.to.include('hunter2');
    });

    for (const thrown of ['a string', 42, null, undefined, Symbol('s')]) {
      it(`turns a thrown ${String(thrown)} into 500 internal_error`, () => {
        const err = toHttpError(thrown);
        expect(err.status).to.equal(500);
        expect(err.code).to.equal('internal_error');
      });
    }
  });
});

describe('errorBody', () => {
  it('carries message and code under error, with ok: false', () => {
    expect(errorBody(new BadRequestError('bad'))).to.deep.equal({
      ok: false,
      error: { message: 'bad', code: 'bad_request' },
    });
  });

  it('includes data when the error has some', () => {
    expect(errorBody(new InvalidArgumentsError('bad', [{ path: '/a' }]))).to.deep.equal({
      ok: false,
      error: { message: 'bad', code: 'invalid_arguments', data: [{ path: '/a' }] },
    });
  });

  it('never includes a stack, a name or headers', () => {
    const err = new UnavailableError('later', 2);
    const body = errorBody(err);
    expect(Object.keys(body.error).sort()).to.deep.equal(['code', 'message']);
    expect(JSON.stringify(body)).not.to.include(err.stack!.split('\n')[1]!.trim());
  });
});

describe('error classes', () => {
  const cases: Array<[McpoError, number, string]> = [
    [new BadRequestError('m'), 400, 'bad_request'],
    [new UnknownToolError('m'), 404, 'not_found'],
    [new MethodNotAllowedError('POST'), 405, 'method_not_allowed'],
    [new UnsupportedMediaTypeError(), 415, 'unsupported_media_type'],
    [new InvalidArgumentsError('m'), 422, 'invalid_arguments'],
    [new ToolError('m'), 500, 'tool_error'],
    [new UpstreamError('m'), 502, 'upstream_error'],
    [new UnavailableError('m', 1), 503, 'unavailable'],
    [new TimeoutError('m'), 504, 'timeout'],
  ];
  for (const [err, status, code] of cases) {
    it(`gives ${err.name} status ${status} and code ${code}`, () => {
      expect(err.status).to.equal(status);
      expect(err.code).to.equal(code);
      expect(err).to.be.instanceOf(Error);
      expect(err.name).to.equal(err.constructor.name);
    });
  }

  it('sends Allow with a 405', () => {
    expect(new MethodNotAllowedError('POST').headers).to.deep.equal({ Allow: 'POST' });
  });

  it('sends no extra headers by default', () => {
    expect(new BadRequestError('m').headers).to.deep.equal({});
  });
});

describe('isMcpoError', () => {
  it('recognises instances of every class', () => {
    expect(isMcpoError(new McpoError('m', 418, 'teapot'))).to.equal(true);
    expect(isMcpoError(new ToolError('m'))).to.equal(true);
    expect(isMcpoError(new UnavailableError('m', 1))).to.equal(true);
  });

  it('recognises an error from another copy of the module by its brand', () => {
    expect(isMcpoError({ [Symbol.for('mcpo.error')]: true, status: 400 })).to.equal(true);
  });

  it('rejects plain errors, ProtocolErrors and non-objects', () => {
    expect(isMcpoError(new Error('m'))).to.equal(false);
    expect(isMcpoError(new ProtocolError(ErrorCode.InternalError, 'm'))).to.equal(false);
    expect(isMcpoError({ status: 400, code: 'bad_request', message: 'm' })).to.equal(false);
    expect(isMcpoError(null)).to.equal(false);
    expect(isMcpoError(undefined)).to.equal(false);
    expect(isMcpoError('McpoError')).to.equal(false);
  });
});
