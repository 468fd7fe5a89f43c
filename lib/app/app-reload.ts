/**
 * `app.reload(config)`: applies a new config of named servers to a running
 * app. The entries are prepared as at start (lib/app/server-entries.ts),
 * their secrets join the redactor before any of them starts, the server table
 * (lib/app/server-table.ts) swaps them in, the aggregate MCP endpoint hears
 * of a new table, and a server taken out forgets its OAuth tokens. The app's
 * options stay as they were.
 */
import type { Logger } from '../common/log.js';
import type { AuthRecords } from '../state/auth-records.js';
import type { AggregateMcp } from './aggregate-mcp.js';
import { secretsOf, type GrowingRedactor } from './secrets.js';
import { checkServerNames, prefixedEntries, serverEntries, type AppConfig } from './server-entries.js';
import type { ReloadResult, ServerTable } from './server-table.js';

export interface AppReloadOptions {
  servers: ServerTable;
  /** The app serves one server given as `{ server }`, which cannot be reloaded. */
  single: boolean;
  toolPrefixServers: boolean | undefined;
  secrets: GrowingRedactor;
  aggregate: AggregateMcp | undefined;
  /** Where the servers' OAuth tokens are kept. */
  records: AuthRecords;
  /** Told the config's warnings, as at start. */
  logger: Logger;
}

export function appReload({ servers, single, toolPrefixServers, secrets, aggregate, records, logger }: AppReloadOptions): (config: AppConfig) => Promise<ReloadResult> {
  return async function reload(next) {
    if (single) throw new TypeError('reload() needs a config of named servers; this app serves one server');
    const { servers: nextListed, single: nextSingle, warnings } = serverEntries(next);
    if (nextSingle) throw new TypeError('reload() needs a config of named servers, not { server }');
    for (const warning of warnings) logger.warn(warning);
    const list = prefixedEntries(nextListed, toolPrefixServers);
    checkServerNames(list);
    if (servers.closed) throw new Error('the app is closed');
    secrets.add(secretsOf(list, undefined));
    const result = await servers.reload(list);
    if (result.applied) aggregate?.tableChanged();
    // A server taken out of the config takes its tokens with it.
    for (const name of result.removed) await records.forgetServer(name).catch(() => {});
    return result;
  };
}
