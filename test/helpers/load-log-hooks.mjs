/** The loader hooks of load-log.mjs. */
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

// The app: the bundled command's chunk, or the module as tsc emits it.
const APP = /\/dist\/(bin\/app-[^/]*|lib\/app\/app)\.js$/;
let file;
let slowAppMs = 0;

export function initialize(data) {
  file = data.file;
  slowAppMs = data.slowAppMs;
}

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (file) appendFileSync(file, resolved.url + '\n');
  if (slowAppMs > 0 && APP.test(resolved.url)) await sleep(slowAppMs);
  return resolved;
}
