/**
 * Every server of the app as one MCP source, for `<prefix>/mcp`. Tools and
 * prompts are served as `<server><separator><name>`; resources keep their
 * own URIs, and a URI two servers list is served by the first (in config
 * order) and reported once. A server that is not connected is left out,
 * and every list is said to have changed when one comes or goes, or when a
 * reload changes the table.
 *
 * Reading a resource or completing a resource template asks the server that
 * listed the URI, or, for a URI no list showed (a template filled in), each
 * server that offers resources in turn until one knows it.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { ProtocolError, ProtocolErrorCode, type ServerCapabilities } from '@modelcontextprotocol/client';
import type { Logger } from '../common/log.js';
import { OPERATION_ID_PATTERN } from '../openapi/tools.js';
import { listChangeListeners, type ListKind, type McpSource, type PassThroughMethod, type SourceTool } from './source.js';

/** What may join a server's name and a tool's: the joined name must stay a function name. */
export const MCP_SEPARATOR = /^[A-Za-z0-9_-]{1,8}$/;

export interface AggregateSourceOptions {
  /** The servers of this moment, in config order. */
  servers(): ReadonlyMap<string, McpSource>;
  /** Between a server's name and a tool's or prompt's. @default '_' */
  separator: string;
  logger: Logger;
}

export interface AggregateSource extends McpSource {
  /** The app's table changed (a reload): resubscribe, and tell clients every list may have changed. */
  tableChanged(): void;
  close(): void;
}

type Entry = Record<string, unknown>;

const isNotFound = (err: unknown): boolean => {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === ProtocolErrorCode.ResourceNotFound || code === ProtocolErrorCode.InvalidParams || code === -32002;
};

export function aggregateSource(options: AggregateSourceOptions): AggregateSource {
  const { separator, logger } = options;
  const listeners = listChangeListeners();
  const subscribed = new Map<McpSource, () => void>();
  /** Which server listed a URI last time resources were listed. */
  let owners = new Map<string, string>();
  const reported = new Set<string>();

  const live = (): [string, McpSource][] => [...options.servers()].filter(([, source]) => source.available());
  const offering = (feature: 'resources' | 'prompts' | 'completions') => live().filter(([, source]) => source.capabilities()[feature]);
  const served = (server: string, name: string): string | undefined => {
    const full = `${server}${separator}${name}`;
    if (OPERATION_ID_PATTERN.test(full)) return full;
    const key = `name:${full}`;
    if (!reported.has(key)) {
      reported.add(key);
      logger.warn('left out of the aggregate MCP endpoint: its prefixed name is not a function name (at most 64 letters, digits, "_" or "-")', { server, name });
    }
    return undefined;
  };
  /** The server and its own name behind a prefixed name: the longest server name that fits wins. */
  const split = (full: string): [McpSource, string] | undefined => {
    let best: [string, McpSource] | undefined;
    for (const [server, source] of live()) {
      if (full.startsWith(`${server}${separator}`) && (!best || server.length > best[0].length)) best = [server, source];
    }
    return best ? [best[1], full.slice(best[0].length + separator.length)] : undefined;
  };

  const resubscribe = (): void => {
    const now = new Set(options.servers().values());
    for (const [source, unsubscribe] of subscribed) {
      if (!now.has(source)) {
        unsubscribe();
        subscribed.delete(source);
      }
    }
    for (const source of now) if (!subscribed.has(source)) subscribed.set(source, source.onListChanged((kind) => listeners.emit(kind)));
  };
  resubscribe();

  /** Every entry of every server, each list followed to its last page. */
  async function gather(method: 'resources/list' | 'resources/templates/list' | 'prompts/list', key: string, signal: AbortSignal, headers?: IncomingHttpHeaders): Promise<[string, Entry][]> {
    const feature = method === 'prompts/list' ? 'prompts' : 'resources';
    const out: [string, Entry][] = [];
    for (const [server, source] of offering(feature)) {
      let cursor: string | undefined;
      do {
        const page = await source.request(method, cursor ? { cursor } : {}, signal, headers);
        for (const entry of (page[key] as Entry[] | undefined) ?? []) out.push([server, entry]);
        cursor = typeof page.nextCursor === 'string' ? page.nextCursor : undefined;
      } while (cursor);
    }
    return out;
  }

  /** Asks the server that listed `uri`, else each that offers resources until one knows it. */
  async function byUri(method: PassThroughMethod, uri: string, params: Entry, signal: AbortSignal, headers?: IncomingHttpHeaders): Promise<Entry> {
    const candidates = offering('resources');
    const owner = owners.get(uri);
    const ordered = owner ? [...candidates.filter(([s]) => s === owner), ...candidates.filter(([s]) => s !== owner)] : candidates;
    let last: unknown = new ProtocolError(ProtocolErrorCode.ResourceNotFound, `Resource not found: ${uri}`, { uri });
    for (const [, source] of ordered) {
      try {
        return await source.request(method, params, signal, headers);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        last = err;
      }
    }
    throw last;
  }

  return {
    available: () => true,
    tools(): SourceTool[] {
      const out: SourceTool[] = [];
      for (const [server, source] of live()) {
        for (const tool of source.tools()) {
          const name = served(server, tool.name);
          if (name) out.push({ ...tool, name });
        }
      }
      return out;
    },
    capabilities(): ServerCapabilities {
      return {
        tools: { listChanged: true },
        resources: { listChanged: true },
        prompts: { listChanged: true },
        completions: {},
      };
    },
    callTool(name, args, call) {
      const found = split(name);
      if (!found) return Promise.reject(new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${name}`));
      return found[0].callTool(found[1], args, call);
    },
    async request(method, params, signal, headers) {
      switch (method) {
        case 'resources/list': {
          const seen = new Map<string, string>();
          const resources: Entry[] = [];
          for (const [server, entry] of await gather(method, 'resources', signal, headers)) {
            const uri = String(entry.uri);
            const first = seen.get(uri);
            if (first === undefined) {
              seen.set(uri, server);
              resources.push(entry);
            } else if (first !== server && !reported.has(`uri:${uri}`)) {
              reported.add(`uri:${uri}`);
              logger.error('two servers list one resource URI; the aggregate MCP endpoint serves the first', { uri, served: first, hidden: server });
            }
          }
          owners = seen;
          return { resources };
        }
        case 'resources/templates/list':
          return { resourceTemplates: (await gather(method, 'resourceTemplates', signal, headers)).map(([, entry]) => entry) };
        case 'prompts/list': {
          const prompts: Entry[] = [];
          for (const [server, entry] of await gather(method, 'prompts', signal, headers)) {
            const name = served(server, String(entry.name));
            if (name) prompts.push({ ...entry, name });
          }
          return { prompts };
        }
        case 'prompts/get': {
          const found = split(String(params.name));
          if (!found) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown prompt: ${String(params.name)}`);
          return found[0].request(method, { ...params, name: found[1] }, signal, headers);
        }
        case 'resources/read':
          return byUri(method, String(params.uri), params, signal, headers);
        case 'completion/complete': {
          const ref = (params.ref ?? {}) as Entry;
          if (ref.type === 'ref/prompt') {
            const found = split(String(ref.name));
            if (!found) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown prompt: ${String(ref.name)}`);
            return found[0].request(method, { ...params, ref: { ...ref, name: found[1] } }, signal, headers);
          }
          return byUri(method, String(ref.uri), params, signal, headers);
        }
      }
    },
    onListChanged: listeners.add,
    tableChanged() {
      resubscribe();
      for (const kind of ['tools', 'resources', 'prompts'] as ListKind[]) listeners.emit(kind);
    },
    close() {
      for (const unsubscribe of subscribed.values()) unsubscribe();
      subscribed.clear();
    },
  };
}
