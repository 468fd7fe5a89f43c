/**
 * W3C Trace Context (`traceparent`, `tracestate`) read from a caller and
 * written for an upstream. Parsed here rather than through the global
 * propagator of `@opentelemetry/api`: without an SDK that propagator does
 * nothing, and mcpo must carry a caller's trace across the MCP hop whether or
 * not the embedding app registered one.
 */
import { randomBytes } from 'node:crypto';

/** One span's place in a trace, as `traceparent` and `tracestate` carry it. */
export interface TraceContext {
  /** 32 lower-case hex digits, not all zero. */
  readonly traceId: string;
  /** 16 lower-case hex digits, not all zero: the span the next hop is a child of. */
  readonly spanId: string;
  /** The trace flags byte (bit 0: sampled). */
  readonly flags: number;
  /** The caller's `tracestate`, passed on unchanged. */
  readonly state?: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
/** A `tracestate` longer than the specification's 32 members of 256 characters is dropped, not cut. */
const MAX_STATE_LENGTH = 8192;

/** The caller's trace context, or undefined when `traceparent` is absent or not valid (then mcpo starts a trace). */
export function parseTraceparent(traceparent: unknown, tracestate?: unknown): TraceContext | undefined {
  if (typeof traceparent !== 'string') return undefined;
  const match = TRACEPARENT.exec(traceparent.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  // Version ff is forbidden; version 00 has nothing after the flags (a later version may).
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  const state = typeof tracestate === 'string' ? tracestate.trim() : Array.isArray(tracestate) ? tracestate.join(',') : undefined;
  return { traceId, spanId, flags: parseInt(flags, 16), ...(state && state.length <= MAX_STATE_LENGTH && !/[\r\n]/.test(state) ? { state } : {}) };
}

export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.spanId}-${(context.flags & 0xff).toString(16).padStart(2, '0')}`;
}

/** Ids come from a pool of random bytes, refilled 4 KiB at a time: one system call per couple of hundred calls. */
let pool = Buffer.alloc(0);
let offset = 0;
function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return hex === ZERO_TRACE || hex === ZERO_SPAN ? randomHex(bytes) : hex;
}

export const newTraceId = (): string => randomHex(16);
export const newSpanId = (): string => randomHex(8);

/**
 * A child of `parent` (a new trace without one) whose ids are drawn when
 * first read: most calls never read them (a 2025-era stdio server gets no
 * trace context, and with the log at `warning` and no audit file no line
 * names the trace), and drawing them was a sixth of a call's bookkeeping.
 */
export function childContext(parent: TraceContext | undefined): TraceContext {
  return new LazyChild(parent);
}

class LazyChild implements TraceContext {
  #traceId: string | undefined;
  #spanId: string | undefined;

  constructor(private readonly parent: TraceContext | undefined) {}

  get traceId(): string {
    return (this.#traceId ??= this.parent?.traceId ?? newTraceId());
  }

  get spanId(): string {
    return (this.#spanId ??= newSpanId());
  }

  get flags(): number {
    return this.parent?.flags ?? 0;
  }

  get state(): string | undefined {
    return this.parent?.state;
  }

  /** As a plain object (for JSON, or a copy that must not lose the getters). */
  toJSON(): TraceContext {
    return plainContext(this);
  }
}

/** `context` with its ids drawn, as a plain object. */
export function plainContext(context: TraceContext): TraceContext {
  return { traceId: context.traceId, spanId: context.spanId, flags: context.flags, ...(context.state !== undefined ? { state: context.state } : {}) };
}
