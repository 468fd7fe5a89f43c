/**
 * lib/http/server-limits.ts in-process: what `applyServerLimits` sets on a
 * Node server, what it refuses, and that `createApp`'s options reach the
 * server `app.listen()` creates. The limits at work, against slow sockets,
 * are in test/cli/slow-clients.test.ts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { applyServerLimits, createApp, silentLogger } from '../../lib/index.js';
import { kitchenSinkStdio } from '../helpers/servers.js';

const limitsOf = (server: http.Server) => ({
  headersTimeout: server.headersTimeout,
  requestTimeout: server.requestTimeout,
  keepAliveTimeout: server.keepAliveTimeout,
  connectionsCheckingInterval: (server as { connectionsCheckingInterval?: number }).connectionsCheckingInterval,
});

describe('applyServerLimits', () => {
  it('sets 20 s for headers, 60 s for the request, 5 s keep-alive and a 1 s check by default, given nothing, {} or a null-prototype object', () => {
    for (const limits of [undefined, {}, Object.create(null) as object]) {
      expect(limitsOf(applyServerLimits(http.createServer(), limits))).to.deep.equal({
        headersTimeout: 20_000, requestTimeout: 60_000, keepAliveTimeout: 5000, connectionsCheckingInterval: 1000,
      });
    }
  });

  it('takes fractions of seconds, and answers client errors', () => {
    const server = applyServerLimits(http.createServer(), Object.freeze({ headersTimeout: 0.25, requestTimeout: 1.5, logger: silentLogger }));
    expect(limitsOf(server)).to.deep.include({ headersTimeout: 250, requestTimeout: 1500 });
    expect(server.listenerCount('clientError')).to.equal(1);
  });

  it('refuses what Node would misread, naming the fix', () => {
    const bad = (limits: object, pattern: RegExp) => expect(() => applyServerLimits(http.createServer(), limits)).to.throw(TypeError, pattern);
    bad({ headersTimeout: 0 }, /"headersTimeout" must be a positive number of seconds/);
    bad({ requestTimeout: '60' }, /"requestTimeout" must be a positive number of seconds/);
    bad({ headersTimeout: 30, requestTimeout: 10 }, /"headersTimeout" \(30\) is above "requestTimeout" \(10\); raise requestTimeout too/);
    expect(() => createApp({ server: kitchenSinkStdio() }, { requestTimeout: -1 })).to.throw(TypeError, /^createApp: "requestTimeout"/);
  });

  it('must come before listen, when Node reads the checking interval', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      expect(() => applyServerLimits(server)).to.throw(TypeError, /before server\.listen\(\)/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('McpoApp.listen and limitServer', () => {
  it('sets the app’s headersTimeout and requestTimeout on the server it listens with, or one it is given', async () => {
    const app = createApp({ server: kitchenSinkStdio() }, { headersTimeout: 2, requestTimeout: 3, logger: silentLogger });
    try {
      const server = await new Promise<http.Server>((resolve, reject) => {
        const s = app.listen(0, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
      });
      expect(limitsOf(server)).to.deep.include({ headersTimeout: 2000, requestTimeout: 3000, connectionsCheckingInterval: 1000 });
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`);
      expect(res.status).to.be.oneOf([200, 503]);
      await new Promise((resolve) => server.close(resolve));
      expect(limitsOf(app.limitServer(http.createServer(app)))).to.deep.include({ headersTimeout: 2000, requestTimeout: 3000 });
    } finally {
      await app.close();
    }
  });
});
