/**
 * The app's telemetry (telemetry/telemetry.ts): its metrics unless
 * `metrics: false`, its audit lines to the `audit` sink or the log, and
 * reloads counted as `mcpo_reloads_total{result}`: applied when the new
 * config was taken whole, rejected when it could not be read or checked, or
 * a changed server could not start (the old one kept serving).
 */
import { logs, type Logger } from '../common/log.js';
import { auditToLog } from '../telemetry/audit.js';
import { createMetrics, type McpoMetrics } from '../telemetry/metrics.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import type { AppOptions } from './app-options.js';
import type { ReloadResult } from './server-table.js';

export function appTelemetry(options: AppOptions, logger: Logger): Telemetry {
  // Audit lines to a log that drops info lines would be built per call for nothing.
  const audit = options.audit === false ? undefined : (options.audit ?? (logs(logger, 'info') ? auditToLog(logger) : undefined));
  return Object.freeze({
    ...(options.metrics !== false ? { metrics: createMetrics() } : {}),
    ...(audit ? { audit } : {}),
  });
}

export interface ReloadHooks<C> {
  reload(config: C): Promise<ReloadResult>;
  setConfigError(error: unknown): void;
}

/** The app's reload and config-error hooks, counting each outcome once. */
export function countedReloads<C>(hooks: ReloadHooks<C>, metrics: McpoMetrics | undefined): ReloadHooks<C> {
  if (!metrics) return hooks;
  // The watcher (app/config-watch.ts) also shows a failed reload's error: counted once, where it was thrown.
  const thrown = new WeakSet<object>();
  return {
    async reload(config) {
      try {
        const result = await hooks.reload(config);
        metrics.reload(result.failed.length > 0 ? 'rejected' : 'applied');
        return result;
      } catch (err) {
        metrics.reload('rejected');
        if (typeof err === 'object' && err !== null) thrown.add(err);
        throw err;
      }
    },
    setConfigError(error) {
      if (error !== null && error !== undefined && !(typeof error === 'object' && thrown.has(error))) metrics.reload('rejected');
      hooks.setConfigError(error);
    },
  };
}
