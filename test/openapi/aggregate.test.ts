/**
 * aggregateDocuments (lib/openapi/aggregate.ts): many servers' documents as one.
 */
import { expect } from 'chai';
import type { OpenAPIV3_1 } from 'openapi-types';
import { aggregateDocuments, type DocumentPart } from '../../lib/openapi/aggregate.js';
import { expectValidOpenApi31 } from '../helpers/openapi.js';

const OPERATION_ID = /^[a-zA-Z0-9_-]{1,64}$/;
const ERROR = { type: 'object', properties: { ok: { const: false } } } as OpenAPIV3_1.SchemaObject;

function documentOf(title: string, operationIds: string[]): OpenAPIV3_1.Document {
  const paths: Record<string, unknown> = {};
  for (const id of operationIds) {
    paths[`/${id}`] = {
      post: {
        operationId: id,
        summary: id,
        requestBody: { required: false, content: { 'application/json': { schema: { type: 'object' } } } },
        responses: { '200': { description: 'ok' }, '500': { description: 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } } },
      },
    };
  }
  return { openapi: '3.1.0', info: { title, version: '1' }, paths: paths as OpenAPIV3_1.PathsObject, components: { schemas: { Error: ERROR } } };
}

const part = (name: string, document: OpenAPIV3_1.Document | undefined): DocumentPart => ({ name, path: `/${name}`, document });
type Op = OpenAPIV3_1.OperationObject;
const ops = (doc: OpenAPIV3_1.Document) => Object.entries(doc.paths ?? {}).map(([p, item]) => [p, item!.post as Op] as const);

describe('aggregateDocuments', () => {
  it('puts every server’s operations under its path, prefixed and tagged with its name', async () => {
    const doc = aggregateDocuments([part('time', documentOf('Time', ['now', 'convert'])), part('memory', documentOf('Memory', ['read_graph']))], { title: 'All', version: '2' });
    await expectValidOpenApi31({ ...doc, servers: [{ url: '/' }] });
    expect(ops(doc).map(([p, op]) => [p, op.operationId, op.tags])).to.deep.equal([
      ['/time/now', 'time_now', ['time']],
      ['/time/convert', 'time_convert', ['time']],
      ['/memory/read_graph', 'memory_read_graph', ['memory']],
    ]);
    expect(doc.tags).to.deep.equal([{ name: 'time', description: 'Time' }, { name: 'memory', description: 'Memory' }]);
    expect(doc.info).to.include({ title: 'All', version: '2' });
    expect(doc.components?.schemas).to.deep.equal({ Error: ERROR });
  });

  it('keeps operationIds unique when two servers’ names combine alike', () => {
    const doc = aggregateDocuments([part('a', documentOf('A', ['b_c'])), part('a_b', documentOf('AB', ['c']))], { title: 't', version: '1' });
    const ids = ops(doc).map(([, op]) => op.operationId!);
    expect(ids[0]).to.equal('a_b_c');
    expect(ids[1]).to.match(/^a_b_c_[0-9a-f]{8}$/);
  });

  it('keeps the operationIds of a server whose tools carry a prefix, and still makes clashes unique', () => {
    const doc = aggregateDocuments(
      [{ ...part('one', documentOf('One', ['p_echo'])), prefixed: true }, { ...part('two', documentOf('Two', ['p_echo'])), prefixed: true }, part('three', documentOf('Three', ['echo']))],
      { title: 't', version: '1' },
    );
    const ids = ops(doc).map(([p, op]) => [p, op.operationId!]);
    expect(ids[0]).to.deep.equal(['/one/p_echo', 'p_echo']);
    expect(ids[1]![1]).to.match(/^p_echo_[0-9a-f]{8}$/);
    expect(ids[2]).to.deep.equal(['/three/echo', 'three_echo']);
  });

  it('keeps long names within the operationId pattern, and distinct', () => {
    const server = 's'.repeat(60);
    const doc = aggregateDocuments([part(server, documentOf('S', ['x'.repeat(60), `${'x'.repeat(59)}y`]))], { title: 't', version: '1' });
    const ids = ops(doc).map(([, op]) => op.operationId!);
    for (const id of ids) expect(id).to.match(OPERATION_ID);
    expect(new Set(ids).size).to.equal(2);
  });

  it('sanitizes server names that are not valid in an operationId', () => {
    const doc = aggregateDocuments([part('my.server~1', documentOf('S', ['go']))], { title: 't', version: '1' });
    const [[, op]] = ops(doc) as [readonly [string, Op]];
    expect(op.operationId).to.match(OPERATION_ID);
    expect(op.operationId).to.match(/^my_server_1_go_[0-9a-f]{8}$/);
  });

  it('lists a server without a document in the description and tags, with no paths', () => {
    const doc = aggregateDocuments([part('up', documentOf('Up', ['x'])), part('down', undefined)], { title: 't', version: '1' });
    expect(Object.keys(doc.paths ?? {})).to.deep.equal(['/up/x']);
    expect(doc.tags?.map((t) => t.name)).to.deep.equal(['up', 'down']);
    expect(doc.info.description).to.include('- [up](./up/docs) — Up').and.to.include('- [down](./down/docs) (not connected)');
  });

  it('uses a given description as it is', () => {
    expect(aggregateDocuments([], { title: 't', version: '1', description: 'Mine' }).info.description).to.equal('Mine');
    expect(aggregateDocuments([], { title: 't', version: '1' }).info.description).to.equal('No MCP servers are configured.');
  });

  it('does not change the documents it is given', () => {
    const input = documentOf('T', ['now']);
    const copy = structuredClone(input);
    aggregateDocuments([part('time', input)], { title: 't', version: '1' });
    expect(input).to.deep.equal(copy);
  });
});
