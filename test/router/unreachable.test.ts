/**
 * A remote server that cannot be reached says why and where, in the router's
 * status, in the log (naming the router, though it was mounted without a
 * name) and in the app's /healthz: a refused port, a host that does not
 * resolve.
 */
import { expect } from 'chai';
import request from 'supertest';
import { createApp, mcpoRouter, silentLogger } from '../../lib/index.js';
import { recordingLogger } from '../helpers/logger.js';
import { freePort } from '../helpers/servers.js';

describe('a remote server that cannot be reached', () => {
  it('names the refused address and port in status() and in a warning that names the router by its URL\'s host', async () => {
    const port = await freePort();
    const logger = recordingLogger();
    const router = mcpoRouter({ type: 'streamable-http', url: `http://127.0.0.1:${port}/mcp` }, { logger, reconnectDelay: 30 });
    try {
      await router.ready().catch(() => {});
      const where = `ECONNREFUSED 127.0.0.1:${port}`;
      expect(router.status().lastError).to.include(where);
      const warning = logger.records.find((r) => r.level === 'warn' && r.message === 'could not reach MCP server; retrying');
      expect(warning?.fields, JSON.stringify(logger.records)).to.include({ server: `127.0.0.1:${port}`, type: 'streamable-http' });
      expect(warning?.fields?.error).to.be.a('string').and.include(where);
    } finally {
      await router.close();
    }
  });

  it('names the host that does not resolve in /healthz', async () => {
    const app = createApp({ mcpServers: { lost: { type: 'streamable-http', url: 'http://no-such-host.invalid/mcp' } } }, { logger: silentLogger, router: { reconnectDelay: 30 } });
    try {
      await app.ready().catch(() => {});
      const res = await request(app).get('/healthz');
      expect(res.body.servers.lost.lastError, JSON.stringify(res.body)).to.include('ENOTFOUND no-such-host.invalid');
    } finally {
      await app.close();
    }
  });
});
