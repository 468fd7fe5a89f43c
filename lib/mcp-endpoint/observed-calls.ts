/**
 * A call through an MCP endpoint, seen as a REST call would be: a span named
 * as the REST call's (`mcpo <server>/<tool>`), a child of the span of the
 * HTTP request that carried it, and one report (telemetry/telemetry.ts) with
 * the status the same outcome gets over REST: 200, 500 for a tool's own
 * error, 409 for a server's questions, the mapped status of a failure
 * (http/errors.ts), 499 when the client cancelled. So a dashboard counts one
 * tool the same whichever way it was called.
 */
import { ProtocolError } from '@modelcontextprotocol/client';
import { toHttpError } from '../http/error-mapping.js';
import { isMcpoError } from '../http/errors.js';
import type { CallOutcome } from '../mcp/tool-call.js';
import { startCallSpan } from '../telemetry/spans.js';
import { reportCall, type CallKind, type Telemetry } from '../telemetry/telemetry.js';
import type { TraceContext } from '../telemetry/trace-context.js';
import type { Caller } from '../auth/caller.js';

export interface ObservedFrom {
  trace?: TraceContext | undefined;
  requestId?: string | undefined;
  caller?: Caller | undefined;
  signal: AbortSignal;
}

/** The status a REST caller would have got for a tool call's outcome. */
export function outcomeStatus(outcome: CallOutcome): number {
  if (outcome.kind === 'input_required') return 409;
  return outcome.result.isError ? 500 : 200;
}

const METHODS: Record<CallKind, string> = { tool: 'tools/call', resource: 'resources/read', prompt: 'prompts/get' };

/** Runs `run` with the call's trace context, and reports the call when it settles. */
export function observedCall<T>(
  telemetry: Telemetry,
  call: { server: string; kind: CallKind; name: string; era: string | undefined },
  from: ObservedFrom,
  statusOf: (value: T) => number,
  run: (trace: TraceContext) => Promise<T>,
): Promise<T> {
  const startedAt = performance.now();
  const spanName = call.kind === 'tool' ? `mcpo ${call.server}/${call.name}` : `mcpo ${call.server} ${METHODS[call.kind]}`;
  const span = startCallSpan(spanName, from.trace, {
    'mcpo.server': call.server,
    ...(call.kind === 'tool' ? { 'mcpo.tool': call.name } : {}),
    ...(call.era !== undefined ? { 'mcpo.era': call.era } : {}),
    'mcpo.transport': 'mcp',
    'mcp.method.name': METHODS[call.kind],
  });
  const done = (status: number): void => {
    const caller = from.caller?.id;
    span.end(status, caller);
    reportCall(telemetry, { server: call.server, kind: call.kind, name: call.name, status, startedAt, caller, requestId: from.requestId, traceId: span.context.traceId });
  };
  return run(span.context).then(
    (value) => {
      done(statusOf(value));
      return value;
    },
    (err: unknown) => {
      done(from.signal.aborted ? 499 : failureStatus(err));
      throw err;
    },
  );
}

/** A failure's REST status; an upstream's JSON-RPC error maps as over REST (http/errors.ts). */
function failureStatus(err: unknown): number {
  if (err instanceof ProtocolError || isMcpoError(err)) return toHttpError(err).status;
  // A ProtocolError of another copy of the SDK's classes (the server package's).
  const foreign = err as { code?: unknown; message?: unknown } | undefined;
  if (typeof foreign?.code === 'number' && typeof foreign.message === 'string') return toHttpError(new ProtocolError(foreign.code, foreign.message)).status;
  return toHttpError(err).status;
}
