/**
 * Every server of the app as one MCP source, for `<prefix>/mcp`: tools and
 * prompts under the names of aggregate-names.ts
 * (`<server><separator><name>`), resources under their own URIs, gathered
 * and read across servers by aggregate-lists.ts. A server that is not
 * connected is left out, and every list is said to have changed when one
 * comes or goes, or when a reload changes the table. Each server shows a
 * caller what its access lets them see (router-source.ts), so the lists are
 * the caller's too. This module composes
 * those parts, follows the servers' list changes and sends each request
 * where it belongs.
 */
import { ProtocolError, ProtocolErrorCode, type ServerCapabilities } from '@modelcontextprotocol/client';
import type { Caller } from '../auth/caller.js';
import type { Logger } from '../common/log.js';
import { aggregateLists, type AggregateLists, type Entry, type From } from './aggregate-lists.js';
import { aggregateNames, type AggregateNames } from './aggregate-names.js';
import { listChangeListeners, type ListKind, type McpSource, type PassThroughMethod, type SourceTool } from './source.js';

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
  /** The server a tool call or prompt is for, by its prefixed name (for its rate limit); undefined for a resource, whose server is known only once asked. */
  ownerOf(method: string, params: Record<string, unknown>): string | undefined;
}

export function aggregateSource(options: AggregateSourceOptions): AggregateSource {
  const { separator, logger } = options;
  const listeners = listChangeListeners();
  const live = (): [string, McpSource][] => [...options.servers()].filter(([, source]) => source.available());
  const names = aggregateNames({ live, separator, logger });
  const lists = aggregateLists({ live, logger });
  const subscriptions = listSubscriptions(() => options.servers(), (kind) => listeners.emit(kind));

  return {
    available: () => true,
    tools(caller?: Caller): SourceTool[] {
      const out: SourceTool[] = [];
      for (const [server, source] of live()) {
        for (const tool of source.tools(caller)) {
          const name = names.served(server, tool.name);
          if (name) out.push({ ...tool, name });
        }
      }
      return out;
    },
    tool(name, caller) {
      const found = names.split(name);
      const tool = found?.[0].tool(found[1], caller);
      return tool && { ...tool, name };
    },
    capabilities(): ServerCapabilities {
      return {
        tools: { listChanged: true },
        resources: { listChanged: true, subscribe: true },
        prompts: { listChanged: true },
        completions: {},
        logging: {},
      };
    },
    callTool(name, args, call) {
      const found = names.split(name);
      if (!found) return Promise.reject(new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${name}`));
      return found[0].callTool(found[1], args, call);
    },
    request: (method, params, signal, from) => passThrough(names, lists, method, params, signal, from),
    subscribe: (uri, listener, from) => lists.owner(uri).subscribe(uri, listener, from),
    onListChanged: listeners.add,
    tableChanged() {
      subscriptions.resubscribe();
      for (const kind of ['tools', 'resources', 'prompts'] as ListKind[]) listeners.emit(kind);
    },
    close: subscriptions.close,
    ownerOf(method, params) {
      if (method !== 'tools/call' && method !== 'prompts/get') return undefined;
      return typeof params.name === 'string' ? names.split(params.name)?.[2] : undefined;
    },
  };
}

/** Follows each server's list changes, for the servers of the moment; resubscribes when the table changes. */
function listSubscriptions(servers: () => ReadonlyMap<string, McpSource>, emit: (kind: ListKind) => void): { resubscribe(): void; close(): void } {
  const subscribed = new Map<McpSource, () => void>();
  const resubscribe = (): void => {
    const now = new Set(servers().values());
    for (const [source, unsubscribe] of subscribed) {
      if (!now.has(source)) {
        unsubscribe();
        subscribed.delete(source);
      }
    }
    for (const source of now) if (!subscribed.has(source)) subscribed.set(source, source.onListChanged(emit));
  };
  resubscribe();
  return {
    resubscribe,
    close() {
      for (const unsubscribe of subscribed.values()) unsubscribe();
      subscribed.clear();
    },
  };
}

/** A resource, prompt or completion request, sent to the server behind its name or URI, or gathered from all. */
async function passThrough(names: AggregateNames, lists: AggregateLists, method: PassThroughMethod, params: Entry, signal: AbortSignal, from: From): Promise<Entry> {
  switch (method) {
    case 'resources/list':
      return { resources: await lists.resources(signal, from) };
    case 'resources/templates/list':
      return { resourceTemplates: (await lists.gather(method, 'resourceTemplates', signal, from)).map(([, entry]) => entry) };
    case 'prompts/list': {
      const prompts: Entry[] = [];
      for (const [server, entry] of await lists.gather(method, 'prompts', signal, from)) {
        const name = names.served(server, String(entry.name));
        if (name) prompts.push({ ...entry, name });
      }
      return { prompts };
    }
    case 'prompts/get': {
      const found = names.split(String(params.name));
      if (!found) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown prompt: ${String(params.name)}`);
      return found[0].request(method, { ...params, name: found[1] }, signal, from);
    }
    case 'resources/read':
      return lists.byUri(method, String(params.uri), params, signal, from);
    case 'logging/setLevel':
      // Every server's lines reach the client, so every server is told its level; one that failed keeps its own.
      await Promise.allSettled(lists.live().filter(([, source]) => source.capabilities().logging).map(([, source]) => source.request(method, params, signal, from)));
      return {};
    case 'completion/complete': {
      const ref = (params.ref ?? {}) as Entry;
      if (ref.type === 'ref/prompt') {
        const found = names.split(String(ref.name));
        if (!found) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown prompt: ${String(ref.name)}`);
        return found[0].request(method, { ...params, ref: { ...ref, name: found[1] } }, signal, from);
      }
      return lists.byUri(method, String(ref.uri), params, signal, from);
    }
  }
}
