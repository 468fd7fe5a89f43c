/**
 * Resources and prompts in the documents (lib/openapi/features.ts through
 * buildDocument and aggregateDocuments), built from a tool table and a
 * catalog without any server or HTTP.
 */
import { expect } from 'chai';
import type { OpenAPIV3_1 } from 'openapi-types';
import type { Tool } from '@modelcontextprotocol/client';
import { aggregateDocuments } from '../../lib/openapi/aggregate.js';
import { buildDocument, type DocumentOptions } from '../../lib/openapi/document.js';
import { buildToolTable, servedAsListed } from '../../lib/openapi/tools.js';
import type { Catalog } from '../../lib/mcp/catalog.js';
import { expectIdsSafeAndUnique, expectValidOpenApi31 } from '../helpers/openapi.js';

const TOOLS: Tool[] = [
  { name: 'echo', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } },
  // Tools whose names are a list's path and a prompt operation's id: neither may be lost.
  { name: 'resources', inputSchema: { type: 'object' } },
  { name: 'prompt_describe', inputSchema: { type: 'object' } },
];
const CATALOG: Catalog = {
  resources: [{ uri: 'test://a', name: 'a' }],
  resourceTemplates: [{ uriTemplate: 'test://t/{id}', name: 't' }],
  prompts: [
    { name: 'describe', description: 'Describes a topic.', arguments: [{ name: 'topic', description: 'What to describe', required: true }, { name: 'style' }] },
    { name: 'no args' },
  ],
};
const META = { serverInfo: { name: 'fixture', version: '1.0.0' } };

type Op = OpenAPIV3_1.OperationObject & { requestBody?: OpenAPIV3_1.RequestBodyObject; 'x-mcp-prompt'?: string };

function build(options: Partial<DocumentOptions> = {}) {
  const table = buildToolTable(servedAsListed(TOOLS), { maxRecursion: 3, onWarning: () => {} });
  return buildDocument(table, META, { info: {}, structuredOutput: false, catalog: CATALOG, ...options });
}

describe('resources and prompts in the documents', () => {
  it('shows only the tools by default, even with a catalog', () => {
    const doc = build();
    expect(Object.keys(doc.paths!)).to.deep.equal(['/echo', '/resources', '/prompt_describe']);
    expect(doc.paths!['/resources']!.get).to.equal(undefined);
    expect(doc.tags!.map((t) => t.name)).to.deep.equal(['fixture']);
  });

  it('shows the resource and prompt operations when asked, tagged apart from the tools, as valid OpenAPI 3.1', async () => {
    const doc = build({ sections: ['tools', 'resources', 'prompts'] });
    await expectValidOpenApi31({ ...doc, servers: [{ url: '/' }] });
    expect(Object.keys(doc.paths!)).to.include.members(['/resources', '/resources/templates', '/resources/read', '/prompts', '/prompts/describe', '/prompts/no%20args']);
    expect(doc.tags!.map((t) => t.name)).to.deep.equal(['fixture', 'resources', 'prompts']);
    for (const t of doc.tags!.slice(1)) expect(t.description).to.be.a('string');
    expect(doc.paths!['/resources/read']!.get!.tags).to.deep.equal(['resources']);
    expect(doc.paths!['/prompts/describe']!.post!.tags).to.deep.equal(['prompts']);
    expect(doc.paths!['/echo']!.post!.tags).to.deep.equal(['fixture']);
  });

  it('keeps a tool at a list’s path: POST is the tool, GET the list', () => {
    const doc = build({ sections: ['tools', 'resources'] });
    expect((doc.paths!['/resources']!.post as Record<string, unknown>)['x-mcp-tool']).to.equal('resources');
    expect(doc.paths!['/resources']!.get!.operationId).to.equal('list_resources');
  });

  it('gives every operation a function-safe operationId no tool has', () => {
    const doc = build({ sections: ['tools', 'resources', 'prompts'] });
    expectIdsSafeAndUnique(doc);
    expect(doc.paths!['/prompt_describe']!.post!.operationId).to.equal('prompt_describe');
    expect(doc.paths!['/prompts/describe']!.post!.operationId).to.match(/^prompt_describe_[0-9a-f]{8}$/);
    expect(doc.paths!['/prompts/no%20args']!.post!.operationId).to.match(/^prompt_no_args_[0-9a-f]{8}$/);
  });

  it('makes a prompt’s arguments its body schema: strings, the required ones required, no others', () => {
    const op = build({ sections: ['prompts'] }).paths!['/prompts/describe']!.post as Op;
    expect(op['x-mcp-prompt']).to.equal('describe');
    expect(op.requestBody!.required).to.equal(true);
    expect(op.requestBody!.content['application/json']!.schema).to.deep.equal({
      type: 'object',
      properties: { topic: { type: 'string', description: 'What to describe' }, style: { type: 'string' } },
      required: ['topic'],
      additionalProperties: false,
    });
    const bare = build({ sections: ['prompts'] }).paths!['/prompts/no%20args']!.post as Op;
    expect(bare.requestBody!.required).to.equal(false);
  });

  it('types the read response: any content for one, JSON for several, 404 for a miss', () => {
    const read = build({ sections: ['resources'] }).paths!['/resources/read']!.get!;
    expect(read.parameters).to.deep.include({ name: 'uri', in: 'query', required: true, description: 'The resource’s URI.', schema: { type: 'string' } });
    const ok = read.responses!['200'] as OpenAPIV3_1.ResponseObject;
    expect(Object.keys(ok.content!)).to.deep.equal(['*/*', 'application/json']);
    expect(read.responses).to.have.property('404');
  });

  it('can show prompts without the tools', async () => {
    const doc = build({ sections: ['prompts'] });
    await expectValidOpenApi31({ ...doc, servers: [{ url: '/' }] });
    expect(Object.keys(doc.paths!)).to.deep.equal(['/prompts', '/prompts/describe', '/prompts/no%20args']);
    expect(doc.tags!.map((t) => t.name)).to.deep.equal(['prompts']);
  });

  it('aggregates them under each server with their own tags and unique operationIds', async () => {
    const own = build({ sections: ['tools', 'resources', 'prompts'] });
    const doc = aggregateDocuments([
      { name: 'a', path: '/a', document: own },
      // A prefixed server keeps its tools' ids, but its features still take its name.
      { name: 'b', path: '/b', document: own, prefixed: true },
    ], { title: 'All', version: '1' });
    await expectValidOpenApi31({ ...doc, servers: [{ url: '/' }] });
    expectIdsSafeAndUnique(doc);
    expect(doc.paths!['/a/resources']!.get!.tags).to.deep.equal(['a resources']);
    expect(doc.paths!['/a/resources']!.post!.tags).to.deep.equal(['a']);
    expect(doc.paths!['/b/prompts/describe']!.post!.tags).to.deep.equal(['b prompts']);
    expect(doc.paths!['/a/resources/read']!.get!.operationId).to.equal('a_read_resource');
    expect(doc.paths!['/b/resources/read']!.get!.operationId).to.equal('b_read_resource');
    expect(doc.tags!.map((t) => t.name)).to.deep.equal(['a', 'b', 'a resources', 'a prompts', 'b resources', 'b prompts']);
  });
});
