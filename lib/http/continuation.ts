/**
 * The `continuation` of a 409 `input_required` answer: what mcpo needs to
 * repeat a call once its caller has answered the server's questions (the
 * tool, its original arguments, the server's opaque `requestState`, which
 * questions were asked), sealed so that mcpo keeps no state between the two
 * requests and any replica holding the same secret can take the second.
 *
 * Sealed means signed (HMAC-SHA-256), not encrypted: the caller may read its
 * own arguments back, but cannot change a byte, use it for another server or
 * tool, or use it after it expires. The payload is deflated, because it
 * travels back in a header. This module only seals and opens.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { BadRequestError } from './errors.js';

/** What a continuation carries. */
export interface ContinuationState {
  /** The tool, by its MCP name. */
  tool: string;
  args: Record<string, unknown>;
  requestState?: string;
  /** The keys of the server's input requests; the answer must have exactly these. */
  keys: string[];
}

interface Sealed extends ContinuationState {
  /** The server (router) it belongs to. */
  server: string;
  /** Expiry, ms since the epoch. */
  exp: number;
}

/** Node's default limit on all of a request's headers is 16 KiB; the continuation must leave room for the rest. */
export const MAX_CONTINUATION_LENGTH = 12 * 1024;

export interface SealerOptions {
  /** The signing secret; replicas that share it accept each other's continuations. Random when absent. */
  secret?: string | Buffer;
  /** How long a continuation stays good, in ms. */
  ttlMs: number;
  /** Names the server the continuations are for, so one server's cannot be replayed at another. */
  server: string;
}

export interface ContinuationSealer {
  /** The sealed string, or undefined when it would be too long to send back in a header. */
  seal(state: ContinuationState): string | undefined;
  /** The state inside a continuation for `tool`; a 400 when it is forged, for another tool or server, or expired. */
  open(token: string, tool: string): ContinuationState;
}

export function continuationSealer(options: SealerOptions): ContinuationSealer {
  const key = options.secret ?? randomBytes(32);
  const sign = (payload: string): Buffer => createHmac('sha256', key).update(payload).digest();
  const invalid = (why: string) => new BadRequestError(`Mcp-Continuation ${why}`, undefined, 'invalid_continuation');

  return {
    seal(state) {
      const sealed: Sealed = { ...state, server: options.server, exp: Date.now() + options.ttlMs };
      const payload = deflateRawSync(JSON.stringify(sealed)).toString('base64url');
      const token = `${payload}.${sign(payload).toString('base64url')}`;
      return token.length <= MAX_CONTINUATION_LENGTH ? token : undefined;
    },
    open(token, tool) {
      const [payload, signature, extra] = token.split('.');
      if (!payload || !signature || extra !== undefined) throw invalid('is not a continuation');
      const given = Buffer.from(signature, 'base64url');
      const expected = sign(payload);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid('was not issued here, or was changed');
      let sealed: Sealed;
      try {
        sealed = JSON.parse(inflateRawSync(Buffer.from(payload, 'base64url')).toString('utf8')) as Sealed;
      } catch {
        throw invalid('is not a continuation');
      }
      if (sealed.server !== options.server) throw invalid('was issued for another server');
      if (sealed.tool !== tool) throw invalid(`was issued for another tool ("${sealed.tool}")`);
      if (Date.now() > sealed.exp) throw invalid('has expired; call the tool again without it');
      const { server: _server, exp: _exp, ...state } = sealed;
      return state;
    },
  };
}
