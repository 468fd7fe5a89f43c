/**
 * Rate limits end to end: `createApp` on a real port with a top-level limit
 * (`rateLimit: { perMinute: 5 }` per caller across all servers) and a server
 * entry's own (`{ perMinute: 3 }` per caller to that server), in front of the
 * modern fixture over stdio, reached over REST and over both MCP endpoints.
 * The call over a limit gets 429 with Retry-After and the RateLimit-Policy /
 * RateLimit fields (on an MCP endpoint a JSON-RPC error body, before any
 * JSON-RPC is read), a batch counts each call it carries, another caller
 * never notices, and mcpo_rate_limited_total counts each refusal by scope.
 * Last, two apps sharing one Redis state store share one count.
 *
 * Every test uses callers (named keys) of its own, since the counts last a
 * minute and the app lives for the whole file.
 */
import { expect } from 'chai';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { serveApp, type ServedApp } from '../helpers/app-server.js';
import { MODERN_META, modernPost, modernToolsCall } from '../helpers/modern-requests.js';
import { parseMetrics, sample, type MetricFamily } from '../helpers/prometheus.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { modernStdio } from '../helpers/servers.js';

const CALLERS = ['rest1', 'rest2', 'global', 'own', 'aggregate', 'batch', 'metrics'] as const;
type Caller = (typeof CALLERS)[number];
const keyOf = (name: string): string => `rate-limits-${name}-key-3e5f7a9c`;
const bearer = (name: string): Record<string, string> => ({ authorization: `Bearer ${keyOf(name)}` });
const keys = (names: readonly string[]) => names.map((name) => ({ name, key: keyOf(name) }));

const toolsCall = (id: number, tool: string, message: string) => modernToolsCall(id, tool, { message });

/** A raw 2026-07-28 POST to an MCP endpoint: one message or a batch. */
async function mcpPost(url: string, caller: string, body: unknown): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await modernPost(url, body, bearer(caller));
  return { status: res.status, headers: res.headers, text: await res.text() };
}

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function call(base: string, path: string, caller: string, message = 'hi'): Promise<Answer> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(caller) }, body: JSON.stringify({ message }) });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

async function scrape(base: string): Promise<MetricFamily[]> {
  // A moment for the last response's 'close', where its call is counted.
  await new Promise((r) => setTimeout(r, 30));
  const res = await fetch(`${base}/metrics`, { headers: bearer('metrics') });
  expect(res.status).to.equal(200);
  return parseMetrics(await res.text());
}

async function limitedCount(base: string, scope: string): Promise<number> {
  return sample(await scrape(base), 'mcpo_rate_limited_total', { scope }) ?? 0;
}

/** The 429's headers, as the IETF RateLimit fields name the policy that refused. */
function expectLimitHeaders(headers: Headers, policy: string, quota: number, window: number): void {
  const retryAfter = Number(headers.get('retry-after'));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= window, `Retry-After ${headers.get('retry-after')}`).to.equal(true);
  expect(headers.get('ratelimit-policy')).to.equal(`"${policy}";q=${quota};w=${window}`);
  expect(headers.get('ratelimit')).to.equal(`"${policy}";r=0;t=${retryAfter}`);
}

async function connect(url: string, caller: string): Promise<Client> {
  const client = new Client({ name: 'rate-limits-test', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } } as never);
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: bearer(caller) } }));
  return client;
}

const textOf = (result: unknown): string => ((result as { content: { text?: string }[] }).content[0]?.text ?? '');

const config = () => ({ mcpServers: { limited: { ...modernStdio(), rateLimit: { perMinute: 3 } }, free: modernStdio() } });

describe('rate limits', function () {
  this.timeout(30_000);
  let served: ServedApp;
  let base: string;
  before(async () => {
    served = await serveApp(config(), { auth: { keys: keys(CALLERS) }, rateLimit: { perMinute: 5 } });
    base = served.base;
  });
  after(() => served?.close());

  it("refuses a caller's 4th call to a server limited to 3 a minute with 429, and nobody else notices", async () => {
    const before = await scrape(base);
    const refusedBefore = sample(before, 'mcpo_rate_limited_total', { scope: 'server:limited' }) ?? 0;
    for (let i = 1; i <= 3; i++) {
      const ok = await call(base, '/limited/echo', 'rest1', `call ${i}`);
      expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
    }
    const refused = await call(base, '/limited/echo', 'rest1');
    expect(refused.status).to.equal(429);
    expect(refused.body.ok).to.equal(false);
    expect(refused.body.error.code).to.equal('rate_limited');
    expectLimitHeaders(refused.headers, 'server:limited', 3, 60);
    // Another caller has their own count, to this server and elsewhere; the refused one may still use another server.
    for (let i = 1; i <= 3; i++) expect((await call(base, '/limited/echo', 'rest2')).status).to.equal(200);
    expect((await call(base, '/free/echo', 'rest1')).status).to.equal(200);
    expect((await call(base, '/limited/echo', 'rest1')).status).to.equal(429);
    const after = await scrape(base);
    expect((sample(after, 'mcpo_rate_limited_total', { scope: 'server:limited' }) ?? 0) - refusedBefore).to.equal(2);
    // The refused calls are tool calls that got 429, as their callers saw them.
    const tooMany = { server: 'limited', tool: 'echo', status: '429' };
    expect((sample(after, 'mcpo_tool_calls_total', tooMany) ?? 0) - (sample(before, 'mcpo_tool_calls_total', tooMany) ?? 0)).to.equal(2);
  });

  it('refuses the 6th call of a caller across two servers with the top-level limit of 5', async () => {
    const refusedBefore = await limitedCount(base, 'global');
    const paths = ['/free/echo', '/limited/echo', '/free/echo', '/limited/echo', '/free/echo'];
    for (const path of paths) expect((await call(base, path, 'global')).status, path).to.equal(200);
    const refused = await call(base, '/free/echo', 'global');
    expect(refused.status).to.equal(429);
    expect(refused.body.error.code).to.equal('rate_limited');
    expectLimitHeaders(refused.headers, 'global', 5, 60);
    expect((await limitedCount(base, 'global')) - refusedBefore).to.equal(1);
  });

  it('answers a tools/call over the limit on /<name>/mcp with HTTP 429 and a JSON-RPC error', async () => {
    const url = `${base}/limited/mcp`;
    const client = await connect(url, 'own');
    try {
      for (let i = 1; i <= 3; i++) expect(textOf(await client.callTool({ name: 'echo', arguments: { message: `mcp ${i}` } }))).to.equal(`mcp ${i}`);
    } finally {
      await client.close();
    }
    const refused = await mcpPost(url, 'own', toolsCall(7, 'echo', 'one too many'));
    expect(refused.status, refused.text).to.equal(429);
    expectLimitHeaders(refused.headers, 'server:limited', 3, 60);
    const body = JSON.parse(refused.text);
    expect(body.jsonrpc).to.equal('2.0');
    expect(body.id).to.equal(7);
    expect(body.error.data.code).to.equal('rate_limited');
    expect(body.error.code).to.be.a('number');
    // Requests that carry no call are not counted, and still answered.
    const list = await mcpPost(url, 'own', { jsonrpc: '2.0', id: 8, method: 'tools/list', params: { _meta: MODERN_META } });
    expect(list.status, list.text).to.equal(200);
    expect(list.text).to.include('"echo"');
  });

  it('counts calls on the aggregate /mcp against the limits of the server each is for', async () => {
    const url = `${base}/mcp`;
    const client = await connect(url, 'aggregate');
    try {
      for (let i = 1; i <= 3; i++) expect(textOf(await client.callTool({ name: 'limited_echo', arguments: { message: `agg ${i}` } }))).to.equal(`agg ${i}`);
      expect(textOf(await client.callTool({ name: 'free_echo', arguments: { message: 'free' } }))).to.equal('free');
    } finally {
      await client.close();
    }
    const refusedByServer = await mcpPost(url, 'aggregate', toolsCall(9, 'limited_echo', 'no'));
    expect(refusedByServer.status, refusedByServer.text).to.equal(429);
    expect(JSON.parse(refusedByServer.text).error.data.code).to.equal('rate_limited');
    expectLimitHeaders(refusedByServer.headers, 'server:limited', 3, 60);
    // 4 of the top-level 5 taken: one more to the other server, then the 6th is refused by the top-level limit.
    expect((await mcpPost(url, 'aggregate', toolsCall(10, 'free_echo', 'fifth'))).status).to.equal(200);
    const refusedGlobally = await mcpPost(url, 'aggregate', toolsCall(11, 'free_echo', 'sixth'));
    expect(refusedGlobally.status, refusedGlobally.text).to.equal(429);
    expect(JSON.parse(refusedGlobally.text).error.data.code).to.equal('rate_limited');
    expectLimitHeaders(refusedGlobally.headers, 'global', 5, 60);
  });

  it('counts each call a batch carries (a 2025-03-26 session, the last revision with batches)', async () => {
    const url = `${base}/limited/mcp`;
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...bearer('batch') };
    const init = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
    });
    expect(init.status).to.equal(200);
    await init.arrayBuffer();
    const session = { ...headers, 'mcp-session-id': init.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-03-26' };
    const send = async (body: unknown) => {
      const res = await fetch(url, { method: 'POST', headers: session, body: JSON.stringify(body) });
      return { status: res.status, headers: res.headers, text: await res.text() };
    };
    expect((await send({ jsonrpc: '2.0', method: 'notifications/initialized' })).status).to.equal(202);
    const legacyCall = (id: number, message: string) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { message } } });
    try {
      // Two calls in one request: both answered, and two of the three taken.
      const batch = await send([legacyCall(1, 'first of two'), legacyCall(2, 'second of two')]);
      expect(batch.status, batch.text).to.equal(200);
      expect(batch.text).to.include('first of two').and.include('second of two');
      // Two more do not fit in the one left: the batch is refused whole, before any of it runs.
      const tooMany = await send([legacyCall(3, 'third'), legacyCall(4, 'fourth')]);
      expect(tooMany.status, tooMany.text).to.equal(429);
      const refusedBatch = JSON.parse(tooMany.text);
      expect(refusedBatch.id).to.equal(null);
      expect(refusedBatch.error.data.code).to.equal('rate_limited');
      expect(tooMany.text).to.not.include('third');
      expectLimitHeaders(tooMany.headers, 'server:limited', 3, 60);
    } finally {
      await fetch(url, { method: 'DELETE', headers: session }).then((r) => r.arrayBuffer());
    }
  });
});

describe('rate limits shared through Redis', function () {
  this.timeout(30_000);
  let redis: RedisServer;
  let a: ServedApp;
  let b: ServedApp;
  before(async () => {
    redis = await startRedis();
    const options = { auth: { keys: keys(['shared', 'metrics']) }, stateStore: redis.url };
    [a, b] = await Promise.all([serveApp(config(), options), serveApp(config(), options)]);
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis?.close();
  });

  it('counts calls on one replica against the limit on another', async () => {
    for (let i = 1; i <= 3; i++) expect((await call(a.base, '/limited/echo', 'shared', `a ${i}`)).status).to.equal(200);
    const refused = await call(b.base, '/limited/echo', 'shared');
    expect(refused.status, JSON.stringify(refused.body)).to.equal(429);
    expect(refused.body.error.code).to.equal('rate_limited');
    expectLimitHeaders(refused.headers, 'server:limited', 3, 60);
    // The refusal is counted where it happened.
    expect(await limitedCount(b.base, 'server:limited')).to.equal(1);
    expect(await limitedCount(a.base, 'server:limited')).to.equal(0);
    // The count is in Redis, under mcpo's prefix, and the key's secret text is nowhere in it.
    const dump = await redis.dump();
    expect(Object.keys(dump).filter((k) => k.startsWith('mcpo:rate:')), Object.keys(dump).join(', ')).to.have.length.at.least(1);
    expect(JSON.stringify(dump)).to.not.include(keyOf('shared'));
  });
});
