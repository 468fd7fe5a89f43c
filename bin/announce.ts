/**
 * The log lines that say where mcpo serves: the address once it listens, and
 * each server's docs (or why it has none yet) once every server is ready, by
 * the app's health report (lib/app/app.ts). Logging only; when to log is the
 * entry point's (bin/mcpo.ts).
 */
import type { McpoApp } from '../lib/app/app.js';
import type { Logger } from '../lib/common/log.js';

/** Where mcpo listens: its base URL, and the --path-prefix servers are mounted under (normalised, "" for /). */
export interface ServedAt {
  url: string;
  prefix: string;
}

export function logListening(logger: Logger, { url, prefix }: ServedAt, apiKey: string | undefined): void {
  logger.info(`listening on ${url}${prefix}/ (docs at ${url}${prefix}/docs${apiKey ? ', API key required' : ''})`);
}

/** One line per server once every server is ready; with a config file each server's docs are under its name. */
export function logServers(app: McpoApp, { url, prefix }: ServedAt, configMode: boolean, logger: Logger): void {
  for (const [name, report] of Object.entries(app.health().servers)) {
    if (report.connected) logger.info(`server ${name}: ${report.tools} tool(s) at ${url}${prefix}${configMode ? `/${name}` : ''}/docs`);
    else if (report.authorizeUrl !== undefined) {
      const page = report.authorizeUrl.startsWith('/') ? `${url}${report.authorizeUrl}` : report.authorizeUrl;
      logger.warn(`server ${name}: needs authorization; open ${page} in a browser`);
    }
    // Caller templates or per-caller sign-in: nothing to connect until a caller comes.
    else if (report.state === 'waiting-for-caller') logger.info(`server ${name}: waits for its first caller${report.authorizedCallers !== undefined ? ' (each signs in on their own)' : ''}`);
    // The error (quoted stderr included) goes in a field, so the log stays one line per event.
    else logger.warn(`server ${name}: not connected; retrying in the background`, report.lastError ? { error: report.lastError } : undefined);
  }
}
