/**
 * The stdio servers of the config, started before the app is loaded
 * (lib/mcp/spawn-ahead.ts): a server with a template in its variables
 * (a caller's values) is left to the app, which starts it for its first
 * caller, and so is anything the app would read differently; what the app's
 * transport does not find started it starts itself.
 */
import type { AppConfig } from '../lib/app/server-entries.js';
import { resolveSpec } from '../lib/mcp/spec.js';
import { spawnAhead } from '../lib/mcp/spawn-ahead.js';

/** The specs of the config's servers: one on the command line, or the enabled ones of a file. */
function specsOf(config: AppConfig): unknown[] {
  if ('server' in config) return [config.server];
  if ('servers' in config && Array.isArray(config.servers)) return config.servers.map((entry) => entry.spec);
  return [];
}

export function startAhead(config: AppConfig): void {
  for (const given of specsOf(config)) {
    let spec;
    try {
      spec = resolveSpec(given);
    } catch {
      continue;
    }
    if (spec.type !== 'stdio' || Object.values(spec.env).some((value) => value.includes('{{'))) continue;
    spawnAhead({ command: spec.command, args: spec.args, env: spec.env, ...(spec.cwd !== undefined ? { cwd: spec.cwd } : {}) });
  }
}
