/**
 * The lists of the aggregate MCP endpoint (aggregate-source.ts) gathered
 * across the app's servers, and the server behind a URI. Resources keep
 * their own URIs: a URI two servers list is served by the first (in config
 * order) and reported once, and the server that listed it is remembered.
 * Reading a resource or completing a resource template asks that server,
 * or, for a URI no list showed (a template filled in), each server that
 * offers resources in turn until one knows it. Names of tools and prompts
 * are aggregate-names.ts's.
 */
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/client';
import type { Logger } from '../common/log.js';
import type { McpSource, PassThroughMethod, RequestFrom } from './source.js';

export type Entry = Record<string, unknown>;

/** Who a request is from: its HTTP headers (a caller's own connection is chosen by them) and its verified caller. */
export type From = RequestFrom;

export interface AggregateListsOptions {
  /** The connected servers of this moment, in config order. */
  live(): [string, McpSource][];
  logger: Logger;
}

export interface AggregateLists {
  /** Every entry of every server, each list followed to its last page. */
  gather(method: 'resources/list' | 'resources/templates/list' | 'prompts/list', key: string, signal: AbortSignal, from: From): Promise<[string, Entry][]>;
  /** Every server's resources, a URI listed twice served by the first; remembers who listed each. */
  resources(signal: AbortSignal, from: From): Promise<Entry[]>;
  /** The connected servers of this moment. */
  live(): [string, McpSource][];
  /** The server that listed `uri`, else the first that takes subscriptions: whom a subscription to it goes to. */
  owner(uri: string): McpSource;
  /** Asks the server that listed `uri`, else each that offers resources until one knows it. */
  byUri(method: PassThroughMethod, uri: string, params: Entry, signal: AbortSignal, from: From): Promise<Entry>;
}

const isNotFound = (err: unknown): boolean => {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === ProtocolErrorCode.ResourceNotFound || code === ProtocolErrorCode.InvalidParams || code === -32002;
};

export function aggregateLists(options: AggregateListsOptions): AggregateLists {
  const { logger } = options;
  /** Which server listed a URI last time resources were listed. */
  let owners = new Map<string, string>();
  const reported = new Set<string>();
  const offering = (feature: 'resources' | 'prompts') => options.live().filter(([, source]) => source.capabilities()[feature]);

  const lists: AggregateLists = {
    live: options.live,
    owner(uri) {
      const listed = owners.get(uri);
      const found = options.live().find(([server, source]) => (listed === undefined ? source.capabilities().resources?.subscribe : server === listed));
      if (!found) throw new ProtocolError(ProtocolErrorCode.ResourceNotFound, `Resource not found: ${uri}`, { uri });
      return found[1];
    },
    async gather(method, key, signal, from) {
      const feature = method === 'prompts/list' ? 'prompts' : 'resources';
      const out: [string, Entry][] = [];
      for (const [server, source] of offering(feature)) {
        let cursor: string | undefined;
        do {
          const page = await source.request(method, cursor ? { cursor } : {}, signal, from);
          for (const entry of (page[key] as Entry[] | undefined) ?? []) out.push([server, entry]);
          cursor = typeof page.nextCursor === 'string' ? page.nextCursor : undefined;
        } while (cursor);
      }
      return out;
    },
    async resources(signal, from) {
      const seen = new Map<string, string>();
      const resources: Entry[] = [];
      for (const [server, entry] of await lists.gather('resources/list', 'resources', signal, from)) {
        const uri = String(entry.uri);
        const first = seen.get(uri);
        if (first === undefined) {
          seen.set(uri, server);
          resources.push(entry);
        } else if (first !== server && !reported.has(uri)) {
          reported.add(uri);
          logger.error('two servers list one resource URI; the aggregate MCP endpoint serves the first', { uri, served: first, hidden: server });
        }
      }
      owners = seen;
      return resources;
    },
    async byUri(method, uri, params, signal, from) {
      const candidates = offering('resources');
      const owner = owners.get(uri);
      const ordered = owner ? [...candidates.filter(([s]) => s === owner), ...candidates.filter(([s]) => s !== owner)] : candidates;
      let last: unknown = new ProtocolError(ProtocolErrorCode.ResourceNotFound, `Resource not found: ${uri}`, { uri });
      for (const [, source] of ordered) {
        try {
          return await source.request(method, params, signal, from);
        } catch (err) {
          if (!isNotFound(err)) throw err;
          last = err;
        }
      }
      throw last;
    },
  };
  return lists;
}
