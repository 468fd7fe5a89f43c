/**
 * Tool input schemas that use the whole JSON Schema vocabulary, shared by the
 * schema, document, validation and Spectral tests, and the shape a schema
 * must have once mcpo has published it (every `$ref` replaced by a copy of
 * its target, everything else kept).
 */
import type { Tool } from '@modelcontextprotocol/client';

/**
 * The `json-schema-2020-12-preservation` fixture of @modelcontextprotocol/conformance
 * (0.2.0-alpha.12), grown to every keyword issue 14 lists: `$schema`, `$defs`
 * with `$anchor`s, refs by pointer and by anchor, allOf/anyOf/oneOf,
 * if/then/else, additionalProperties, prefixItems, const, enum, formats,
 * bounds and dependentRequired.
 */
export const EVERY_KEYWORD = Object.freeze({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: {
    address: {
      $anchor: 'addressDef',
      type: 'object',
      properties: { street: { type: 'string', minLength: 1 }, city: { type: 'string' }, zip: { type: 'string', pattern: '^[0-9]{5}$' } },
      required: ['street'],
    },
    point: {
      $anchor: 'point',
      type: 'array',
      prefixItems: [{ type: 'number', minimum: -90, maximum: 90 }, { type: 'number', minimum: -180, maximum: 180 }],
      items: { type: 'string' },
    },
  },
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 64 },
    address: { $ref: '#/$defs/address' },
    billing: { $ref: '#addressDef', description: 'Where invoices go.' },
    location: { $ref: '#point' },
    contactMethod: { type: 'string', enum: ['phone', 'email'] },
    phone: { type: 'string', pattern: '^\\+?[0-9 ]+$' },
    email: { type: 'string', format: 'email' },
    kind: { const: 'person' },
    age: { type: 'integer', minimum: 0, exclusiveMaximum: 150 },
    tags: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 5, uniqueItems: true },
    id: { oneOf: [{ type: 'string', format: 'uuid' }, { type: 'integer', minimum: 1 }] },
    extra: { type: 'object', additionalProperties: { type: 'integer' } },
  },
  required: ['name', 'kind'],
  allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
  if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
  then: { required: ['phone'] },
  else: { required: ['email'] },
  dependentRequired: { billing: ['address'] },
  additionalProperties: false,
});

type Obj = Record<string, unknown>;

/** EVERY_KEYWORD as published: each ref a copy of its target, without the target's `$anchor`. */
export function everyKeywordPublished(): Obj {
  const expected = structuredClone(EVERY_KEYWORD) as Obj & { $defs: Record<string, Obj>; properties: Record<string, Obj> };
  const { $anchor: _address, ...address } = expected.$defs.address!;
  const { $anchor: _point, ...point } = expected.$defs.point!;
  expected.properties.address = address;
  expected.properties.billing = { ...address, description: 'Where invoices go.' };
  expected.properties.location = point;
  return expected;
}

/** A draft-07 schema: its `$schema`, `definitions` and tuple `items: [...]` are what 2020-12 spells differently. */
export const DRAFT_07 = Object.freeze({
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  definitions: { Item: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] } },
  properties: {
    items: { type: 'array', items: { $ref: '#/definitions/Item' } },
    pair: { type: 'array', items: [{ type: 'string' }, { type: 'integer' }], additionalItems: { type: 'boolean' } },
  },
});

/**
 * Two tools with one schema (so one set of anchors twice in a document), a
 * draft-07 one, and an output schema with anchors.
 */
export const RICH_TOOLS: readonly Tool[] = [
  { name: 'every', inputSchema: EVERY_KEYWORD as unknown as Tool['inputSchema'] },
  { name: 'every_again', inputSchema: EVERY_KEYWORD as unknown as Tool['inputSchema'], outputSchema: EVERY_KEYWORD as unknown as Tool['outputSchema'] },
  { name: 'draft', inputSchema: DRAFT_07 as unknown as Tool['inputSchema'] },
];

/** Every `$ref` in `node`, with the JSON pointer of the object holding it. */
export function refsIn(node: unknown, pointer = ''): Array<{ ref: unknown; at: string }> {
  if (Array.isArray(node)) return node.flatMap((child, i) => refsIn(child, `${pointer}/${i}`));
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, child]) =>
    key === '$ref' ? [{ ref: child, at: pointer }] : refsIn(child, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`),
  );
}

/** Every `$anchor` declared in `node`. */
export function anchorsIn(node: unknown): unknown[] {
  if (Array.isArray(node)) return node.flatMap(anchorsIn);
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, child]) => (key === '$anchor' ? [child] : anchorsIn(child)));
}
