/**
 * lib/openapi/validation.ts: each tool's schema compiled once, its failures as 422s
 * naming the field, defaults filled in, and a schema that cannot be compiled
 * never making a tool uncallable.
 */
import { expect } from 'chai';
import type { Tool } from '@modelcontextprotocol/client';
import { buildToolTable, servedAsListed, type ToolEntry } from '../../lib/openapi/tools.js';
import { argumentValidators } from '../../lib/openapi/validation.js';
import { DRAFT_07, EVERY_KEYWORD } from '../helpers/schemas.js';

function entryOf(tool: Tool): ToolEntry {
  return buildToolTable(servedAsListed([tool]), { maxRecursion: 3, onWarning: () => {} }).entries[0]!;
}

const address: Tool = {
  name: 'user',
  inputSchema: {
    type: 'object',
    properties: { address: { $ref: '#/$defs/Address' } },
    required: ['address'],
    $defs: { Address: { type: 'object', properties: { zip: { type: 'string', pattern: '^[0-9]{5}$' } }, required: ['zip'] } },
  } as Tool['inputSchema'],
};

describe('argumentValidators', () => {
  const validators = argumentValidators(() => {
    throw new Error('unexpected: every schema here compiles');
  });

  it('passes valid arguments, with declared defaults filled in', () => {
    const args: Record<string, unknown> = {};
    expect(validators.check(entryOf({ name: 'echo', inputSchema: { type: 'object', properties: { n: { type: 'integer', default: 1 } } } }), args)).to.equal(undefined);
    expect(args).to.deep.equal({ n: 1 });
  });

  it('answers 422 naming the failing field, a missing one included', () => {
    const user = entryOf(address);
    const bad = validators.check(user, { address: { zip: 'abc' } });
    expect(bad?.status).to.equal(422);
    expect(bad?.code).to.equal('invalid_arguments');
    expect(bad?.data).to.deep.equal({ errors: [{ path: 'address.zip', message: 'must match pattern "^[0-9]{5}$"' }] });
    expect(bad?.message).to.equal('Invalid arguments: address.zip must match pattern "^[0-9]{5}$"');
    const missing = validators.check(user, { address: {} });
    expect(missing?.data).to.deep.equal({ errors: [{ path: 'address.zip', message: "must have required property 'zip'" }] });
    const root = validators.check(user, {});
    expect(root?.data).to.deep.equal({ errors: [{ path: 'address', message: "must have required property 'address'" }] });
  });

  it('names an unexpected property, and unescapes JSON-pointer paths', () => {
    const strict = entryOf({
      name: 'strict',
      inputSchema: { type: 'object', properties: { 'a/b': { type: 'object', properties: { 'c~d': { type: 'integer' } } } }, additionalProperties: false },
    });
    expect(validators.check(strict, { extra: 1 })?.data).to.deep.equal({ errors: [{ path: 'extra', message: 'must NOT have additional properties' }] });
    expect((validators.check(strict, { 'a/b': { 'c~d': 'x' } })?.data as { errors: { path: string }[] }).errors[0]!.path).to.equal('a/b.c~d');
  });

  it('knows the JSON Schema formats and OpenAPI’s own', () => {
    const formats = entryOf({
      name: 'formats',
      inputSchema: { type: 'object', properties: { email: { type: 'string', format: 'email' }, n: { type: 'integer', format: 'int32' } } },
    });
    expect(validators.check(formats, { email: 'a@b.example', n: 5 })).to.equal(undefined);
    expect(validators.check(formats, { email: 'not an email' })?.status).to.equal(422);
    expect(validators.check(formats, { n: 2 ** 31 })?.status).to.equal(422);
  });

  it('lets the call through unvalidated, and says so once, when the schema cannot be compiled', () => {
    const reasons: string[] = [];
    const own = argumentValidators((entry, reason) => reasons.push(`${entry.name}: ${reason}`));
    const odd = entryOf({ name: 'odd', inputSchema: { type: 'object', properties: { never: { enum: [] } } } as Tool['inputSchema'] });
    expect(own.check(odd, { never: 1 })).to.equal(undefined);
    expect(own.check(odd, { never: 2 })).to.equal(undefined);
    expect(reasons).to.have.length(1);
    expect(reasons[0]).to.match(/^odd: /);
  });

  describe('with the whole 2020-12 vocabulary', () => {
    const every = entryOf({ name: 'every', inputSchema: EVERY_KEYWORD as unknown as Tool['inputSchema'] });
    const valid = {
      name: 'Ada',
      kind: 'person',
      contactMethod: 'phone',
      phone: '+44 20',
      address: { street: 'Main St', zip: '12345' },
      billing: { street: 'Side St' },
      location: [51.5, -0.1, 'London'],
      age: 36,
      tags: ['math'],
      id: 7,
      extra: { n: 1 },
    };
    const failure = (args: Record<string, unknown>) => validators.check(every, args)?.data as { errors: { path: string; message: string }[] } | undefined;

    it('accepts arguments that meet every keyword', () => {
      expect(validators.check(every, structuredClone(valid))).to.equal(undefined);
      expect(validators.check(every, { name: 'B', kind: 'person', email: 'b@example.com', id: '00000000-0000-4000-8000-000000000000' })).to.equal(undefined);
    });

    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['a const it does not equal', { ...valid, kind: 'robot' }, 'kind'],
      ['a value outside an enum', { ...valid, contactMethod: 'fax', email: 'a@example.com' }, 'contactMethod'],
      ['a property additionalProperties: false forbids', { ...valid, nickname: 'A' }, 'nickname'],
      ['an additionalProperties schema broken', { ...valid, extra: { n: 'one' } }, 'extra.n'],
      ['then broken: contactMethod phone without a phone', { name: 'Ada', kind: 'person', contactMethod: 'phone', email: 'a@example.com' }, 'phone'],
      ['else broken: no contactMethod and no email', { name: 'Ada', kind: 'person', phone: '1' }, 'email'],
      ['allOf/anyOf broken: neither phone nor email', { name: 'Ada', kind: 'person', contactMethod: 'email' }, 'phone'],
      ['oneOf broken: an id that is neither a uuid nor a positive integer', { ...valid, id: 'x' }, 'id'],
      ['dependentRequired broken: billing without address', { ...valid, address: undefined }, 'address'],
      ['a prefixItems member of the wrong type', { ...valid, location: [51.5, 'west'] }, 'location.1'],
      ['a prefixItems bound', { ...valid, location: [91, 0] }, 'location.0'],
      ['items after the prefix of the wrong type', { ...valid, location: [1, 2, 3] }, 'location.2'],
      ['a $ref by $anchor whose target is broken', { ...valid, billing: { street: '' } }, 'billing.street'],
      ['a $ref by pointer whose target is broken', { ...valid, address: { street: 's', zip: 'abc' } }, 'address.zip'],
      ['a format', { name: 'B', kind: 'person', email: 'not an email' }, 'email'],
      ['an exclusive bound', { ...valid, age: 150 }, 'age'],
      ['a length bound', { ...valid, name: '' }, 'name'],
      ['uniqueItems', { ...valid, tags: ['a', 'a'] }, 'tags'],
    ];
    for (const [what, args, path] of cases) {
      it(`answers 422 for ${what}`, () => {
        const result = failure(JSON.parse(JSON.stringify(args)));
        expect(result, 'accepted').not.to.equal(undefined);
        expect(result!.errors[0]!.path).to.equal(path);
      });
    }

    it('checks a draft-07 tuple as prefixItems, and additionalItems as items', () => {
      const draft = entryOf({ name: 'draft', inputSchema: DRAFT_07 as unknown as Tool['inputSchema'] });
      expect(validators.check(draft, { pair: ['a', 1, true, false], items: [{ id: 1 }] })).to.equal(undefined);
      expect(validators.check(draft, { pair: ['a', 'b'] })?.data).to.have.nested.property('errors[0].path', 'pair.1');
      expect(validators.check(draft, { pair: ['a', 1, 'no'] })?.data).to.have.nested.property('errors[0].path', 'pair.2');
      expect(validators.check(draft, { items: [{ id: 0 }] })?.data).to.have.nested.property('errors[0].path', 'items.0.id');
    });
  });
});
