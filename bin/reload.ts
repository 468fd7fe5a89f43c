/**
 * Reloading in config mode: SIGHUP re-reads the config file and, with
 * --hot-reload, so does every change to it (lib/app/config-watch.ts). Each
 * read goes through bin/server-config.ts and warns about the keys a reload
 * cannot apply. Stopping the watcher is the shutdown's (bin/shutdown.ts).
 */
import type { McpoApp } from '../lib/app/app.js';
import type { McpoConfig } from '../lib/app/config.js';
import { watchConfig, type ConfigWatcher } from '../lib/app/config-watch.js';
import type { Logger } from '../lib/common/log.js';
import type { CliOptions } from './cli-options.js';
import { readConfigFile } from './server-config.js';

export interface ReloadOptions {
  file: string;
  /** The config the app started with, to tell which keys a reload changed. */
  started: McpoConfig;
  /** The command line's variables for stdio servers, folded in at every read. */
  env: Record<string, string>;
  options: Pick<CliOptions, 'hotReload' | 'publicUrl' | 'stateDir'>;
  app: McpoApp;
  logger: Logger;
}

export function watchReloads({ file, started, env, options, app, logger }: ReloadOptions): ConfigWatcher {
  const load = async (): Promise<McpoConfig> => {
    const next = await readConfigFile(file, env, logger);
    for (const key of ['publicUrl', 'stateDir'] as const) {
      // A key the command line sets is not the file's to change anyway.
      if (options[key] === undefined && next[key] !== started[key]) logger.warn(`"${key}" changed in ${file}; restart mcpo to apply it (a reload changes servers only)`);
    }
    if (JSON.stringify(next.rateLimit) !== JSON.stringify(started.rateLimit)) logger.warn(`"rateLimit" changed in ${file}; restart mcpo to apply it (a server's own "rateLimit" applies at reload)`);
    return next;
  };
  const watcher = watchConfig({ file, load, app, logger, watch: options.hotReload });
  if (options.hotReload) logger.info(`watching ${file} for changes`);
  process.on('SIGHUP', () => {
    logger.info('SIGHUP: reloading the config');
    void watcher.reload();
  });
  return watcher;
}
