/**
 * Preloaded with `node --import` into a command under test: writes the URL
 * of every module the ES module loader resolves, one a line, to the file in
 * MCPO_LOAD_LOG. Written synchronously from the loader's thread, so nothing
 * is lost when the process exits. (Packages that CommonJS code requires from
 * CommonJS code do not pass here; the ES module that loads them does.)
 */
import { register } from 'node:module';

register(new URL('./load-log-hooks.mjs', import.meta.url), { data: { file: process.env.MCPO_LOAD_LOG } });
