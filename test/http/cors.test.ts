/**
 * cors (lib/http/cors.ts): named origins, the wildcard, preflight.
 */
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { cors, normalizeOrigin, type CorsOptions } from '../../lib/http/cors.js';
import { jsonErrorHandler } from '../../lib/http/error-handler.js';
import { silentLogger } from '../../lib/common/log.js';

function appWith(options: CorsOptions) {
  let reached = 0;
  const app = express()
    .use(cors(options))
    .all('/{*any}', (_req, res) => {
      reached++;
      res.json({ ok: true });
    })
    .use(jsonErrorHandler(silentLogger));
  return { app, reached: () => reached };
}

const preflight = (app: express.Express, origin: string, headers = 'authorization, content-type') =>
  request(app).options('/tool').set('Origin', origin).set('Access-Control-Request-Method', 'POST').set('Access-Control-Request-Headers', headers);

describe('cors', () => {
  it('echoes an allowed origin, with credentials and Vary: Origin', async () => {
    const { app } = appWith({ origins: ['https://ui.example'] });
    const res = await request(app).post('/tool').set('Origin', 'https://ui.example').expect(200);
    expect(res.headers['access-control-allow-origin']).to.equal('https://ui.example');
    expect(res.headers['access-control-allow-credentials']).to.equal('true');
    expect(res.headers['access-control-expose-headers']).to.include('Retry-After');
    expect(res.headers.vary).to.include('Origin');
  });

  it('answers * for a wildcard, without credentials', async () => {
    const { app } = appWith({ origins: ['*'] });
    const res = await request(app).get('/x').set('Origin', 'https://any.example').expect(200);
    expect(res.headers['access-control-allow-origin']).to.equal('*');
    expect(res.headers).not.to.have.property('access-control-allow-credentials');
  });

  it('refuses an origin it does not allow with 403 before the routes, whether CORS is on or off', async () => {
    for (const options of [{ origins: ['https://ui.example'] }, {}]) {
      const { app, reached } = appWith(options);
      for (const origin of ['https://evil.example', 'null', 'https://ui.example.evil.example', 'not a url']) {
        const res = await request(app).get('/x').set('Origin', origin).expect(403);
        expect(res.body.error.code).to.equal('origin_not_allowed');
        expect(res.headers).not.to.have.property('access-control-allow-origin');
      }
      expect(reached()).to.equal(0);
    }
  });

  it('serves a request from the page’s own origin, and one with no Origin, without CORS headers', async () => {
    const { app, reached } = appWith({});
    const own = await request(app).post('/x').set('Host', 'mcpo.example:8000').set('Origin', 'http://mcpo.example:8000').expect(200);
    expect(own.headers).not.to.have.property('access-control-allow-origin');
    await request(app).post('/x').set('Host', 'mcpo.example:8000').set('Origin', 'http://mcpo.example:8001').expect(403);
    await request(app).post('/x').expect(200);
    expect(reached()).to.equal(2);
  });

  it('answers an allowed preflight itself with 204, methods, headers and max-age', async () => {
    const { app, reached } = appWith({ origins: ['https://ui.example'], maxAge: 60 });
    const res = await preflight(app, 'https://ui.example').expect(204);
    expect(res.headers['access-control-allow-methods']).to.include('POST');
    expect(res.headers['access-control-allow-headers']).to.equal('authorization, content-type');
    expect(res.headers['access-control-max-age']).to.equal('60');
    expect(reached()).to.equal(0);
  });

  it('does not echo a requested header list that is not a list of names', async () => {
    const { app } = appWith({ origins: ['https://ui.example'] });
    const res = await preflight(app, 'https://ui.example', 'x-a; x-b="1"').expect(204);
    expect(res.headers['access-control-allow-headers']).to.equal('Authorization, Content-Type, X-Tool-Timeout, X-Request-Id, Mcp-Session-Id, MCP-Protocol-Version, Mcp-Method, Mcp-Name, Last-Event-ID');
  });

  it('refuses a disallowed preflight with 403 and no allow headers, never reaching the routes', async () => {
    const { app, reached } = appWith({ origins: ['https://ui.example'] });
    const res = await preflight(app, 'https://evil.example').expect(403);
    expect(res.headers).not.to.have.property('access-control-allow-origin');
    expect(res.headers).not.to.have.property('access-control-allow-methods');
    expect(reached()).to.equal(0);
  });

  it('passes OPTIONS without preflight headers on to the routes', async () => {
    const { app, reached } = appWith({ origins: ['*'] });
    await request(app).options('/x').expect(200);
    expect(reached()).to.equal(1);
  });

  it('does not change frozen options', () => {
    const options = Object.freeze({ origins: Object.freeze(['HTTPS://UI.example/']) });
    expect(() => cors(options)).not.to.throw();
    expect(options.origins).to.deep.equal(['HTTPS://UI.example/']);
  });
});

describe('normalizeOrigin', () => {
  it('lower-cases scheme and host and drops a trailing slash', () => {
    expect(normalizeOrigin('HTTPS://A.example/')).to.equal('https://a.example');
    expect(normalizeOrigin('http://a.example:8080/path')).to.equal('http://a.example:8080');
    expect(normalizeOrigin('*')).to.equal('*');
  });

  it('throws a TypeError that shows the expected form', () => {
    expect(() => normalizeOrigin('a.example')).to.throw(TypeError, /https:\/\/chat\.example\.com/);
  });
});
