/**
 * Choosing and naming tools against the kitchen-sink fixture: enabledTools
 * and disabledTools globs, a prefix, renames and description overrides, in
 * one router and in an app of two servers whose tools share names.
 */
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { createApp, mcpoRouter, silentLogger, type McpoApp, type McpoRouter, type RouterOptions } from '../../lib/index.js';
import { recordingLogger } from '../helpers/logger.js';
import { expectValidOpenApi31, type Doc } from '../helpers/openapi.js';
import { kitchenSinkStdio } from '../helpers/servers.js';

const OPERATION_ID = /^[a-zA-Z0-9_-]{1,64}$/;

describe('tool rules against the kitchen-sink fixture', function () {
  this.timeout(30_000);
  const opened: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((r) => r.close()));
  });

  /** A router over a fresh stdio fixture, mounted at /ks, ready, with its document. */
  async function serve(options: RouterOptions, closeAfter = opened): Promise<{ app: express.Express; doc: Doc; router: McpoRouter }> {
    const router = mcpoRouter(kitchenSinkStdio(), { logger: silentLogger, ...options });
    closeAfter.push(router);
    const app = express();
    app.use('/ks', router);
    await router.ready();
    const doc = (await request(app).get('/ks/openapi.json').expect(200)).body as Doc;
    await expectValidOpenApi31(doc);
    return { app, doc, router };
  }

  describe('enabledTools and disabledTools', () => {
    it('serves the enabled tools minus the disabled ones, by glob, and answers 404 for the rest', async () => {
      const { app, doc } = await serve({ enabledTools: ['echo', 'resource_*', 'no_?arams'], disabledTools: ['*_blob'] });
      expect(Object.keys(doc.paths).sort()).to.deep.equal(['/echo', '/no_params', '/resource_link', '/resource_text']);
      await request(app).post('/ks/no_params').expect(200, { ok: true, result: 'pong' });
      await request(app).post('/ks/resource_text').expect(200);
      for (const hidden of ['resource_blob', 'fails', 'json_text']) {
        const res = await request(app).post(`/ks/${hidden}`).expect(404);
        expect(res.body.error.code).to.equal('not_found');
      }
    });

    it('hides tools matching a disabledTools glob', async () => {
      const { app, doc } = await serve({ disabledTools: ['resource_*', '*_tool'] });
      const paths = Object.keys(doc.paths);
      expect(paths).to.include('/echo');
      expect(paths.filter((p) => p.startsWith('/resource_') || p.endsWith('_tool'))).to.deep.equal([]);
      await request(app).post('/ks/add_tool').expect(404);
    });
  });

  describe('a prefix, a rename and a new description', () => {
    let app: express.Express;
    let doc: Doc;
    // One router for the whole block, closed after it rather than after each test.
    const block: McpoRouter[] = [];
    before(async () => {
      ({ app, doc } = await serve({
        toolPrefix: 'kitchen',
        enabledTools: ['echo', 'no_params'],
        tools: { echo: { name: 'say', description: 'Says the message back, for the model.' } },
      }, block));
    });
    after(async () => {
      await Promise.all(block.map((r) => r.close()));
    });

    it('serves the renamed tool at its prefixed new path, under the new operationId', async () => {
      expect(Object.keys(doc.paths).sort()).to.deep.equal(['/kitchen_no_params', '/kitchen_say']);
      expect(doc.paths['/kitchen_say']!.post.operationId).to.equal('kitchen_say');
      const res = await request(app).post('/ks/kitchen_say').send({ message: 'hi', repeat: 2 }).expect(200);
      expect(res.body).to.deep.equal({ ok: true, result: 'hi hi' });
      await request(app).post('/ks/kitchen_no_params').expect(200, { ok: true, result: 'pong' });
    });

    it('answers 404 at the old names, with or without the prefix', async () => {
      for (const old of ['echo', 'say', 'kitchen_echo', 'no_params']) await request(app).post(`/ks/${old}`).expect(404);
    });

    it('keeps the MCP name in x-mcp-tool and puts the new description in the document', () => {
      const op = doc.paths['/kitchen_say']!.post as unknown as Record<string, unknown>;
      expect(op['x-mcp-tool']).to.equal('echo');
      expect(op.description).to.equal('Says the message back, for the model.');
      expect((doc.paths['/kitchen_no_params']!.post as unknown as Record<string, unknown>).description).to.equal('Takes nothing, answers pong.');
    });
  });

  it('serves the first of two tools a rename puts on one name, and warns naming both', async () => {
    const logger = recordingLogger();
    const { app, doc } = await serve({ logger, enabledTools: ['echo', 'no_params'], tools: { no_params: { name: 'echo' } } });
    expect(Object.keys(doc.paths)).to.deep.equal(['/echo']);
    await request(app).post('/ks/echo').send({ message: 'first' }).expect(200, { ok: true, result: 'first' });
    const warning = logger.records.find((r) => r.level === 'warn' && /one name/.test(r.message));
    // Named by the router's default, the command's basename: a router mounted without a name still says which it is.
    expect(warning?.fields).to.deep.equal({ server: 'node', name: 'echo', kept: 'echo', skipped: 'no_params' });
  });

  it('refuses two renames onto one name when the router is made, naming both tools', () => {
    expect(() => mcpoRouter(kitchenSinkStdio(), { tools: { echo: { name: 'x' }, no_params: { name: 'x' } } })).to.throw(
      TypeError,
      /"echo" and "no_params" would both be served as "x"/,
    );
  });

  describe('an app of two servers with the same tool names', () => {
    let app: McpoApp | undefined;
    afterEach(async () => {
      await app?.close();
      app = undefined;
    });

    const both = (extra: Record<string, unknown> = {}) => ({
      mcpServers: {
        one: { ...kitchenSinkStdio(), enabledTools: ['echo', 'no_params'], ...extra },
        two: { ...kitchenSinkStdio(), enabledTools: ['echo', 'no_params'], ...extra },
      },
    });

    it('serves <server>_<tool> under --tool-prefix-servers, each callable, with the same operationIds in the aggregate', async () => {
      app = createApp(both(), { logger: silentLogger, toolPrefixServers: true });
      await app.ready();
      for (const server of ['one', 'two']) {
        const res = await request(app).post(`/${server}/${server}_echo`).send({ message: server }).expect(200);
        expect(res.body).to.deep.equal({ ok: true, result: server });
        await request(app).post(`/${server}/echo`).expect(404);
      }
      const doc = (await request(app).get('/openapi.json').expect(200)).body as Doc;
      await expectValidOpenApi31(doc);
      expect(Object.keys(doc.paths).sort()).to.deep.equal(['/one/one_echo', '/one/one_no_params', '/two/two_echo', '/two/two_no_params']);
      expect(Object.values(doc.paths).map((p) => p.post.operationId).sort()).to.deep.equal(['one_echo', 'one_no_params', 'two_echo', 'two_no_params']);
    });

    it('keeps operationIds unique in the aggregate when two servers are given one prefix', async () => {
      app = createApp(both({ toolPrefix: 'same' }), { logger: silentLogger });
      await app.ready();
      await request(app).post('/one/same_echo').send({ message: 'a' }).expect(200, { ok: true, result: 'a' });
      await request(app).post('/two/same_echo').send({ message: 'b' }).expect(200, { ok: true, result: 'b' });
      const doc = (await request(app).get('/openapi.json').expect(200)).body as Doc;
      await expectValidOpenApi31(doc);
      const ids = Object.values(doc.paths).map((p) => p.post.operationId as string);
      expect(new Set(ids).size).to.equal(4);
      expect(ids.every((id) => OPERATION_ID.test(id))).to.equal(true);
      expect(ids).to.include('same_echo');
    });

    it('lets a server’s own toolPrefix win over --tool-prefix-servers', async () => {
      app = createApp(
        { mcpServers: { one: { ...kitchenSinkStdio(), enabledTools: ['echo'], toolPrefix: 'mine' }, two: { ...kitchenSinkStdio(), enabledTools: ['echo'] } } },
        { logger: silentLogger, toolPrefixServers: true },
      );
      await app.ready();
      await request(app).post('/one/mine_echo').send({ message: 'x' }).expect(200);
      await request(app).post('/two/two_echo').send({ message: 'y' }).expect(200);
    });

    it('refuses --tool-prefix-servers for a single server', () => {
      expect(() => createApp({ server: kitchenSinkStdio() }, { logger: silentLogger, toolPrefixServers: true })).to.throw(TypeError, /toolPrefixServers/);
    });
  });
});
