/**
 * Preloaded with `node --import` into a command under test. With
 * MCPO_LOAD_LOG set, writes the URL of every module the ES module loader
 * resolves, one a line, to that file: synchronously from the loader's
 * thread, so nothing is lost when the process exits. (Packages that
 * CommonJS code requires from CommonJS code do not pass here; the ES module
 * that loads them does.) With MCPO_SLOW_MODULE (a pattern of URLs) and
 * MCPO_SLOW_MS set, holds such a module back that long, so a test can act
 * while the command is still starting.
 */
import { register } from 'node:module';

const { MCPO_LOAD_LOG, MCPO_SLOW_MODULE, MCPO_SLOW_MS } = process.env;
register(new URL('./load-hooks-thread.mjs', import.meta.url), {
  data: { file: MCPO_LOAD_LOG, slowModule: MCPO_SLOW_MODULE, slowMs: Number(MCPO_SLOW_MS ?? 0) },
});
