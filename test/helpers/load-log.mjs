/**
 * Preloaded with `node --import` into a command under test. With
 * MCPO_LOAD_LOG set, writes the URL of every module the ES module loader
 * resolves, one a line, to that file: synchronously from the loader's
 * thread, so nothing is lost when the process exits. (Packages that
 * CommonJS code requires from CommonJS code do not pass here; the ES module
 * that loads them does.) With MCPO_SLOW_APP_MS set, holds the app's module
 * back that long, so a test can act while the command is still starting.
 */
import { register } from 'node:module';

register(new URL('./load-log-hooks.mjs', import.meta.url), {
  data: { file: process.env.MCPO_LOAD_LOG, slowAppMs: Number(process.env.MCPO_SLOW_APP_MS ?? 0) },
});
