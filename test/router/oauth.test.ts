/**
 * OAuth as the library and the command offer it: a router mounted in a
 * plain Express app serves `oauth/authorize` and `oauth/callback` at its own
 * mount path, and `mcpo --type streamable-http` (single-server mode) serves
 * `/oauth/<name>/…` with `--public-url` and `--state-dir`. Against the OAuth
 * fixture; a "person" opens the page and follows the redirects.
 */
import { expect } from 'chai';
import express from 'express';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mcpoRouter, silentLogger, type McpoRouter } from '../../lib/index.js';
import { Person } from '../conformance/person.js';
import { freePort, startOAuthServer, type RunningServer } from '../helpers/servers.js';
import { startMcpo, type McpoProcess } from '../helpers/mcpo.js';

describe('OAuth in the library and the command', function () {
  this.timeout(30_000);
  let fixture: RunningServer;
  let stateDir: string;
  before(async () => {
    fixture = await startOAuthServer([]);
  });
  beforeEach(() => {
    stateDir = mkdtempSync(path.join(tmpdir(), 'mcpo-oauth-'));
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));
  after(() => fixture.close());

  it('a router serves oauth/authorize and oauth/callback at its mount path, with the redirect URI taken from the request', async () => {
    const router: McpoRouter = mcpoRouter({ type: 'streamable-http', url: fixture.url }, { stateDir, logger: silentLogger });
    const app = express().use('/tools/remote', router);
    const server = http.createServer(app).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await router.ready().catch(() => {});
      expect(router.status().state).to.equal('needs-authorization');
      const blocked = await fetch(`${base}/tools/remote/whoami`, { method: 'POST' });
      expect(blocked.status).to.equal(503);
      expect(((await blocked.json()) as { error: { code: string } }).error.code).to.equal('authorization_required');

      const person = new Person(base, 'unused', () => {});
      const landing = await person.authorize(`${base}/tools/remote/oauth/authorize`);
      expect(landing.url).to.match(new RegExp(`^${base}/tools/remote/oauth/callback\\?`));
      expect(landing.status).to.equal(200);
      expect(router.status().state).to.equal('ready');
      const call = await fetch(`${base}/tools/remote/whoami`, { method: 'POST' });
      expect(call.status).to.equal(200);
      // The registered client and the tokens, a file each.
      expect(readdirSync(stateDir)).to.have.length(2);
    } finally {
      server.closeAllConnections();
      server.close();
      await router.close();
    }
  });

  it('mcpo --type streamable-http takes --public-url and --state-dir, names the page at startup, and serves /oauth/<name>/…', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    let mcpo: McpoProcess | undefined;
    try {
      mcpo = await startMcpo(['--port', String(port), '--name', 'remote', '--public-url', base, '--state-dir', stateDir, '--type', 'streamable-http', '--', fixture.url]);
      const person = new Person(base, 'remote', () => {});
      const health = await person.settled(0, 10_000);
      expect(health.state).to.equal('needs-authorization');
      expect(health.authorizeUrl).to.equal(`${base}/oauth/remote/authorize`);
      const landing = await person.authorize(health.authorizeUrl!);
      expect(landing.status).to.equal(200);
      expect((await person.settled(landing.at, 10_000)).state).to.equal('ready');
      expect((await fetch(`${base}/whoami`, { method: 'POST' })).status).to.equal(200);
      expect(mcpo.stderr()).to.include(`open ${base}/oauth/remote/authorize`);
      // The registered client and the tokens, a file each.
      expect(readdirSync(stateDir)).to.have.length(2);
    } finally {
      await mcpo?.stop();
    }
  });
});
