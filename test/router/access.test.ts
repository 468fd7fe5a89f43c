/**
 * Access per server and per tool (`access`, and `access` in a `tools`
 * override), against the modern fixture (tools, resources and prompts) over
 * stdio: each caller's document holds exactly the tools they may call and is
 * valid OpenAPI 3.1, built once per access set; a hidden tool answers 403 and
 * a missing one 404; a caller outside the server's access sees an empty
 * document and gets 403 on tools, resources and prompts; the router's MCP
 * endpoint lists and calls the same way for a 2025-era session and a
 * 2026-07-28 client, and a 2025-era session serves only the caller who opened it. Callers are the app's own (the `caller` option), read
 * from `X-User` and `X-Groups`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { mcpoRouter, silentLogger, type McpoRouter } from '../../lib/index.js';
import { appCaller } from '../../lib/auth/caller.js';
import { expectValidOpenApi31 } from '../helpers/openapi.js';
import { modernStdio } from '../helpers/servers.js';

const caller = (req: express.Request) => {
  const id = req.get('x-user');
  return id ? { id, groups: (req.get('x-groups') ?? '').split(',').filter(Boolean) } : undefined;
};
const as = (user?: string, groups: string[] = []): Record<string, string> => (user ? { 'x-user': user, 'x-groups': groups.join(',') } : {});
const SECTIONS = ['tools', 'resources', 'prompts'] as const;

/** The MCP names of the tools a document shows, sorted. */
const toolsOf = (doc: { paths: Record<string, Record<string, { 'x-mcp-tool'?: string }>> }): string[] =>
  Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op['x-mcp-tool']).filter((t): t is string => t !== undefined)).sort();

async function mcpClient(url: string, mode: 'auto' | 'legacy', headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'access-test', version: '1.0.0' }, { versionNegotiation: { mode } } as never);
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

/** What a rejected MCP request carried: its JSON-RPC code and message. */
async function rpcError(promise: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await promise;
  } catch (err) {
    const { code, message } = err as { code: number; message: string };
    return { code, message };
  }
  throw new Error('the request succeeded');
}

describe('access per server and per tool', function () {
  this.timeout(60_000);
  let guarded: McpoRouter;
  let staff: McpoRouter;
  let app: express.Express;
  let server: http.Server;
  let base: string;
  let all: string[];

  before(async () => {
    guarded = mcpoRouter(modernStdio(), {
      logger: silentLogger,
      caller,
      documents: [...SECTIONS],
      tools: { no_params: { access: { groups: ['admins'] } }, structured: { access: { users: ['alice'] } }, fails: { access: { groups: ['admins'] } } },
    });
    staff = mcpoRouter(modernStdio(), { logger: silentLogger, caller, documents: [...SECTIONS], access: { groups: ['staff'] } });
    app = express().use('/guarded', guarded).use('/staff', staff);
    await Promise.all([guarded.ready(), staff.ready()]);
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    all = toolsOf((await request(app).get('/staff/openapi.json').set(as('sam', ['staff'])).expect(200)).body);
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await Promise.all([guarded?.close(), staff?.close()]);
  });

  describe('per tool', () => {
    const cases: [string, Record<string, string>, string[]][] = [
      ['nobody', as(), []],
      ['alice', as('alice'), ['structured']],
      ['an admin', as('bob', ['admins']), ['fails', 'no_params']],
      ['alice as an admin', as('alice', ['admins']), ['fails', 'no_params', 'structured']],
    ];
    for (const [who, headers, extra] of cases) {
      it(`shows ${who} exactly the open tools${extra.length ? ` and ${extra.join(', ')}` : ''}, in a valid document`, async () => {
        const doc = (await request(app).get('/guarded/openapi.json').set(headers).expect(200)).body;
        const open = all.filter((t) => !['no_params', 'structured', 'fails'].includes(t));
        expect(toolsOf(doc)).to.deep.equal([...open, ...extra].sort());
        // Resources and prompts stay: the server admits everyone.
        expect(Object.keys(doc.paths)).to.include.members(['/resources', '/prompts']);
        await expectValidOpenApi31(doc);
      });
    }

    it('answers 403 forbidden for a tool the caller may not call, 404 for one that does not exist', async () => {
      const hidden = await request(app).post('/guarded/no_params').set(as('alice')).send({}).expect(403);
      expect(hidden.body.error).to.include({ code: 'forbidden' });
      await request(app).post('/guarded/no_params').send({}).expect(403);
      await request(app).post('/guarded/no_such_tool').set(as('alice')).send({}).expect(404);
      const allowed = await request(app).post('/guarded/no_params').set(as('bob', ['admins'])).send({}).expect(200);
      expect(allowed.body).to.include({ ok: true, result: 'pong' });
      await request(app).post('/guarded/echo').send({ message: 'hi' }).expect(200);
    });

    it('builds one document per access set, not per request or per caller', () => {
      const bob = appCaller({ id: 'bob', groups: ['admins'] });
      const carol = appCaller({ id: 'carol', groups: ['admins', 'other'] });
      const alice = appCaller({ id: 'alice' });
      expect(guarded.documentFor(bob)).to.equal(guarded.documentFor(carol));
      expect(guarded.documentFor(bob)).to.equal(guarded.documentFor(bob));
      expect(guarded.documentFor(alice)).not.to.equal(guarded.documentFor(bob));
      expect(guarded.documentFor(undefined)).to.equal(guarded.documentFor(appCaller({ id: 'dave', groups: ['other'] })));
      // A router without access lists shows everyone its one document.
      expect(staff.documentFor(appCaller({ id: 'sam', groups: ['staff'] }))).to.equal(staff.document());
    });
  });

  describe('per server', () => {
    it('shows a caller outside its access a valid document with no operations', async () => {
      for (const headers of [as(), as('eve', ['guests'])]) {
        const doc = (await request(app).get('/staff/openapi.json').set(headers).expect(200)).body;
        expect(doc.paths).to.deep.equal({});
        expect(doc.components.schemas).to.deep.equal({});
        await expectValidOpenApi31(doc);
      }
      await request(app).get('/staff/docs').expect(200);
    });

    it('answers 403 on its tools, resources and prompts to a caller outside its access', async () => {
      const eve = as('eve', ['guests']);
      const refused = [
        request(app).post('/staff/echo').set(eve).send({ message: 'hi' }),
        request(app).post('/staff/no_such_tool').send({}),
        request(app).get('/staff/resources').set(eve),
        request(app).get('/staff/resources/templates').set(eve),
        request(app).get('/staff/resources/read').query({ uri: 'test://static/text' }).set(eve),
        request(app).get('/staff/prompts').set(eve),
        request(app).post('/staff/prompts/describe').set(eve).send({ topic: 'x' }),
      ];
      for (const [i, res] of (await Promise.all(refused)).entries()) {
        expect(res.status, `request ${i}`).to.equal(403);
        expect(res.body.error).to.include({ code: 'forbidden' });
      }
    });

    it('serves a caller inside its access everything', async () => {
      const sam = as('sam', ['staff']);
      expect((await request(app).post('/staff/echo').set(sam).send({ message: 'hi' }).expect(200)).body.result).to.equal('hi');
      expect((await request(app).get('/staff/resources').set(sam).expect(200)).body.resources).to.not.be.empty;
      expect((await request(app).get('/staff/prompts').set(sam).expect(200)).body.prompts).to.not.be.empty;
      const doc = (await request(app).get('/staff/openapi.json').set(sam).expect(200)).body;
      expect(toolsOf(doc)).to.deep.equal(all);
      expect(Object.keys(doc.paths)).to.include.members(['/resources', '/prompts']);
    });
  });

  it("refuses a 2025-era session to anyone but the caller who opened it, with the specification's 404", async () => {
    const alice = await mcpClient(`${base}/guarded/mcp`, 'legacy', as('alice'));
    try {
      const transport = (alice as unknown as { transport: { sessionId?: string } }).transport;
      const session = transport.sessionId;
      expect(session).to.be.a('string');
      const list = { jsonrpc: '2.0', id: 7, method: 'tools/list', params: {} };
      const ask = (who: Record<string, string>) =>
        fetch(`${base}/guarded/mcp`, {
          method: 'POST',
          headers: { ...who, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': session!, 'mcp-protocol-version': '2025-11-25' },
          body: JSON.stringify(list),
        });
      const mallory = await ask(as('mallory', ['admins']));
      expect(mallory.status).to.equal(404);
      expect(((await mallory.json()) as { error: { message: string } }).error.message).to.match(/^Session not found/);
      const nobody = await ask({});
      expect(nobody.status).to.equal(404);
      await nobody.body?.cancel();
      // Its owner goes on using it.
      expect((await alice.listTools()).tools.map((t) => t.name)).to.include('structured');
    } finally {
      await alice.close();
    }
  });

  for (const mode of ['auto', 'legacy'] as const) {
    describe(`the router's MCP endpoint, ${mode === 'auto' ? '2026-07-28' : 'a 2025-era session'}`, () => {
      it('lists only the tools the caller may call, and answers a hidden one as an unknown tool', async () => {
        const alice = await mcpClient(`${base}/guarded/mcp`, mode, as('alice'));
        const admin = await mcpClient(`${base}/guarded/mcp`, mode, as('bob', ['admins']));
        try {
          expect(alice.getNegotiatedProtocolVersion()).to.equal(mode === 'auto' ? '2026-07-28' : '2025-11-25');
          const listed = (await alice.listTools()).tools.map((t) => t.name);
          expect(listed).to.include('structured').and.include('echo').and.not.include('no_params');
          expect((await admin.listTools()).tools.map((t) => t.name)).to.include('no_params').and.not.include('structured');
          const hidden = await rpcError(alice.callTool({ name: 'no_params', arguments: {} }));
          const unknown = await rpcError(alice.callTool({ name: 'no_such_tool', arguments: {} }));
          expect(hidden.code).to.equal(unknown.code);
          expect(hidden.message.replace('no_params', 'X')).to.equal(unknown.message.replace('no_such_tool', 'X'));
          const called = await admin.callTool({ name: 'no_params', arguments: {} });
          expect((called as { content: { text: string }[] }).content[0]!.text).to.equal('pong');
        } finally {
          await Promise.all([alice.close(), admin.close()]);
        }
      });

      it('shows a caller outside the server access no tools, resources or prompts', async () => {
        const eve = await mcpClient(`${base}/staff/mcp`, mode, as('eve', ['guests']));
        const sam = await mcpClient(`${base}/staff/mcp`, mode, as('sam', ['staff']));
        try {
          expect((await eve.listTools()).tools).to.deep.equal([]);
          expect((await eve.listResources()).resources).to.deep.equal([]);
          expect((await eve.listPrompts()).prompts).to.deep.equal([]);
          // As the server itself answers a URI it does not have.
          const read = await rpcError(eve.readResource({ uri: 'test://static/text' }));
          const missing = await rpcError(sam.readResource({ uri: 'test://static/none' }));
          expect(read.code).to.equal(missing.code);
          const prompt = await rpcError(eve.getPrompt({ name: 'describe', arguments: { topic: 'x' } }));
          expect(prompt.message).to.match(/Unknown prompt/);
          const call = await rpcError(eve.callTool({ name: 'echo', arguments: { message: 'hi' } }));
          expect(call.message).to.match(/Unknown tool: echo/);
          expect((await sam.listTools()).tools.map((t) => t.name).sort()).to.deep.equal(all);
          expect((await sam.listResources()).resources).to.not.be.empty;
          expect((await sam.readResource({ uri: 'test://static/text' })).contents).to.have.length(1);
        } finally {
          await Promise.all([eve.close(), sam.close()]);
        }
      });
    });
  }
});
