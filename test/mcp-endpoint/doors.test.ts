/**
 * The app's doors in front of the MCP endpoints `/mcp` and `/<name>/mcp`:
 * Origin and CORS (the spec's DNS-rebinding rule, and the headers a browser
 * MCP client needs), the body limit, request ids and strictAuth, with real
 * clients and real fixture servers. Then two replicas behind a round-robin
 * proxy: a 2026-07-28 client needs no stickiness, a 2025-era session is told
 * it landed on another replica.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { serveApp, type ServedApp } from '../helpers/app-server.js';
import { startMcpo, untilConnected, type McpoProcess } from '../helpers/mcpo.js';
import { modernPost, modernToolsCall } from '../helpers/modern-requests.js';
import { rawExchange } from '../helpers/raw-http.js';
import { roundRobin, type RoundRobin } from '../helpers/round-robin.js';
import { kitchenSinkStdio, modernStdio } from '../helpers/servers.js';

const UI = 'https://ui.example';
const KEY = 'doors-test-key-2468';
const LIMIT = 2048;



async function connect(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'doors-test', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } } as never);
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

/** What the v1 client throws for an HTTP error: the status is its `code`. */
type HttpError = Error & { code?: number };

const textOf = (result: unknown): string => ((result as { content: { text?: string }[] }).content[0]?.text ?? '');

/** A 2026-07-28 tools/call as the v2 client sends it (headers mirror the body), without a session. */
const modernCall = (url: string, tool: string, message: string, headers: Record<string, string> = {}): Promise<Response> =>
  modernPost(url, modernToolsCall(1, tool, { message }), headers);

/** The text of a tool result, from a JSON or a one-event SSE answer. */
async function resultText(res: Response): Promise<string> {
  const body = await res.text();
  const json = res.headers.get('content-type')?.startsWith('text/event-stream') ? /^data: (.*)$/m.exec(body)?.[1] ?? '' : body;
  return textOf((JSON.parse(json) as { result: unknown }).result);
}

describe('the doors in front of the MCP endpoints', function () {
  this.timeout(60_000);
  let served: ServedApp;
  before(async () => {
    served = await serveApp({ mcpServers: { modern: modernStdio() } }, { corsAllowOrigins: [UI], router: { bodyLimit: LIMIT } });
  });
  after(() => served?.close());

  describe('Origin and CORS', () => {
    it('refuses a POST to /mcp from an origin it does not allow with 403, before the endpoint (DNS rebinding)', async () => {
      for (const url of [`${served.base}/mcp`, `${served.base}/modern/mcp`]) {
        const res = await modernCall(url, url.endsWith('/modern/mcp') ? 'echo' : 'modern_echo', 'hi', { origin: 'https://evil.example' });
        expect(res.status, url).to.equal(403);
        expect(res.headers.get('access-control-allow-origin'), url).to.equal(null);
        const body = (await res.json()) as { error: { code: string } };
        expect(body.error.code, url).to.equal('origin_not_allowed');
      }
    });

    it('serves a POST to /mcp from an allowed origin, with the CORS headers and Mcp-Session-Id exposed', async () => {
      const res = await modernCall(`${served.base}/mcp`, 'modern_echo', 'from the ui', { origin: UI });
      expect(res.status).to.equal(200);
      expect(res.headers.get('access-control-allow-origin')).to.equal(UI);
      expect(res.headers.get('access-control-allow-credentials')).to.equal('true');
      expect(res.headers.get('access-control-expose-headers')).to.match(/\bMcp-Session-Id\b/i);
      expect(await resultText(res)).to.equal('from the ui');
    });

    it('answers a preflight for /mcp with the methods and headers an MCP client sends, DELETE included', async () => {
      const asked = 'authorization, content-type, mcp-session-id, mcp-protocol-version, mcp-method, mcp-name, last-event-id';
      const res = await fetch(`${served.base}/mcp`, {
        method: 'OPTIONS',
        headers: { origin: UI, 'access-control-request-method': 'DELETE', 'access-control-request-headers': asked },
      });
      expect(res.status).to.equal(204);
      expect(res.headers.get('access-control-allow-origin')).to.equal(UI);
      const methods = res.headers.get('access-control-allow-methods')!.split(/\s*,\s*/);
      expect(methods).to.include.members(['GET', 'POST', 'DELETE']);
      const allowed = res.headers.get('access-control-allow-headers')!.toLowerCase().split(/\s*,\s*/);
      expect(allowed).to.include.members(asked.split(', '));
      expect(res.headers.get('access-control-expose-headers')).to.match(/\bMcp-Session-Id\b/i);
    });

    it('lists the MCP headers among the allowed ones when a preflight asks for an unreadable list', async () => {
      const res = await fetch(`${served.base}/mcp`, {
        method: 'OPTIONS',
        headers: { origin: UI, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-a; x-b="1"' },
      });
      expect(res.status).to.equal(204);
      const allowed = res.headers.get('access-control-allow-headers')!.toLowerCase().split(/\s*,\s*/);
      expect(allowed).to.include.members(['authorization', 'content-type', 'mcp-session-id', 'mcp-protocol-version', 'mcp-method', 'mcp-name']);
    });

    it('lets a 2025-era client read its session id and end the session with DELETE from an allowed origin', async () => {
      const init = await fetch(`${served.base}/mcp`, {
        method: 'POST',
        headers: { origin: UI, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'ui', version: '1' } } }),
      });
      expect(init.status).to.equal(200);
      await init.text();
      const session = init.headers.get('mcp-session-id');
      expect(session).to.match(/^r[0-9a-f]{10}\./);
      const ended = await fetch(`${served.base}/mcp`, { method: 'DELETE', headers: { origin: UI, 'mcp-session-id': session!, 'mcp-protocol-version': '2025-11-25' } });
      expect(ended.status).to.equal(200);
      expect(ended.headers.get('access-control-allow-origin')).to.equal(UI);
    });
  });

  describe('the body limit', () => {
    for (const [path, tool] of [['/mcp', 'modern_echo'], ['/modern/mcp', 'echo']] as const) {
      it(`answers 413 with a JSON-RPC error and no stack to a body over the limit at ${path}, and serves one under it`, async () => {
        const over = await modernCall(`${served.base}${path}`, tool, 'x'.repeat(LIMIT));
        expect(over.status).to.equal(413);
        expect(over.headers.get('content-type')).to.match(/^application\/json/);
        const text = await over.text();
        expect(text).not.to.match(/\n\s+at |\.[jt]s:\d+/);
        const body = JSON.parse(text) as { jsonrpc: string; error: { message: string } };
        expect(body.jsonrpc).to.equal('2.0');
        expect(body.error.message).to.match(/Payload Too Large.*2048 bytes/);
        const under = await modernCall(`${served.base}${path}`, tool, 'x'.repeat(LIMIT / 2));
        expect(under.status).to.equal(200);
        expect(await resultText(under)).to.equal('x'.repeat(LIMIT / 2));
      });
    }

    it('answers 413 to a chunked body over the limit, which declares no length', async () => {
      const url = new URL(`${served.base}/mcp`);
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28' } }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve({ status: res.statusCode!, body: text }));
        });
        req.on('error', reject);
        req.write('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"modern_echo","arguments":{"message":"');
        for (let i = 0; i < 8; i++) req.write('y'.repeat(512));
        req.end('"}}}');
      });
      expect(status).to.equal(413);
      expect(body).to.match(/Payload Too Large/);
    });
  });

  it('answers 400 with a JSON-RPC error to a body nested deeper than 64 levels or holding __proto__, before the SDK reads it', async () => {
    // Each is a ping the endpoint would answer, but for its one flaw.
    const meta = JSON.stringify({ 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} });
    const deep = `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"_meta":${meta},"a":${'['.repeat(600)}${']'.repeat(600)}}}`;
    const polluting = `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"_meta":${meta},"__proto__":{"polluted":1}}}`;
    for (const path of ['/mcp', '/modern/mcp']) {
      for (const [body, code] of [[deep, 'nested deeper than 64'], [polluting, '__proto__']] as const) {
        const res = await fetch(`${served.base}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'ping' },
          body,
        });
        const text = await res.text();
        expect(res.status, `${path} ${code}: ${text}`).to.equal(400);
        const answer = JSON.parse(text) as { jsonrpc: string; error: { code: number; message: string } };
        expect(answer.jsonrpc).to.equal('2.0');
        expect(answer.error.message).to.include(code);
      }
    }
  });

  it('serves an absolute-form target, and refuses a Host that makes no URL (400) and TRACE (405) with JSON-RPC errors, never a 500', async () => {
    const port = Number(new URL(served.base).port);
    const meta = JSON.stringify({ 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} });
    const body = `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":${meta}}}`;
    const request = (target: string, host: string) =>
      Buffer.from(`POST ${target} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n` +
        `MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/list\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    for (const path of ['/mcp', '/modern/mcp']) {
      const absolute = await rawExchange(port, request(`http://127.0.0.1:${port}${path}`, `127.0.0.1:${port}`), false, false, 10_000);
      expect(absolute.answers[0]?.status, `absolute-form ${path}`).to.equal(200);
      expect(absolute.answers[0]!.body.toString()).to.include('"tools"');
      // A loopback name, so the Host check lets it by; its port is no port.
      const badHost = await rawExchange(port, request(path, 'localhost:x'), false, false, 10_000);
      expect(badHost.answers[0]?.status, `Host localhost:x at ${path}`).to.equal(400);
      expect(JSON.parse(badHost.answers[0]!.body.toString()).error.code).to.equal(-32600);
      // A method the Fetch API refuses to carry.
      const trace = await rawExchange(port, Buffer.from(`TRACE ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`), false, false, 10_000);
      expect(trace.answers[0]?.status, `TRACE ${path}`).to.equal(405);
      expect(JSON.parse(trace.answers[0]!.body.toString()).jsonrpc).to.equal('2.0');
    }
  });

  it('gives every answer from /mcp an X-Request-Id, and keeps one the client sent', async () => {
    const answered = await modernCall(`${served.base}/mcp`, 'modern_echo', 'id');
    expect(answered.status).to.equal(200);
    expect(answered.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
    const refused = await modernCall(`${served.base}/mcp`, 'modern_echo', 'x'.repeat(LIMIT));
    expect(refused.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
    expect(refused.headers.get('x-request-id')).not.to.equal(answered.headers.get('x-request-id'));
    const kept = await modernCall(`${served.base}/mcp`, 'modern_echo', 'id', { 'x-request-id': 'trace-doors-1' });
    expect(kept.headers.get('x-request-id')).to.equal('trace-doors-1');
  });
});

describe('the MCP endpoints under strictAuth', function () {
  this.timeout(60_000);
  let served: ServedApp;
  before(async () => {
    served = await serveApp({ mcpServers: { sink: kitchenSinkStdio() } }, { apiKey: KEY, strictAuth: true });
  });
  after(() => served?.close());

  for (const [path, tool] of [['/mcp', 'sink_echo'], ['/sink/mcp', 'echo']] as const) {
    it(`answers 401 at ${path} without the key or with a wrong one, and serves a client that sends it as a Bearer token`, async () => {
      for (const headers of [{}, { authorization: 'Bearer not-the-key' }] as Record<string, string>[]) {
        const res = await modernCall(`${served.base}${path}`, tool, 'no key', headers);
        expect(res.status, JSON.stringify(headers)).to.equal(401);
        expect(((await res.json()) as { error: { code: string } }).error.code).to.be.a('string');
      }
      const client = await connect(`${served.base}${path}`, { authorization: `Bearer ${KEY}` });
      try {
        expect((await client.listTools()).tools.map((t) => t.name)).to.include(tool);
        expect(textOf(await client.callTool({ name: tool, arguments: { message: 'keyed' } }))).to.equal('keyed');
      } finally {
        await client.close();
      }
    });
  }

  it('refuses a 2025-era client without the key at connect', async () => {
    const client = new V1Client({ name: 'v1', version: '1.0.0' });
    const failed = await client.connect(new V1Transport(new URL(`${served.base}/mcp`))).then(() => undefined, (err: HttpError) => err);
    await client.close();
    expect(failed?.code).to.equal(401);
  });
});

describe('two mcpo replicas behind a round-robin proxy', function () {
  this.timeout(90_000);
  let dir: string;
  let replicas: McpoProcess[] = [];
  let proxy: RoundRobin;
  before(async () => {
    // Separate processes, as replicas are: a session id names the process that opened it.
    dir = mkdtempSync(path.join(os.tmpdir(), 'mcpo-replicas-'));
    const config = path.join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ mcpServers: { modern: modernStdio() } }));
    const started = await Promise.allSettled([0, 1].map(() => startMcpo(['--port', '0', '--config', config])));
    replicas = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    await Promise.all(replicas.map((r) => untilConnected(r.url, ['modern'])));
    proxy = await roundRobin(replicas.map((r) => r.url));
  });
  after(async () => {
    await proxy?.close();
    await Promise.all(replicas.map((r) => r.stop()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves a 2026-07-28 client through every replica in turn: 20 tool calls and a tools/list, all answered', async () => {
    const before = [...proxy.hits];
    const client = await connect(`${proxy.url}/mcp`);
    try {
      expect(client.getNegotiatedProtocolVersion()).to.equal('2026-07-28');
      for (let i = 0; i < 20; i++) {
        expect(textOf(await client.callTool({ name: 'modern_echo', arguments: { message: `call ${i}` } }))).to.equal(`call ${i}`);
      }
      expect((await client.listTools()).tools.map((t) => t.name)).to.include.members(['modern_echo', 'modern_count_up']);
    } finally {
      await client.close();
    }
    const sent = proxy.hits.map((n, i) => n - before[i]!);
    // Strict alternation: the 21 requests (and the discovery) split evenly, so each replica answered half.
    expect(sent[0]! + sent[1]!).to.be.at.least(21);
    expect(Math.abs(sent[0]! - sent[1]!)).to.be.at.most(1);
  });

  it('tells a 2025-era session that lands on the other replica, with a 404 naming another mcpo replica', async () => {
    const client = new V1Client({ name: 'v1', version: '1.0.0' });
    const transport = new V1Transport(new URL(`${proxy.url}/mcp`));
    // initialize reaches one replica, which opens the session; notifications/initialized reaches the other.
    const failed = await client.connect(transport).then(() => undefined, (err: HttpError) => err);
    await client.close();
    expect(failed, 'the session should break on the other replica').to.be.instanceOf(Error);
    expect(failed!.code).to.equal(404);
    expect(String(failed)).to.match(/opened on another mcpo replica \(r[0-9a-f]{10}\), and this is r[0-9a-f]{10}/);
    expect(String(failed)).to.match(/sticky on Mcp-Session-Id/);
  });

  it('serves a 2025-era session on a replica reached directly (what sticky routing gives)', async () => {
    const client = new V1Client({ name: 'v1', version: '1.0.0' });
    await client.connect(new V1Transport(new URL(`${replicas[0]!.url}/mcp`)));
    try {
      for (let i = 0; i < 3; i++) {
        expect(textOf(await client.callTool({ name: 'modern_echo', arguments: { message: `v1 ${i}` } }))).to.equal(`v1 ${i}`);
      }
    } finally {
      await client.close();
    }
  });
});
