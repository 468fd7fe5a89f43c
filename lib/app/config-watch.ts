/**
 * `watchConfig()`: hot reload. Watches a config file and applies every good
 * version of it to a running app; a broken version is shown in `/healthz`
 * and changes nothing.
 *
 * It watches the file's directory, not the file: editors save by writing a
 * temp file and renaming it over the original, and a Kubernetes ConfigMap
 * swaps a `..data` symlink; both replace the inode a file watch would hold.
 * Events come in bursts, so they are debounced, and reloads run one at a
 * time: an event during a reload queues exactly one more. Events for other
 * files in the directory are cheap: the file is read and, when its text is
 * what was last applied, nothing else happens.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { AppConfig } from './server-entries.js';
import type { ReloadResult } from './server-table.js';
import { coalesced } from '../common/coalesce.js';
import type { Logger } from '../common/log.js';

export interface ConfigWatchOptions {
  /** The config file. */
  file: string;
  /** Reads and checks the file; throws (a ConfigError, ideally) when it cannot be used. */
  load: () => Promise<AppConfig>;
  /** The app to apply it to. */
  app: {
    reload(config: AppConfig): Promise<ReloadResult>;
    setConfigError(error: unknown): void;
  };
  logger: Logger;
  /** Watch the directory; false leaves only `reload()` (SIGHUP without --hot-reload). @default true */
  watch?: boolean;
  /** Quiet time after the last event before the file is read. @default 200 */
  debounceMs?: number;
}

export interface ConfigWatcher {
  /** Reads and applies the file now (SIGHUP does this); resolves when that reload is done. */
  reload(): Promise<void>;
  /** Stops watching; a reload under way still finishes. */
  close(): void;
}

/**
 * Says that a file was read and accepted, at info: a fix and a save that
 * changed no server would otherwise go unseen. What changed is logged by
 * the server table itself ("config reloaded", with the names).
 */
function logAccepted(logger: Logger, result: ReloadResult, wasBroken: boolean): void {
  const again = wasBroken ? ' again' : '';
  if (result.added.length + result.changed.length + result.removed.length === 0) {
    logger.info(`config OK${again}, no server changed`);
  } else if (!result.applied) {
    logger.info(`config OK${again}, but no changed server could start; the previous ones keep serving`);
  } else if (wasBroken) {
    logger.info('config OK again, changes applied', { generation: result.generation });
  }
}

/** Calls `onEvent` for every event in the file's directory; undefined when it cannot be watched. */
function watchDirectory(file: string, logger: Logger, onEvent: () => void): FSWatcher | undefined {
  try {
    const watcher = watch(dirname(file), { persistent: false }, onEvent);
    watcher.on('error', (err) => logger.warn(`stopped watching ${basename(file)}: ${err.message}; send SIGHUP to reload`));
    return watcher;
  } catch (err) {
    logger.warn(`cannot watch ${file}: ${(err as Error).message}; send SIGHUP to reload`);
    return undefined;
  }
}

export function watchConfig(options: ConfigWatchOptions): ConfigWatcher {
  const { app, logger } = options;
  const debounceMs = options.debounceMs ?? 200;
  const file = resolve(options.file);
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let lastError: string | undefined;
  /** The text last read, so unrelated events in the directory cost one read. */
  let lastText: string | undefined;

  // One reload at a time; saves during one ask for exactly one more.
  const reload = coalesced(async (): Promise<void> => {
    if (closed) return;
    const wasBroken = lastError !== undefined;
    let config: AppConfig;
    try {
      config = await options.load();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      app.setConfigError(err);
      // Every save of a still-broken file would repeat it; say each distinct problem once.
      if (message !== lastError) logger.error(`config not reloaded, the servers keep running as they are: ${message}`);
      lastError = message;
      return;
    }
    try {
      const result = await app.reload(config);
      lastError = undefined;
      app.setConfigError(null);
      logAccepted(logger, result, wasBroken);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      app.setConfigError(err);
      logger.error(`config not reloaded: ${message}`);
      lastError = message;
    }
  });

  /** For watch events: skip the reload when the file's text did not change. */
  const changed = async (): Promise<boolean> => {
    let text: string | undefined;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      // Mid-rename, or gone: load() reports it if it stays that way.
    }
    if (text !== undefined && text === lastText) return false;
    lastText = text;
    return true;
  };

  const watcher = options.watch === false ? undefined : watchDirectory(file, logger, () => {
    // Any name may matter: a ConfigMap's ..data, an editor's temp file renamed over ours.
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      void changed().then((yes) => (yes ? reload() : undefined));
    }, debounceMs);
  });

  return {
    reload,
    close() {
      closed = true;
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
