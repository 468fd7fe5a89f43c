/**
 * Which tools declare `x-mcp-header` parameters (SEP-2243), and whether the
 * declarations are ones a client may mirror. On a 2026-07-28 Streamable HTTP
 * connection a client must leave out a tool whose declarations break the
 * rules; mirroring the values of valid ones (and their encoding) is the
 * SDK's work, in `callTool`.
 *
 * The rules: the annotation is a non-empty RFC 9110 token, sits only on a
 * `string`, `integer` or `boolean` property reached from the root through
 * `properties` alone, and no two differ only in case. Pure.
 */
import { isRecord } from '../common/is-record.js';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_TYPES = new Set(['string', 'integer', 'boolean']);
/** Places a declaration may not be: anything under these is off the `properties` chain. */
const OFF_CHAIN = [
  'items', 'prefixItems', 'contains', 'additionalProperties', 'unevaluatedProperties', 'unevaluatedItems',
  'propertyNames', 'patternProperties', 'dependentSchemas', 'oneOf', 'anyOf', 'allOf', 'not', 'if', 'then', 'else',
  '$defs', 'definitions',
] as const;
const KEY = 'x-mcp-header';

/** One valid declaration: the argument's place (property names from the root) and the header's name. */
export interface HeaderDeclaration {
  path: readonly string[];
  name: string;
}

export type HeaderScan = { valid: true; count: number; declarations: readonly HeaderDeclaration[] } | { valid: false; reason: string };

/** Checks every `x-mcp-header` in a tool's input schema; `count` is how many valid ones it has, `declarations` which. */
export function scanParamHeaders(inputSchema: unknown): HeaderScan {
  // Most schemas have none: one string search spares the walk.
  if (!JSON.stringify(inputSchema ?? {}).includes(`"${KEY}"`)) return { valid: true, count: 0, declarations: [] };
  const seen = new Map<string, string>();
  const declarations: HeaderDeclaration[] = [];
  const walk = (node: unknown, where: string, onChain: boolean, path: readonly string[] = []): string | undefined => {
    if (Array.isArray(node)) {
      for (const item of node) {
        const fault = walk(item, where, false);
        if (fault) return fault;
      }
      return undefined;
    }
    if (!isRecord(node)) return undefined;
    if (KEY in node) {
      const name = node[KEY];
      if (!onChain || where === '') return `${where || 'the root'}: x-mcp-header is allowed only on a property reached through "properties"`;
      if (typeof name !== 'string' || !TOKEN.test(name)) return `${where}: x-mcp-header must be a non-empty HTTP token`;
      if (typeof node.type !== 'string' || !HEADER_TYPES.has(node.type)) return `${where}: x-mcp-header needs type string, integer or boolean`;
      const other = seen.get(name.toLowerCase());
      if (other !== undefined) return `x-mcp-header "${name}" is also declared as "${other}"`;
      seen.set(name.toLowerCase(), name);
      declarations.push({ path, name });
    }
    if (isRecord(node.properties)) {
      for (const [key, child] of Object.entries(node.properties)) {
        const fault = walk(child, where ? `${where}.${key}` : key, onChain, [...path, key]);
        if (fault) return fault;
      }
    }
    for (const keyword of OFF_CHAIN) {
      const sub = node[keyword];
      if (sub === undefined) continue;
      const branches = isRecord(sub) && ['patternProperties', 'dependentSchemas', '$defs', 'definitions'].includes(keyword) ? Object.values(sub) : [sub];
      for (const branch of branches) {
        const fault = walk(branch, `${where}<${keyword}>`, false);
        if (fault) return fault;
      }
    }
    return undefined;
  };
  const fault = walk(inputSchema, '', true);
  return fault === undefined ? { valid: true, count: declarations.length, declarations } : { valid: false, reason: fault };
}
