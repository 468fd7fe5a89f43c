/**
 * Reads a tool call's JSON body under a hard byte limit, and refuses bodies
 * that are not a plain tree of arguments.
 *
 * body-parser reads an oversized upload to its end before it answers, so an
 * endless chunked body never got its 413 and kept mcpo reading. Here the
 * count runs on the decoded bytes (a gzip bomb is caught as it inflates) and
 * reading stops at the limit. What is left of the upload is dropped by
 * `discardBody`, within bounds, before the error is answered.
 */
import type { IncomingMessage } from 'node:http';
import type { Request } from 'express';
import type { Readable, Transform } from 'node:stream';
import zlib from 'node:zlib';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from './errors.js';

/** Deeper than this, a body is refused: validators and serialisers recurse, and no tool's arguments nest this far. */
export const MAX_BODY_DEPTH = 64;

const DECODERS: Readonly<Record<string, () => Transform>> = Object.freeze({
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
});

const UNITS: Readonly<Record<string, number>> = Object.freeze({ b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 });

/** `1048576`, `'512kb'` or `'1mb'` → bytes; undefined when it is none of those. */
export function parseByteSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(value);
  if (!match) return undefined;
  const bytes = Math.floor(Number(match[1]) * UNITS[(match[2] ?? 'b').toLowerCase()]!);
  return bytes > 0 ? bytes : undefined;
}

function tooLarge(limit: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`Request body is larger than ${limit} bytes`);
}

/** Only UTF-8 is JSON (RFC 8259); any other declared charset is refused rather than guessed at. */
function checkCharset(req: IncomingMessage): void {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '');
  const charset = match?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new UnsupportedMediaTypeError(`Unsupported charset "${charset}"; send the body as UTF-8`);
  }
}

/** The body as parsed JSON; an empty body is `{}`. Rejects with a 400, 413 or 415 McpoError. */
export function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  // Everything runs in the executor, so a refused charset or encoding is a rejection like the rest.
  return new Promise<unknown>((resolve, reject) => {
    checkCharset(req);
    const coding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    // A declared length over the limit is refused before a byte is read.
    if (coding === 'identity' && Number(req.headers['content-length']) > limit) throw tooLarge(limit);
    let decoder: Transform | undefined;
    if (coding !== 'identity') {
      const create = DECODERS[coding];
      if (!create) throw new UnsupportedMediaTypeError(`Unsupported Content-Encoding "${coding}"; send identity, gzip, deflate or br`);
      decoder = req.pipe(create());
    }
    const source: Readable = decoder ?? req;
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (err: unknown, value?: unknown): void => {
      if (settled) return;
      settled = true;
      source.off('data', onData);
      source.off('end', onEnd);
      req.off('aborted', onAborted);
      if (err) reject(err);
      else resolve(value);
    };
    const stop = (): void => {
      if (decoder) {
        req.unpipe(decoder);
        decoder.destroy();
      }
      finish(tooLarge(limit));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) return stop();
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      const text = Buffer.concat(chunks, size).toString('utf8');
      if (text.trim() === '') return finish(undefined, {});
      try {
        finish(undefined, JSON.parse(text));
      } catch {
        finish(new BadRequestError('Malformed JSON in request body', undefined, 'malformed_json'));
      }
    };
    const onAborted = (): void => finish(new BadRequestError('Request aborted', undefined, 'request_aborted'));

    source.on('data', onData);
    source.once('end', onEnd);
    source.once('error', () => finish(new BadRequestError(`The body is not valid ${coding} data`, undefined, 'bad_encoding')));
    req.once('aborted', onAborted);
  });
}

/** How much of an unread upload an error answer waits for, in bytes and in time, before it closes the connection instead. */
export const DISCARD_MAX_BYTES = 8 * 1024 * 1024;
export const DISCARD_MAX_MS = 2000;

/**
 * Reads and drops what is left of a request's body. Resolves true once the
 * body has ended, or false when it ran past the bounds or the client went
 * away; the connection should then be closed after the answer.
 *
 * An answer sent in the middle of an upload (a 401, 404 or 413 needs none of
 * the body) followed by a close makes the client's TCP stack reset the
 * connection, and the client loses the answer. Reading the rest first lets
 * an honest client read it; the bounds keep an endless upload from holding
 * mcpo.
 */
export function discardBody(req: IncomingMessage): Promise<boolean> {
  if (req.complete) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    let seen = 0;
    const done = (whole: boolean): void => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      resolve(whole);
    };
    const onData = (chunk: Buffer): void => {
      seen += chunk.length;
      if (seen > DISCARD_MAX_BYTES) done(false);
    };
    const onEnd = (): void => done(true);
    const onClose = (): void => done(false);
    const timer = setTimeout(() => done(false), DISCARD_MAX_MS);
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('close', onClose);
    req.resume();
  });
}

/**
 * Why a parsed body may not be passed on, or undefined. `__proto__` (at any
 * depth) and `constructor.prototype` are the keys that pollute prototypes
 * when a body is merged into another object, by us, a validator applying
 * defaults, or the MCP server; nesting is bounded so that nothing recursive
 * downstream can overflow its stack. Iterative, so a deep body cannot
 * overflow this check either.
 */
export function unsafeBodyProblem(body: unknown): { code: string; message: string } | undefined {
  const stack: { node: unknown; depth: number; key: string | undefined }[] = [{ node: body, depth: 1, key: undefined }];
  while (stack.length > 0) {
    const { node, depth, key: parentKey } = stack.pop()!;
    if (depth > MAX_BODY_DEPTH) {
      return { code: 'too_deep', message: `The request body is nested deeper than ${MAX_BODY_DEPTH} levels` };
    }
    if (Array.isArray(node)) {
      for (const item of node) if (typeof item === 'object' && item !== null) stack.push({ node: item, depth: depth + 1, key: undefined });
      continue;
    }
    for (const key of Object.keys(node as object)) {
      if (key === '__proto__' || (key === 'prototype' && parentKey === 'constructor')) {
        return { code: 'forbidden_key', message: `The key "${parentKey === 'constructor' ? 'constructor.prototype' : key}" is not allowed in a request body` };
      }
      const child = (node as Record<string, unknown>)[key];
      if (typeof child === 'object' && child !== null) stack.push({ node: child, depth: depth + 1, key });
    }
  }
  return undefined;
}

/** `req.is('application/json')`, answered without parsing for the header every client sends. */
export function isJson(req: Request): boolean {
  const type = req.headers['content-type'];
  return type === 'application/json' || typeof req.is('application/json') === 'string';
}

/** The request says it carries a body (a length above 0, or chunks). */
export function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
