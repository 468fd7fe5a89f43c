/**
 * What a supervised connection (lib/mcp/upstream.ts) is given besides its
 * spec: its name and logger, its timings and backoff, the callbacks through
 * which it reports its tools, catalog, list changes and state, and the OAuth
 * of a remote server (lib/mcp/oauth/authorization.ts). Types only.
 */
import type { Tool } from '@modelcontextprotocol/client';
import type { BackoffOptions } from './backoff.js';
import type { Logger } from '../common/log.js';
import type { ServerMeta, UpstreamState } from './status.js';
import type { UpstreamAuthorization } from './oauth/authorization.js';
import type { Catalog, CatalogFeature } from './catalog.js';

export interface UpstreamOptions {
  /** The server's name in error messages ("MCP server "memory" exited …"). */
  name: string;
  logger: Logger;
  connectTimeoutMs: number;
  retryAfter: number;
  /** Delays between attempts to reach a server that failed or went away. */
  backoff: BackoffOptions;
  /** Called with the full tool list after connecting and after every change. */
  onTools: (tools: Tool[], meta: ServerMeta) => void;
  /** The features whose lists are kept (catalog.ts), for the documents. @default none */
  catalog?: readonly CatalogFeature[];
  /** Called with the catalog after connecting (before onTools) and after every change of it. */
  onCatalog?: (catalog: Catalog) => void;
  /** Features whose list changes are reported through onListChanged, kept or not (the MCP endpoint passes them on). @default none */
  watch?: readonly CatalogFeature[];
  /** The server said the list of `feature` changed (for a feature in `watch`). */
  onListChanged?: (feature: CatalogFeature) => void;
  /** Called on every change of state (connected, lost, closed…). */
  onState?: (state: UpstreamState) => void;
  /**
   * Never connect: wait in `waiting-for-caller` until `adopt()` hands it the
   * lists of a caller's own connection (for a server whose caller templates
   * need a caller's values, mcp/users/). ready() resolves at once. @default false
   */
  standby?: boolean;
  /** Masks secrets in text from the server that a client is shown (a 503's last error). @default none masked */
  redact?: (text: string) => string;
  /** OAuth for a remote server (authorization.ts); absent for stdio. */
  authorization?: UpstreamAuthorization;
}

/** The server features beside tools that the router serves, as named in the server's capabilities. */
export type Feature = 'resources' | 'prompts' | 'completions';
