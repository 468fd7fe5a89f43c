/**
 * buildDocument (lib/openapi/document.ts): one server's published document,
 * built from a tool table without any server or HTTP.
 */
import { expect } from 'chai';
import type { OpenAPIV3_1 } from 'openapi-types';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { buildDocument, type DocumentOptions } from '../../lib/openapi/document.js';
import { buildToolTable } from '../../lib/openapi/tools.js';
import { expectValidOpenApi31 } from '../helpers/openapi.js';

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

function build(options: Partial<DocumentOptions> = {}, meta: { serverInfo: { name: string; version: string; title?: string }; instructions?: string } = META) {
  const table = buildToolTable(TOOLS, { maxRecursion: 3, onWarning: () => {} });
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
    expect(doc.tags).to.deep.equal([{ name: 'time-server' }]);
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
});
