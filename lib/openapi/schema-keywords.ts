/**
 * The JSON Schema vocabulary the normalizer knows (which keywords hold a
 * subschema, a list or a map of them, a number, a string, plain data, or
 * nothing worth keeping), and the small pure helpers it walks with: the
 * Degrade error, safe copies of data, JSON pointers, and local `$ref`
 * resolution (by JSON pointer or by `$anchor`).
 */
export type Obj = { [key: string]: unknown };

/** A subschema that cannot be understood: the walk replaces it with `{}` and warns with this message. */
export class Degrade extends Error {}

export const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);
/** Keywords whose value is one subschema. */
export const SUBSCHEMA = new Set([
  'additionalProperties', 'contains', 'propertyNames', 'not', 'if', 'then', 'else',
  'unevaluatedItems', 'unevaluatedProperties', 'contentSchema',
]);
/** Keywords whose value is a list of subschemas. */
export const SUBSCHEMA_LIST = new Set(['anyOf', 'oneOf', 'allOf', 'prefixItems']);
/** Keywords whose value is a map of subschemas. */
export const SUBSCHEMA_MAP = new Set(['properties', 'patternProperties', 'dependentSchemas']);
export const NUMBERS = new Set([
  'minimum', 'maximum', 'multipleOf', 'minLength', 'maxLength', 'minItems', 'maxItems',
  'minProperties', 'maxProperties', 'minContains', 'maxContains',
]);
export const STRINGS = new Set(['title', 'description', 'format', 'contentMediaType', 'contentEncoding', '$comment']);
export const BOOLEANS = new Set(['uniqueItems', 'readOnly', 'writeOnly', 'deprecated']);
/** Copied as data. */
export const VALUES = new Set(['default', 'const', 'examples']);
/**
 * Dropped: identifiers that would change how refs resolve (every ref is
 * resolved here, so they would only clash: two tools with one `$id` in one
 * document), anchors for the unsupported `$dynamicRef`, and draft-04/07
 * keywords translated elsewhere (`nullable`, `additionalItems`).
 */
export const DROPPED = new Set(['$id', 'id', '$dynamicAnchor', '$recursiveAnchor', '$vocabulary', 'nullable', 'additionalItems']);
/** What every schema this module writes is, whatever the input's `$schema` said. */
export const DIALECT = 'https://json-schema.org/draft/2020-12/schema';
/** A plain-name fragment, as `$anchor` takes (2020-12 §8.2.2). */
export const ANCHOR = /^[A-Za-z_][-A-Za-z0-9._]*$/;
/** Keywords whose value is data, never a schema: an `$anchor` inside one is not an anchor. */
const DATA = new Set([...VALUES, 'enum']);

export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own entries without `__proto__`, which must never become a prototype. */
export function entries(value: Obj): [string, unknown][] {
  return Object.entries(value).filter(([key]) => key !== '__proto__');
}

/** A deep copy of JSON data that can carry no prototype. */
export function copyData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyData);
  if (isObj(value)) {
    const out: Obj = {};
    for (const [key, v] of entries(value)) out[key] = copyData(v);
    return out;
  }
  return value;
}

export function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function validRegex(pattern: unknown): boolean {
  if (typeof pattern !== 'string') return false;
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

/** The first subschema (depth first) that declares `$anchor: name`, with its pointer. */
function findAnchor(node: unknown, name: string, pointer: string): { pointer: string; target: unknown } | undefined {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const found = findAnchor(node[i], name, `${pointer}/${i}`);
      if (found) return found;
    }
    return undefined;
  }
  if (!isObj(node)) return undefined;
  if (node.$anchor === name) return { pointer, target: node };
  for (const [key, child] of entries(node)) {
    if (DATA.has(key)) continue;
    const found = findAnchor(child, name, `${pointer}/${escapePointer(key)}`);
    if (found) return found;
  }
  return undefined;
}

/**
 * Resolves a local ref against the input: a JSON pointer ('#', '#/a/b') or a
 * plain-name `$anchor` ('#addressDef'). Undefined if it leads nowhere. The
 * pointer returned is the target's location, so a ref by anchor and a ref by
 * pointer to one subschema count as one for recursion.
 */
export function resolveLocal(root: unknown, ref: string): { pointer: string; target: unknown } | undefined {
  if (!ref.startsWith('#')) return undefined;
  let fragment: string;
  try {
    fragment = decodeURIComponent(ref.slice(1));
  } catch {
    return undefined;
  }
  if (fragment !== '' && !fragment.startsWith('/')) return ANCHOR.test(fragment) ? findAnchor(root, fragment, '') : undefined;
  let node = root;
  for (const raw of fragment === '' ? [] : fragment.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (key === '__proto__') return undefined;
    if (Array.isArray(node) && /^\d+$/.test(key) && Number(key) < node.length) node = node[Number(key)];
    else if (isObj(node) && Object.hasOwn(node, key)) node = node[key];
    else return undefined;
  }
  return { pointer: fragment, target: node };
}
