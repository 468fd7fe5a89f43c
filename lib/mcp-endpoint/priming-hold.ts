/**
 * A 2025 session's SSE response opens with a priming event (an id, a
 * `retry`, empty data: legacy-sessions.ts), which the SDK writes as soon as
 * the stream opens, and the answer follows a moment later: two socket writes
 * for a call that one would carry. On a shared 2-core machine a write costs
 * about a tenth of a whole call (test/bench, compare-mcp), so the priming
 * event is held back, for PRIMING_HOLD_MS to twice that, and written with
 * whatever comes next. A call that takes longer gets it alone, that much
 * later; only a client whose connection breaks within that time loses the
 * chance to resume, which it would not have needed for so short a wait.
 *
 * Every POST of a 2025 session passes through here, and an Express response
 * is a costly object to change: Express gives each one its own prototype, and
 * every property then set on it costs microseconds (a few per property, in
 * test/bench terms a few percent of a call). So no property of the response
 * is set: its prototype gets one layer more, the same layer for every
 * response of that prototype, whose `write` and `end` look the response up
 * in two collections, and one sweep a period sends what waited long enough.
 */
import type { ServerResponse } from 'node:http';

/** How long the priming event waits for company, at least. */
export const PRIMING_HOLD_MS = 50;

/** The SDK's priming event is short: an id line, maybe a retry line, and empty data. */
const MAX_PRIMING_BYTES = 256;
const PRIMING_START = Buffer.from('id: ', 'latin1');
const PRIMING_END = Buffer.from('\ndata: \n\n', 'latin1');

type Write = (this: ServerResponse, ...args: unknown[]) => boolean;
type End = (this: ServerResponse, ...args: unknown[]) => ServerResponse;

/** Compared byte by byte: every session POST's first chunk comes here, and decoding it to look would cost each one a string. */
function hasBytesAt(chunk: Uint8Array, bytes: Buffer, at: number): boolean {
  for (let i = 0; i < bytes.length; i++) if (chunk[at + i] !== bytes[i]) return false;
  return true;
}

function isPriming(chunk: unknown): chunk is Uint8Array {
  if (!(chunk instanceof Uint8Array)) return false;
  const length = chunk.byteLength;
  if (length > MAX_PRIMING_BYTES || length < PRIMING_START.length + PRIMING_END.length) return false;
  return hasBytesAt(chunk, PRIMING_START, 0) && hasBytesAt(chunk, PRIMING_END, length - PRIMING_END.length);
}

const asBytes = (chunk: unknown): Uint8Array => (chunk instanceof Uint8Array ? chunk : Buffer.from(String(chunk)));

/** Responses whose first chunk is still to come; weak, so one that never writes or ends is not kept. */
const unwritten = new WeakSet<ServerResponse>();
/** The responses holding a priming event, and what they hold: each leaves within a sweep or two. */
const waiting = new Map<ServerResponse, Uint8Array>();
let sweep: NodeJS.Timeout | undefined;

function sendHeld(): void {
  // Through the layer's write: the response is out of both collections by then, so it goes straight on.
  for (const [res, held] of waiting) {
    waiting.delete(res);
    if (!res.destroyed) res.write(held);
  }
  sweep = undefined;
  if (waiting.size > 0) arm();
}

const arm = (): void => void (sweep = setTimeout(sendHeld, PRIMING_HOLD_MS).unref());

/** The layer over `base`, one per prototype (an Express app has one for all its responses). */
const layers = new WeakMap<object, object>();

function layerOver(base: ServerResponse): object {
  let layer = layers.get(base);
  if (layer !== undefined) return layer;
  const baseWrite = base.write as Write;
  const baseEnd = base.end as End;
  function write(this: ServerResponse, chunk: unknown, ...rest: unknown[]): boolean {
    if (unwritten.delete(this) && isPriming(chunk)) {
      waiting.set(this, chunk);
      if (sweep === undefined) arm();
      return true;
    }
    const held = waiting.get(this);
    if (held === undefined) return baseWrite.call(this, chunk, ...rest);
    waiting.delete(this);
    return baseWrite.call(this, Buffer.concat([held, asBytes(chunk)]), ...rest);
  }
  function end(this: ServerResponse, ...args: unknown[]): ServerResponse {
    unwritten.delete(this);
    const held = waiting.get(this);
    if (held !== undefined) {
      waiting.delete(this);
      if (!this.destroyed) baseWrite.call(this, held);
    }
    return baseEnd.apply(this, args);
  }
  layer = Object.create(base, { write: { value: write, writable: true, configurable: true }, end: { value: end, writable: true, configurable: true } }) as object;
  layers.set(base, layer);
  return layer;
}

/**
 * Looks at the first chunk written to `res`: a priming event waits for the
 * next one, or the end, or the sweep. A response whose `write` or `end`
 * another middleware already wrapped (compression, say) is left alone: the
 * wrapper holds the methods it found, and would go round a layer beneath it.
 */
export function holdPriming(res: ServerResponse): void {
  if (Object.hasOwn(res, 'write') || Object.hasOwn(res, 'end')) return;
  Object.setPrototypeOf(res, layerOver(Object.getPrototypeOf(res) as ServerResponse));
  unwritten.add(res);
}
