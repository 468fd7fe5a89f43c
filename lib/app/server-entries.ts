/**
 * What `createApp` accepts as a config, folded into one list of server
 * entries: Claude-Desktop style `{ mcpServers }`, a parsed file from
 * `loadConfig`, or one server given as `{ server }` to serve at the root.
 * Also what the app does to such a list before mounting it, at start and on
 * every reload: the servers' names as tool prefixes, and the name check.
 */
import { ConfigError, normalizeConfig, type McpoConfig } from './config.js';
import { serverNameProblem, serverOptions, type ServerEntry, type ServerOptions } from './server-entry.js';
import { resolveSpec, type ServerSpec } from '../mcp/spec.js';

/** One server at the root of the app. */
export interface SingleServerConfig extends Partial<ServerOptions> {
  server: ServerSpec;
  /** The key it is listed under in `/healthz`. @default 'default' */
  name?: string;
}

/** Claude-Desktop style `{ mcpServers }`, a parsed file from `loadConfig`, or one server. */
export type AppConfig = { mcpServers: Record<string, unknown> } | McpoConfig | SingleServerConfig;

/**
 * The entries, and the warnings a config file would get (unknown keys and the
 * like) for `{ mcpServers }` given in code; a parsed file's were given when it was read.
 */
export function serverEntries(config: AppConfig): { servers: readonly ServerEntry[]; single: boolean; warnings: readonly string[] } {
  if (typeof config === 'object' && config !== null && 'server' in config) {
    const type = resolveSpec(config.server).type;
    return {
      single: true,
      warnings: [],
      servers: [{
        name: config.name ?? 'default',
        spec: config.server,
        type,
        ...serverOptions(config),
        disabledTools: [...(config.disabledTools ?? [])],
      }],
    };
  }
  if (typeof config === 'object' && config !== null && 'servers' in config && Array.isArray(config.servers)) {
    return { single: false, servers: config.servers, warnings: [] };
  }
  const { servers, warnings } = normalizeConfig(config);
  return { single: false, servers, warnings };
}

/**
 * The entry with its server's name as the tool prefix (`--tool-prefix-servers`),
 * unless it has its own. A server name may hold "." and "~", which a function
 * name may not: they become "_".
 */
function withServerPrefix(entry: ServerEntry): ServerEntry {
  return entry.toolPrefix !== undefined ? entry : { ...entry, toolPrefix: entry.name.replace(/[^A-Za-z0-9_-]/g, '_') };
}

/** The entries as mounted: with `toolPrefixServers`, each with its server's name as its tool prefix. */
export function prefixedEntries(list: readonly ServerEntry[], toolPrefixServers: boolean | undefined): readonly ServerEntry[] {
  return toolPrefixServers ? list.map(withServerPrefix) : list;
}

/** A config built in code skips loadConfig's checks; the names are checked the same way here. */
export function checkServerNames(list: readonly ServerEntry[]): void {
  for (const entry of list) {
    const problem = serverNameProblem(entry.name);
    if (problem) throw new ConfigError(problem, 'config');
  }
}
