/**
 * What each server's router is built with: the app's shared router options,
 * the OAuth pages at the app's own `<prefix>/oauth/<name>/…`, the
 * continuation secret, the bearer scheme, the app's telemetry and rate
 * limits, and a logger that tags and redacts. `serverMount` is the `mount` the server table
 * (lib/app/server-table.ts) calls for every entry it starts; the table
 * decides when.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type express from 'express';
import { mcpoRouter, type McpoRouter } from '../router/mcpo-router.js';
import type { AppOptions, AppSettings } from './app-options.js';
import { serverLogger, type GrowingRedactor } from './secrets.js';
import { serverOptions, type ServerEntry } from './server-entry.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import type { AppLimits } from './call-limits.js';

/** Replicas that share the API key accept each other's continuations; the key itself never signs anything. */
export function continuationSecretOf(options: AppOptions): string {
  return options.router?.continuationSecret ??
    (options.apiKey ? createHmac('sha256', options.apiKey).update('mcpo continuation').digest('hex') : randomBytes(32).toString('hex'));
}

/** Each server's OAuth pages, at the app's own `<prefix>/oauth/<name>/…`. */
function oauthOptions({ prefix, publicUrl, rootPath, stateDir, stateStore }: AppSettings, name: string) {
  const path = `${prefix}/oauth/${encodeURIComponent(name)}`;
  return {
    stateDir,
    ...(stateStore !== undefined ? { stateStore } : {}),
    oauthPage: `${publicUrl ?? rootPath}${path}/authorize`,
    oauthRedirectUrl: publicUrl !== undefined
      ? `${publicUrl}${path}/callback`
      : (req: express.Request) => `${req.protocol}://${req.get('host') ?? 'localhost'}${rootPath}${path}/callback`,
  };
}

export interface ServerMountOptions {
  options: AppOptions;
  settings: AppSettings;
  /** One server at the root (`{ server }`). */
  single: boolean;
  /** The router takes the entry's name (false only for one server at the root without a name). */
  named: boolean;
  /** Grows with the secrets a router finds (e.g. OAuth tokens). */
  secrets: GrowingRedactor;
  continuationSecret: string;
  /** The app's metrics and audit lines, which every router reports to. */
  telemetry: Telemetry;
  /** The app's rate limits: each router gets its server's and the top-level one. */
  limits: AppLimits;
}

export function serverMount({ options, settings, single, named, secrets, continuationSecret, telemetry, limits }: ServerMountOptions): (entry: ServerEntry) => McpoRouter {
  const { logger, rootPath } = settings;
  const { redact } = secrets;
  const verified = settings.auth !== undefined;
  return function mount(entry) {
    const { rateLimit: _own, ...fromEntry } = serverOptions(entry);
    const limiter = limits.forServer(entry.name, entry.rateLimit);
    return mcpoRouter(entry.spec, {
      ...options.router,
      ...oauthOptions(settings, entry.name),
      ...(named ? { name: entry.name } : {}),
      ...fromEntry,
      telemetry,
      ...(limiter ? { rateLimit: limiter } : {}),
      // Caller templates take a user's identity from the request: only a verified caller (a key or a JWT) may state it.
      allowCallerTemplates: verified,
      onSecrets: (values) => secrets.add(values),
      continuationSecret,
      rootPath,
      bearerAuth: verified,
      // One server at the root takes the document's info from the command line, as the original does.
      ...(single && options.info ? { info: options.info } : {}),
      logger: serverLogger(logger, entry.name, redact),
    });
  };
}
