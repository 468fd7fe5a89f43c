/**
 * Which of a server's tools are served, and under what name: the allow- and
 * deny-lists (`enabledTools`, `disabledTools`, both globs), a prefix, and
 * per-tool overrides of the name, the description and who may call it.
 *
 * `compileToolRules` checks the settings once (a bad pattern, an unsafe name,
 * two renames onto one name are errors at load time); `applyToolRules` runs on
 * every tool list. Globs and override keys name tools by their MCP names; the
 * prefix comes before every served name, renamed or not, so two prefixed
 * servers can never clash. A clash that only the tool list reveals (a rename
 * onto a name the server also lists) keeps the first tool in list order and
 * reports the other. Pure: it does not build paths or operationIds
 * (tools.ts does, from the served names).
 */
import type { Tool } from '@modelcontextprotocol/client';
import { checkAccess, type Access } from '../auth/access.js';
import { OPERATION_ID_PATTERN, type ServedTool } from './tools.js';
import { isRecord } from '../common/is-record.js';

/** Joins a prefix and a tool's name: `time` + `get_time` → `time_get_time`. */
export const PREFIX_SEPARATOR = '_';

export interface ToolOverride {
  /** The name clients see instead of the MCP name (before the prefix). */
  name?: string;
  /** The description clients (and the model) see instead of the server's. */
  description?: string;
  /** Who may see and call this tool, beside the server's own `access`: `{ users, groups, keys }`. @default every caller the server admits */
  access?: Access;
}

/** The settings, as a router option or a config file's server entry has them. */
export interface ToolSelection {
  /** Serve only tools matching one of these globs (`*`, `?`). @default every tool */
  enabledTools?: readonly string[];
  /** Hide tools matching one of these globs, also when enabled. @default [] */
  disabledTools?: readonly string[];
  /** Put `<prefix>_` before every served name. @default '' (no prefix) */
  toolPrefix?: string;
  /** Per MCP tool name: a new name and/or description. @default {} */
  tools?: Readonly<Record<string, ToolOverride>>;
}

export interface ToolRules {
  readonly served: (mcpName: string) => boolean;
  /** The served name of a tool: prefix + (override name ?? MCP name). */
  readonly servedName: (mcpName: string) => string;
  readonly description: (tool: Tool) => string | undefined;
  readonly overrides: ReadonlyMap<string, Readonly<ToolOverride>>;
}

/**
 * A matcher for shell-style globs: `*` is any run of characters (also none),
 * `?` exactly one; everything else is literal. Anchored and case-sensitive,
 * as MCP tool names are. No regex syntax reaches the RegExp.
 */
export function globMatcher(patterns: readonly string[]): (name: string) => boolean {
  if (patterns.length === 0) return () => false;
  const exact = new Set(patterns.filter((p) => !/[*?]/.test(p)));
  const globs = patterns.filter((p) => /[*?]/.test(p)).map((p) => {
    const source = [...p].map((c) => (c === '*' ? '[^]*' : c === '?' ? '[^]' : c.replace(/[\\^$.|+()[\]{}/]/g, '\\$&'))).join('');
    return new RegExp(`^${source}$`, 'u');
  });
  return (name) => exact.has(name) || globs.some((re) => re.test(name));
}

function patternList(value: unknown, key: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((p) => typeof p === 'string' && p !== '')) {
    throw new TypeError(`"${key}" must be an array of tool names or globs such as "get_*"`);
  }
  return value as string[];
}

/**
 * Checks the settings and compiles them. Throws a TypeError whose message
 * starts with the key at fault, for the caller to put its own place in front
 * (`mcpoRouter: `, `mcpServers.time.`).
 */
export function compileToolRules(selection: ToolSelection): ToolRules {
  const enabled = patternList(selection.enabledTools, 'enabledTools');
  const disabled = patternList(selection.disabledTools, 'disabledTools') ?? [];
  const prefix = selection.toolPrefix ?? '';
  // The prefix and one character must still make a function name.
  if (typeof prefix !== 'string' || (prefix !== '' && !OPERATION_ID_PATTERN.test(`${prefix}${PREFIX_SEPARATOR}x`))) {
    throw new TypeError(`"toolPrefix" must be letters, digits, "_" or "-" (at most 62), so that prefixed names stay function names; got ${JSON.stringify(prefix)}`);
  }
  const lead = prefix === '' ? '' : `${prefix}${PREFIX_SEPARATOR}`;
  const raw = selection.tools ?? {};
  if (!isRecord(raw)) throw new TypeError('"tools" must be an object: { "<tool>": { "name": …, "description": … } }');
  const overrides = new Map<string, Readonly<ToolOverride>>();
  const renamedTo = new Map<string, string>();
  for (const [tool, override] of Object.entries(raw)) {
    const key = `tools.${tool}`;
    if (!isRecord(override)) throw new TypeError(`"${key}" must be an object with "name", "description" and/or "access"`);
    for (const k of Object.keys(override)) {
      if (k !== 'name' && k !== 'description' && k !== 'access') throw new TypeError(`"${key}.${k}" is not a known key; write "name", "description" or "access"`);
    }
    const { name, description } = override;
    const access = override.access === undefined ? undefined : checkAccess(override.access, `"${key}.access"`);
    if (description !== undefined && typeof description !== 'string') throw new TypeError(`"${key}.description" must be a string`);
    if (name !== undefined && (typeof name !== 'string' || !OPERATION_ID_PATTERN.test(`${lead}${name}`))) {
      throw new TypeError(
        `"${key}.name" must be letters, digits, "_" or "-", at most 64 with the prefix${lead ? ` "${lead}"` : ''}, so it works as a function name; got ${JSON.stringify(name)}`,
      );
    }
    overrides.set(tool, Object.freeze({ ...(name !== undefined ? { name } : {}), ...(description !== undefined ? { description } : {}), ...(access ? { access } : {}) }));
    const final = name ?? tool;
    const other = renamedTo.get(final);
    if (other !== undefined) {
      throw new TypeError(`"tools": the tools "${other}" and "${tool}" would both be served as "${lead}${final}"; give each its own name`);
    }
    renamedTo.set(final, tool);
  }
  const isEnabled = enabled === undefined ? () => true : globMatcher(enabled);
  const isDisabled = globMatcher(disabled);
  return Object.freeze({
    served: (mcpName: string) => isEnabled(mcpName) && !isDisabled(mcpName),
    servedName: (mcpName: string) => `${lead}${overrides.get(mcpName)?.name ?? mcpName}`,
    description: (tool: Tool) => overrides.get(tool.name)?.description ?? tool.description,
    overrides,
  });
}

export interface ApplyWarnings {
  /** Two listed tools would be served under one name; `skipped` is not served. */
  onClash(kept: string, skipped: string, name: string): void;
  /** An override names a tool the server does not list. */
  onUnknownOverride(tool: string): void;
}

/** The listed tools that are served, with their served names and descriptions, in list order. */
export function applyToolRules(rules: ToolRules, tools: readonly Tool[], warn: ApplyWarnings): ServedTool[] {
  const out: ServedTool[] = [];
  const byName = new Map<string, string>();
  const listed = new Set<string>();
  for (const tool of tools) {
    listed.add(tool.name);
    if (!rules.served(tool.name)) continue;
    const name = rules.servedName(tool.name);
    const first = byName.get(name);
    if (first !== undefined) {
      // The same MCP name twice is tools.ts's warning to give; this is two tools onto one name.
      if (first !== tool.name) warn.onClash(first, tool.name, name);
      else out.push({ tool, name });
      continue;
    }
    byName.set(name, tool.name);
    const description = rules.description(tool);
    const access = rules.overrides.get(tool.name)?.access;
    out.push({ tool, name, ...(description !== undefined ? { description } : {}), ...(access ? { access } : {}) });
  }
  for (const tool of rules.overrides.keys()) if (!listed.has(tool)) warn.onUnknownOverride(tool);
  return out;
}
