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
 * Every POST of a 2025 session passes through here, so nothing is allocated
 * per response but the held chunk: the methods are shared, the state sits on
 * the response, and one sweep a period sends what waited long enough.
 */
import type { ServerResponse } from 'node:http';

/** How long the priming event waits for company, at least. */
export const PRIMING_HOLD_MS = 50;

/** The SDK's priming event is short: an id line, maybe a retry line, and empty data. */
const MAX_PRIMING_BYTES = 256;
const PRIMING_END = '\ndata: \n\n';

const HELD = Symbol('mcpo.primingHeld');
const WRITE = Symbol('mcpo.write');
const END = Symbol('mcpo.end');

type Write = (this: ServerResponse, ...args: unknown[]) => boolean;
type End = (this: ServerResponse, ...args: unknown[]) => ServerResponse;

interface Holding extends ServerResponse {
  [HELD]?: Uint8Array | undefined;
  [WRITE]: Write;
  [END]: End;
}

function isPriming(chunk: unknown): chunk is Uint8Array {
  if (!(chunk instanceof Uint8Array) || chunk.byteLength > MAX_PRIMING_BYTES || chunk[0] !== 0x69 /* i */) return false;
  const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
  return text.startsWith('id: ') && text.endsWith(PRIMING_END);
}

const asBytes = (chunk: unknown): Uint8Array => (chunk instanceof Uint8Array ? chunk : Buffer.from(String(chunk)));

/** The responses holding a priming event, swept while there are any. */
const waiting = new Set<Holding>();
let sweep: NodeJS.Timeout | undefined;

/** The response writes as it did before holdPriming; what it held, if anything, is handed back. */
function restore(res: Holding): Uint8Array | undefined {
  const held = res[HELD];
  res.write = res[WRITE] as typeof res.write;
  res.end = res[END] as typeof res.end;
  res[HELD] = undefined;
  waiting.delete(res);
  return held;
}

function sendHeld(): void {
  for (const res of waiting) {
    const held = restore(res);
    if (held && !res.destroyed) res[WRITE].call(res, held);
  }
  sweep = undefined;
  if (waiting.size > 0) arm();
}

const arm = (): void => void (sweep = setTimeout(sendHeld, PRIMING_HOLD_MS).unref());

function heldWrite(this: Holding, next: unknown, ...more: unknown[]): boolean {
  const held = restore(this);
  return this[WRITE].call(this, held ? Buffer.concat([held, asBytes(next)]) : next, ...more);
}

function heldEnd(this: Holding, ...args: unknown[]): ServerResponse {
  const held = restore(this);
  if (held && !this.destroyed) this[WRITE].call(this, held);
  return this[END].apply(this, args);
}

function firstWrite(this: Holding, chunk: unknown, ...rest: unknown[]): boolean {
  if (!isPriming(chunk)) {
    this.write = this[WRITE] as typeof this.write;
    return this[WRITE].call(this, chunk, ...rest);
  }
  this[HELD] = chunk;
  this.write = heldWrite as typeof this.write;
  this.end = heldEnd as typeof this.end;
  waiting.add(this);
  if (sweep === undefined) arm();
  return true;
}

/** Looks at the first chunk written to `res`: a priming event waits for the next one, or the end, or the sweep. */
export function holdPriming(res: ServerResponse): void {
  const holding = res as Holding;
  holding[WRITE] = res.write as Write;
  holding[END] = res.end as End;
  res.write = firstWrite as typeof res.write;
}
