/**
 * lib/openapi/validation.ts: each tool's schema compiled once, its failures as 422s
 * naming the field, defaults filled in, and a schema that cannot be compiled
 * never making a tool uncallable.
 */
import { expect } from 'chai';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { buildToolTable, type ToolEntry } from '../../lib/openapi/tools.js';
import { argumentValidators } from '../../lib/openapi/validation.js';

function entryOf(tool: Tool): ToolEntry {
  return buildToolTable([tool], { maxRecursion: 3, onWarning: () => {} }).entries[0]!;
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
});
