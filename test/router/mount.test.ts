/**
 * One router at any mount path, and several routers in one app: each keeps
 * its own document, servers URL and Swagger UI.
 */
import vm from 'node:vm';
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { mcpoRouter, silentLogger, type McpoRouter } from '../../lib/index.js';
import { expectValidOpenApi31, type Doc } from '../helpers/openapi.js';
import { everythingStdio, kitchenSinkStdio } from '../helpers/servers.js';

/** Runs the docs page's init script as a browser would and returns the spec URL it loads. */
function specUrlFor(initScript: string, pathname: string): string {
  let config: { url?: string } = {};
  const listeners: Array<() => void> = [];
  const window = {
    location: { pathname, search: '?url=https://evil.example/spec.json&configUrl=https://evil.example/c.json' },
    addEventListener: (_event: string, fn: () => void) => listeners.push(fn),
  };
  const SwaggerUIBundle = Object.assign((c: { url?: string }) => (config = c), { presets: { apis: {} } });
  vm.runInNewContext(initScript, { window, SwaggerUIBundle });
  for (const fn of listeners) fn();
  return config.url ?? '';
}

describe('mounting routers', function () {
  this.timeout(30_000);
  let sink: McpoRouter;
  let everything: McpoRouter;

  before(async () => {
    sink = mcpoRouter(kitchenSinkStdio(), { logger: silentLogger });
    everything = mcpoRouter(everythingStdio());
    await Promise.all([sink.ready(), everything.ready()]);
  });
  after(() => Promise.all([sink.close(), everything.close()]));

  for (const mount of ['/', '/time', '/a/b']) {
    it(`serves tools and a matching servers URL when mounted at ${mount}`, async () => {
      const app = express().use(mount, sink);
      const prefix = mount === '/' ? '' : mount;
      const doc = (await request(app).get(`${prefix}/openapi.json`).expect(200)).body as Doc;
      expect(doc.servers).to.deep.equal([{ url: mount }]);
      const res = await request(app).post(`${prefix}/echo`).send({ message: 'm' }).expect(200);
      expect(res.body.result).to.equal('m');
    });
  }

  it('keeps two routers in one app apart: documents, tools and docs pages', async () => {
    const app = express().use('/sink', sink).use('/everything', everything);
    const a = (await request(app).get('/sink/openapi.json').expect(200)).body as Doc;
    const b = (await request(app).get('/everything/openapi.json').expect(200)).body as Doc;
    expect(a.info.title).to.equal('kitchen-sink');
    expect(b.info.title).not.to.equal('kitchen-sink');
    expect(a.servers[0]!.url).to.equal('/sink');
    expect(b.servers[0]!.url).to.equal('/everything');
    await expectValidOpenApi31(a);
    await expectValidOpenApi31(b);
    await request(app).post('/sink/no_params').expect(200);
    await request(app).post('/everything/no_params').expect(404);

    for (const mount of ['/sink', '/everything']) {
      const page = await request(app).get(`${mount}/docs`).expect(200).expect('Content-Type', /html/);
      expect(page.text).to.contain('docs/swagger-ui-bundle.js');
      expect(page.text).not.to.contain('petstore');
      await request(app).get(`${mount}/docs/swagger-ui-bundle.js`).expect(200).expect('Content-Type', /javascript/);
      await request(app).get(`${mount}/docs/swagger-ui.css`).expect(200).expect('Content-Type', /css/);
      const init = await request(app).get(`${mount}/docs/init.js`).expect(200);
      // Each page loads its own router's document, and ignores ?url= in the page address.
      expect(specUrlFor(init.text, `${mount}/docs`)).to.equal(`${mount}/openapi.json`);
    }
  });

  it('sends GET and HEAD of its root to its docs, relatively, wherever it is mounted', async () => {
    const app = express().use('/sink', sink).use('/', everything);
    for (const [asked, location] of [['/sink', 'sink/docs'], ['/sink/', 'docs'], ['/', 'docs']] as const) {
      expect((await request(app).get(asked).redirects(0).expect(302)).headers.location, asked).to.equal(location);
      expect((await request(app).head(asked).redirects(0).expect(302)).headers.location, asked).to.equal(location);
    }
  });

  it('redirects /docs/ to /docs so relative assets resolve', async () => {
    const app = express().use('/sink', sink);
    const res = await request(app).get('/sink/docs/').expect(301);
    expect(res.headers.location).to.equal('../docs');
  });

  it('does not serve swagger-ui-dist files the page does not need', async () => {
    const app = express().use('/sink', sink);
    await request(app).get('/sink/docs/index.html').expect(404);
    await request(app).get('/sink/docs/swagger-initializer.js').expect(404);
    await request(app).get('/sink/docs/..%2Fpackage.json').expect(404);
  });

  it('finds a tool from its path as Express matches `/:tool`: escapes decoded, one trailing slash, a bad escape 400', async () => {
    const app = express()
      .use('/sink', sink)
      .post('/sink/echo/deeper', (_req, res) => {
        res.json({ app: true });
      });
    const echoed = (res: request.Response) => (res.body as { result: unknown }).result;
    expect(echoed(await request(app).post('/sink/%65ch%6f').send({ message: 'a' }).expect(200))).to.equal('a');
    expect(echoed(await request(app).post('/sink/echo/').send({ message: 'b' }).expect(200))).to.equal('b');
    const bad = await request(app).post('/sink/%ZZ').send({}).expect(400);
    expect(bad.body.error).to.include({ code: 'bad_request', message: "Failed to decode param '%ZZ'" });
    // A deeper path is not a tool's: the app behind the router gets it.
    expect((await request(app).post('/sink/echo/deeper').send({}).expect(200)).body).to.deep.equal({ app: true });
    await request(app).post('/sink/echo//').send({ message: 'c' }).expect(404);
  });

  it('serves the docs to GET and HEAD, names those methods to OPTIONS, and answers a bad escape with 400', async () => {
    const app = express().use('/sink', sink);
    await request(app).head('/sink/docs').expect(200);
    await request(app).head('/sink/docs/swagger-ui.css').expect(200);
    const options = await request(app).options('/sink/docs/init.js').expect(204);
    expect(options.headers.allow).to.equal('GET, HEAD');
    await request(app).options('/sink/docs/index.html').expect(404);
    expect((await request(app).get('/sink/docs/%ZZ').expect(400)).body.error.code).to.equal('bad_request');
  });

  it('leaves paths it does not own to the app', async () => {
    const app = express()
      .use(sink)
      .get('/about', (_req, res) => {
        res.json({ app: true });
      });
    expect((await request(app).get('/about').expect(200)).body).to.deep.equal({ app: true });
  });
});
