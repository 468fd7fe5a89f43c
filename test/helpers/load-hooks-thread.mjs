/** The loader hooks of load-hooks.mjs, which run on the loader's own thread. */
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

let file;
let slow;
let slowMs = 0;

export function initialize(data) {
  file = data.file;
  slow = data.slowModule ? new RegExp(data.slowModule) : undefined;
  slowMs = data.slowMs;
}

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (file) appendFileSync(file, resolved.url + '\n');
  if (slow?.test(resolved.url)) await sleep(slowMs);
  return resolved;
}
