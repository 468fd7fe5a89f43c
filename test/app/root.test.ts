/**
 * What a browser meets at the root of the command: `GET`/`HEAD` of the
 * prefix root redirect to the docs, relatively, in config and single-server
 * mode, with and without a path prefix, behind a key and behind strict auth;
 * everything else there stays a JSON answer for API clients.
 */
import { expect } from 'chai';
import request from 'supertest';
import { createApp, silentLogger, type McpoApp } from '../../lib/index.js';
import { kitchenSinkStdio } from '../helpers/servers.js';

const KEY = 'root-test-key-1357';
const bearer = { Authorization: `Bearer ${KEY}` };

/** Where a browser that asked for `asked` (under http://h) ends up after following `location`. */
function landing(asked: string, location: string): string {
  return new URL(location, `http://h${asked}`).pathname;
}

/** GETs `asked` and expects a 302 whose relative Location leads to `docs`; returns the Location. */
async function expectRedirect(app: McpoApp, asked: string, docs: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await request(app).get(asked).set(headers).redirects(0);
  expect(res.status, asked).to.equal(302);
  const location = res.headers.location as string;
  expect(location, asked).not.to.match(/^[a-z]+:|^\//i); // relative to the URL asked, never absolute
  expect(landing(asked, location), `${asked} → ${location}`).to.equal(docs);
  return location;
}

function expectJson404(res: request.Response): void {
  expect(res.status).to.equal(404);
  expect(res.headers['content-type']).to.match(/^application\/json/);
  expect(res.body.error.code).to.equal('not_found');
}

describe('the root of the command', function () {
  this.timeout(30_000);

  describe('in config mode with an API key', () => {
    let app: McpoApp;
    before(async () => {
      app = createApp({ mcpServers: { sink: kitchenSinkStdio() } }, { apiKey: KEY, logger: silentLogger });
      await app.ready();
    });
    after(() => app?.close());

    it('redirects GET and HEAD of / to docs with a 302 and no key, as the docs it leads to are open', async () => {
      expect(await expectRedirect(app, '/', '/docs')).to.equal('docs');
      expect(await expectRedirect(app, '/?from=bookmark', '/docs')).to.equal('docs');
      const head = await request(app).head('/').redirects(0);
      expect(head.status).to.equal(302);
      expect(head.headers.location).to.equal('docs');
      await request(app).get('/docs').expect(200);
    });

    it('keeps JSON answers for other methods on / and for unknown paths', async () => {
      expect((await request(app).post('/').expect(401)).body.error.code).to.equal('unauthorized');
      expectJson404(await request(app).post('/').set(bearer));
      expectJson404(await request(app).options('/').set(bearer));
      expectJson404(await request(app).delete('/').set(bearer));
      expectJson404(await request(app).get('/nowhere').set(bearer));
      expectJson404(await request(app).get('/sink/nowhere').set(bearer));
    });

    it('leads a server\'s own root to its docs too, with no key, as the prefix root does; other methods there stay JSON', async () => {
      expect(await expectRedirect(app, '/sink/', '/sink/docs')).to.equal('docs');
      expect(await expectRedirect(app, '/sink', '/sink/docs')).to.equal('sink/docs');
      expect(await expectRedirect(app, '/sink/', '/sink/docs', bearer)).to.equal('docs');
      expect((await request(app).post('/sink/').expect(401)).body.error.code).to.equal('unauthorized');
      expectJson404(await request(app).post('/sink/').set(bearer));
      // Only a mounted server's root is open: a name that is none still needs the key.
      expect((await request(app).get('/nosuch/').expect(401)).body.error.code).to.equal('unauthorized');
    });
  });

  describe('in single-server mode at the root', () => {
    let app: McpoApp;
    before(async () => {
      app = createApp({ server: kitchenSinkStdio() }, { logger: silentLogger });
      await app.ready();
    });
    after(() => app?.close());

    it('redirects / to the server\'s docs, and answers other methods with a JSON 404', async () => {
      expect(await expectRedirect(app, '/', '/docs')).to.equal('docs');
      await request(app).get('/docs').expect(200);
      expectJson404(await request(app).post('/'));
      expectJson404(await request(app).options('/'));
    });
  });

  describe('under --path-prefix and --root-path', () => {
    let single: McpoApp;
    let config: McpoApp;
    before(async () => {
      single = createApp({ server: kitchenSinkStdio() }, { pathPrefix: '/api/', rootPath: '/proxy', logger: silentLogger });
      config = createApp({ mcpServers: { sink: kitchenSinkStdio() } }, { pathPrefix: '/tools/v1', apiKey: KEY, logger: silentLogger });
      await Promise.all([single.ready(), config.ready()]);
    });
    after(() => Promise.all([single?.close(), config?.close()]));

    it('redirects the prefix with and without a trailing slash to the docs under it', async () => {
      expect(await expectRedirect(single, '/api/', '/api/docs')).to.equal('docs');
      expect(await expectRedirect(single, '/api', '/api/docs')).to.equal('api/docs');
      expect(await expectRedirect(config, '/tools/v1', '/tools/v1/docs')).to.equal('v1/docs');
      expect(await expectRedirect(config, '/tools/v1/', '/tools/v1/docs')).to.equal('docs');
      // Express matches a mount path in any case, and the docs there are open; so is the way to them.
      expect(await expectRedirect(config, '/Tools/V1', '/Tools/V1/docs')).to.equal('V1/docs');
      await request(single).get('/api/docs').expect(200);
      await request(config).get('/tools/v1/docs').expect(200);
    });

    it('lands on the docs behind a proxy that strips a path, since the location is relative to what the browser asked', async () => {
      // The proxy forwards /proxy/api to /api; the browser resolves the Location against /proxy/api.
      const location = await expectRedirect(single, '/api', '/api/docs');
      expect(landing('/proxy/api', location)).to.equal('/proxy/api/docs');
      const slashed = (await request(single).get('/api/').redirects(0)).headers.location as string;
      expect(landing('/proxy/api/', slashed)).to.equal('/proxy/api/docs');
    });

    it('answers the root outside the prefix with a JSON 404', async () => {
      expectJson404(await request(single).get('/'));
      expectJson404(await request(config).get('/tools').set(bearer));
    });
  });

  describe('with --strict-auth', () => {
    let app: McpoApp;
    before(async () => {
      app = createApp({ mcpServers: { sink: kitchenSinkStdio() } }, { apiKey: KEY, strictAuth: true, pathPrefix: '/mcp', logger: silentLogger });
      await app.ready();
    });
    after(() => app?.close());

    it('asks for the key at the root too, offering Basic, so the browser prompts there once and then lands on the docs', async () => {
      for (const asked of ['/mcp', '/mcp/']) {
        const res = await request(app).get(asked).redirects(0);
        expect(res.status, asked).to.equal(401);
        expect(res.headers['www-authenticate'], asked).to.include('Basic');
      }
      const basic = `Basic ${Buffer.from(`me:${KEY}`).toString('base64')}`;
      expect(await expectRedirect(app, '/mcp', '/mcp/docs', { Authorization: basic })).to.equal('mcp/docs');
      expect(await expectRedirect(app, '/mcp/', '/mcp/docs', bearer)).to.equal('docs');
    });
  });
});
