/**
 * The tool table: for each MCP tool, the URL path it is served at, its
 * operationId, and its schemas in the two forms mcpo needs (self-contained
 * for the published document, fully recursive for validation).
 *
 * One table drives both the routes and the OpenAPI document, so they cannot
 * disagree. Pure: no I/O; warnings go to a callback.
 */
import { createHash } from 'node:crypto';
import type { Tool } from '@modelcontextprotocol/client';
import type { Access } from '../auth/access.js';
import { componentSchemas, inlineSchema, type JsonSchema } from './schema.js';

export interface ToolEntry {
  /** The tool's name on the MCP server: the name calls use upstream. */
  readonly name: string;
  /** The name clients see (after prefix and rename, tool-rules.ts); the path and operationId are made from it. */
  readonly servedName: string;
  /** The description clients see: an override, else the server's. */
  readonly description?: string;
  /** The URL path segment, without a slash; URL-safe and never a reserved route. */
  readonly path: string;
  /** Unique, matches OPERATION_ID_PATTERN, reads like the tool's name. */
  readonly operationId: string;
  readonly tool: Tool;
  /** Request body schema with every $ref inlined and recursion cut: safe for any client. */
  readonly inputSchema: JsonSchema;
  /** Request body schema with full recursion, as named components, for the validator. */
  readonly validationSchemas: Readonly<Record<string, JsonSchema>>;
  /** The component in `validationSchemas` that is the body's root. */
  readonly validationComponent: string;
  /** Whether the body must be present (the tool has required properties). */
  readonly bodyRequired: boolean;
  readonly outputSchema?: JsonSchema;
}

export interface ToolTable {
  readonly entries: readonly ToolEntry[];
  readonly byPath: ReadonlyMap<string, ToolEntry>;
}

/** A listed tool as it is served (tool-rules.ts decides which, and under what name). */
export interface ServedTool {
  readonly tool: Tool;
  /** The name its path and operationId are made from. */
  readonly name: string;
  readonly description?: string;
  /** Who may see and call it (a `tools` override's `access`); the server's own access applies besides. @default every caller the server admits */
  readonly access?: Access;
}

/** Every listed tool under its own name and description: what a router with no tool rules serves. */
export function servedAsListed(tools: readonly Tool[]): ServedTool[] {
  return tools.map((tool) => ({ tool, name: tool.name, ...(tool.description !== undefined ? { description: tool.description } : {}) }));
}

export interface ToolTableOptions {
  maxRecursion: number;
  onWarning: (tool: string, message: string, pointer: string) => void;
}

/** Open WebUI and LLM function calling accept function names of this shape only. */
export const OPERATION_ID_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
const PATH_PATTERN = /^[A-Za-z0-9_.~-]{1,128}$/;
/** Paths a tool may never take: the router's own routes and URL dot-segments. */
const RESERVED_PATHS = new Set(['docs', 'openapi.json', '.', '..']);

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

interface Naming {
  isClean(name: string): boolean;
  sanitize(name: string): string;
  maxLength: number;
  reserved(candidate: string): boolean;
}

/**
 * Names that are already clean keep themselves. Every other name is sanitized
 * and always gets a short hash of its original spelling, so its path depends
 * on its own name only: adding or removing other tools never renames it.
 * Returns one result per input, in order; a clean name given twice keeps
 * itself the first time and is hashed the second.
 */
function assignNames(names: readonly string[], naming: Naming): string[] {
  const assigned: (string | undefined)[] = names.map(() => undefined);
  const taken = new Set<string>();
  names.forEach((name, i) => {
    if (naming.isClean(name) && !naming.reserved(name) && !taken.has(name)) {
      assigned[i] = name;
      taken.add(name);
    }
  });
  names.forEach((name, i) => {
    if (assigned[i] !== undefined) return;
    const base = naming.sanitize(name) || 'tool';
    let candidate = '';
    // A second round only on a hash collision, which a real server will not produce.
    for (let round = 0; candidate === '' || taken.has(candidate); round++) {
      const suffix = `_${shortHash(round === 0 ? name : `${name}\u0000${round}`)}`;
      candidate = base.slice(0, naming.maxLength - suffix.length) + suffix;
    }
    assigned[i] = candidate;
    taken.add(candidate);
  });
  return assigned as string[];
}

const PATH_NAMING: Naming = {
  isClean: (name) => PATH_PATTERN.test(name),
  sanitize: (name) => name.replace(/[^A-Za-z0-9_.~-]+/g, '_'),
  maxLength: 128,
  reserved: (candidate) => RESERVED_PATHS.has(candidate.toLowerCase()),
};

const OPERATION_NAMING: Naming = {
  isClean: (name) => OPERATION_ID_PATTERN.test(name),
  sanitize: (name) => name.replace(/[^A-Za-z0-9_-]+/g, '_'),
  maxLength: 64,
  reserved: () => false,
};

/**
 * Unique operationIds matching OPERATION_ID_PATTERN for the given names, in
 * order, by the same rule as tool operationIds (the aggregated document uses
 * it for `<server>_<operationId>`).
 */
export function assignOperationIds(names: readonly string[]): string[] {
  return assignNames(names, OPERATION_NAMING);
}

function hasRequired(schema: JsonSchema): boolean {
  return typeof schema === 'object' && Array.isArray(schema.required) && schema.required.length > 0;
}

export function buildToolTable(tools: readonly ServedTool[], options: ToolTableOptions): ToolTable {
  const unique: ServedTool[] = [];
  const seen = new Set<string>();
  for (const served of tools) {
    if (seen.has(served.tool.name)) {
      options.onWarning(served.tool.name, 'the server listed this tool twice; serving the first', '');
      continue;
    }
    seen.add(served.tool.name);
    unique.push(served);
  }
  const names = unique.map((s) => s.name);
  const paths = assignNames(names, PATH_NAMING);
  const operationIds = assignNames(names, OPERATION_NAMING);

  const entries = unique.map(({ tool, name, description }, i): ToolEntry => {
    const warn = (message: string, pointer: string) => options.onWarning(tool.name, message, pointer);
    const schemaOptions = { maxRecursion: options.maxRecursion, onWarning: warn };
    const operationId = operationIds[i]!;
    const inputSchema = inlineSchema(tool.inputSchema, { ...schemaOptions, objectRoot: true });
    const validationComponent = `${operationId}_input`;
    return {
      name: tool.name,
      servedName: name,
      ...(description !== undefined ? { description } : {}),
      path: paths[i]!,
      operationId,
      tool,
      inputSchema,
      // Same input, same warnings: they were given once already, above.
      validationSchemas: componentSchemas(tool.inputSchema, validationComponent, {
        maxRecursion: options.maxRecursion,
        objectRoot: true,
      }),
      validationComponent,
      bodyRequired: hasRequired(inputSchema),
      ...(tool.outputSchema ? { outputSchema: inlineSchema(tool.outputSchema, schemaOptions) } : {}),
    };
  });
  return { entries, byPath: new Map(entries.map((e) => [e.path, e])) };
}
