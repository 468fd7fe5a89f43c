/**
 * hostCheck (lib/http/hosts.ts): the Host header check against DNS rebinding.
 */
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { jsonErrorHandler } from '../../lib/http/error-handler.js';
import { hostCheck, isLoopbackHost, normalizeAllowedHost } from '../../lib/http/hosts.js';
import { silentLogger } from '../../lib/common/log.js';

function appWith(allowed?: string[]) {
  return express()
    .use(hostCheck(allowed ? { allowed } : {}))
    .get('/x', (_req, res) => void res.json({ ok: true }))
    .use(jsonErrorHandler(silentLogger));
}

describe('isLoopbackHost', () => {
  it('knows loopback names and addresses', () => {
    for (const host of ['localhost', 'LOCALHOST', 'app.localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1']) {
      expect(isLoopbackHost(host), host).to.equal(true);
    }
    for (const host of ['0.0.0.0', '::', '192.168.0.1', 'example.com', 'localhost.example.com', '127.0.0.1.nip.io', '128.0.0.1']) {
      expect(isLoopbackHost(host), host).to.equal(false);
    }
  });
});

describe('hostCheck', () => {
  it('answers loopback names with any port, and 403 to any other Host', async () => {
    const app = appWith();
    for (const host of ['localhost:8000', '127.0.0.1', '[::1]:9', 'a.localhost:1']) await request(app).get('/x').set('Host', host).expect(200);
    for (const host of ['evil.example', 'evil.example:8000', 'localhost.evil.example', '[::2]:80', '10.0.0.1']) {
      const res = await request(app).get('/x').set('Host', host).expect(403);
      expect(res.body.error.code, host).to.equal('host_not_allowed');
    }
  });

  it('adds exact names, *.suffix patterns and * from allowed', async () => {
    const app = appWith(['api.example.com', '*.corp.example', '10.0.0.5']);
    for (const host of ['api.example.com', 'API.EXAMPLE.COM:443', 'x.corp.example', 'a.b.corp.example', '10.0.0.5:8000', 'localhost']) {
      await request(app).get('/x').set('Host', host).expect(200);
    }
    for (const host of ['corp.example', 'example.com', 'api.example.com.evil', 'xcorp.example']) await request(app).get('/x').set('Host', host).expect(403);
    await request(appWith(['*'])).get('/x').set('Host', 'anything.example').expect(200);
  });

  it('refuses entries that are not host names', () => {
    for (const entry of ['http://x.example', 'x.example:80', 'a b', '*x.example', 'x.*.example', '']) {
      expect(() => normalizeAllowedHost(entry), entry).to.throw(TypeError, /allowed hosts/);
    }
    expect(normalizeAllowedHost(' API.Example.com ')).to.equal('api.example.com');
    expect(normalizeAllowedHost('[::1]')).to.equal('::1');
  });
});
