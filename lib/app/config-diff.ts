/**
 * What a reload changes: the servers of two configs compared by name and by
 * content. Pure; the server table (lib/app/server-table.ts) acts on the result.
 */
import { serverOptions, type ServerEntry } from './server-entry.js';

export interface ServerDiff {
  /** Same name, same content: keeps its router and its process. */
  unchanged: ServerEntry[];
  /** New names. */
  added: ServerEntry[];
  /** Same name, different content (command, args, env, url, headers, the tool rules…). */
  changed: ServerEntry[];
  /** Names that are gone. */
  removed: string[];
}

/** JSON with object keys sorted, so `{a, b}` and `{b, a}` compare equal. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** The content that decides whether a server must be restarted. */
export function serverFingerprint(entry: ServerEntry): string {
  // The tool rules are the router's options: a change needs a new router (the process restarts with it).
  return canonical({ type: entry.type, spec: entry.spec, ...serverOptions(entry) });
}

export function diffServers(current: readonly ServerEntry[], next: readonly ServerEntry[]): ServerDiff {
  const before = new Map(current.map((e) => [e.name, e]));
  const diff: ServerDiff = { unchanged: [], added: [], changed: [], removed: [] };
  for (const entry of next) {
    const old = before.get(entry.name);
    if (!old) diff.added.push(entry);
    else if (serverFingerprint(old) === serverFingerprint(entry)) diff.unchanged.push(entry);
    else diff.changed.push(entry);
  }
  const names = new Set(next.map((e) => e.name));
  diff.removed = current.filter((e) => !names.has(e.name)).map((e) => e.name);
  return diff;
}

export function isEmptyDiff(diff: ServerDiff): boolean {
  return diff.added.length === 0 && diff.changed.length === 0 && diff.removed.length === 0;
}
