/**
 * lib/openapi/schema.ts: any MCP tool schema → self-contained or component-split
 * JSON Schema 2020-12, degrading only what cannot be understood.
 */
import { expect } from 'chai';
import AjvModule from 'ajv/dist/2020.js';
import { componentSchemas, inlineSchema, scopedSchema, type JsonSchema } from '../../lib/openapi/schema.js';
import { DRAFT_07, EVERY_KEYWORD, anchorsIn, everyKeywordPublished, refsIn } from '../helpers/schemas.js';

// A CommonJS module: its class is both module.exports and its .default.
const Ajv2020 = AjvModule.default;

type Warning = { message: string; pointer: string };

function collect(): { warnings: Warning[]; onWarning: (message: string, pointer: string) => void } {
  const warnings: Warning[] = [];
  return { warnings, onWarning: (message, pointer) => warnings.push({ message, pointer }) };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** How deep a schema nests, following properties and items. */
function depthOf(schema: unknown): number {
  if (typeof schema !== 'object' || schema === null) return 0;
  return 1 + Math.max(0, ...Object.values(schema).map(depthOf));
}

/** Compiles component schemas the way the validator sees them: one document, refs to whole components. */
function componentValidator(components: Record<string, JsonSchema>, root: string) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ components: { schemas: components } }, 'doc');
  const validate = ajv.getSchema(`doc#/components/schemas/${root}`);
  if (!validate) throw new Error('no validator');
  return validate;
}

const TREE = {
  type: 'object',
  properties: { root: { $ref: '#/$defs/Node' } },
  required: ['root'],
  $defs: {
    Node: {
      type: 'object',
      properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/Node' } } },
      required: ['name'],
    },
  },
};

const tree = (depth: number, leaf: unknown): unknown =>
  depth === 0 ? leaf : { name: `n${depth}`, children: [tree(depth - 1, leaf)] };

describe('inlineSchema', () => {
  it('inlines $defs references and keeps the $defs beside them', () => {
    const address = { type: 'object', properties: { zip: { type: 'string', pattern: '^[0-9]{5}$' } } };
    const out = inlineSchema({ type: 'object', properties: { address: { $ref: '#/$defs/Address' } }, $defs: { Address: address } });
    expect(out).to.deep.equal({ type: 'object', properties: { address }, $defs: { Address: address } });
  });

  it('keeps every 2020-12 keyword, replacing each $ref (by pointer or by $anchor) with a copy of its target', () => {
    const { warnings, onWarning } = collect();
    expect(inlineSchema(EVERY_KEYWORD, { objectRoot: true, onWarning })).to.deep.equal(everyKeywordPublished());
    expect(warnings).to.deep.equal([]);
  });

  it('leaves no $ref, and each $anchor where it was declared only, so it names one place', () => {
    const out = inlineSchema(EVERY_KEYWORD, { objectRoot: true });
    expect(refsIn(out)).to.deep.equal([]);
    expect(anchorsIn(out)).to.deep.equal(['addressDef', 'point']);
    expect(out).to.have.nested.property('$defs.address.$anchor', 'addressDef');
  });

  it('keeps the first of two equal anchors, with a warning, since a schema may declare one once', () => {
    const { warnings, onWarning } = collect();
    const out = inlineSchema({ $defs: { a: { $anchor: 'x', type: 'string' }, b: { $anchor: 'x', type: 'integer' } }, properties: { p: { $ref: '#x' } } }, { onWarning });
    expect(out).to.deep.equal({ $defs: { a: { $anchor: 'x', type: 'string' }, b: { type: 'integer' } }, properties: { p: { type: 'string' } } });
    expect(warnings.map((w) => w.pointer)).to.deep.equal(['/$defs/b/$anchor']);
  });

  it('writes draft-07 in 2020-12: $schema, definitions as $defs, tuple items as prefixItems', () => {
    const out = inlineSchema(DRAFT_07) as { properties: Record<string, unknown> };
    const item = { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] };
    expect(out).to.deep.equal({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: { Item: item },
      properties: {
        items: { type: 'array', items: item },
        pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }], items: { type: 'boolean' } },
      },
    });
  });

  it('says "no more items" after a draft-07 tuple with maxItems', () => {
    const out = inlineSchema({ type: 'array', items: [{ type: 'string' }, { type: 'number' }], additionalItems: false });
    expect(out).to.deep.equal({ type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], items: {}, maxItems: 2 });
  });

  it('keeps $schema at the root only, where it names the dialect', () => {
    const out = inlineSchema({ $schema: 'https://json-schema.org/draft/2020-12/schema', properties: { p: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'string' } } });
    expect(out).to.deep.equal({ $schema: 'https://json-schema.org/draft/2020-12/schema', properties: { p: { type: 'string' } } });
  });

  it('leaves out $defs that are not an object of schemas, and degrades nothing else', () => {
    const { warnings, onWarning } = collect();
    expect(inlineSchema({ type: 'object', $defs: [1], properties: { a: { type: 'string' } } }, { onWarning })).to.deep.equal({
      type: 'object',
      properties: { a: { type: 'string' } },
    });
    expect(warnings.map((w) => w.pointer)).to.deep.equal(['/$defs']);
  });

  it('gives every array schema an items schema, saying "no more items" with maxItems', () => {
    const out = inlineSchema({
      type: 'object',
      properties: {
        any: { type: 'array' },
        nullableAny: { type: ['array', 'null'] },
        empty: { type: 'array', items: false },
        short: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], items: false, maxItems: 1 },
        open: { type: 'array', prefixItems: [{ type: 'string' }] },
      },
    }) as { properties: Record<string, unknown> };
    expect(out.properties).to.deep.equal({
      any: { type: 'array', items: {} },
      nullableAny: { type: ['array', 'null'], items: {} },
      empty: { type: 'array', items: {}, maxItems: 0 },
      short: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], items: {}, maxItems: 1 },
      open: { type: 'array', prefixItems: [{ type: 'string' }], items: {} },
    });
  });

  it('resolves #/properties/... pointers, with ~1 escapes and percent-encoding', () => {
    const out = inlineSchema({
      type: 'object',
      properties: {
        a: { type: 'string', enum: ['x', 'y'] },
        'a/b c': { type: 'integer' },
        b: { $ref: '#/properties/a' },
        c: { $ref: '#/properties/a~1b%20c' },
      },
    }) as { properties: Record<string, unknown> };
    expect(out.properties.b).to.deep.equal({ type: 'string', enum: ['x', 'y'] });
    expect(out.properties.c).to.deep.equal({ type: 'integer' });
  });

  it('bounds recursion and says where it was cut', () => {
    const out = inlineSchema(TREE, { maxRecursion: 2 });
    const text = JSON.stringify(out);
    expect(text).not.to.contain('$ref');
    expect(text.toLowerCase()).to.contain('recursive');
    // root → Node → children.items → Node → children.items → cut
    const cut = (out as any).properties.root.properties.children.items.properties.children.items;
    expect(cut.type).to.equal('object');
    expect(cut.description).to.match(/Recursive reference to Node/);
    // The $defs stay, once, their own recursion cut the same way.
    expect(Object.keys((out as any).$defs)).to.deep.equal(['Node']);
    expect((out as any).$defs.Node.properties.children.items.properties.children.items.properties.children.items.description).to.match(/Recursive reference/);
    expect(text.match(/\$defs/g)).to.have.length(1);
    expect(depthOf(inlineSchema(TREE, { maxRecursion: 4 }))).to.be.greaterThan(depthOf(out));
  });

  it('terminates on mutual recursion, a self-referencing root and refs to refs', () => {
    const mutual = inlineSchema({
      $defs: {
        A: { type: 'object', properties: { b: { $ref: '#/$defs/B' } } },
        B: { type: 'object', properties: { a: { $ref: '#/$defs/A' } } },
        C: { $ref: '#/$defs/A' },
      },
      type: 'object',
      properties: { start: { $ref: '#/$defs/C' }, again: { $ref: '#' } },
    });
    const text = JSON.stringify(mutual);
    expect(text).not.to.contain('$ref');
    expect(text.length).to.be.below(50_000);
  });

  it('merges a $ref with sibling keywords', () => {
    const out = inlineSchema({
      type: 'object',
      properties: { when: { $ref: '#/$defs/Date', description: 'The day.' } },
      $defs: { Date: { type: 'string', format: 'date' } },
    }) as { properties: Record<string, unknown> };
    expect(out.properties.when).to.deep.equal({ type: 'string', format: 'date', description: 'The day.' });
  });

  it('keeps every constraint keyword', () => {
    const schema = {
      type: 'object',
      properties: {
        mode: { enum: ['fast', 'slow'], default: 'fast' },
        kind: { const: 'x' },
        email: { type: 'string', format: 'email', minLength: 3, maxLength: 99 },
        ratio: { type: 'number', exclusiveMinimum: 0, maximum: 1, multipleOf: 0.5 },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 3, uniqueItems: true, contains: { const: 'a' } },
        either: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        one: { oneOf: [{ type: 'integer' }, { type: 'boolean' }] },
        all: { allOf: [{ minimum: 1 }, { maximum: 9 }], not: { const: 5 } },
        map: { type: 'object', additionalProperties: { type: 'integer' }, patternProperties: { '^x-': { type: 'string' } }, propertyNames: { pattern: '^[a-z-]+$' }, minProperties: 1, maxProperties: 4 },
        cond: { if: { type: 'string' }, then: { minLength: 1 }, else: { type: 'number' } },
        meta: { title: 'T', description: 'D', examples: [1], readOnly: true, deprecated: true, 'x-vendor': 'v' },
      },
      required: ['mode'],
      additionalProperties: false,
    };
    expect(inlineSchema(schema)).to.deep.equal(schema);
  });

  it('turns draft-04 exclusive bounds, dependencies and nullable into 2020-12', () => {
    const out = inlineSchema({
      type: 'object',
      properties: {
        n: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 10, exclusiveMaximum: false },
        s: { type: 'string', nullable: true },
        any: { nullable: true, description: 'anything' },
      },
      dependencies: { a: ['b'], c: { required: ['d'] } },
    }) as { properties: Record<string, unknown>; dependentRequired: unknown; dependentSchemas: unknown };
    expect(out.properties.n).to.deep.equal({ type: 'number', exclusiveMinimum: 0, maximum: 10 });
    expect(out.properties.s).to.deep.equal({ type: ['string', 'null'] });
    expect(out.properties.any).to.deep.equal({ anyOf: [{ description: 'anything' }, { type: 'null' }] });
    expect(out.dependentRequired).to.deep.equal({ a: ['b'] });
    expect(out.dependentSchemas).to.deep.equal({ c: { required: ['d'] } });
  });

  describe('degrades what it cannot understand, with a warning naming the pointer', () => {
    const cases: Array<[string, unknown, string]> = [
      ['a string where a schema belongs', 'not a schema', '/properties/p'],
      ['a number where a schema belongs', 42, '/properties/p'],
      ['an unknown type', { type: 'fancy' }, '/properties/p'],
      ['a bad required list', { type: 'object', required: 'a' }, '/properties/p'],
      ['properties that are not an object', { type: 'object', properties: [1] }, '/properties/p'],
      ['an invalid pattern', { type: 'string', pattern: '([' }, '/properties/p'],
      ['a remote $ref', { $ref: 'http://example.invalid/s.json' }, '/properties/p/$ref'],
      ['a ref to another file', { $ref: 'other.json#/x' }, '/properties/p/$ref'],
      ['a ref that leads nowhere', { $ref: '#/$defs/Missing' }, '/properties/p/$ref'],
      ['a $dynamicRef', { $dynamicRef: '#node' }, '/properties/p'],
      ['a ref to an $anchor nobody declares', { $ref: '#nowhere' }, '/properties/p/$ref'],
    ];
    for (const [what, bad, pointer] of cases) {
      it(`degrades ${what}`, () => {
        const { warnings, onWarning } = collect();
        const out = inlineSchema({ type: 'object', properties: { p: bad, ok: { type: 'string' } } }, { onWarning }) as {
          properties: Record<string, unknown>;
        };
        expect(out.properties.p).to.deep.equal({});
        expect(out.properties.ok).to.deep.equal({ type: 'string' });
        expect(warnings.map((w) => w.pointer)).to.include(pointer);
      });
    }

    it('keeps boolean schemas, which are valid', () => {
      const { warnings, onWarning } = collect();
      const out = inlineSchema({ type: 'object', properties: { yes: true, no: false } }, { onWarning });
      expect(out).to.deep.equal({ type: 'object', properties: { yes: true, no: false } });
      expect(warnings).to.deep.equal([]);
    });

    it('drops an invalid patternProperties key only', () => {
      const { warnings, onWarning } = collect();
      const out = inlineSchema({ patternProperties: { '([': { type: 'string' }, '^a': { type: 'integer' } } }, { onWarning });
      expect(out).to.deep.equal({ patternProperties: { '^a': { type: 'integer' } } });
      expect(warnings).to.have.length(1);
    });
  });

  it('makes a request-body root an object', () => {
    const { warnings, onWarning } = collect();
    expect(inlineSchema(undefined, { objectRoot: true })).to.deep.equal({ type: 'object' });
    expect(inlineSchema({ properties: { a: { type: 'string' } } }, { objectRoot: true })).to.deep.equal({
      type: 'object',
      properties: { a: { type: 'string' } },
    });
    expect(inlineSchema({ type: 'string' }, { objectRoot: true, onWarning })).to.deep.equal({ type: 'object' });
    expect(warnings.map((w) => w.pointer)).to.deep.equal(['/type']);
  });

  it('never mutates its input', () => {
    const input = deepFreeze(structuredClone({ ...TREE, properties: { ...TREE.properties, n: { type: 'number', nullable: true } } }));
    const before = JSON.stringify(input);
    inlineSchema(input, { objectRoot: true });
    componentSchemas(input, 'x', { objectRoot: true });
    expect(JSON.stringify(input)).to.equal(before);
  });

  it('ignores __proto__ keys, so nothing is polluted', () => {
    const input = JSON.parse('{"type":"object","__proto__":{"polluted":true},"properties":{"__proto__":{"type":"string"},"a":{"default":{"__proto__":{"polluted":true}}}}}');
    const out = inlineSchema(input) as Record<string, any>;
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    expect(Object.getPrototypeOf(out)).to.equal(Object.prototype);
    expect(Object.hasOwn(out.properties, '__proto__')).to.equal(false);
    expect(out.properties.a.default.polluted).to.equal(undefined);
  });

  it('produces schemas ajv 2020 compiles', () => {
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(inlineSchema(TREE) as object);
    expect(validate({ root: tree(3, { name: 'leaf' }) })).to.equal(true);
    expect(validate({ root: { children: [] } })).to.equal(false);
  });
});

describe('componentSchemas', () => {
  it('puts every ref target in a component of its own and keeps recursion', () => {
    const components = componentSchemas(TREE, 'tree_input', { objectRoot: true });
    expect(Object.keys(components)).to.deep.equal(['tree_input', 'tree_input__1']);
    expect(components.tree_input).to.have.nested.property('properties.root.$ref', '#/components/schemas/tree_input__1');
    expect(components.tree_input__1).to.have.nested.property('properties.children.items.$ref', '#/components/schemas/tree_input__1');
  });

  it('validates deep recursive data that the inlined schema cannot see', () => {
    const validate = componentValidator(componentSchemas(TREE, 'tree_input', { objectRoot: true }), 'tree_input');
    expect(validate({ root: tree(12, { name: 'leaf' }) })).to.equal(true);
    expect(validate({ root: tree(12, { name: 7 }) })).to.equal(false);
    expect(JSON.stringify(validate.errors)).to.contain('/root/children/0/children/0');
  });

  it('resolves definitions, #/properties refs and the root ref', () => {
    const schema = {
      type: 'object',
      definitions: { Id: { type: 'integer', minimum: 1 } },
      properties: {
        id: { $ref: '#/definitions/Id' },
        a: { enum: ['x', 'y'] },
        b: { $ref: '#/properties/a' },
        self: { $ref: '#' },
      },
    };
    const validate = componentValidator(componentSchemas(schema, 'in'), 'in');
    expect(validate({ id: 3, b: 'x', self: { id: 1, self: { b: 'y' } } })).to.equal(true);
    expect(validate({ id: 0 })).to.equal(false);
    expect(validate({ b: 'z' })).to.equal(false);
    expect(validate({ self: { self: { id: -1 } } })).to.equal(false);
  });
});

describe('componentSchemas with the whole 2020-12 vocabulary', () => {
  it('keeps the constraints and leaves identifiers out, every ref (by anchor too) a component', () => {
    const components = componentSchemas(EVERY_KEYWORD, 'in', { objectRoot: true });
    expect(Object.keys(components)).to.deep.equal(['in', 'in__1', 'in__2']);
    expect(JSON.stringify(components)).not.to.match(/"\$(schema|defs|anchor)"/);
    expect(components.in).to.include.keys('allOf', 'if', 'then', 'else', 'dependentRequired', 'additionalProperties');
    expect(components.in).to.have.nested.property('properties.billing.$ref', '#/components/schemas/in__1');
    expect(components.in__2).to.have.property('prefixItems').with.length(2);
    const validate = componentValidator(components, 'in');
    expect(validate({ name: 'Ada', kind: 'person', email: 'ada@example.com', billing: { street: 's' }, address: { street: 't' } })).to.equal(true);
    expect(validate({ name: 'Ada', kind: 'person', email: 'ada@example.com', billing: { street: 's' } })).to.equal(false);
  });
});

describe('scopedSchema', () => {
  it('makes a schema that declares an $anchor a resource of its own, after its $schema', () => {
    const out = scopedSchema(inlineSchema(EVERY_KEYWORD), 'urn:mcpo:t:input');
    expect(Object.keys(out).slice(0, 2)).to.deep.equal(['$schema', '$id']);
    expect(out).to.have.property('$id', 'urn:mcpo:t:input');
  });

  it('leaves a schema without anchors as it is', () => {
    const plain = inlineSchema(DRAFT_07);
    expect(scopedSchema(plain, 'urn:mcpo:t:input')).to.equal(plain);
    expect(scopedSchema(true, 'urn:mcpo:t:input')).to.equal(true);
  });
});
