/**
 * A request-body example built from a tool's input schema, so "Try it out" in
 * Swagger UI starts from a body that works instead of `"string"` everywhere.
 *
 * Values come from the schema's own hints first: `const`, then `examples[0]`,
 * then `default`, then `enum[0]`, at the top and in properties, recursively.
 * An optional property without a hint is left out (the server then uses its
 * own default, where a made-up value would often be refused); a required one
 * gets a placeholder that satisfies its schema's simple constraints (type,
 * format, bounds, lengths, item counts). Where that cannot be done safely (a
 * `pattern`, `oneOf`, `not` and the like on a required value), there is no
 * example at all, and Swagger UI falls back to its own sample: an example
 * must validate against the schema, or linters and clients reject it.
 *
 * Pure and total: it never throws. It does not validate the server's hints;
 * a server whose `default` breaks its own schema gets what it sent.
 */
import type { JsonSchema } from './schema.js';
import { isObj, type Obj } from './schema-keywords.js';

/** Deep enough for real tools; an inlined schema is finite, this only bounds the work. */
const MAX_DEPTH = 16;
/** More items than this to make up is not a placeholder any more. */
const MAX_PLACEHOLDER_ITEMS = 8;
/** Keywords whose constraints a made-up value cannot be trusted to meet. */
const UNSAFE = ['pattern', 'oneOf', 'allOf', 'not', 'if', 'contains', 'patternProperties', 'propertyNames', 'dependentRequired', 'dependentSchemas', '$ref'];
/** Made-up strings that satisfy the common formats. */
const FORMATTED: Readonly<Record<string, string>> = {
  'date-time': '2025-01-01T00:00:00Z',
  date: '2025-01-01',
  time: '00:00:00Z',
  email: 'user@example.com',
  uri: 'https://example.com/',
  url: 'https://example.com/',
  uuid: '00000000-0000-4000-8000-000000000000',
  hostname: 'example.com',
  ipv4: '127.0.0.1',
  ipv6: '::1',
};

/** The value the schema itself suggests, if any. */
function hint(schema: Obj): { value: unknown } | undefined {
  if (schema.const !== undefined) return { value: schema.const };
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return { value: schema.examples[0] };
  if (schema.default !== undefined) return { value: schema.default };
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return { value: schema.enum[0] };
  return undefined;
}

/** The first type the schema allows, preferring anything to null. */
function typeOf(schema: Obj): string | undefined {
  const { type } = schema;
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return (type.find((t) => t !== 'null') ?? type[0]) as string | undefined;
  if (isObj(schema.properties)) return 'object';
  return undefined;
}

const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

function numberPlaceholder(schema: Obj, integer: boolean): number | undefined {
  const min = num(schema.minimum);
  const max = num(schema.maximum);
  const xmin = num(schema.exclusiveMinimum);
  const xmax = num(schema.exclusiveMaximum);
  const step = num(schema.multipleOf);
  let v = 0;
  if (min !== undefined && v < min) v = min;
  if (xmin !== undefined && v <= xmin) v = Math.floor(xmin) + 1;
  if (max !== undefined && v > max) v = max;
  if (xmax !== undefined && v >= xmax) v = Math.ceil(xmax) - 1;
  if (integer) v = Math.ceil(v);
  if (step !== undefined && step > 0) v = Math.ceil(v / step) * step;
  const fits = (min === undefined || v >= min) && (max === undefined || v <= max)
    && (xmin === undefined || v > xmin) && (xmax === undefined || v < xmax)
    && (!integer || Number.isInteger(v)) && (step === undefined || step <= 0 || Number.isInteger(v / step));
  return fits ? v : undefined;
}

function stringPlaceholder(schema: Obj): string | undefined {
  const format = typeof schema.format === 'string' ? FORMATTED[schema.format] : undefined;
  let s = format ?? 'string';
  const min = num(schema.minLength) ?? 0;
  const max = num(schema.maxLength);
  if (s.length < min && format === undefined) s = s.padEnd(min, 's');
  if (max !== undefined && s.length > max && format === undefined) s = s.slice(0, max);
  return [...s].length >= min && (max === undefined || [...s].length <= max) ? s : undefined;
}

/** A value, and whether some of it came from the schema's hints rather than placeholders. */
type Found = { value: unknown; hinted: boolean };

function arrayPlaceholder(schema: Obj, depth: number): unknown[] | undefined {
  const count = num(schema.minItems) ?? 0;
  if (count > MAX_PLACEHOLDER_ITEMS || (count > 1 && schema.uniqueItems === true)) return undefined;
  const prefix = Array.isArray(schema.prefixItems) ? (schema.prefixItems as JsonSchema[]) : [];
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const item = build(prefix[i] ?? (schema.items as JsonSchema | undefined) ?? {}, true, depth + 1);
    if (item === undefined) return undefined;
    out.push(item.value);
  }
  return out;
}

function objectExample(schema: Obj, depth: number): Found | undefined {
  const properties = isObj(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const out: Obj = {};
  let hinted = false;
  for (const name of new Set([...Object.keys(properties), ...required])) {
    const isRequired = required.has(name);
    const sub = Object.hasOwn(properties, name) ? (properties[name] as JsonSchema) : (schema.additionalProperties as JsonSchema | undefined) ?? {};
    const found = build(sub, isRequired, depth + 1);
    if (found === undefined) {
      if (isRequired) return undefined;
      continue;
    }
    // An optional value is worth showing only when the schema suggested (some of) it.
    if (!isRequired && !found.hinted) continue;
    out[name] = found.value;
    hinted ||= found.hinted;
  }
  const minProperties = num(schema.minProperties);
  if (minProperties !== undefined && Object.keys(out).length < minProperties) return undefined;
  return { value: out, hinted };
}

/**
 * A value for `schema`: its hint, or for objects one built from its
 * properties, or (when `needed`) a placeholder. Undefined when there is none
 * that is safe to offer.
 */
function build(schema: JsonSchema, needed: boolean, depth: number): Found | undefined {
  if (schema === false || depth > MAX_DEPTH) return undefined;
  if (schema === true) return needed ? { value: 'string', hinted: false } : undefined;
  const suggested = hint(schema);
  if (suggested) return { value: structuredClone(suggested.value), hinted: true };
  if (Array.isArray(schema.anyOf) && schema.anyOf.length > 0) {
    // Only a bare anyOf (as nullable wrapping makes): siblings would constrain the branch too.
    const bare = Object.keys(schema).every((k) => k === 'anyOf' || k === 'title' || k === 'description');
    return bare ? build(schema.anyOf[0] as JsonSchema, needed, depth) : undefined;
  }
  const type = typeOf(schema);
  if (type === 'object') {
    return UNSAFE.some((k) => k in schema) ? undefined : objectExample(schema, depth);
  }
  if (!needed || UNSAFE.some((k) => k in schema)) return undefined;
  let value: unknown;
  if (type === 'string' || type === undefined) value = stringPlaceholder(schema);
  else if (type === 'integer' || type === 'number') value = numberPlaceholder(schema, type === 'integer');
  else if (type === 'boolean') value = false;
  else if (type === 'null') value = null;
  else if (type === 'array') value = arrayPlaceholder(schema, depth);
  return value === undefined ? undefined : { value, hinted: false };
}

/**
 * The example request body for a tool's (inlined, object-rooted) input
 * schema, or undefined when none can be offered safely.
 */
export function requestExample(schema: JsonSchema): unknown {
  return build(schema, true, 0)?.value;
}
