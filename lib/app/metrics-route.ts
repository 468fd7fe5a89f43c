/**
 * `GET /metrics`: the Prometheus exposition of the app's metrics
 * (telemetry/metrics.ts), with the servers' state read from the table at
 * scrape time. Whether it needs credentials is createApp's choice (it does
 * whenever callers are verified, unless `metricsPublic`).
 */
import type { RequestHandler } from 'express';
import type { McpoMetrics, ServerReading } from '../telemetry/metrics.js';
import type { ServerTable } from './server-table.js';

/** Each mounted server as a scrape reads it. */
export function serverReadings(servers: ServerTable): () => Iterable<ServerReading> {
  return function* read() {
    for (const [name, { router }] of servers.current) {
      const status = router.status();
      yield { name, state: status.state, protocolVersion: status.protocolVersion, restarts: status.restarts, ...(status.users ? { users: status.users } : {}) };
    }
  };
}

export function metricsRoute(metrics: McpoMetrics): RequestHandler {
  return function metricsExposition(_req, res, next) {
    metrics.text().then((text) => {
      res.setHeader('Cache-Control', 'no-store');
      res.type(metrics.contentType).send(text);
    }, next);
  };
}
