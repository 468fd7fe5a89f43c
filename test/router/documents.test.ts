/**
 * What a router's document shows (the `documents` option): only the tools
 * by default, so Open WebUI's function list holds tools alone; resources and
 * prompts when asked, as valid OpenAPI 3.1 with function-safe, unique
 * operationIds; a prompt the server adds at run time after its
 * `prompts/list_changed`. Against server-everything (2025 era) and the
 * modern fixture (2026-07-28, over stdio and Streamable HTTP).
 */
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { createApp, mcpoRouter, silentLogger, type McpoRouter, type ServerSpec } from '../../lib/index.js';
import { expectIdsSafeAndUnique, expectValidOpenApi31 } from '../helpers/openapi.js';
import { everythingStdio, modernStdio, startModernHttp, type RunningServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

type Item = Record<string, { operationId: string; tags: string[] } | undefined>;
type Doc = { paths: Record<string, Item>; tags: { name: string; description?: string }[] };

const FEATURE_PATHS = ['/resources', '/resources/templates', '/resources/read', '/prompts'];

async function served(spec: ServerSpec, documents?: ('tools' | 'resources' | 'prompts')[]): Promise<{ router: McpoRouter; app: express.Express; doc: () => Promise<Doc> }> {
  const router = mcpoRouter(spec, { logger: silentLogger, ...(documents ? { documents } : {}) });
  const app = express().use(router);
  await router.ready();
  return { router, app, doc: async () => (await request(app).get('/openapi.json').expect(200)).body as Doc };
}

describe('the documents option with server-everything (2025 era)', function () {
  this.timeout(30_000);
  const routers: McpoRouter[] = [];
  after(() => Promise.all(routers.map((r) => r.close())));

  it('shows only the tools by default, though the routes answer', async () => {
    const { router, app, doc } = await served(everythingStdio());
    routers.push(router);
    const document = await doc();
    for (const path of FEATURE_PATHS) expect(document.paths[path]?.get, path).to.equal(undefined);
    expect(Object.keys(document.paths).some((p) => p.startsWith('/prompts/'))).to.equal(false);
    expect(document.tags.map((t) => t.name)).to.not.include.members(['resources', 'prompts']);
    await request(app).get('/prompts').expect(200);
  });

  it('shows resources and prompts when asked: valid, tagged apart, one operation per prompt', async () => {
    const { router, app, doc } = await served(everythingStdio(), ['tools', 'resources', 'prompts']);
    routers.push(router);
    const document = await doc();
    await expectValidOpenApi31(document);
    expectIdsSafeAndUnique(document);
    for (const path of FEATURE_PATHS) expect(document.paths[path]?.get, path).to.not.equal(undefined);
    expect(document.tags.map((t) => t.name)).to.include.members(['resources', 'prompts']);
    const listed = (await request(app).get('/prompts').expect(200)).body.prompts as { name: string }[];
    const promptPaths = Object.keys(document.paths).filter((p) => p.startsWith('/prompts/'));
    expect(promptPaths).to.have.length(listed.length);
    for (const { name } of listed) expect(document.paths[`/prompts/${encodeURIComponent(name)}`]?.post?.tags).to.deep.equal(['prompts']);
  });
});

for (const transport of ['stdio', 'streamable-http'] as const) {
  describe(`the documents option with the modern fixture over ${transport} (2026-07-28)`, function () {
    this.timeout(30_000);
    let server: RunningServer | undefined;
    let setup: Awaited<ReturnType<typeof served>>;

    before(async () => {
      if (transport === 'streamable-http') server = await startModernHttp();
      const spec: ServerSpec = server ? { type: 'streamable-http', url: server.url } : modernStdio();
      setup = await served(spec, ['tools', 'prompts']);
    });
    after(async () => {
      await setup?.router.close();
      await server?.close();
    });

    it('describes the prompt with its arguments as the body schema', async () => {
      const document = await setup.doc();
      await expectValidOpenApi31(document);
      expectIdsSafeAndUnique(document);
      const op = document.paths['/prompts/describe']!.post as unknown as { requestBody: { content: { 'application/json': { schema: unknown } } } };
      expect(op.requestBody.content['application/json'].schema).to.deep.equal({
        type: 'object',
        properties: { topic: { type: 'string', description: 'What to describe' }, style: { type: 'string' } },
        required: ['topic'],
        additionalProperties: false,
      });
      expect(document.paths['/resources']).to.equal(undefined);
    });

    it('shows a prompt the server adds at run time, after prompts/list_changed', async () => {
      const added = (await request(setup.app).post('/add_prompt').send({}).expect(200)).body.result as string;
      const document = await waitFor(async () => {
        const doc = await setup.doc();
        return doc.paths[`/prompts/${added}`] ? doc : undefined;
      }, `the document to show ${added}`);
      expectIdsSafeAndUnique(document);
      await request(setup.app).post(`/prompts/${added}`).send({ subject: 'x' }).expect(200);
    });
  });
}

describe('the documents key in the config', function () {
  this.timeout(30_000);

  it('chooses what each server’s document and the aggregate show', async () => {
    const app = createApp({ mcpServers: { shown: { ...modernStdio(), documents: ['tools', 'resources'] }, plain: modernStdio() } }, { logger: silentLogger });
    try {
      await app.ready();
      const own = (await request(app).get('/shown/openapi.json').expect(200)).body as Doc;
      expect(own.paths['/resources/read']?.get?.operationId).to.equal('read_resource');
      const plain = (await request(app).get('/plain/openapi.json').expect(200)).body as Doc;
      expect(plain.paths['/resources']).to.equal(undefined);
      const all = (await request(app).get('/openapi.json').expect(200)).body as Doc;
      await expectValidOpenApi31(all);
      expectIdsSafeAndUnique(all);
      expect(all.paths['/shown/resources/read']?.get?.tags).to.deep.equal(['shown resources']);
      expect(all.paths['/plain/resources/read']).to.equal(undefined);
    } finally {
      await app.close();
    }
  });

  it('refuses an unknown section with the fix in the message', () => {
    expect(() => createApp({ mcpServers: { x: { ...modernStdio(), documents: ['tools', 'resource'] } } }, { logger: silentLogger })).to.throw(
      /mcpServers\.x\.documents must be an array of "tools", "resources", "prompts"/,
    );
    expect(() => mcpoRouter(modernStdio(), { documents: ['tool' as 'tools'] })).to.throw(TypeError, /"documents" must be an array/);
  });
});
