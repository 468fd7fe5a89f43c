/**
 * The `/healthz` report: whether the app is serving, which configuration
 * generation it runs, and the state of each server. Pure, apart from the
 * handler reading the report it is given.
 *
 * It needs no key, so it shows nothing secret: no env values, headers, URL
 * credentials, API key or child stderr. Error text from a server is passed
 * through the app's redactor first.
 */
import type { RequestHandler } from 'express';
import type { Redactor } from './redact.js';
import type { TransportType } from './spec.js';
import type { UpstreamState, UpstreamStatus } from './upstream.js';

export interface ServerHealth {
  connected: boolean;
  type: TransportType;
  state: UpstreamState;
  /** Tools served now (after disabledTools). */
  tools: number;
  lastError: string | null;
  /** When `state` last changed (ISO time). */
  since: string;
}

export interface HealthReport {
  /** `draining` once shutdown has begun; the endpoint then answers 503. */
  status: 'ok' | 'draining';
  /** 1 at start; one more for every applied reload. */
  generation: number;
  /** When the last reload was applied (ISO time), or null. */
  lastReload: string | null;
  servers: Record<string, ServerHealth>;
}

export function serverHealth(status: UpstreamStatus, tools: number, redact: Redactor): ServerHealth {
  return {
    connected: status.state === 'ready',
    type: status.type,
    state: status.state,
    tools,
    lastError: status.lastError === null ? null : redact(status.lastError),
    since: status.since,
  };
}

export function healthHandler(report: () => HealthReport): RequestHandler {
  return function healthz(_req, res) {
    const body = report();
    res.status(body.status === 'ok' ? 200 : 503).set('Cache-Control', 'no-store').json(body);
  };
}
