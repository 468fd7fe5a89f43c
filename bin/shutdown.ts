/**
 * Shutting down on SIGTERM or SIGINT: no new connections, calls in flight
 * get the grace period to finish, then the app closes and the process exits
 * (0 when every call finished, 1 when the grace period ran out or on a
 * second signal). Reloading on SIGHUP is bin/reload.ts's. Before the app
 * is served, a signal ends the process at once (exitOnEarlySignals).
 */
import type http from 'node:http';
import type { McpoApp } from '../lib/app/app.js';
import type { ConfigWatcher } from '../lib/app/config-watch.js';
import type { Logger } from '../lib/common/log.js';

export interface ShutdownOptions {
  server: http.Server;
  app: McpoApp;
  /** The config watcher in config mode; closed first. */
  watcher: ConfigWatcher | undefined;
  logger: Logger;
  /** Seconds calls in flight may take to finish. */
  gracePeriod: number;
  /** Run once the app has closed: the audit file flushed, the last spans exported. */
  finish?: () => Promise<void>;
}

/** The most the last flushes may hold up the exit (a collector that stopped answering, say). */
const FINISH_MS = 5000;

/**
 * Until stopOnSignals takes over, a signal exits through process.exit rather
 * than Node's default, which would skip the exit hook that kills the servers
 * started ahead (lib/mcp/server-process.ts): they run in groups of their own.
 * Returns the function that removes the handlers.
 */
export function exitOnEarlySignals(): () => void {
  const exit = (signal: NodeJS.Signals): void => process.exit(signal === 'SIGINT' ? 130 : 143);
  process.on('SIGTERM', exit);
  process.on('SIGINT', exit);
  return () => {
    process.off('SIGTERM', exit);
    process.off('SIGINT', exit);
  };
}

/** Installs the handlers; the function returned tells whether a shutdown has begun. */
export function stopOnSignals({ server, app, watcher, logger, gracePeriod, finish }: ShutdownOptions): () => boolean {
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) {
      // A second signal: stop now. The stdio transport's exit hook SIGKILLs every child's process group.
      logger.warn(`${signal} again; exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    watcher?.close();
    logger.info(`${signal}: no new connections; waiting up to ${gracePeriod} s for calls in flight`);
    server.close();
    server.closeIdleConnections();
    const drained = await app.drain(gracePeriod * 1000);
    if (!drained) logger.warn('the grace period ran out with calls still in flight');
    server.closeAllConnections();
    await app.close();
    if (finish) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([finish().catch(() => {}), new Promise((resolve) => (timer = setTimeout(resolve, FINISH_MS)))]);
      clearTimeout(timer);
    }
    logger.info('stopped');
    process.exit(drained ? 0 : 1);
  };
  process.on('SIGTERM', (s) => void shutdown(s));
  process.on('SIGINT', (s) => void shutdown(s));
  return () => stopping;
}
