/**
 * bin/listen.ts: the port opens before the app is made, and until then every
 * request is told to come back (503, Retry-After, mcpo's JSON error); once
 * the app is served the same port answers with it.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { expect } from 'chai';
import { listen } from '../../bin/listen.js';
import type { CliOptions } from '../../bin/cli-options.js';
import type { McpoApp } from '../../lib/app/app.js';
import { silentLogger } from '../../lib/index.js';

describe('the port before and after the app (bin/listen.ts)', () => {
  it('answers 503 with Retry-After while the app loads, then serves the app', async () => {
    const options = { host: '127.0.0.1', port: 0, headersTimeout: 10, requestTimeout: 60 } as CliOptions;
    const { server, serve } = await listen(options, silentLogger);
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ping`;
      const early = await fetch(url, { method: 'POST' });
      expect(early.status).to.equal(503);
      expect(early.headers.get('retry-after')).to.equal('1');
      expect(early.headers.get('content-type')).to.equal('application/json; charset=utf-8');
      expect(await early.json()).to.deep.include({ ok: false }).and.have.nested.property('error.code', 'starting');
      const app = express().post('/ping', (_req, res) => void res.json({ ok: true, result: 'pong' }));
      serve(app as unknown as McpoApp);
      const later = await fetch(url, { method: 'POST' });
      expect(later.status).to.equal(200);
      expect(await later.json()).to.deep.equal({ ok: true, result: 'pong' });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
