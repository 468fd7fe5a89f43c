/**
 * MCP tool schemas → JSON Schema 2020-12 that OpenAPI 3.1 accepts.
 *
 * Servers send whatever their SDK produced: draft-04 to 2020-12, `definitions`
 * or `$defs`, refs into `#/properties/…`, recursion, and now and then a shape
 * that is simply broken. This module reads any of it, never throws, never
 * mutates its input, and degrades only the subschema it cannot understand (to
 * `{}`, with a warning naming its JSON pointer).
 *
 * Two outputs: `inlineSchema` (for published documents) and `componentSchemas`
 * (full recursion kept, every ref target its own named component: for the
 * validator). `inlineSchema` keeps every keyword the tool declared, `$schema`,
 * `$defs` and `$anchor` included, but replaces each `$ref` with a copy of its
 * target (recursion cut at a bounded depth): Open WebUI and LLM function
 * calling cannot follow refs, and in a served document a `#/$defs/…` ref
 * would resolve against the document's root, where nothing is. So no ref is
 * left, and the `$defs` beside the copies are for readers and for clients
 * that round-trip the schema. The walk itself is schema-normalizer.ts.
 * It does not validate data.
 */
import { Normalizer, type JsonSchema } from './schema-normalizer.js';

export type { JsonSchema };

export interface SchemaOptions {
  /** How many times one $ref may be expanded along a single branch when inlining. @default 3 */
  maxRecursion?: number;
  /** Told about every shape that was degraded; pointer is a JSON pointer into the input. @default no-op */
  onWarning?: (message: string, pointer: string) => void;
  /** The schema is a request body: its root is always an object schema. @default false */
  objectRoot?: boolean;
}

type Obj = { [key: string]: unknown };

/** A request body must be an object; anything else is degraded to one. */
function asObjectRoot(schema: JsonSchema, warn: (message: string, pointer: string) => void): Obj {
  if (typeof schema === 'boolean') {
    if (!schema) warn('the input schema accepts nothing; accepting any object', '');
    return { type: 'object' };
  }
  const type = schema.type;
  if (type === undefined) return { type: 'object', ...schema };
  if (type === 'object') return schema;
  if (Array.isArray(type) && type.includes('object')) return { ...schema, type: 'object' };
  warn(`the input schema's type is ${JSON.stringify(type)}, not object; accepting any object`, '/type');
  return { type: 'object' };
}

const noop = () => {};

/**
 * Dialect-normalised and self-contained: every local $ref inlined, recursion
 * cut at `maxRecursion`; `$schema`, `$defs` and `$anchor` kept where they were.
 */
export function inlineSchema(schema: unknown, options: SchemaOptions = {}): JsonSchema {
  const max = options.maxRecursion ?? 3;
  const warn = options.onWarning ?? noop;
  const normalizer: Normalizer = new Normalizer(schema, warn, ({ pointer, target }, branch) => {
    const depth = branch.filter((p) => p === pointer).length;
    if (depth >= max) {
      const name = pointer.split('/').pop() || 'the root schema';
      return {
        type: 'object',
        description: `Recursive reference to ${name}; truncated after ${max} levels (the server accepts deeper values).`,
      };
    }
    return normalizer.schema(target, pointer, [...branch, pointer]);
  }, true);
  const out = normalizer.schema(schema, '', []);
  return options.objectRoot ? asObjectRoot(out, warn) : out;
}

/**
 * Dialect-normalised with full recursion, split into named components: the
 * root under `name`, and every ref target under `name__<n>`, with refs
 * pointing at `#/components/schemas/…`. Validators that resolve refs to whole
 * components only (the OpenAPI validator's ajv does) can then follow them all.
 */
export function componentSchemas(schema: unknown, name: string, options: SchemaOptions = {}): Record<string, JsonSchema> {
  const warn = options.onWarning ?? noop;
  const names = new Map<string, string>([['', name]]);
  const pending: Array<{ name: string; pointer: string; target: unknown }> = [];
  const normalizer = new Normalizer(schema, warn, ({ pointer, target }) => {
    let component = names.get(pointer);
    if (component === undefined) {
      component = `${name}__${names.size}`;
      names.set(pointer, component);
      pending.push({ name: component, pointer, target });
    }
    return { $ref: `#/components/schemas/${component}` };
  });
  const root = normalizer.schema(schema, '', []);
  const components: Record<string, JsonSchema> = { [name]: options.objectRoot ? asObjectRoot(root, warn) : root };
  for (let next = pending.shift(); next; next = pending.shift()) {
    components[next.name] = normalizer.schema(next.target, next.pointer, []);
  }
  return components;
}

function declaresAnchor(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(declaresAnchor);
  if (typeof node !== 'object' || node === null) return false;
  return Object.hasOwn(node, '$anchor') || Object.values(node).some(declaresAnchor);
}

/**
 * The schema as one schema resource of its own (`$id`), when it declares an
 * `$anchor`. Without an `$id` every schema in an OpenAPI document shares the
 * document's base URI, so two tools declaring the same anchor (or one tool in
 * an aggregated document next to a copy of itself) would define it twice, and
 * the document would be invalid. `id` must be unique in the document.
 */
export function scopedSchema(schema: JsonSchema, id: string): JsonSchema {
  if (typeof schema === 'boolean' || !declaresAnchor(schema)) return schema;
  const { $schema, $id: _replaced, ...rest } = schema;
  return { ...($schema !== undefined ? { $schema } : {}), $id: id, ...rest };
}
