/** lib/http/headers.ts sets, from a list worked out once, exactly the headers helmet sets, with and without TLS. */
import express from 'express';
import helmet from 'helmet';
import { expect } from 'chai';
import request from 'supertest';
import { securityHeaders } from '../../lib/http/headers.js';

describe('securityHeaders (lib/http/headers.ts)', () => {
  for (const https of [false, true]) {
    it(`sets the headers helmet sets, with the same values (https: ${https})`, async () => {
      const ours = express().use(securityHeaders({ https })).get('/', (_req, res) => void res.send('ok'));
      // helmet itself, configured as headers.ts configures it.
      const theirs = express()
        .use(
          helmet({
            contentSecurityPolicy: { directives: { 'upgrade-insecure-requests': https ? [] : null, 'connect-src': ["'self'"], 'frame-ancestors': ["'none'"] } },
            strictTransportSecurity: https,
            crossOriginOpenerPolicy: https,
          }),
        )
        .get('/', (_req, res) => void res.send('ok'));
      const [a, b] = await Promise.all([request(ours).get('/'), request(theirs).get('/')]);
      const pick = (headers: Record<string, unknown>) => Object.fromEntries(Object.entries(headers).filter(([name]) => !['date', 'etag', 'content-length', 'x-powered-by'].includes(name)));
      expect(pick(a.headers)).to.deep.equal(pick(b.headers));
      expect(a.headers['content-security-policy']).to.include("frame-ancestors 'none'");
      expect('strict-transport-security' in a.headers).to.equal(https);
    });
  }
});
