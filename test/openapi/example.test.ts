/**
 * requestExample: the body "Try it out" starts from. Every example it offers
 * is checked against its schema with Ajv in 2020-12, as linters and the
 * router's own validation would check it.
 */
import { expect } from 'chai';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { requestExample } from '../../lib/openapi/example.js';
import { inlineSchema, type JsonSchema } from '../../lib/openapi/schema.js';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
const ajv = addFormats(new Ajv2020({ strict: false }));

/** The example for `schema`, after checking that it validates against it. */
function exampleOf(schema: JsonSchema): unknown {
  const example = requestExample(schema);
  if (example !== undefined) {
    const validate = ajv.compile(schema);
    expect(validate(example), `${JSON.stringify(example)}: ${ajv.errorsText(validate.errors)}`).to.equal(true);
  }
  return example;
}

describe('requestExample', () => {
  it('takes a property’s examples, then its default, then the first enum value', () => {
    const example = exampleOf({
      type: 'object',
      properties: {
        timezone: { type: 'string', examples: ['Europe/Warsaw', 'UTC'], default: 'UTC' },
        unit: { type: 'string', default: 'celsius', enum: ['kelvin', 'celsius'] },
        mode: { type: 'string', enum: ['fast', 'slow'] },
        kind: { const: 'point' },
      },
    });
    expect(example).to.deep.equal({ timezone: 'Europe/Warsaw', unit: 'celsius', mode: 'fast', kind: 'point' });
  });

  it('uses the schema’s own example for the whole body when it has one', () => {
    expect(exampleOf({ type: 'object', properties: { a: { type: 'string' } }, examples: [{ a: 'whole' }] })).to.deep.equal({ a: 'whole' });
  });

  it('leaves out optional properties without a hint, so the server’s defaults apply', () => {
    expect(exampleOf({ type: 'object', properties: { query: { type: 'string' }, limit: { type: 'integer' } } })).to.deep.equal({});
  });

  it('gives required properties without a hint a placeholder their schema accepts', () => {
    const example = exampleOf({
      type: 'object',
      required: ['message', 'count', 'ratio', 'flag', 'when', 'site', 'tags', 'code', 'anything', 'maybe'],
      properties: {
        message: { type: 'string' },
        count: { type: 'integer', minimum: 3, multipleOf: 2 },
        ratio: { type: 'number', exclusiveMinimum: 0.5, maximum: 9 },
        flag: { type: 'boolean' },
        when: { type: 'string', format: 'date-time' },
        site: { type: 'string', format: 'uri' },
        tags: { type: 'array', items: { type: 'string', minLength: 8 }, minItems: 2 },
        code: { type: 'string', minLength: 2, maxLength: 3 },
        anything: {},
        maybe: { anyOf: [{ type: 'integer', maximum: -4 }, { type: 'null' }] },
      },
    });
    expect(example).to.deep.equal({
      message: 'string',
      count: 4,
      ratio: 1,
      flag: false,
      when: '2025-01-01T00:00:00Z',
      site: 'https://example.com/',
      tags: ['stringss', 'stringss'],
      code: 'str',
      anything: 'string',
      maybe: -4,
    });
  });

  it('builds nested objects, showing an optional one only when it carries a hint', () => {
    const example = exampleOf({
      type: 'object',
      required: ['user'],
      properties: {
        user: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string' }, role: { type: 'string', default: 'reader' }, note: { type: 'string' } },
        },
        options: { type: 'object', required: ['depth'], properties: { depth: { type: 'integer' }, sort: { enum: ['asc', 'desc'] } } },
        unhinted: { type: 'object', required: ['x'], properties: { x: { type: 'string' } } },
      },
    });
    expect(example).to.deep.equal({ user: { name: 'string', role: 'reader' }, options: { depth: 0, sort: 'asc' } });
  });

  it('offers no example when a required value has a constraint it cannot meet safely', () => {
    const required = (schema: JsonSchema) => ({ type: 'object', required: ['v'], properties: { v: schema } });
    for (const schema of [
      { type: 'string', pattern: '^[A-Z]{3}$' },
      { oneOf: [{ type: 'string' }, { type: 'integer' }] },
      { type: 'integer', minimum: 1.2, maximum: 1.5 },
      { type: 'array', items: { type: 'integer' }, minItems: 2, uniqueItems: true },
      { type: 'string', format: 'date', maxLength: 4 },
      false,
    ] as JsonSchema[]) {
      expect(requestExample(required(schema)), JSON.stringify(schema)).to.equal(undefined);
    }
    // The same constraint on an optional property just leaves it out.
    expect(exampleOf({ type: 'object', properties: { v: { type: 'string', pattern: '^[A-Z]{3}$' } } })).to.deep.equal({});
  });

  it('fills a required key that only additionalProperties describes', () => {
    expect(exampleOf({ type: 'object', required: ['k'], additionalProperties: { type: 'integer', minimum: 5 } })).to.deep.equal({ k: 5 });
  });

  it('works on schemas as the tool table inlines them: draft-07, refs, recursion cut', () => {
    const tree = inlineSchema(
      {
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        required: ['root'],
        definitions: { Node: { type: 'object', required: ['label'], properties: { label: { type: 'string', default: 'leaf' }, children: { type: 'array', items: { $ref: '#/definitions/Node' } } } } },
        properties: { root: { $ref: '#/definitions/Node' }, pair: { type: 'array', items: [{ type: 'string' }, { type: 'number' }], additionalItems: false, minItems: 2 } },
      },
      { objectRoot: true },
    );
    expect(exampleOf(tree)).to.deep.equal({ root: { label: 'leaf' } });
  });

  it('never shares values with the schema, so changing one leaves the other', () => {
    const schema = { type: 'object', properties: { list: { type: 'array', default: [1, 2] } } };
    const example = requestExample(schema) as { list: number[] };
    example.list.push(3);
    expect(schema.properties.list.default).to.deep.equal([1, 2]);
  });
});
