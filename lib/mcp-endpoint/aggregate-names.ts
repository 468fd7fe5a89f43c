/**
 * The names the aggregate MCP endpoint (aggregate-source.ts) serves tools
 * and prompts under: `<server><separator><name>` out, and back to the
 * server and its own name in. A joined name that is not a function name is
 * left out and warned about once. Resources keep their own URIs and are not
 * named here (aggregate-lists.ts).
 */
import type { Logger } from '../common/log.js';
import { OPERATION_ID_PATTERN } from '../openapi/tools.js';
import type { McpSource } from './source.js';

export interface AggregateNamesOptions {
  /** The connected servers of this moment, in config order. */
  live(): [string, McpSource][];
  separator: string;
  logger: Logger;
}

export interface AggregateNames {
  /** The name a server's tool or prompt is served as; undefined (warned about once) when it is not a function name. */
  served(server: string, name: string): string | undefined;
  /** The server, its own name for the tool or prompt, and the server's name, behind a prefixed name: the longest server name that fits wins. */
  split(full: string): [McpSource, string, string] | undefined;
}

export function aggregateNames(options: AggregateNamesOptions): AggregateNames {
  const { separator, logger } = options;
  const reported = new Set<string>();
  return {
    served(server, name) {
      const full = `${server}${separator}${name}`;
      if (OPERATION_ID_PATTERN.test(full)) return full;
      if (!reported.has(full)) {
        reported.add(full);
        logger.warn('left out of the aggregate MCP endpoint: its prefixed name is not a function name (at most 64 letters, digits, "_" or "-")', { server, name });
      }
      return undefined;
    },
    split(full) {
      let best: [string, McpSource] | undefined;
      for (const [server, source] of options.live()) {
        if (full.startsWith(`${server}${separator}`) && (!best || server.length > best[0].length)) best = [server, source];
      }
      return best ? [best[1], full.slice(best[0].length + separator.length), best[0]] : undefined;
    },
  };
}
