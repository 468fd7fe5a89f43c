/**
 * `observeRequests()`: the middleware that watches every request from its
 * first step, before any door (an API key refused with 401 is seen too):
 * it counts the request by the kind of route it went to, and for a call
 * (a tool call, resource read or prompt over REST) it starts the call's
 * span, a child of the caller's `traceparent`, and when the response ends
 * reports the call (telemetry/telemetry.ts) with the status the caller got.
 *
 * What kind of request it is comes from `classify`, which knows the routes
 * and the tool tables (app/request-kinds.ts, router/request-kind.ts); this
 * module never turns a path into a label itself. Mounted twice (the app's,
 * then a router's), the first one stands.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { RouteLabel } from './metrics.js';
import { spanStart, startSpanAs, type CallSpan, type SpanStart } from './spans.js';
import { reportCall, type CallKind, type Telemetry } from './telemetry.js';
import { parseTraceparent, type TraceContext } from './trace-context.js';

/** A call a request makes, as `classify` names it from its tables. */
export interface CallTarget {
  server: string;
  kind: CallKind;
  /** The tool's or prompt's name, or the resource's URI. */
  name: string;
  /** The protocol era of the server's connection (`modern`, `legacy`), as a span attribute. */
  era?: string | undefined;
}

export interface RequestKind {
  route: RouteLabel;
  call?: CallTarget;
  /** A span for a request that is no call itself but carries calls (a POST to an MCP endpoint): its name. */
  span?: string;
  /** The server the request is for, as a span attribute. */
  server?: string;
}

export interface ObserveOptions {
  telemetry: Telemetry;
  classify(req: Request): RequestKind;
  /** The request's caller id (a key's name, a user's id), asked when the response ends. */
  who(req: Request): string | undefined;
  /** The request's id (http/request-id.ts), asked when the response ends. */
  requestId(res: Response): string | undefined;
}

/** The trace context of the request: its span's when it has one, else the caller's; undefined before observeRequests ran. */
export function traceOf(res: Response): TraceContext | undefined {
  return res.locals.mcpoTrace as TraceContext | undefined;
}

const SPAN_NAMES: Record<CallKind, (call: CallTarget) => string> = {
  tool: (call) => `mcpo ${call.server}/${call.name}`,
  resource: (call) => `mcpo ${call.server} resources/read`,
  prompt: (call) => `mcpo ${call.server} prompts/get`,
};

function spanStartOf(call: CallTarget): SpanStart {
  return spanStart(SPAN_NAMES[call.kind](call), {
    'mcpo.server': call.server,
    ...(call.kind === 'tool' ? { 'mcpo.tool': call.name, 'mcp.method.name': 'tools/call' } : { 'mcp.method.name': call.kind === 'resource' ? 'resources/read' : 'prompts/get' }),
    ...(call.era !== undefined ? { 'mcpo.era': call.era } : {}),
    'mcpo.transport': 'rest',
  });
}

/** A tool call's target is one object per tool (router/request-kind.ts): its span's name and options are built once. */
const spanStarts = new WeakMap<CallTarget, SpanStart>();
/** The same for a POST to an MCP endpoint, whose kind is one object per endpoint. */
const endpointStarts = new WeakMap<RequestKind, SpanStart>();

function startSpan(kind: RequestKind, parent: TraceContext | undefined): CallSpan | undefined {
  const call = kind.call;
  if (call) {
    let start = spanStarts.get(call);
    if (start === undefined) spanStarts.set(call, (start = spanStartOf(call)));
    return startSpanAs(start, parent);
  }
  if (kind.span === undefined) return undefined;
  let start = endpointStarts.get(kind);
  if (start === undefined) endpointStarts.set(kind, (start = spanStart(kind.span, { ...(kind.server !== undefined ? { 'mcpo.server': kind.server } : {}), 'mcpo.transport': 'mcp' })));
  return startSpanAs(start, parent);
}

export function observeRequests(options: ObserveOptions): RequestHandler {
  const { telemetry, classify, who, requestId } = options;
  return function observeRequest(req, res, next) {
    if (res.locals.mcpoObserved === true) return next();
    res.locals.mcpoObserved = true;
    const startedAt = performance.now();
    const kind = classify(req);
    const parent = parseTraceparent(req.headers.traceparent, req.headers.tracestate);
    const span = startSpan(kind, parent);
    res.locals.mcpoTrace = span?.context ?? parent;
    // 'close' comes once per response: `on` spares the wrapper `once` would allocate.
    res.on('close', () => {
      // A caller that hung up got no answer: 499, as proxies count it.
      const status = res.writableFinished ? res.statusCode : 499;
      telemetry.metrics?.httpRequest(kind.route, status);
      if (!span) return;
      const caller = who(req);
      span.end(status, caller);
      if (kind.call) reportCall(telemetry, { ...kind.call, status, startedAt, caller, requestId: requestId(res), traceId: span.context.traceId });
    });
    next();
  };
}
