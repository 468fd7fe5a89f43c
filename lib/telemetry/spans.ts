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
import { createTraceState, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { VERSION } from '../common/version.js';
import { newSpanId, newTraceId, type TraceContext } from './trace-context.js';

/** A call's span: its context goes upstream and into the log; `end` records how the call was answered. */
export interface CallSpan {
  readonly context: TraceContext;
  /** Ends the span with the HTTP status the call was (or, over MCP, would have been) answered with. */
  end(status: number, caller?: string): void;
}

const tracer = trace.getTracer('mcpo', VERSION);

/** Starts a span named `name`, a child of `parent` (the caller's, or a span of mcpo's own) or the root of a new trace. */
export function startCallSpan(name: string, parent: TraceContext | undefined, attributes: Attributes): CallSpan {
  const parentContext = parent
    ? trace.setSpanContext(ROOT_CONTEXT, {
        traceId: parent.traceId,
        spanId: parent.spanId,
        traceFlags: parent.flags,
        isRemote: true,
        ...(parent.state !== undefined ? { traceState: createTraceState(parent.state) } : {}),
      })
    : ROOT_CONTEXT;
  const span: Span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parentContext);
  const recorded = span.isRecording() ? span.spanContext() : undefined;
  const context: TraceContext = recorded
    ? { traceId: recorded.traceId, spanId: recorded.spanId, flags: recorded.traceFlags, ...(parent?.state !== undefined ? { state: parent.state } : {}) }
    : { traceId: parent?.traceId ?? newTraceId(), spanId: newSpanId(), flags: parent?.flags ?? 0, ...(parent?.state !== undefined ? { state: parent.state } : {}) };
  return {
    context,
    end(status, caller) {
      span.setAttribute('http.response.status_code', status);
      if (caller !== undefined) span.setAttribute('enduser.id', caller);
      // As for HTTP server spans: a 4xx is the caller's mistake, a 5xx is the call failing.
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
}
