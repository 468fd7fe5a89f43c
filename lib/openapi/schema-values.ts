/**
 * The keywords whose value is plain data rather than a schema (`type`,
 * `required`, `enum`, `pattern`, `dependentRequired`, the exclusive bounds
 * with draft-04's booleans, numbers, strings, booleans and data values, and
 * unknown extras): each checked and written to the 2020-12 output, or the
 * subschema holding it degraded. Keywords that hold schemas or refs recurse
 * and are the walk's own (schema-normalizer.ts); the vocabulary is
 * schema-keywords.ts.
 */
import { BOOLEANS, Degrade, NUMBERS, STRINGS, TYPES, VALUES, copyData, isObj, validRegex, type Obj } from './schema-keywords.js';

/**
 * Writes `key` of `node` (its `value`) to `out`, or throws Degrade. Called for
 * every key the walk does not handle itself, so the last branch catches the
 * rest.
 */
export function writeValueKeyword(out: Obj, node: Obj, key: string, value: unknown): void {
  if (key === 'type') {
    const types = Array.isArray(value) ? value : [value];
    if (types.length === 0 || !types.every((t) => typeof t === 'string' && TYPES.has(t))) {
      throw new Degrade(`"type" ${JSON.stringify(value)} is not a JSON Schema type`);
    }
    out.type = Array.isArray(value) ? [...new Set(types)] : value;
  } else if (key === 'required') {
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      throw new Degrade('"required" is not a list of names');
    }
    out.required = [...new Set(value)];
  } else if (key === 'enum') {
    if (!Array.isArray(value)) throw new Degrade('"enum" is not a list');
    out.enum = copyData(value);
  } else if (key === 'pattern') {
    if (!validRegex(value)) throw new Degrade(`"pattern" ${JSON.stringify(value)} is not a valid regular expression`);
    out.pattern = value;
  } else if (key === 'dependentRequired') {
    if (!isObj(value) || !Object.values(value).every((v) => Array.isArray(v) && v.every((d) => typeof d === 'string'))) {
      throw new Degrade('"dependentRequired" is not an object of name lists');
    }
    out.dependentRequired = { ...(out.dependentRequired as Obj | undefined), ...(copyData(value) as Obj) };
  } else if (key === 'exclusiveMinimum' || key === 'exclusiveMaximum') {
    if (typeof value === 'number') out[key] = value;
    else if (value === true) {
      // Draft-04: a boolean that makes minimum/maximum exclusive.
      const bound = key === 'exclusiveMinimum' ? node.minimum : node.maximum;
      if (typeof bound !== 'number') throw new Degrade(`"${key}: true" has no bound beside it`);
      out[key] = bound;
    } else if (value !== false) throw new Degrade(`"${key}" is not a number`);
  } else if (NUMBERS.has(key)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new Degrade(`"${key}" is not a number`);
    out[key] = value;
  } else if (STRINGS.has(key)) {
    if (typeof value === 'string') out[key] = value;
  } else if (BOOLEANS.has(key)) {
    if (typeof value === 'boolean') out[key] = value;
  } else if (VALUES.has(key)) {
    out[key] = copyData(value);
  } else if (key.startsWith('x-') || value === null || typeof value !== 'object') {
    // Vendor extensions and scalar extras are harmless; structured unknowns could hide refs.
    out[key] = copyData(value);
  }
}
