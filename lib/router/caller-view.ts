/**
 * What one caller sees of a router's tools: the view of the moment
 * (router/tool-view.ts) less the tools their access lists hide. The server's
 * `access` option guards the whole server, a `tools` override's `access`
 * one tool (lib/auth/access.ts says who matches).
 *
 * Callers who pass the same lists see the same thing, so a caller is
 * reduced to a key, which of the router's distinct lists admit them, and
 * each key's view (its tool table, its document and that document's JSON,
 * openapi/document-filter.ts) is built once, on the first request with that
 * key, and kept until the view is replaced (a new tool list or catalog).
 * A caller the server's access does not admit gets the view with no
 * operations at all. A router without access lists serves the whole view:
 * one test per request.
 */
import { admits, type Access } from '../auth/access.js';
import type { Caller } from '../auth/caller.js';
import { filteredDocument } from '../openapi/document-filter.js';
import { servedDocument } from '../openapi/document.js';
import type { ServedTool, ToolTable } from '../openapi/tools.js';
import type { ToolView, View } from './tool-view.js';

export interface CallerViews {
  /** The view `caller` sees; undefined before the first tool list. */
  viewFor(caller: Caller | undefined): View | undefined;
  /** The tools `caller` may call, under their served names (the MCP endpoint's `tools/list`). */
  servedFor(caller: Caller | undefined): readonly ServedTool[];
  /** One of them by its served name; undefined when there is none or `caller` may not call it. */
  toolFor(name: string, caller: Caller | undefined): ServedTool | undefined;
  /** Whether the server's access admits `caller` (its resources and prompts). */
  admits(caller: Caller | undefined): boolean;
  /**
   * For the tool call handler: whether `caller` may call the tool of this
   * MCP name, or undefined when no tool has an access list of its own (the
   * server's access is checked before, router/routes.ts).
   */
  toolCheck(): ((caller: Caller | undefined, mcpName: string) => boolean) | undefined;
}

/** What a caller with one key sees. */
interface Seen {
  view: View;
  served: readonly ServedTool[];
  byName: ReadonlyMap<string, ServedTool>;
}

/** The access lists of one tool list, and the views built for it so far. */
interface Lists {
  /** The view they were taken from; another one empties the cache. */
  readonly of: View;
  /** The distinct lists of the tools, in the order of the key's characters. */
  readonly tools: readonly Access[];
  /** Which of them guards each tool, by MCP name. */
  readonly index: ReadonlyMap<string, number>;
  readonly seen: Map<string, Seen>;
}

/** The key of the caller the server's access does not admit. */
const DENIED = '-';

export function callerViews(view: ToolView, serverAccess: Access | undefined): CallerViews {
  let lists: Lists | undefined;
  const guarded = (): Lists | undefined => {
    const full = view.current();
    if (!full) return undefined;
    if (lists?.of !== full) lists = listsOf(full, view.served());
    return lists;
  };
  const keyOf = (current: Lists, caller: Caller | undefined): string => {
    if (!admits(serverAccess, caller)) return DENIED;
    let key = '';
    for (const access of current.tools) key += admits(access, caller) ? '1' : '0';
    return key;
  };
  const seenBy = (caller: Caller | undefined): Seen | undefined => {
    const current = guarded();
    if (!current) return undefined;
    const key = keyOf(current, caller);
    let seen = current.seen.get(key);
    if (!seen) {
      seen = build(current, view.served(), key);
      current.seen.set(key, seen);
    }
    return seen;
  };
  const open = serverAccess === undefined;
  return {
    viewFor(caller) {
      const full = view.current();
      if (open && full && lists?.of === full && lists.tools.length === 0) return full;
      return seenBy(caller)?.view;
    },
    servedFor: (caller) => seenBy(caller)?.served ?? [],
    toolFor: (name, caller) => seenBy(caller)?.byName.get(name),
    admits: (caller) => admits(serverAccess, caller),
    toolCheck() {
      const current = guarded();
      if (!current || current.tools.length === 0) return undefined;
      return (caller, mcpName) => {
        const i = current.index.get(mcpName);
        return i === undefined || admits(current.tools[i], caller);
      };
    },
  };
}

/** The distinct access lists of `served` (two equal lists are one). */
function listsOf(of: View, served: readonly ServedTool[]): Lists {
  const byJson = new Map<string, number>();
  const tools: Access[] = [];
  const index = new Map<string, number>();
  for (const { tool, access } of served) {
    if (!access) continue;
    const json = JSON.stringify(access);
    let i = byJson.get(json);
    if (i === undefined) {
      i = tools.push(access) - 1;
      byJson.set(json, i);
    }
    index.set(tool.name, i);
  }
  return { of, tools, index, seen: new Map() };
}

/** What a caller with `key` sees: the tools whose list admits them, or nothing for the denied key. */
function build(lists: Lists, served: readonly ServedTool[], key: string): Seen {
  const may = (mcpName: string): boolean => {
    if (key === DENIED) return false;
    const i = lists.index.get(mcpName);
    return i === undefined || key[i] === '1';
  };
  const full = lists.of;
  const entries = full.table.entries.filter((entry) => may(entry.name));
  const table: ToolTable = entries.length === full.table.entries.length ? full.table : { entries, byPath: new Map(entries.map((e) => [e.path, e])) };
  const document = key === DENIED
    ? filteredDocument(full.document, () => false)
    : table === full.table ? full.document : filteredDocument(full.document, (op) => op['x-mcp-tool'] === undefined || may(op['x-mcp-tool']));
  const kept = served.filter((t) => may(t.tool.name));
  return {
    view: document === full.document ? full : { table, document, json: servedDocument(document) },
    served: kept,
    byName: new Map(kept.map((t) => [t.name, t])),
  };
}
