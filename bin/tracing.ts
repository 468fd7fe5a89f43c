/**
 * Traces out of the command: when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, the OpenTelemetry Node SDK
 * is started with the OTLP exporter, configured by the standard `OTEL_*`
 * variables (protocol, headers, sampler, resource attributes) and named
 * `mcpo` unless `OTEL_SERVICE_NAME` says otherwise. The library only ever
 * uses `@opentelemetry/api` (lib/telemetry/spans.ts); the SDK is loaded
 * here, and only when asked for, so a command without a collector pays
 * nothing for it. Metrics stay with Prometheus (`/metrics`): the SDK's
 * metric and log exporters are off unless their own variables turn them on.
 */
import type { Logger } from '../lib/common/log.js';

export interface Tracing {
  /** Exports what is still buffered, then stops. */
  shutdown(): Promise<void>;
}

type Env = NodeJS.ProcessEnv;

export async function startTracing(env: Env, logger: Logger): Promise<Tracing | undefined> {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return undefined;
  env.OTEL_METRICS_EXPORTER ??= 'none';
  env.OTEL_LOGS_EXPORTER ??= 'none';
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK(env.OTEL_SERVICE_NAME ? {} : { serviceName: 'mcpo' });
  sdk.start();
  logger.info('sending traces to an OpenTelemetry collector', { endpoint: originOf(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT) });
  return { shutdown: () => sdk.shutdown() };
}

/** The collector's origin, for the log: a URL may carry credentials in its user part or query. */
function originOf(url: string | undefined): string {
  try {
    return new URL(url ?? '').origin;
  } catch {
    return '(not a URL)';
  }
}
