/**
 * mcpoRouter against a server that speaks only MCP 2026-07-28 (the modern
 * fixture refuses `initialize`), over stdio and Streamable HTTP: the era in
 * status() and /healthz, tools that need input (409 and Mcp-Continuation),
 * `x-mcp-header` parameters mirrored as Mcp-Param-* headers, and `_meta`.
 */
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { createApp, mcpoRouter, silentLogger, type McpoApp, type McpoRouter, type ServerSpec } from '../../lib/index.js';
import { expectValidOpenApi31, operationOf, type Doc } from '../helpers/openapi.js';
import { kitchenSinkStdio, modernStdio, startModernHttp, type RunningServer } from '../helpers/servers.js';

const MODERN = '2026-07-28';

/** A JSON value's keys and kinds, with a continuation reduced to its form (payload.signature in Base64url). */
function shapeOf(value: unknown, key = ''): unknown {
  if (key === 'continuation' && typeof value === 'string') return /^[\w-]+\.[\w-]{43}$/.test(value) ? 'sealed' : value;
  if (Array.isArray(value)) return value.map((item) => shapeOf(item));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).sort().map(([k, v]) => [k, shapeOf(v, k)]));
  return typeof value;
}
const META_VERSION = 'io.modelcontextprotocol/protocolVersion';

for (const transport of ['stdio', 'streamable-http'] as const) {
  describe(`mcpoRouter against a 2026-07-28 server over ${transport}`, function () {
    this.timeout(30_000);
    let server: RunningServer | undefined;
    let spec: ServerSpec;
    const routers: McpoRouter[] = [];
    const mount = async (options: Parameters<typeof mcpoRouter>[1] = {}): Promise<express.Express> => {
      const router = mcpoRouter(spec, { logger: silentLogger, ...options });
      routers.push(router);
      await router.ready();
      return express().use(router);
    };
    let app: express.Express;

    before(async () => {
      if (transport === 'stdio') spec = modernStdio();
      else {
        server = await startModernHttp();
        spec = { type: 'streamable-http', url: server.url };
      }
      app = await mount();
    });
    after(async () => {
      await Promise.all(routers.map((r) => r.close()));
      await server?.close();
    });

    it('speaks 2026-07-28 without a handshake and says so in status()', () => {
      expect(routers[0]!.status()).to.include({ state: 'ready', protocolVersion: MODERN });
    });

    it('calls tools, with _meta on the request', async () => {
      const echo = await request(app).post('/echo').send({ message: 'hi', repeat: 2 }).expect(200);
      expect(echo.body).to.deep.equal({ ok: true, result: 'hi hi' });
      const seen = await request(app).post('/header_echo').send({ region: 'eu-west-1' }).expect(200);
      expect(seen.body.result.meta[META_VERSION]).to.equal(MODERN);
      expect(seen.body.result.meta['io.modelcontextprotocol/clientInfo']).to.include({ name: 'mcpo' });
    });

    it('answers 409 input_required with the server’s question, and finishes the call when the caller answers', async () => {
      const asked = await request(app).post('/confirm_action').send({ action: 'deploy' }).expect(409);
      expect(asked.body.ok).to.equal(false);
      expect(asked.body.error).to.include({ code: 'input_required', message: 'Really deploy?' });
      expect(asked.body.error.inputRequests.confirm).to.include({ method: 'elicitation/create' });
      expect(asked.body.error.continuation).to.be.a('string');

      const { continuation } = asked.body.error as { continuation: string };
      const accepted = await request(app).post('/confirm_action').set('Mcp-Continuation', continuation)
        .send({ confirm: { action: 'accept', content: { confirm: true } } }).expect(200);
      // The original arguments came back from the continuation: the body held only the answer.
      expect(accepted.body.result).to.equal('deploy: accept {"confirm":true}');
      const declined = await request(app).post('/confirm_action').set('Mcp-Continuation', continuation)
        .send({ confirm: { action: 'decline' } }).expect(200);
      expect(declined.body.result).to.equal('deploy: decline null');
    });

    it('refuses a continuation that was changed, is for another tool or server, or has expired, and answers that miss a question', async () => {
      const ask = async (on: express.Express) =>
        (await request(on).post('/confirm_action').send({ action: 'deploy' }).expect(409)).body.error.continuation as string;
      const answer = { confirm: { action: 'accept', content: { confirm: true } } };
      const token = await ask(app);
      const [payload, signature] = token.split('.') as [string, string];
      const flipped = `${payload.slice(0, -2)}${payload.slice(-2) === 'AA' ? 'AB' : 'AA'}.${signature}`;

      const changed = await request(app).post('/confirm_action').set('Mcp-Continuation', flipped).send(answer).expect(400);
      expect(changed.body.error.code).to.equal('invalid_continuation');
      const elsewhere = await request(app).post('/echo').set('Mcp-Continuation', token).send(answer).expect(400);
      expect(elsewhere.body.error.message).to.match(/another tool/);
      const missing = await request(app).post('/confirm_action').set('Mcp-Continuation', token).send({}).expect(422);
      expect(missing.body.error.data.missing).to.deep.equal(['confirm']);

      // Another router (another secret, another name) does not take it; nor does this one once it expired.
      const other = await mount({ name: 'other' });
      expect((await request(other).post('/confirm_action').set('Mcp-Continuation', token).send(answer).expect(400)).body.error.code)
        .to.equal('invalid_continuation');
      const brief = await mount({ continuationTtl: 0.05 });
      const short = await ask(brief);
      await new Promise((resolve) => setTimeout(resolve, 120));
      const expired = await request(brief).post('/confirm_action').set('Mcp-Continuation', short).send(answer).expect(400);
      expect(expired.body.error.message).to.match(/expired/);
    });

    it('documents the 409 with a real input_required body as its example, and the Mcp-Continuation header, on every operation', async () => {
      const doc = (await request(app).get('/openapi.json').expect(200)).body as Doc;
      await expectValidOpenApi31(doc);
      const real = (await request(app).post('/confirm_action').send({ action: 'deploy' }).expect(409)).body as Record<string, unknown>;
      for (const tool of ['echo', 'confirm_action', 'header_echo']) {
        const op = operationOf(doc, tool) as unknown as { responses: Record<string, { content: Record<string, { schema: { $ref: string }; example: unknown }> }>; parameters: { name: string }[] };
        const conflict = op.responses['409']!.content['application/json']!;
        expect(conflict.schema.$ref, tool).to.equal('#/components/schemas/InputRequired');
        // The example is the answer this very server gives, down to each key and the continuation's form.
        expect(shapeOf(conflict.example), tool).to.deep.equal(shapeOf(real));
        expect(op.parameters.map((p) => p.name), tool).to.include('Mcp-Continuation');
      }
    });

    if (transport === 'streamable-http') {
      it('mirrors x-mcp-header parameters as Mcp-Param-* headers, in Base64 where the value is not plain ASCII', async () => {
        const plain = await request(app).post('/header_echo').send({ region: 'eu-west-1' }).expect(200);
        expect(plain.body.result.headers).to.deep.equal({
          'mcp-param-region': 'eu-west-1',
          'mcp-protocol-version': MODERN,
          'mcp-method': 'tools/call',
          'mcp-name': 'header_echo',
        });
        const accented = await request(app).post('/header_echo').send({ region: 'eu-wëst' }).expect(200);
        expect(accented.body.result.headers['mcp-param-region']).to.equal(`=?base64?${Buffer.from('eu-wëst').toString('base64')}?=`);
        const padded = await request(app).post('/header_echo').send({ region: ' eu' }).expect(200);
        expect(padded.body.result.headers['mcp-param-region']).to.equal(`=?base64?${Buffer.from(' eu').toString('base64')}?=`);
      });
    }
  });
}

describe('a 2026-07-28 server and a 2025-era server in one app', function () {
  this.timeout(30_000);
  let app: McpoApp;
  let server: RunningServer;
  before(async () => {
    server = await startModernHttp();
    app = createApp(
      { mcpServers: { modern: modernStdio(), remote: { type: 'streamable-http', url: server.url }, legacy: kitchenSinkStdio() } },
      { logger: silentLogger },
    );
    await app.ready();
  });
  after(async () => {
    await app.close();
    await server.close();
  });

  it('documents the 409 and Mcp-Continuation only on the tools of the server that can ask for input', async () => {
    const doc = (await request(app).get('/openapi.json').expect(200)).body as Doc;
    const paths = doc.paths as Record<string, { post?: { responses: Record<string, unknown>; parameters?: { name: string }[] } }>;
    for (const [server, asks] of [['modern', true], ['remote', true], ['legacy', false]] as const) {
      const op = paths[`/${server}/echo`]!.post!;
      expect(Object.hasOwn(op.responses, '409'), server).to.equal(asks);
      expect((op.parameters ?? []).some((p) => p.name === 'Mcp-Continuation'), server).to.equal(asks);
      const own = (await request(app).get(`/${server}/openapi.json`).expect(200)).body as Doc;
      expect(Object.hasOwn((own.paths as typeof paths)['/echo']!.post!.responses, '409'), server).to.equal(asks);
    }
  });

  it('serves both, and /healthz shows each one’s protocol version', async () => {
    const health = (await request(app).get('/healthz').expect(200)).body;
    expect(health.status).to.equal('ok');
    expect(health.servers.modern.protocolVersion).to.equal(MODERN);
    expect(health.servers.remote.protocolVersion).to.equal(MODERN);
    expect(health.servers.legacy.protocolVersion).to.match(/^2025-/);
    await request(app).post('/modern/echo').send({ message: 'new' }).expect(200, { ok: true, result: 'new' });
    await request(app).post('/legacy/echo').send({ message: 'old' }).expect(200);
  });
});
