/**
 * The SEP-2243 check of a 2026-07-28 `tools/call`'s `Mcp-Param-*` headers
 * against its arguments: what agrees, and what is refused as missing,
 * invalid or disagreeing — including the cases the conformance scenario
 * `http-custom-header-server-validation` sends.
 */
import { expect } from 'chai';
import { paramHeaderProblem } from '../../lib/mcp-endpoint/param-header-check.js';

const REGION_SCHEMA = {
  type: 'object',
  properties: {
    region: { type: 'string', 'x-mcp-header': 'Region' },
    query: { type: 'string' },
  },
  required: ['region', 'query'],
};

const TYPED_SCHEMA = {
  type: 'object',
  properties: {
    count: { type: 'integer', 'x-mcp-header': 'Count' },
    dryRun: { type: 'boolean', 'x-mcp-header': 'Dry-Run' },
  },
};

const b64 = (text: string): string => `=?base64?${Buffer.from(text, 'utf8').toString('base64')}?=`;
const h = (init: Record<string, string> = {}): Headers => new Headers(init);

describe('paramHeaderProblem', () => {
  it('has nothing to say about a tool without x-mcp-header, whatever the headers', () => {
    const schema = { type: 'object', properties: { region: { type: 'string' } } };
    expect(paramHeaderProblem(schema, { region: 'us-west1' }, h({ 'Mcp-Param-Region': 'elsewhere' }))).to.equal(undefined);
    expect(paramHeaderProblem(undefined, { region: 'us-west1' }, h())).to.equal(undefined);
  });

  it('accepts a plain value that matches the argument', () => {
    expect(paramHeaderProblem(REGION_SCHEMA, { region: 'us-west1', query: 'q' }, h({ 'Mcp-Param-Region': 'us-west1' }))).to.equal(undefined);
  });

  it('decodes a =?base64?...?= value before comparing it', () => {
    const args = { region: 'Hello, 世界', query: 'q' };
    expect(paramHeaderProblem(REGION_SCHEMA, args, h({ 'Mcp-Param-Region': '=?base64?SGVsbG8sIOS4lueVjA==?=' }))).to.equal(undefined);
    expect(paramHeaderProblem(REGION_SCHEMA, { region: ' padded ' }, h({ 'Mcp-Param-Region': b64(' padded ') }))).to.equal(undefined);
    // A value that looks like the sentinel travels encoded, and decodes back to itself.
    expect(paramHeaderProblem(REGION_SCHEMA, { region: '=?base64?literal?=' }, h({ 'Mcp-Param-Region': '=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=' }))).to.equal(undefined);
  });

  it('treats a value without the whole sentinel, or with it in upper case, as literal', () => {
    const encoded = Buffer.from('Hello').toString('base64');
    expect(paramHeaderProblem(REGION_SCHEMA, { region: encoded }, h({ 'Mcp-Param-Region': encoded }))).to.equal(undefined);
    expect(paramHeaderProblem(REGION_SCHEMA, { region: `=?base64?${encoded}` }, h({ 'Mcp-Param-Region': `=?base64?${encoded}` }))).to.equal(undefined);
    const upper = paramHeaderProblem(REGION_SCHEMA, { region: 'Hello' }, h({ 'Mcp-Param-Region': `=?BASE64?${encoded}?=` }));
    expect(upper?.data.reason).to.equal('mismatch');
  });

  it('refuses a missing header when the argument is in the body', () => {
    const problem = paramHeaderProblem(REGION_SCHEMA, { region: 'test-value', query: 'q' }, h());
    expect(problem?.data).to.deep.equal({ header: 'Mcp-Param-Region', parameter: 'region', reason: 'missing' });
    expect(problem?.message).to.equal('Bad Request: header Mcp-Param-Region is missing; argument region is "test-value"');
  });

  it('expects no header for an argument that is absent or null, and ignores one sent anyway', () => {
    expect(paramHeaderProblem(REGION_SCHEMA, { query: 'q' }, h())).to.equal(undefined);
    expect(paramHeaderProblem(REGION_SCHEMA, { region: null }, h())).to.equal(undefined);
    expect(paramHeaderProblem(REGION_SCHEMA, {}, h({ 'Mcp-Param-Region': 'us-west1' }))).to.equal(undefined);
    expect(paramHeaderProblem(REGION_SCHEMA, undefined, h())).to.equal(undefined);
  });

  it('refuses bad Base64: missing padding, characters outside the alphabet, non-canonical bits, non-UTF-8', () => {
    for (const value of ['=?base64?SGVsbG8?=', '=?base64?SGVs!!!bG8=?=', '=?base64?SGVsbG9=?=', '=?base64?/w==?=']) {
      const problem = paramHeaderProblem(REGION_SCHEMA, { region: 'Hello' }, h({ 'Mcp-Param-Region': value }));
      expect(problem?.data, value).to.deep.equal({ header: 'Mcp-Param-Region', parameter: 'region', reason: 'invalid' });
      expect(problem?.message, value).to.match(/^Bad Request: header Mcp-Param-Region is not a valid value \(/);
    }
  });

  it('refuses a plain value with characters a header value may not hold', () => {
    // Headers lets obs-text and most control characters through; they had to be sent encoded.
    for (const value of ['Hello, \u00e9', 'a\u0001b', 'a\u007fb']) {
      const problem = paramHeaderProblem(REGION_SCHEMA, { region: value }, h({ 'Mcp-Param-Region': value }));
      expect(problem?.data.reason, JSON.stringify(value)).to.equal('invalid');
      expect(problem?.message).to.include('characters not allowed');
    }
  });

  it('refuses a header that disagrees with the argument, naming both', () => {
    const problem = paramHeaderProblem(REGION_SCHEMA, { region: 'us-west1', query: 'q' }, h({ 'Mcp-Param-Region': 'us-east1' }));
    expect(problem?.message).to.equal('Bad Request: header Mcp-Param-Region ("us-east1") disagrees with argument region ("us-west1")');
    expect(problem?.data).to.deep.equal({ header: 'Mcp-Param-Region', parameter: 'region', reason: 'mismatch' });
    // Values are case-sensitive.
    expect(paramHeaderProblem(REGION_SCHEMA, { region: 'us-west1' }, h({ 'Mcp-Param-Region': 'US-WEST1' }))?.data.reason).to.equal('mismatch');
    // Encoded, then decoded to something else.
    expect(paramHeaderProblem(REGION_SCHEMA, { region: 'Hello' }, h({ 'Mcp-Param-Region': b64('Help') }))?.data.reason).to.equal('mismatch');
  });

  it('compares integers numerically and booleans as true/false', () => {
    const ok = (args: unknown, headers: Record<string, string>) => paramHeaderProblem(TYPED_SCHEMA, args, h(headers));
    expect(ok({ count: 42, dryRun: true }, { 'Mcp-Param-Count': '42', 'Mcp-Param-Dry-Run': 'true' })).to.equal(undefined);
    expect(ok({ count: -7, dryRun: false }, { 'Mcp-Param-Count': '-7', 'Mcp-Param-Dry-Run': 'false' })).to.equal(undefined);
    expect(ok({ count: 42 }, { 'Mcp-Param-Count': '42.0' })).to.equal(undefined);
    expect(ok({ count: 42 }, { 'Mcp-Param-Count': '43' })?.data).to.deep.equal({ header: 'Mcp-Param-Count', parameter: 'count', reason: 'mismatch' });
    expect(ok({ count: 42 }, { 'Mcp-Param-Count': 'forty-two' })?.data.reason).to.equal('mismatch');
    expect(ok({ dryRun: true }, { 'Mcp-Param-Dry-Run': 'True' })?.data.reason).to.equal('mismatch');
    expect(ok({ dryRun: false }, { 'Mcp-Param-Dry-Run': '0' })?.data.parameter).to.equal('dryRun');
    expect(ok({ count: 1, dryRun: true }, { 'Mcp-Param-Count': '1' })?.data).to.deep.equal({ header: 'Mcp-Param-Dry-Run', parameter: 'dryRun', reason: 'missing' });
  });

  it('finds the header whatever the case of its name', () => {
    for (const name of ['mcp-param-region', 'MCP-PARAM-REGION', 'Mcp-Param-region']) {
      expect(paramHeaderProblem(REGION_SCHEMA, { region: 'us-west1' }, h({ [name]: 'us-west1' })), name).to.equal(undefined);
      expect(paramHeaderProblem(REGION_SCHEMA, { region: 'us-west1' }, h({ [name]: 'us-east1' }))?.data.reason, name).to.equal('mismatch');
    }
  });

  it('checks a declaration nested along properties, at its path in the arguments', () => {
    const schema = {
      type: 'object',
      properties: { target: { type: 'object', properties: { zone: { type: 'string', 'x-mcp-header': 'Zone' } } } },
    };
    expect(paramHeaderProblem(schema, { target: { zone: 'z1' } }, h({ 'Mcp-Param-Zone': 'z1' }))).to.equal(undefined);
    expect(paramHeaderProblem(schema, { target: { zone: 'z1' } }, h({ 'Mcp-Param-Zone': 'z2' }))?.data).to.deep.equal({ header: 'Mcp-Param-Zone', parameter: 'target.zone', reason: 'mismatch' });
    // A value at the same name elsewhere in the arguments is not the declared one.
    expect(paramHeaderProblem(schema, { zone: 'z1' }, h())).to.equal(undefined);
  });

  it('ignores declarations off the properties chain, and a tool whose declarations break the rules has none', () => {
    const underItems = {
      type: 'object',
      properties: { list: { type: 'array', items: { type: 'object', properties: { region: { type: 'string', 'x-mcp-header': 'Region' } } } } },
    };
    expect(paramHeaderProblem(underItems, { list: [{ region: 'us-west1' }] }, h())).to.equal(undefined);
    const alongsideAnyOf = {
      type: 'object',
      properties: {
        region: { type: 'string', 'x-mcp-header': 'Region' },
        choice: { anyOf: [{ type: 'string', 'x-mcp-header': 'Choice' }] },
      },
    };
    expect(paramHeaderProblem(alongsideAnyOf, { region: 'us-west1', choice: 'a' }, h())).to.equal(undefined);
    const onNumber = { type: 'object', properties: { ratio: { type: 'number', 'x-mcp-header': 'Ratio' } } };
    expect(paramHeaderProblem(onNumber, { ratio: 0.5 }, h())).to.equal(undefined);
  });

  it('remembers a schema without mixing it up with another', () => {
    const plain = { type: 'object', properties: { region: { type: 'string' } } };
    for (let i = 0; i < 3; i++) {
      expect(paramHeaderProblem(plain, { region: 'x' }, h())).to.equal(undefined);
      expect(paramHeaderProblem(REGION_SCHEMA, { region: 'x' }, h())?.data.reason).to.equal('missing');
    }
  });
});
