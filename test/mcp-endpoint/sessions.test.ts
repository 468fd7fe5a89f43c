/**
 * The lifetime of 2025-era sessions on mcpo's MCP endpoints, `/mcp` and
 * `/<name>/mcp`: closed after `sessionIdleTimeout` with nothing open, kept
 * while a request or a GET stream is open, at most `maxSessions` (the
 * longest idle evicted, 503 when all are active), counted in `/healthz`.
 * Sessions are opened as a 2025-era client opens them, with plain fetch and
 * the Streamable HTTP headers, and with the v2 SDK client in legacy mode.
 */
import { expect } from 'chai';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { serveApp, type ServedApp } from '../helpers/app-server.js';
import { modernStdio } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

const ERA = '2025-11-25';
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** Opens a session with initialize and notifications/initialized, as a 2025-era client does; its id. */
async function openSession(url: string): Promise<string> {
  const init = await fetch(url, {
    method: 'POST',
    headers: HEADERS,
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: ERA, capabilities: {}, clientInfo: { name: 'sessions-test', version: '1' } } }),
  });
  expect(init.status, await init.clone().text()).to.equal(200);
  await init.text();
  const id = init.headers.get('mcp-session-id')!;
  const ack = await post(url, id, { jsonrpc: '2.0', method: 'notifications/initialized' });
  expect(ack.status).to.equal(202);
  return id;
}

function post(url: string, session: string, message: object): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { ...HEADERS, 'mcp-session-id': session, 'mcp-protocol-version': ERA }, body: JSON.stringify(message) });
}

/** tools/list on the session: its HTTP status, the body read. */
async function listStatus(url: string, session: string): Promise<number> {
  const res = await post(url, session, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
  await res.text();
  return res.status;
}

/**
 * The session's GET stream, open until `close()`. Its headers come with its
 * first event, so the server is nudged (a tool added, which every session
 * hears as a list change) until they do: then the server holds the stream.
 */
async function openStream(url: string, session: string, base: string): Promise<{ close(): void }> {
  const controller = new AbortController();
  let res: Response | undefined;
  fetch(url, { headers: { accept: 'text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': ERA }, signal: controller.signal }).then(
    (r) => void (res = r),
    () => {},
  );
  const nudge = () => fetch(`${base}/modern/add_tool`, { method: 'POST', headers: HEADERS, body: '{}' }).then((r) => r.text());
  await waitFor(async () => res ?? void (await nudge()), 'the GET stream\'s headers');
  expect(res!.status).to.equal(200);
  void res!.body!.getReader().read().catch(() => {});
  return { close: () => controller.abort() };
}

/** Waits, without touching any session, until `count()` (a count from the health report) is `n`. */
const untilCount = (count: () => number | undefined, n: number, what: string): Promise<true> =>
  waitFor(async () => (count() === n ? true : undefined), what);

describe('2025-era sessions on the MCP endpoints', function () {
  this.timeout(30_000);

  describe('with a short idle timeout', () => {
    let served: ServedApp;
    let url: string;
    before(async () => {
      served = await serveApp({ mcpServers: { modern: modernStdio() } }, { router: { sessionIdleTimeout: 0.4 } });
      url = `${served.base}/modern/mcp`;
    });
    after(() => served?.close());
    const sessions = (): number | undefined => served.app.health().servers.modern!.mcpSessions;

    it('closes a session idle for sessionIdleTimeout, and answers its next request with the 404 that says it ended', async () => {
      const session = await openSession(url);
      expect(await listStatus(url, session)).to.equal(200);
      expect(served.app.health().servers.modern!.mcpSessions).to.equal(1);
      await untilCount(sessions, 0, 'the idle session closed');
      const res = await post(url, session, { jsonrpc: '2.0', id: 3, method: 'tools/list' });
      expect(res.status).to.equal(404);
      expect(((await res.json()) as { error: { message: string } }).error.message).to.match(/Session not found: it ended/);
    });

    it('closes idle sessions on the aggregate endpoint /mcp too', async () => {
      const session = await openSession(`${served.base}/mcp`);
      expect(served.app.health().mcpSessions).to.equal(1);
      await untilCount(() => served.app.health().mcpSessions, 0, 'the aggregate session closed');
      expect(await listStatus(`${served.base}/mcp`, session)).to.equal(404);
    });

    it('keeps a session whose GET stream is open, and closes it once the stream ends', async () => {
      const streaming = await openSession(url);
      const quiet = await openSession(url);
      const stream = await openStream(url, streaming, served.base);
      try {
        await untilCount(sessions, 1, 'the quiet session closed');
        expect(await listStatus(url, quiet)).to.equal(404);
        expect(await listStatus(url, streaming)).to.equal(200);
      } finally {
        stream.close();
      }
      await untilCount(sessions, 0, 'the session closed after its stream');
    });

    it('keeps a session while a request on it is in flight, longer than the timeout', async () => {
      const busy = await openSession(url);
      const quiet = await openSession(url);
      const call = post(url, busy, { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'count_up', arguments: { steps: 20, ms: 100 } } });
      await untilCount(sessions, 1, 'the quiet session closed');
      expect(await listStatus(url, quiet)).to.equal(404);
      const res = await call;
      expect(await res.text()).to.include('"result"');
      expect(await listStatus(url, busy)).to.equal(200);
    });

    it('serves the v2 client in legacy mode as long as it keeps calling', async () => {
      const client = new Client({ name: 'sessions-test', version: '1' }, { versionNegotiation: { mode: 'legacy' } } as never);
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      try {
        expect(client.getNegotiatedProtocolVersion()).to.equal(ERA);
        // Calls spaced by less than the timeout, for several times its length: the session must survive them all.
        for (let i = 0; i < 8; i++) {
          expect((await client.listTools()).tools.map((t) => t.name)).to.include('echo');
          await new Promise((r) => setTimeout(r, 150));
        }
      } finally {
        await client.close();
      }
    });
  });

  describe('with maxSessions', () => {
    let served: ServedApp;
    let url: string;
    // Each test starts from no sessions.
    beforeEach(async () => {
      served = await serveApp({ mcpServers: { modern: modernStdio() } }, { router: { maxSessions: 3 } });
      url = `${served.base}/modern/mcp`;
    });
    afterEach(() => served?.close());

    it('closes the longest-idle session to open a new one past the limit', async () => {
      const a = await openSession(url);
      const b = await openSession(url);
      const c = await openSession(url);
      expect(await listStatus(url, a)).to.equal(200);
      const d = await openSession(url);
      expect(served.app.health().servers.modern!.mcpSessions).to.equal(3);
      expect(await listStatus(url, b)).to.equal(404);
      for (const kept of [a, c, d]) expect(await listStatus(url, kept)).to.equal(200);
    });

    it('answers initialize 503 with Retry-After and a JSON-RPC error when every session is active, and opens one once a session is idle', async () => {
      const sessions = [await openSession(url), await openSession(url), await openSession(url)];
      const streams = await Promise.all(sessions.map((s) => openStream(url, s, served.base)));
      try {
        const refused = await fetch(url, {
          method: 'POST',
          headers: HEADERS,
          body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'initialize', params: { protocolVersion: ERA, capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
        });
        expect(refused.status).to.equal(503);
        expect(refused.headers.get('retry-after')).to.match(/^\d+$/);
        const body = (await refused.json()) as { jsonrpc: string; id: unknown; error: { code: number; message: string } };
        expect(body).to.deep.include({ jsonrpc: '2.0', id: 7 });
        expect(body.error.message).to.match(/Too many MCP sessions/);
        expect(served.app.health().servers.modern!.mcpSessions).to.equal(3);
        streams[1]!.close();
        const opened = await waitFor(async () => {
          const res = await fetch(url, {
            method: 'POST',
            headers: HEADERS,
            body: JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'initialize', params: { protocolVersion: ERA, capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
          });
          await res.text();
          return res.status === 200 ? res.headers.get('mcp-session-id') : undefined;
        }, 'room for a new session');
        expect(opened).to.be.a('string');
        expect(await listStatus(url, sessions[1]!)).to.equal(404);
        expect(await listStatus(url, sessions[0]!)).to.equal(200);
      } finally {
        for (const stream of streams) stream.close();
      }
    });
  });

  describe('/healthz', () => {
    let served: ServedApp;
    before(async () => {
      served = await serveApp({ mcpServers: { modern: modernStdio(), other: modernStdio() } });
    });
    after(() => served?.close());

    it('counts the open sessions of each server\'s endpoint and of the aggregate', async () => {
      const before = (await (await fetch(`${served.base}/healthz`)).json()) as { mcpSessions: number; servers: Record<string, { mcpSessions: number; connected: boolean }> };
      expect(before.mcpSessions).to.equal(0);
      expect(before.servers.modern).to.include({ mcpSessions: 0, connected: true });
      await openSession(`${served.base}/modern/mcp`);
      await openSession(`${served.base}/modern/mcp`);
      const aggregate = await openSession(`${served.base}/mcp`);
      const after = (await (await fetch(`${served.base}/healthz`)).json()) as typeof before;
      expect(after.mcpSessions).to.equal(1);
      expect(after.servers.modern!.mcpSessions).to.equal(2);
      expect(after.servers.other!.mcpSessions).to.equal(0);
      // A client that ends its session is counted out at once.
      const deleted = await fetch(`${served.base}/mcp`, { method: 'DELETE', headers: { 'mcp-session-id': aggregate, 'mcp-protocol-version': ERA } });
      expect(deleted.status).to.equal(200);
      expect(served.app.health().mcpSessions).to.equal(0);
    });

    it('has no session count for a server whose MCP endpoint is off', async () => {
      const off = await serveApp({ mcpServers: { modern: modernStdio() } }, { router: { mcp: false } });
      try {
        const report = off.app.health();
        expect(report).not.to.have.property('mcpSessions');
        expect(report.servers.modern).not.to.have.property('mcpSessions');
      } finally {
        await off.close();
      }
    });
  });
});
