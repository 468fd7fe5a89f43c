/**
 * What a router or an app reports to: metrics (telemetry/metrics.ts), the
 * audit trail (telemetry/audit.ts), and spans, which go through
 * `@opentelemetry/api` always (telemetry/spans.ts). `reportCall` is the one
 * place a finished call is counted, timed and written down, whether it came
 * over REST (telemetry/observe.ts) or MCP (mcp-endpoint/router-source.ts).
 */
import type { AuditSink } from './audit.js';
import type { McpoMetrics } from './metrics.js';

export interface Telemetry {
  /** Prometheus metrics (`createMetrics()`). @default none */
  readonly metrics?: McpoMetrics;
  /** Where the audit lines go (`auditToLog(logger)`, `auditFile(path).write`). @default none */
  readonly audit?: AuditSink;
}

/** A call: a tool call, a resource read or a prompt. */
export type CallKind = 'tool' | 'resource' | 'prompt';

/** A finished call, as `reportCall` records it. */
export interface CallReport {
  server: string;
  kind: CallKind;
  /** The tool's or prompt's name, or the resource's URI. */
  name: string;
  status: number;
  /** `performance.now()` when the call started. */
  startedAt: number;
  caller: string | undefined;
  requestId: string | undefined;
  traceId: string | undefined;
}

export function reportCall(telemetry: Telemetry, report: CallReport): void {
  const ms = performance.now() - report.startedAt;
  // Only tool calls have series: a resource URI is no label value, however it came.
  if (report.kind === 'tool') telemetry.metrics?.toolCall(report.server, report.name, report.status, ms / 1000);
  telemetry.audit?.({
    time: new Date().toISOString(),
    requestId: report.requestId ?? null,
    traceId: report.traceId ?? null,
    caller: report.caller ?? null,
    server: report.server,
    tool: report.name,
    status: report.status,
    durationMs: Math.round(ms * 1000) / 1000,
  });
}
