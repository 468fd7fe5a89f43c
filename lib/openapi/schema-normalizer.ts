/**
 * The walk that reads any tool schema (draft-04 to 2020-12, `definitions` or
 * `$defs`, refs into `#/properties/…` or to an `$anchor`, broken shapes) and
 * writes 2020-12: keyword by keyword, degrading only the subschema it cannot
 * understand to `{}` with a warning naming its JSON pointer. What a `$ref`
 * becomes is the caller's choice (schema.ts inlines it or names a component);
 * whether `$schema`, `$defs` and `$anchor` stay where the input had them is
 * the caller's choice too. Never throws on input, never mutates it. The
 * keywords that hold schemas or refs are walked here; those that hold plain
 * values are checked and copied by schema-values.ts, and the vocabulary is
 * schema-keywords.ts.
 */
import {
  ANCHOR, DIALECT, DROPPED, SUBSCHEMA, SUBSCHEMA_LIST, SUBSCHEMA_MAP,
  Degrade, entries, escapePointer, isObj, resolveLocal, validRegex,
  type Obj,
} from './schema-keywords.js';
import { writeValueKeyword } from './schema-values.js';

export type JsonSchema = boolean | { [key: string]: unknown };

/** What to put where a `$ref` stood. */
export type RefStrategy = (target: { pointer: string; target: unknown }, branch: readonly string[]) => JsonSchema;

export class Normalizer {
  /**
   * @param keepLocal keep `$schema` (at the root, as the 2020-12 URI the
   *   output is written in), `$defs` (draft-07 `definitions` renamed) and
   *   `$anchor` where the input had them. Only there: a copy the ref strategy
   *   makes of a subschema (its `branch` is not empty) carries none of them,
   *   so each anchor still names one place and definitions are not repeated.
   */
  constructor(
    private readonly root: unknown,
    private readonly warn: (message: string, pointer: string) => void,
    private readonly onRef: RefStrategy,
    private readonly keepLocal = false,
  ) {}

  /** Anchors kept so far: an input that declares one twice keeps the first, or the document would be invalid. */
  private readonly anchors = new Set<string>();

  /** Normalises `node` (found at `pointer`); `branch` lists the ref targets being expanded above it. */
  schema(node: unknown, pointer: string, branch: readonly string[]): JsonSchema {
    if (typeof node === 'boolean') return node;
    if (!isObj(node)) {
      this.warn(`not a schema (${Array.isArray(node) ? 'array' : typeof node}); accepting any value`, pointer);
      return {};
    }
    try {
      return this.object(node, pointer, branch);
    } catch (err) {
      if (!(err instanceof Degrade)) throw err;
      this.warn(`${err.message}; accepting any value here`, pointer);
      return {};
    }
  }

  private list(value: unknown, key: string, pointer: string, branch: readonly string[]): JsonSchema[] {
    if (!Array.isArray(value)) throw new Degrade(`"${key}" is not a list of schemas`);
    return value.map((item, i) => this.schema(item, `${pointer}/${key}/${i}`, branch));
  }

  private map(value: unknown, key: string, pointer: string, branch: readonly string[]): Obj {
    if (!isObj(value)) throw new Degrade(`"${key}" is not an object of schemas`);
    const out: Obj = {};
    for (const [name, child] of entries(value)) {
      const at = `${pointer}/${key}/${escapePointer(name)}`;
      if (key === 'patternProperties' && !validRegex(name)) {
        this.warn(`pattern ${JSON.stringify(name)} is not a valid regular expression; ignored`, at);
        continue;
      }
      out[name] = this.schema(child, at, branch);
    }
    return out;
  }

  private object(node: Obj, pointer: string, branch: readonly string[]): JsonSchema {
    const out: Obj = {};
    let ref: JsonSchema | undefined;
    const inPlace = this.keepLocal && branch.length === 0;

    for (const [key, value] of entries(node)) {
      if (DROPPED.has(key)) continue;
      if (key === '$schema') {
        // The output is 2020-12 whatever the input said: a draft-07 URI beside prefixItems would misdescribe it.
        if (inPlace && pointer === '' && typeof value === 'string') out.$schema = DIALECT;
      } else if (key === '$anchor') {
        if (inPlace && typeof value === 'string' && ANCHOR.test(value)) {
          if (this.anchors.has(value)) this.warn(`anchor ${JSON.stringify(value)} is declared twice; the first one is kept`, `${pointer}/$anchor`);
          else out.$anchor = value;
          this.anchors.add(value);
        }
      } else if (key === 'definitions' || key === '$defs') {
        if (inPlace) this.definitions(out, node, key, pointer);
      } else if (key === '$ref' || key === '$recursiveRef' || key === '$dynamicRef') {
        ref = this.ref(value, key, pointer, branch);
      } else if (key === 'items') {
        // Draft-04..07 tuples: items: [..] (+ additionalItems) is prefixItems (+ items) in 2020-12.
        if (Array.isArray(value)) {
          out.prefixItems = this.list(value, 'items', pointer, branch);
          if (node.additionalItems !== undefined) {
            out.items = this.schema(node.additionalItems, `${pointer}/additionalItems`, branch);
          }
        } else {
          out.items = this.schema(value, `${pointer}/items`, branch);
        }
      } else if (key === 'dependencies') {
        if (!isObj(value)) throw new Degrade('"dependencies" is not an object');
        for (const [name, dep] of entries(value)) {
          if (Array.isArray(dep)) {
            if (!dep.every((d) => typeof d === 'string')) throw new Degrade(`"dependencies.${name}" is not a list of names`);
            ((out.dependentRequired ??= {}) as Obj)[name] = [...dep];
          } else {
            ((out.dependentSchemas ??= {}) as Obj)[name] = this.schema(dep, `${pointer}/dependencies/${escapePointer(name)}`, branch);
          }
        }
      } else if (SUBSCHEMA.has(key)) {
        out[key] = this.schema(value, `${pointer}/${key}`, branch);
      } else if (SUBSCHEMA_LIST.has(key)) {
        out[key] = this.list(value, key, pointer, branch);
      } else if (SUBSCHEMA_MAP.has(key)) {
        out[key] = { ...(out[key] as Obj | undefined), ...this.map(value, key, pointer, branch) };
      } else {
        writeValueKeyword(out, node, key, value);
      }
    }

    // Draft-04 exclusive bounds replaced minimum/maximum.
    if (node.exclusiveMinimum === true) delete out.minimum;
    if (node.exclusiveMaximum === true) delete out.maximum;
    arrayItems(out);

    let result: JsonSchema = out;
    if (ref !== undefined) result = this.combine(ref, out);
    if (node.nullable === true) result = nullable(result);
    return result;
  }

  /**
   * `$defs` (or `definitions`) kept in place, each definition normalised like
   * any subschema. A malformed one is left out with a warning rather than
   * degrading the schema that holds it: it is reached through refs, which
   * resolve against the input anyway.
   */
  private definitions(out: Obj, node: Obj, key: string, pointer: string): void {
    const value = node[key];
    if (!isObj(value)) {
      this.warn(`"${key}" is not an object of schemas; left out`, `${pointer}/${key}`);
      return;
    }
    const defs = this.map(value, key, pointer, []);
    // Both present (rare): `$defs` wins a name they share.
    out.$defs = key === '$defs' ? { ...(out.$defs as Obj | undefined), ...defs } : { ...defs, ...(out.$defs as Obj | undefined) };
  }

  private ref(value: unknown, key: string, pointer: string, branch: readonly string[]): JsonSchema {
    if (key === '$dynamicRef') {
      this.warn('"$dynamicRef" is not supported; accepting any value here', pointer);
      return {};
    }
    const found = typeof value === 'string' ? resolveLocal(this.root, value) : undefined;
    if (!found) {
      this.warn(`reference ${JSON.stringify(value)} cannot be resolved (only local refs are); accepting any value here`, `${pointer}/${key}`);
      return {};
    }
    return this.onRef(found, branch);
  }

  /** A ref with sibling keywords (allowed since 2019-09): merge when nothing clashes. */
  private combine(ref: JsonSchema, siblings: Obj): JsonSchema {
    if (Object.keys(siblings).length === 0) return ref;
    if (ref === true || (isObj(ref) && Object.keys(ref).length === 0)) return siblings;
    if (isObj(ref) && !Object.keys(siblings).some((k) => k in ref)) return { ...ref, ...siblings };
    return { allOf: [ref], ...siblings };
  }
}

/**
 * An array schema always gets a schema in `items`: linters (Spectral's
 * array-items) and some code generators insist on one. `items: false` after a
 * tuple says the same as a `maxItems` of the tuple's length, and a missing
 * `items` the same as `{}`.
 */
function arrayItems(out: Obj): void {
  const type = out.type;
  if (!(type === 'array' || (Array.isArray(type) && type.includes('array')))) return;
  if (out.items === false) {
    const length = Array.isArray(out.prefixItems) ? out.prefixItems.length : 0;
    out.maxItems = typeof out.maxItems === 'number' ? Math.min(out.maxItems, length) : length;
  }
  if (out.items === undefined || out.items === false) out.items = {};
}

/** OpenAPI 3.0's `nullable: true` in 2020-12 terms. */
function nullable(schema: JsonSchema): JsonSchema {
  if (typeof schema === 'boolean') return schema;
  const type = schema.type;
  if (typeof type === 'string') return type === 'null' ? schema : { ...schema, type: [type, 'null'] };
  if (Array.isArray(type)) return type.includes('null') ? schema : { ...schema, type: [...type, 'null'] };
  if (Object.keys(schema).length === 0) return schema;
  return { anyOf: [schema, { type: 'null' }] };
}
