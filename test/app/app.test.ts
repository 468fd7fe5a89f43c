/**
 * createApp in-process: three servers over three transports in one config,
 * auth on every kind of route, /healthz and /readyz, the aggregated document, security
 * headers, CORS, single-server mode and draining.
 */
import { expect } from 'chai';
import request from 'supertest';
import { ConfigError, createApp, silentLogger, type McpoApp } from '../../lib/index.js';
import { expectValidOpenApi31, type Doc } from '../helpers/openapi.js';
import { recordingLogger } from '../helpers/logger.js';
import { kitchenSinkStdio, startKitchenSink, unrulyStdio, type RunningServer } from '../helpers/servers.js';

const KEY = 'test-key-0123456789';
const ENV_SECRET = 'env-secret-value-42';
const HEADER_SECRET = 'header-secret-value-42';
const URL_SECRET = 'url-query-secret-42';
const bearer = { Authorization: `Bearer ${KEY}` };
const OPERATION_ID = /^[a-zA-Z0-9_-]{1,64}$/;

describe('createApp', function () {
  this.timeout(30_000);

  describe('with three servers over three transports and an API key', () => {
    let sse: RunningServer;
    let http: RunningServer;
    let app: McpoApp;

    before(async () => {
      [sse, http] = await Promise.all([startKitchenSink('sse'), startKitchenSink('http')]);
      app = createApp(
        {
          mcpServers: {
            local: { ...kitchenSinkStdio(), env: { SECRET_ENV: ENV_SECRET } },
            events: { type: 'sse', url: `${sse.url}?token=${URL_SECRET}`, headers: { 'X-Upstream-Token': HEADER_SECRET } },
            stream: { type: 'streamable-http', url: http.url, disabledTools: ['exit', 'slow'] },
            off: { command: 'no-such-command-anywhere', enabled: false },
          },
        },
        { apiKey: KEY, logger: silentLogger, router: { toolTimeout: 1 } },
      );
      await app.ready();
    });
    after(async () => {
      await app?.close();
      await Promise.all([sse?.close(), http?.close()]);
    });

    for (const server of ['local', 'events', 'stream']) {
      it(`calls a tool on the ${server} server at /${server}/<tool>`, async () => {
        const res = await request(app).post(`/${server}/echo`).set(bearer).send({ message: server }).expect(200);
        expect(res.body).to.deep.equal({ ok: true, result: server });
      });
    }

    it('reports every enabled server in /healthz with its transport, and nothing secret', async () => {
      const res = await request(app).get('/healthz').expect(200);
      expect(res.body).to.include({ status: 'ok', generation: 1, lastReload: null });
      expect(Object.keys(res.body.servers)).to.deep.equal(['local', 'events', 'stream']);
      const types = { local: 'stdio', events: 'sse', stream: 'streamable-http' } as const;
      for (const [name, type] of Object.entries(types)) {
        const server = res.body.servers[name];
        expect(server, name).to.include({ connected: true, type, state: 'ready', lastError: null });
        expect(server.tools, name).to.be.above(10);
        expect(Date.parse(server.since), name).to.not.be.NaN;
      }
      expect(res.body.servers.stream.tools).to.equal(res.body.servers.local.tools - 2);
      const text = JSON.stringify(res.body);
      for (const secret of [KEY, ENV_SECRET, HEADER_SECRET, URL_SECRET]) expect(text).not.to.include(secret);
      expect(res.headers['cache-control']).to.equal('no-store');
    });

    it('serves one valid OpenAPI 3.1 document with every server’s tools under its path', async () => {
      const doc = (await request(app).get('/openapi.json').expect(200)).body as Doc & { tags: { name: string }[] };
      await expectValidOpenApi31(doc);
      expect(doc.servers).to.deep.equal([{ url: '/' }]);
      for (const server of ['local', 'events', 'stream']) {
        expect(doc.paths, server).to.have.property(`/${server}/echo`);
        expect(doc.paths[`/${server}/echo`]!.post.operationId).to.equal(`${server}_echo`);
      }
      const ids = Object.values(doc.paths).map((item) => item.post.operationId);
      expect(new Set(ids).size).to.equal(ids.length);
      for (const id of ids) expect(id).to.match(OPERATION_ID);
      expect(doc.tags.map((t) => t.name)).to.deep.equal(['local', 'events', 'stream']);
      // Every path the aggregated document lists is one the app answers.
      const local = (await request(app).get('/local/openapi.json').expect(200)).body as Doc;
      expect(Object.keys(doc.paths).filter((p) => p.startsWith('/local/'))).to.have.length(Object.keys(local.paths).length);
    });

    it('hides disabledTools from the documents and answers 404 for them', async () => {
      const stream = (await request(app).get('/stream/openapi.json').expect(200)).body as Doc;
      expect(stream.paths).not.to.have.property('/exit');
      expect(stream.paths).not.to.have.property('/slow');
      const all = (await request(app).get('/openapi.json').expect(200)).body as Doc;
      expect(all.paths).not.to.have.property('/stream/exit');
      const res = await request(app).post('/stream/exit').set(bearer).send({}).expect(404);
      expect(res.body.ok).to.equal(false);
    });

    it('serves each server’s own document with its mount path as the servers URL', async () => {
      const doc = (await request(app).get('/events/openapi.json').expect(200)).body as Doc;
      await expectValidOpenApi31(doc);
      expect(doc.servers).to.deep.equal([{ url: '/events' }]);
    });

    it('declares the bearer key in every document, so Swagger UI offers Authorize', async () => {
      for (const path of ['/openapi.json', '/events/openapi.json']) {
        const doc = (await request(app).get(path).expect(200)).body;
        expect(doc.components.securitySchemes, path).to.deep.equal({ bearerAuth: { type: 'http', scheme: 'bearer', description: 'The API key mcpo was started with.' } });
        expect(doc.security, path).to.deep.equal([{ bearerAuth: [] }]);
        const echo = doc.paths[path === '/openapi.json' ? '/events/echo' : '/echo'].post;
        expect(echo.responses, path).to.have.property('401');
      }
    });

    it('sends a remote server’s configured headers with every request to it', async () => {
      const res = await request(app).post('/events/request_headers').set(bearer).send({}).expect(200);
      expect(res.body.result.headers['x-upstream-token']).to.equal(HEADER_SECRET);
      // The caller's own Authorization is not passed on.
      expect(res.body.result.headers.authorization).to.equal(undefined);
    });

    it('passes a stdio server its configured env', async () => {
      const res = await request(app).post('/local/environment').set(bearer).send({ names: ['SECRET_ENV'] }).expect(200);
      expect(res.body.result.values).to.deep.equal({ SECRET_ENV: ENV_SECRET });
    });

    it('answers 504 when a tool outlives the tool timeout', async () => {
      const res = await request(app).post('/local/slow').set(bearer).send({ ms: 5000 }).expect(504);
      expect(res.body.error.code).to.equal('timeout');
    });

    describe('auth without --strict-auth', () => {
      it('answers 401 JSON with a Bearer challenge to a tool call without a key', async () => {
        const res = await request(app).post('/local/echo').send({ message: 'x' }).expect(401);
        expect(res.headers['www-authenticate']).to.match(/^Bearer\b/);
        expect(res.headers['www-authenticate']).not.to.include('Basic');
        expect(res.body).to.deep.include({ ok: false });
        expect(res.body.error.code).to.equal('unauthorized');
      });

      it('answers 401 to a wrong key, a key of another length and a Basic password that is wrong', async () => {
        for (const auth of [`Bearer ${KEY}x`, 'Bearer wrong', `Bearer ${KEY.slice(0, -1)}`, `Basic ${Buffer.from(`u:nope`).toString('base64')}`]) {
          const res = await request(app).post('/local/echo').set('Authorization', auth).send({ message: 'x' });
          expect(res.status, auth).to.equal(401);
          expect(res.headers['www-authenticate'], auth).to.include('Bearer');
        }
      });

      it('accepts the key as a Bearer token and as a Basic password', async () => {
        await request(app).post('/stream/echo').set(bearer).send({ message: 'x' }).expect(200);
        const basic = `Basic ${Buffer.from(`anyone:${KEY}`).toString('base64')}`;
        await request(app).post('/stream/echo').set('Authorization', basic).send({ message: 'x' }).expect(200);
      });

      it('leaves documents, docs pages, their assets and /healthz open', async () => {
        for (const path of ['/openapi.json', '/docs', '/docs/init.js', '/docs/swagger-ui.css', '/local/openapi.json', '/local/docs', '/healthz']) {
          const res = await request(app).get(path);
          expect(res.status, path).to.equal(200);
        }
      });

      it('asks for the key on everything else, even paths that do not exist', async () => {
        await request(app).post('/nowhere').expect(401);
        await request(app).get('/local/echo').expect(401);
        await request(app).delete('/openapi.json').expect(401);
        const res = await request(app).post('/nowhere').set(bearer).expect(404);
        expect(res.body.error.code).to.equal('not_found');
      });
    });
  });

  describe('with --strict-auth', () => {
    let app: McpoApp;
    before(async () => {
      app = createApp(
        { mcpServers: { sink: kitchenSinkStdio() } },
        { apiKey: KEY, strictAuth: true, corsAllowOrigins: ['https://ui.example'], logger: silentLogger },
      );
      await app.ready();
    });
    after(() => app?.close());

    it('asks for the key on documents and docs too, offering Basic so a browser can prompt', async () => {
      for (const path of ['/openapi.json', '/docs', '/docs/init.js', '/sink/openapi.json', '/sink/docs', '/sink/docs/swagger-ui-bundle.js']) {
        const res = await request(app).get(path);
        expect(res.status, path).to.equal(401);
        expect(res.headers['www-authenticate'], path).to.include('Bearer').and.to.include('Basic');
        expect(res.body.error.code, path).to.equal('unauthorized');
      }
      await request(app).post('/sink/echo').send({ message: 'x' }).expect(401);
    });

    it('serves everything with the key, as Bearer or Basic', async () => {
      const basic = `Basic ${Buffer.from(`me:${KEY}`).toString('base64')}`;
      for (const auth of [`Bearer ${KEY}`, basic]) {
        await request(app).get('/docs').set('Authorization', auth).expect(200);
        await request(app).get('/sink/openapi.json').set('Authorization', auth).expect(200);
        await request(app).post('/sink/echo').set('Authorization', auth).send({ message: 'x' }).expect(200);
      }
    });

    it('keeps /healthz and CORS preflight open', async () => {
      await request(app).get('/healthz').expect(200);
      const res = await request(app)
        .options('/sink/echo')
        .set('Origin', 'https://ui.example')
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization, content-type')
        .expect(204);
      expect(res.headers['access-control-allow-origin']).to.equal('https://ui.example');
      expect(res.headers['access-control-allow-headers']).to.equal('authorization, content-type');
    });
  });

  describe('with one server at the root', () => {
    let app: McpoApp;
    before(async () => {
      app = createApp(
        { server: kitchenSinkStdio(), name: 'sink' },
        {
          pathPrefix: '/api/',
          rootPath: '/proxy',
          info: { title: 'My tools', description: 'Described here', version: '9.9.9' },
          router: { structuredOutput: true },
          logger: silentLogger,
        },
      );
      await app.ready();
    });
    after(() => app?.close());

    it('serves the server’s tools at the prefix, with no auth when no key is set', async () => {
      const res = await request(app).post('/api/echo').send({ message: 'hi' }).expect(200);
      expect(res.body.result).to.equal('hi');
      await request(app).post('/echo').send({ message: 'hi' }).expect(404);
    });

    it('titles its document from the options and puts the root path in its servers URL', async () => {
      const doc = (await request(app).get('/api/openapi.json').expect(200)).body as Doc & { security?: unknown; components: Record<string, unknown> };
      // Open operations are said to be open, so that a linter does not take them for forgotten ones.
      expect(doc.security).to.deep.equal([]);
      expect(doc.components).not.to.have.property('securitySchemes');
      await expectValidOpenApi31(doc);
      expect(doc.info).to.deep.equal({ title: 'My tools', description: 'Described here', version: '9.9.9' });
      expect(doc.servers).to.deep.equal([{ url: '/proxy/api' }]);
    });

    it('wraps results in the structured-output envelope', async () => {
      const res = await request(app).post('/api/json_text').send({}).expect(200);
      expect(res.body).to.deep.equal({
        ok: true,
        result: { a: 1, b: [true, null] },
        output: { type: 'collection', items: [{ type: 'object', value: { a: 1, b: [true, null] } }] },
      });
    });

    it('lists the server under its name in /healthz', async () => {
      const res = await request(app).get('/healthz').expect(200);
      expect(Object.keys(res.body.servers)).to.deep.equal(['sink']);
      expect(res.body.servers.sink).to.include({ connected: true, type: 'stdio' });
    });
  });

  describe('on every response', () => {
    let app: McpoApp;
    const log = recordingLogger();
    before(async () => {
      app = createApp({ mcpServers: { sink: kitchenSinkStdio() } }, { apiKey: KEY, logger: log });
      await app.ready();
    });
    after(() => app?.close());

    it('sets security headers that let Swagger UI work over plain HTTP, errors included', async () => {
      for (const [method, path, status] of [['get', '/docs', 200], ['post', '/sink/echo', 401], ['get', '/missing', 404]] as const) {
        const res = await request(app)[method](path).set(status === 401 ? {} : bearer);
        expect(res.status, path).to.equal(status);
        expect(res.headers['x-content-type-options'], path).to.equal('nosniff');
        expect(res.headers, path).not.to.have.property('x-powered-by');
        expect(res.headers, path).not.to.have.property('strict-transport-security');
        const csp = res.headers['content-security-policy'] as string;
        expect(csp, path).to.include("frame-ancestors 'none'").and.to.include("script-src 'self'");
        expect(csp, path).not.to.include('upgrade-insecure-requests');
      }
    });

    it('refuses a foreign origin with 403 when no origin is allowed, and serves the page’s own', async () => {
      const res = await request(app).get('/openapi.json').set('Origin', 'https://ui.example').expect(403);
      expect(res.headers).not.to.have.property('access-control-allow-origin');
      expect(res.body.error.code).to.equal('origin_not_allowed');
      const own = await request(app).get('/openapi.json').set('Host', 'mcpo.example').set('Origin', 'http://mcpo.example').expect(200);
      expect(own.headers).not.to.have.property('access-control-allow-origin');
    });

    it('answers a malformed URL and an unknown route with JSON, never a stack', async () => {
      const bad = await request(app).get('/sink/%E0%A4%A').set(bearer);
      expect(bad.status).to.be.oneOf([400, 404]);
      expect(bad.body.ok).to.equal(false);
      expect(bad.text).not.to.match(/at \w+ \(/);
      const missing = await request(app).get('/nothing/here').set(bearer).expect(404);
      expect(missing.body).to.deep.equal({
        ok: false,
        error: { code: 'not_found', message: 'No route for GET /nothing/here', requestId: missing.headers['x-request-id'] },
      });
    });

    it('logs one info line per request with method, path, status and time, and one audit line per call, but no arguments', async () => {
      log.records.length = 0;
      await request(app).post('/sink/echo?timeout=5').set(bearer).send({ message: 'very-private-argument' }).expect(200);
      await new Promise((r) => setImmediate(r));
      const lines = log.records.filter((r) => r.level === 'info' && r.message !== 'audit');
      expect(lines).to.have.length(1);
      expect(lines[0]!.message).to.match(/^POST \/sink\/echo 200 \d+\.\d ms$/);
      const audit = log.records.filter((r) => r.level === 'info' && r.message === 'audit');
      expect(audit).to.have.length(1);
      expect(audit[0]!.fields).to.include({ server: 'sink', tool: 'echo', status: 200 });
      expect(JSON.stringify(log.records)).not.to.include('very-private-argument');
    });

    it('sends HSTS only when serving HTTPS itself', async () => {
      const tls = createApp({ mcpServers: {} }, { https: true, logger: silentLogger });
      const res = await request(tls).get('/healthz').expect(200);
      expect(res.headers['strict-transport-security']).to.match(/max-age=\d+/);
      expect(res.headers['content-security-policy']).to.include('upgrade-insecure-requests');
      await tls.close();
    });
  });

  describe('draining', () => {
    it('waits for calls in flight, answers /healthz and /readyz with 503 draining meanwhile', async () => {
      const app = createApp({ server: kitchenSinkStdio() }, { logger: silentLogger });
      try {
        await app.ready();
        const call = request(app).post('/slow').send({ ms: 600 }).then((r) => r);
        await new Promise((r) => setTimeout(r, 150));
        const started = Date.now();
        const drained = app.drain(5000);
        for (const path of ['/healthz', '/readyz']) {
          const health = await request(app).get(path);
          expect(health.status, path).to.equal(503);
          expect(health.body.status, path).to.equal('draining');
        }
        expect(await drained).to.equal(true);
        expect(Date.now() - started).to.be.above(200);
        expect((await call).status).to.equal(200);
      } finally {
        await app.close();
      }
    });

    it('gives up after the grace period when a call does not finish', async () => {
      const app = createApp({ server: kitchenSinkStdio() }, { logger: silentLogger });
      try {
        await app.ready();
        const call = request(app).post('/slow').send({ ms: 3000 }).then((r) => r, () => undefined);
        await new Promise((r) => setTimeout(r, 150));
        expect(await app.drain(200)).to.equal(false);
        await app.close();
        await call;
      } finally {
        await app.close();
      }
    });
  });

  describe('health and readiness', () => {
    const both = async (app: McpoApp) => {
      const [health, ready] = await Promise.all([request(app).get('/healthz'), request(app).get('/readyz')]);
      expect(ready.headers['cache-control']).to.equal('no-store');
      return { health, ready };
    };

    it('answers ok with 200 on both when every server is connected', async () => {
      const app = createApp({ mcpServers: { a: kitchenSinkStdio(), b: unrulyStdio() } }, { logger: silentLogger });
      try {
        await app.ready();
        const { health, ready } = await both(app);
        expect([health.status, health.body.status]).to.deep.equal([200, 'ok']);
        expect([ready.status, ready.body.status]).to.deep.equal([200, 'ok']);
      } finally {
        await app.close();
      }
    });

    it('answers degraded while a server is down: 200 on /healthz, so a liveness probe lets it retry, 503 on /readyz', async () => {
      const app = createApp(
        { mcpServers: { good: kitchenSinkStdio(), dead: unrulyStdio(['--exit-at-once']) } },
        { logger: silentLogger, router: { reconnectDelay: 0.2 } },
      );
      try {
        await app.ready();
        const { health, ready } = await both(app);
        expect([health.status, health.body.status]).to.deep.equal([200, 'degraded']);
        expect([ready.status, ready.body.status]).to.deep.equal([503, 'degraded']);
        expect(health.body.servers.good).to.include({ connected: true });
        expect(health.body.servers.dead).to.include({ connected: false });
        // The same report on both, so a failed readiness probe says which server is missing.
        expect(Object.keys(ready.body)).to.deep.equal(Object.keys(health.body));
        expect(ready.body.servers.dead.connected).to.equal(false);
      } finally {
        await app.close();
      }
    });

    it('answers degraded and 503 on /readyz while a server is still connecting', async () => {
      const app = createApp({ mcpServers: { a: kitchenSinkStdio() } }, { logger: silentLogger });
      try {
        const { health, ready } = await both(app);
        expect(health.body.servers.a.state).to.equal('connecting');
        expect([health.status, health.body.status, ready.status]).to.deep.equal([200, 'degraded', 503]);
        await app.ready();
        expect((await request(app).get('/readyz')).status).to.equal(200);
      } finally {
        await app.close();
      }
    });

    it('leaves /readyz open without a key, even with --strict-auth', async () => {
      const app = createApp({ mcpServers: {} }, { logger: silentLogger, apiKey: KEY, strictAuth: true });
      try {
        const res = await request(app).get('/readyz').expect(200);
        expect(res.body).to.include({ status: 'ok' });
      } finally {
        await app.close();
      }
    });
  });

  describe('with a server that cannot start', () => {
    it('serves the others, reports it failed in /healthz and answers 503 for its tools', async () => {
      const app = createApp(
        { mcpServers: { broken: { command: 'no-such-command-for-mcpo-tests', env: { TOKEN: ENV_SECRET } }, sink: kitchenSinkStdio() } },
        { logger: silentLogger },
      );
      try {
        await app.ready();
        await request(app).post('/sink/echo').send({ message: 'still here' }).expect(200);
        const health = (await request(app).get('/healthz').expect(200)).body;
        expect(health.servers.broken).to.include({ connected: false, type: 'stdio', tools: 0 });
        expect(health.servers.broken.state).to.be.oneOf(['backing-off', 'connecting']);
        expect(health.servers.broken.lastError).to.match(/^MCP server "broken" could not be started: the command "no-such-command-for-mcpo-tests" was not found \(.*ENOENT\)$/);
        expect(JSON.stringify(health)).not.to.include(ENV_SECRET);
        const res = await request(app).post('/broken/anything').send({}).expect(503);
        expect(Number(res.headers['retry-after'])).to.be.within(1, 30);
        const doc = (await request(app).get('/openapi.json').expect(200)).body as Doc & { info: { description: string } };
        expect(doc.info.description).to.include('[broken](./broken/docs) (not connected)');
        await expectValidOpenApi31(doc);
      } finally {
        await app.close();
      }
    });
  });

  describe('with a stdio server that exits', () => {
    it('names it and quotes its stderr in /healthz and in the warning, with config secrets masked in both', async () => {
      const log = recordingLogger();
      const app = createApp(
        {
          mcpServers: {
            memory: {
              command: '/bin/sh',
              args: ['-c', 'echo "mcp-server-memory: not found" >&2; echo "(token $TOKEN)" >&2; exit 127'],
              env: { TOKEN: ENV_SECRET },
            },
          },
        },
        { logger: log, router: { reconnectDelay: 5 } },
      );
      try {
        await app.ready();
        const expected = 'MCP server "memory" exited (code 127) before it was ready; its stderr ended with:\nmcp-server-memory: not found\n(token ***)';
        const health = await request(app).get('/healthz');
        expect(health.body.servers.memory.lastError).to.equal(expected);
        const warning = log.records.find((r) => r.level === 'warn');
        expect(warning).to.deep.include({ message: 'MCP server did not start; retrying' });
        expect(warning!.fields).to.include({ server: 'memory', error: expected });
        expect(health.text).not.to.include(ENV_SECRET);
        expect(JSON.stringify(log.records)).not.to.include(ENV_SECRET);
      } finally {
        await app.close();
      }
    });
  });

  describe('bad configs', () => {
    it('throws a ConfigError naming the server and key', () => {
      expect(() => createApp({ mcpServers: { time: { command: 'x', args: 'not-a-list' } } })).to.throw(ConfigError, /mcpServers\.time: "args"/);
      expect(() => createApp({ mcpServers: { docs: { command: 'x' } } })).to.throw(ConfigError, /"docs" is taken/);
    });

    it('warns about what a config file would be warned about, at start and on reload', async () => {
      const log = recordingLogger();
      const config = { mcpServers: { s: { ...kitchenSinkStdio(), colour: 'red' } }, port: 8000 };
      const app = createApp(config, { logger: log });
      try {
        const warned = () => log.records.filter((r) => r.level === 'warn').map((r) => r.message);
        expect(warned()).to.deep.equal([
          '"port" in the config file is ignored: set --port on the command line (a reload cannot change it)',
          'mcpServers.s.colour is not a known key and is ignored',
        ]);
        log.records.length = 0;
        await app.reload({ mcpServers: { s: { ...kitchenSinkStdio(), colour: 'blue' } } });
        expect(warned()).to.deep.equal(['mcpServers.s.colour is not a known key and is ignored']);
      } finally {
        await app.close();
      }
    });

    it('throws a TypeError for --strict-auth without a key and for an empty key', () => {
      expect(() => createApp({ mcpServers: {} }, { strictAuth: true })).to.throw(TypeError, /apiKey/);
      expect(() => createApp({ mcpServers: {} }, { apiKey: '' })).to.throw(TypeError, /apiKey/);
    });

    it('throws a TypeError for a publicUrl that is not a base URL, or a stateDir that is not a path', async () => {
      expect(() => createApp({ mcpServers: {} }, { publicUrl: 'https://x.example/?q=1' })).to.throw(TypeError, /^createApp: "publicUrl" must be a base URL/);
      expect(() => createApp({ mcpServers: {} }, { publicUrl: '/relative' })).to.throw(TypeError, /^createApp: "publicUrl" must be an absolute http\(s\) URL/);
      expect(() => createApp({ mcpServers: {} }, { stateDir: '' })).to.throw(TypeError, /^createApp: "stateDir" must be a directory path/);
      const app = createApp({ mcpServers: {} }, { publicUrl: 'https://x.example/mcpo/', stateDir: '/tmp/state', logger: silentLogger });
      await app.close();
    });
  });
});
