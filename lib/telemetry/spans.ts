/**
 * A span per call, through `@opentelemetry/api` only: the embedding app (or
 * the command, bin/tracing.ts) registers the SDK and its exporter, and
 * without one the API's tracer records nothing. Either way every call has a
 * trace context to log and to pass upstream: the SDK's span's, or, when no
 * SDK records, one made here as a child of the caller's (a new trace when
 * the caller sent none).
 *
 * Attributes name the server, the tool, the era, the HTTP status and the
 * caller's id; never arguments, results or credentials.
 */
import { createTraceState, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type SpanOptions } from '@opentelemetry/api';
import { VERSION } from '../common/version.js';
import { childContext, type TraceContext } from './trace-context.js';

/** A call's span: its context goes upstream and into the log; `end` records how the call was answered. */
export interface CallSpan {
  readonly context: TraceContext;
  /** Ends the span with the HTTP status the call was (or, over MCP, would have been) answered with. */
  end(status: number, caller?: string): void;
}

const tracer = trace.getTracer('mcpo', VERSION);

/** How a span starts: its name and `tracer.startSpan`'s options, which a caller may build once and start many spans with. */
export interface SpanStart {
  readonly name: string;
  readonly options: SpanOptions;
}

export function spanStart(name: string, attributes: Attributes): SpanStart {
  return { name, options: { kind: SpanKind.SERVER, attributes } };
}

/** Starts a span named `name`, a child of `parent` (the caller's, or a span of mcpo's own) or the root of a new trace. */
export function startCallSpan(name: string, parent: TraceContext | undefined, attributes: Attributes): CallSpan {
  return startSpanAs(spanStart(name, attributes), parent);
}

/** `startCallSpan` from a start built ahead (a tool's, reused call after call). */
export function startSpanAs(start: SpanStart, parent: TraceContext | undefined): CallSpan {
  const span: Span = tracer.startSpan(start.name, start.options, parent ? remoteParent(parent) : ROOT_CONTEXT);
  if (!span.isRecording()) return new OwnSpan(span, childContext(parent));
  const recorded = span.spanContext();
  return new OwnSpan(span, { traceId: recorded.traceId, spanId: recorded.spanId, flags: recorded.traceFlags, state: parent?.state });
}

function remoteParent(parent: TraceContext): Context {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: parent.traceId,
    spanId: parent.spanId,
    traceFlags: parent.flags,
    isRemote: true,
    ...(parent.state !== undefined ? { traceState: createTraceState(parent.state) } : {}),
  });
}

/** A class, not a closure per call: a call's span is made on every request. */
class OwnSpan implements CallSpan {
  constructor(
    private readonly span: Span,
    readonly context: TraceContext,
  ) {}

  end(status: number, caller?: string): void {
    const { span } = this;
    span.setAttribute('http.response.status_code', status);
    if (caller !== undefined) span.setAttribute('enduser.id', caller);
    // As for HTTP server spans: a 4xx is the caller's mistake, a 5xx is the call failing.
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  }
}
