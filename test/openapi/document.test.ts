/**
 * buildDocument (lib/openapi/document.ts): one server's published document,
 * built from a tool table without any server or HTTP.
 */
import { expect } from 'chai';
import type { OpenAPIV3_1 } from 'openapi-types';
import type { Tool } from '@modelcontextprotocol/client';
import { aggregateDocuments } from '../../lib/openapi/aggregate.js';
import { buildDocument, type DocumentOptions } from '../../lib/openapi/document.js';
import { buildToolTable, servedAsListed } from '../../lib/openapi/tools.js';
import { expectValidOpenApi31 } from '../helpers/openapi.js';
import { RICH_TOOLS, everyKeywordPublished, refsIn } from '../helpers/schemas.js';

const TOOLS: Tool[] = [
  {
    name: 'get_current_time',
    description: 'The current time in an IANA timezone.',
    inputSchema: { type: 'object', required: ['timezone'], properties: { timezone: { type: 'string', examples: ['Europe/Warsaw'] } } },
  },
  { name: 'undocumented', inputSchema: { type: 'object', required: ['code'], properties: { code: { type: 'string', pattern: '^[A-Z]+$' } } } },
];
const META = { serverInfo: { name: 'time-server', version: '1.2.3' } };

type Op = OpenAPIV3_1.OperationObject & { requestBody: OpenAPIV3_1.RequestBodyObject };

function build(options: Partial<DocumentOptions> = {}, meta: { serverInfo: { name: string; version: string; title?: string }; instructions?: string; era?: 'modern' | 'legacy' } = META) {
  const table = buildToolTable(servedAsListed(TOOLS), { maxRecursion: 3, onWarning: () => {} });
  const doc = buildDocument(table, meta, { info: {}, structuredOutput: false, ...options });
  const op = (path: string) => doc.paths![path]!.post as Op;
  return { doc, op };
}

describe('buildDocument', () => {
  it('tags every operation with the document’s title and declares the tag', async () => {
    const { doc, op } = build();
    await expectValidOpenApi31({ ...doc, servers: [{ url: '/' }] });
    expect(op('/get_current_time').tags).to.deep.equal(['time-server']);
    expect(op('/undocumented').tags).to.deep.equal(['time-server']);
    // Redocly's `recommended` asks every tag for a description.
    expect(doc.tags).to.deep.equal([{ name: 'time-server', description: 'The tools of the MCP server time-server.' }]);
  });

  it('documents the 409 and the Mcp-Continuation header only for a server that can ask for input (2026-07-28)', () => {
    const legacy = build({}, { ...META, era: 'legacy' });
    expect(legacy.op('/get_current_time').responses).not.to.have.property('409');
    expect(legacy.op('/get_current_time')).not.to.have.property('parameters');
    expect(legacy.doc.components!.schemas).not.to.have.property('InputRequired');
    const modern = build({}, { ...META, era: 'modern' });
    const conflict = modern.op('/get_current_time').responses!['409'] as { content: Record<string, { schema: unknown; example: unknown }> };
    expect(conflict.content['application/json']!.schema).to.deep.equal({ $ref: '#/components/schemas/InputRequired' });
    expect(conflict.content['application/json']!.example).to.have.nested.property('error.code', 'input_required');
    expect((modern.op('/get_current_time') as { parameters: { name: string }[] }).parameters.map((p) => p.name)).to.deep.equal(['Mcp-Continuation']);
    expect(modern.doc.components!.schemas).to.have.property('InputRequired');
  });

  it('declares `security: []` where no key is set, and the bearer scheme where one is', () => {
    expect(build().doc.security).to.deep.equal([]);
    expect(build({ bearerAuth: true }).doc.security).to.deep.equal([{ bearerAuth: [] }]);
  });

  it('tags with the name it is given, describing the tag with the title', () => {
    const { doc, op } = build({ tag: 'time' }, { serverInfo: { ...META.serverInfo, title: 'Time' } });
    expect(op('/get_current_time').tags).to.deep.equal(['time']);
    expect(doc.tags).to.deep.equal([{ name: 'time', description: 'Time' }]);
  });

  it('describes the document with the server’s instructions, or a sentence naming the server', () => {
    expect(build({}, { ...META, instructions: 'Ask me the time.' }).doc.info.description).to.equal('Ask me the time.');
    expect(build({}, { ...META, instructions: '' }).doc.info.description).to.equal('The tools of the MCP server time-server.');
    expect(build({ info: { description: 'Given.' } }, { ...META, instructions: 'Ask me.' }).doc.info.description).to.equal('Given.');
  });

  it('describes an operation whose tool has no description by the tool’s name', () => {
    const { op } = build();
    expect(op('/get_current_time').description).to.equal('The current time in an IANA timezone.');
    expect(op('/undocumented').description).to.equal('Calls the MCP tool `undocumented`.');
  });

  it('gives the request body an example built from the schema’s hints, and none it cannot make valid', () => {
    const { op } = build();
    expect(op('/get_current_time').requestBody.content['application/json']!.example).to.deep.equal({ timezone: 'Europe/Warsaw' });
    expect(op('/undocumented').requestBody.content['application/json']).not.to.have.property('example');
  });

  describe('with the whole 2020-12 vocabulary', () => {
    const richDocument = () => {
      const table = buildToolTable(servedAsListed(RICH_TOOLS), { maxRecursion: 3, onWarning: (tool, message) => expect.fail(`${tool}: ${message}`) });
      return buildDocument(table, META, { info: {}, structuredOutput: true });
    };
    const okSchema = (doc: OpenAPIV3_1.Document, path: string) =>
      ((doc.paths![path]!.post as Op).responses!['200'] as OpenAPIV3_1.ResponseObject).content!['application/json']!.schema;
    const body = (doc: OpenAPIV3_1.Document, path: string) => (doc.paths![path]!.post as Op).requestBody.content['application/json']!.schema;

    it('keeps every keyword of the tool’s schema, with $defs beside the copies its refs became', () => {
      const doc = richDocument();
      expect(body(doc, '/every')).to.deep.equal({ ...everyKeywordPublished(), $id: 'urn:mcpo:every:input' });
      expect(body(doc, '/every')).to.have.nested.property('$defs.address.$anchor', 'addressDef');
      expect(body(doc, '/every')).to.have.property('$schema', 'https://json-schema.org/draft/2020-12/schema');
    });

    it('writes a draft-07 tuple as prefixItems and its $schema as 2020-12', () => {
      const draft = body(richDocument(), '/draft') as { $schema: string; properties: { pair: unknown } };
      expect(draft.$schema).to.equal('https://json-schema.org/draft/2020-12/schema');
      expect(draft.properties.pair).to.deep.equal({ type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }], items: { type: 'boolean' } });
    });

    it('leaves no $ref that points at nothing: request schemas hold none, the rest name components', () => {
      const doc = richDocument();
      for (const path of ['/every', '/every_again', '/draft']) expect(refsIn(body(doc, path)), path).to.deep.equal([]);
      const refs = refsIn(doc);
      expect(refs).not.to.be.empty;
      for (const { ref, at } of refs) {
        expect(ref, at).to.be.a('string').that.matches(/^#\/components\/schemas\//);
        expect(doc.components!.schemas, at).to.have.property((ref as string).split('/').pop()!);
      }
    });

    it('gives each schema that declares anchors an $id of its own, so the document stays valid', async () => {
      const doc = richDocument();
      expect(body(doc, '/every')).to.have.property('$id', 'urn:mcpo:every:input');
      expect(body(doc, '/every_again')).to.have.property('$id', 'urn:mcpo:every_again:input');
      expect(body(doc, '/draft')).not.to.have.property('$id');
      expect(okSchema(doc, '/every_again')).to.have.nested.property('properties.result.$id', 'urn:mcpo:every_again:output');
      await expectValidOpenApi31({ ...doc, servers: [{ url: '/' }] });
    });

    it('renames the $ids in an aggregated document, where two servers serve the same tools', async () => {
      const one = richDocument();
      const before = JSON.stringify(one);
      const doc = aggregateDocuments([{ name: 'a', path: '/a', document: one }, { name: 'b', path: '/b', document: richDocument() }], { title: 'All', version: '1' });
      await expectValidOpenApi31({ ...doc, servers: [{ url: '/' }] });
      expect(body(doc, '/a/every')).to.have.property('$id', 'urn:mcpo:a_every:input');
      expect(body(doc, '/b/every')).to.have.property('$id', 'urn:mcpo:b_every:input');
      expect(okSchema(doc, '/b/every_again')).to.have.nested.property('properties.result.$id', 'urn:mcpo:b_every_again:output');
      expect(JSON.stringify(one), 'the server’s own document is not changed').to.equal(before);
    });
  });

  it('publishes what the conformance scenario json-schema-2020-12-preservation looks for in a round-tripped schema', () => {
    // The scenario's fixture (@modelcontextprotocol/conformance 0.2.0-alpha.12), and its checks on the schema a client echoes back.
    const fixture = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: { address: { $anchor: 'addressDef', type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } } },
      properties: {
        name: { type: 'string' },
        address: { $ref: '#/$defs/address' },
        contactMethod: { type: 'string', enum: ['phone', 'email'] },
        phone: { type: 'string' },
        email: { type: 'string' },
      },
      allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
      if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
      then: { required: ['phone'] },
      else: { required: ['email'] },
      additionalProperties: false,
    };
    const table = buildToolTable(servedAsListed([{ name: 'json_schema_2020_12_tool', inputSchema: fixture as Tool['inputSchema'] }]), { maxRecursion: 3, onWarning: () => {} });
    const doc = buildDocument(table, META, { info: {}, structuredOutput: false });
    const echoed = (doc.paths!['/json_schema_2020_12_tool']!.post as Op).requestBody.content['application/json']!.schema as Record<string, any>;
    expect(echoed.$schema).to.equal('https://json-schema.org/draft/2020-12/schema');
    expect(echoed.$defs).to.have.property('address').that.has.property('$anchor', 'addressDef');
    expect(echoed.additionalProperties).to.equal(false);
    expect(echoed.allOf.some((s: Record<string, unknown>) => Array.isArray(s.anyOf))).to.equal(true);
    expect(echoed).to.include.keys('if', 'then', 'else');
  });
});
