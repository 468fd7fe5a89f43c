/**
 * Prometheus metrics end to end: `createApp` on a real port in front of the
 * kitchen-sink fixture (2025 era) and the modern fixture (2026-07-28) over
 * stdio. /metrics is scraped before and after each step and the counters'
 * deltas are checked exactly: tool calls by the status the caller got (over
 * REST, and over both MCP endpoints as a REST caller would have got it), the
 * duration histogram's count, HTTP requests by route, no series minted from
 * made-up paths, the upstreams' state (a killed child goes down, reconnects
 * and comes back), who may read /metrics, and reloads.
 */
import { expect } from 'chai';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { serveApp, type ServedApp } from '../helpers/app-server.js';
import { modernPost, modernToolsCall } from '../helpers/modern-requests.js';
import { labelValues, parseMetrics, sample, type Labels, type MetricFamily } from '../helpers/prometheus.js';
import { kitchenSinkStdio, modernStdio } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

const KEY = 'metrics-test-key-5b7d9f1e';
const ALPHA = 'metrics-alpha-key-0c2e4a6b';
const auth = { authorization: `Bearer ${KEY}` };

/** A 2026-07-28 tools/call as the v2 client sends it, without a session. */
const modernCall = (url: string, tool: string, args: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> =>
  modernPost(url, modernToolsCall(1, tool, args), headers);

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: 'metrics-test', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } } as never);
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: auth } }));
  return client;
}

/** The status of a REST call; its body is read (and dropped) so the response has ended. */
async function post(base: string, path: string, body: unknown, headers: Record<string, string> = auth): Promise<number> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  return res.status;
}

async function get(base: string, path: string, headers: Record<string, string> = auth): Promise<number> {
  const res = await fetch(`${base}${path}`, { headers, redirect: 'manual' });
  await res.arrayBuffer();
  return res.status;
}

/** A scrape, a moment after the last request, so that request's 'close' (where it is counted) has run. */
async function scrape(base: string, headers: Record<string, string> = auth): Promise<MetricFamily[]> {
  await new Promise((r) => setTimeout(r, 30));
  const res = await fetch(`${base}/metrics`, { headers });
  const text = await res.text();
  expect(res.status, text.slice(0, 300)).to.equal(200);
  expect(res.headers.get('content-type')).to.match(/^text\/plain/);
  return parseMetrics(text);
}

/** A value, 0 for a series not (yet) there. */
const value = (families: MetricFamily[], name: string, labels: Labels): number => sample(families, name, labels) ?? 0;

/** How much each named series grew between two scrapes. */
function deltas(before: MetricFamily[], after: MetricFamily[], name: string, series: Record<string, Labels>): Record<string, number> {
  return Object.fromEntries(Object.entries(series).map(([k, labels]) => [k, value(after, name, labels) - value(before, name, labels)]));
}

/** Every label value of every mcpo_ family, as `family label=value`. */
function allLabelValues(families: MetricFamily[]): Set<string> {
  const out = new Set<string>();
  for (const family of families) {
    if (!family.name.startsWith('mcpo_')) continue;
    for (const series of family.metrics) {
      for (const [label, v] of Object.entries(series.labels ?? {})) out.add(`${family.name} ${label}=${v}`);
    }
  }
  return out;
}

const CALLS = 'mcpo_tool_calls_total';
const DURATION_COUNT = 'mcpo_tool_call_duration_seconds_count';
const REQUESTS = 'mcpo_http_requests_total';

describe('Prometheus metrics at /metrics', function () {
  this.timeout(60_000);
  let served: ServedApp;
  let base: string;

  before(async () => {
    // A small tool timeout so that a slow call ends in 504 quickly.
    served = await serveApp({ mcpServers: { ks: kitchenSinkStdio(), modern: modernStdio() } }, { apiKey: KEY, router: { toolTimeout: 0.5 } });
    base = served.base;
  });
  after(() => served?.close());

  it('counts REST tool calls by the status the caller got, each also in the duration histogram', async () => {
    const statuses = {
      ok: { server: 'ks', tool: 'echo', status: '200' },
      invalid: { server: 'ks', tool: 'echo', status: '422' },
      unauthorized: { server: 'ks', tool: 'echo', status: '401' },
      toolError: { server: 'ks', tool: 'fails', status: '500' },
      upstream: { server: 'ks', tool: 'protocol_error', status: '502' },
      timeout: { server: 'ks', tool: 'slow', status: '504' },
      modernOk: { server: 'modern', tool: 'echo', status: '200' },
    };
    const before = await scrape(base);

    expect(await post(base, '/ks/echo', { message: 'one' })).to.equal(200);
    expect(await post(base, '/ks/echo', { message: 'two', repeat: 2 })).to.equal(200);
    expect(await post(base, '/ks/echo', { message: 42 })).to.equal(422);
    expect(await post(base, '/ks/echo', { message: 'no key' }, {})).to.equal(401);
    expect(await post(base, '/ks/fails', {})).to.equal(500);
    expect(await post(base, '/ks/protocol_error', { code: -32603 })).to.equal(502);
    expect(await post(base, '/ks/slow', { ms: 3000 })).to.equal(504);
    expect(await post(base, '/modern/echo', { message: 'modern' })).to.equal(200);

    const after = await scrape(base);
    expect(deltas(before, after, CALLS, statuses)).to.deep.equal({ ok: 2, invalid: 1, unauthorized: 1, toolError: 1, upstream: 1, timeout: 1, modernOk: 1 });
    // The histogram counts every call of a tool, whatever its status.
    expect(
      deltas(before, after, DURATION_COUNT, {
        echo: { server: 'ks', tool: 'echo' },
        fails: { server: 'ks', tool: 'fails' },
        protocolError: { server: 'ks', tool: 'protocol_error' },
        slow: { server: 'ks', tool: 'slow' },
        modernEcho: { server: 'modern', tool: 'echo' },
      }),
    ).to.deep.equal({ echo: 4, fails: 1, protocolError: 1, slow: 1, modernEcho: 1 });
    // The timed-out call waited the timeout: its duration is in the histogram's sum.
    const slowSum = value(after, 'mcpo_tool_call_duration_seconds_sum', { server: 'ks', tool: 'slow' }) - value(before, 'mcpo_tool_call_duration_seconds_sum', { server: 'ks', tool: 'slow' });
    expect(slowSum).to.be.at.least(0.45).and.below(3);
    // Only the documented labels.
    const family = after.find((f) => f.name === CALLS)!;
    expect(family.type).to.equal('COUNTER');
    for (const series of family.metrics) expect(Object.keys(series.labels ?? {}).sort()).to.deep.equal(['server', 'status', 'tool']);
  });

  it('counts a malformed upstream result as 502', async () => {
    const labels = { server: 'ks', tool: 'malformed', status: '502' };
    const before = await scrape(base);
    expect(await post(base, '/ks/malformed', {})).to.equal(502);
    const after = await scrape(base);
    expect(value(after, CALLS, labels) - value(before, CALLS, labels)).to.equal(1);
  });

  it('counts MCP tool calls on /mcp and /<name>/mcp under the server and tool, with the status REST would have given', async () => {
    const series = {
      ksEcho: { server: 'ks', tool: 'echo', status: '200' },
      ksFails: { server: 'ks', tool: 'fails', status: '500' },
      modernEcho: { server: 'modern', tool: 'echo', status: '200' },
      ksUpstream: { server: 'ks', tool: 'protocol_error', status: '502' },
    };
    const before = await scrape(base);
    const aggregate = await connect(`${base}/mcp`);
    try {
      const echoed = await aggregate.callTool({ name: 'ks_echo', arguments: { message: 'via aggregate' } });
      expect(JSON.stringify(echoed.content)).to.include('via aggregate');
      const failed = await aggregate.callTool({ name: 'ks_fails', arguments: {} });
      expect(failed.isError).to.equal(true);
    } finally {
      await aggregate.close();
    }
    const own = await connect(`${base}/modern/mcp`);
    try {
      const echoed = await own.callTool({ name: 'echo', arguments: { message: 'via own endpoint' } });
      expect(JSON.stringify(echoed.content)).to.include('via own endpoint');
    } finally {
      await own.close();
    }
    const sinkOwn = await connect(`${base}/ks/mcp`);
    try {
      let thrown: unknown;
      await sinkOwn.callTool({ name: 'protocol_error', arguments: { code: -32603 } }).catch((err: unknown) => (thrown = err));
      expect(thrown, 'the JSON-RPC error passed on').to.be.instanceOf(Error);
    } finally {
      await sinkOwn.close();
    }
    const after = await scrape(base);
    expect(deltas(before, after, CALLS, series)).to.deep.equal({ ksEcho: 1, ksFails: 1, modernEcho: 1, ksUpstream: 1 });
    expect(deltas(before, after, DURATION_COUNT, { ks: { server: 'ks', tool: 'echo' }, modern: { server: 'modern', tool: 'echo' } })).to.deep.equal({ ks: 1, modern: 1 });
    // The aggregate endpoint's prefixed name is no label value.
    expect(labelValues(after, CALLS, 'tool')).to.not.include('ks_echo');
  });

  it('counts HTTP requests by the kind of route that answered', async () => {
    const route = (r: string, status: string) => ({ route: r, status });
    const series = {
      tool: route('tool', '200'),
      document: route('document', '200'),
      docs: route('docs', '200'),
      mcp: route('mcp', '200'),
      health: route('health', '200'),
      metrics: route('metrics', '200'),
      other: route('other', '404'),
    };
    const before = await scrape(base);
    expect(await post(base, '/ks/echo', { message: 'route' })).to.equal(200);
    expect(await get(base, '/openapi.json')).to.equal(200);
    expect(await get(base, '/ks/openapi.json')).to.equal(200);
    expect(await get(base, '/docs')).to.equal(200);
    const mcp = await modernCall(`${base}/modern/mcp`, 'echo', { message: 'raw' }, auth);
    expect(mcp.status).to.equal(200);
    await mcp.arrayBuffer();
    expect(await get(base, '/healthz', {})).to.equal(200);
    expect(await get(base, '/no-such-route')).to.equal(404);
    const after = await scrape(base);
    // The scrape before counts as one metrics request; the one after is not yet counted in itself.
    expect(deltas(before, after, REQUESTS, series)).to.deep.equal({ tool: 1, document: 2, docs: 1, mcp: 1, health: 1, metrics: 1, other: 1 });
    expect(labelValues(after, REQUESTS, 'route').every((r) => ['tool', 'resource', 'prompt', 'document', 'docs', 'mcp', 'oauth', 'health', 'metrics', 'other'].includes(r))).to.equal(true);
  });

  it('adds no label value anywhere for 1,000 made-up paths', async () => {
    const madeUp = (i: number): Promise<number> =>
      i % 3 === 0 ? get(base, `/nope-${i}`) : i % 3 === 1 ? post(base, `/ks/nope-${i}`, {}) : post(base, `/nope-${i}/x`, {});
    // One of each first, so that their (route, status) series exist before the count starts.
    const warmUp = await Promise.all([0, 1, 2].map(madeUp));
    const before = await scrape(base);
    const seenBefore = allLabelValues(before);
    const answered = new Map<number, number>();
    for (let start = 3; start < 1003; start += 50) {
      const statuses = await Promise.all(Array.from({ length: 50 }, (_, k) => madeUp(start + k)));
      for (const s of statuses) answered.set(s, (answered.get(s) ?? 0) + 1);
    }
    const after = await scrape(base);
    expect([...answered.values()].reduce((a, b) => a + b, 0)).to.equal(1000);
    expect([...answered.keys()].every((s) => s >= 400 && s < 500), `statuses ${[...answered.keys()]}`).to.equal(true);
    expect([...allLabelValues(after)].filter((v) => !seenBefore.has(v))).to.deep.equal([]);
    // They were counted, under the fixed route labels only.
    const counted = ['other', 'tool'].flatMap((r) => labelValues(after, REQUESTS, 'status').map((s) => value(after, REQUESTS, { route: r, status: s }) - value(before, REQUESTS, { route: r, status: s })));
    expect(counted.reduce((a, b) => a + b, 0)).to.equal(1000);
    expect(warmUp).to.have.length(3);
    // No path text anywhere in the exposition.
    const text = await (await fetch(`${base}/metrics`, { headers: auth })).text();
    expect(text).to.not.match(/nope-/);
  });

  it('shows each upstream up, in its protocol era', async () => {
    const families = await scrape(base);
    expect(sample(families, 'mcpo_upstream_up', { server: 'ks' })).to.equal(1);
    expect(sample(families, 'mcpo_upstream_up', { server: 'modern' })).to.equal(1);
    expect(sample(families, 'mcpo_upstream_protocol_era', { server: 'ks', era: 'legacy' })).to.equal(1);
    expect(sample(families, 'mcpo_upstream_protocol_era', { server: 'modern', era: 'modern' })).to.equal(1);
    expect(sample(families, 'mcpo_upstream_protocol_era', { server: 'ks', era: 'modern' })).to.equal(undefined);
    expect(sample(families, 'mcpo_upstream_protocol_era', { server: 'modern', era: 'legacy' })).to.equal(undefined);
    // prom-client's process metrics are there too.
    expect(sample(families, 'process_cpu_seconds_total')).to.be.a('number');
    expect(sample(families, 'nodejs_heap_size_total_bytes')).to.be.a('number');
  });

  it('answers /metrics only with the API key (without strictAuth)', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).to.equal(401);
    expect(await res.text()).to.not.include('mcpo_');
    const wrong = await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer not-the-key' } });
    expect(wrong.status).to.equal(401);
    await wrong.arrayBuffer();
    const right = await fetch(`${base}/metrics`, { headers: auth });
    expect(right.status).to.equal(200);
    expect(await right.text()).to.include('mcpo_tool_calls_total');
  });

  it('shows a killed upstream down, counts its reconnect, and shows it up again', async function () {
    this.timeout(30_000);
    const router = served.app.routers().get('ks')!;
    const pid = router.status().pid;
    expect(pid).to.be.a('number');
    const before = await scrape(base);
    expect(sample(before, 'mcpo_upstream_up', { server: 'ks' })).to.equal(1);
    const reconnectsBefore = value(before, 'mcpo_upstream_reconnects_total', { server: 'ks' });

    process.kill(pid!, 'SIGKILL');
    await waitFor(async () => (sample(await scrape(base), 'mcpo_upstream_up', { server: 'ks' }) === 0 ? true : undefined), 'ks to be shown down', 10_000);
    const back = await waitFor(async () => {
      const families = await scrape(base);
      return sample(families, 'mcpo_upstream_up', { server: 'ks' }) === 1 ? families : undefined;
    }, 'ks to be shown up again', 20_000);
    expect(value(back, 'mcpo_upstream_reconnects_total', { server: 'ks' }) - reconnectsBefore).to.be.at.least(1);
    expect(router.status().pid).to.be.a('number').and.not.equal(pid);
    // The other server never went down, and ks came back in its own era.
    expect(sample(back, 'mcpo_upstream_up', { server: 'modern' })).to.equal(1);
    expect(sample(back, 'mcpo_upstream_protocol_era', { server: 'ks', era: 'legacy' })).to.equal(1);
    expect(value(back, 'mcpo_upstream_reconnects_total', { server: 'modern' })).to.equal(value(before, 'mcpo_upstream_reconnects_total', { server: 'modern' }));
    // And it serves again.
    expect(await post(base, '/ks/echo', { message: 'back' })).to.equal(200);
  });
});

describe('/metrics with named keys, metricsPublic, and reloads', function () {
  this.timeout(60_000);
  const config = (tag: string) => ({ mcpServers: { modern: modernStdio(), other: { ...modernStdio(), env: { MCPO_TEST_TAG: tag } } } });
  let keyed: ServedApp;
  let open: ServedApp;
  let strict: ServedApp;
  before(async () => {
    [keyed, open, strict] = await Promise.all([
      serveApp(config('a'), { auth: { keys: [{ name: 'alpha', key: ALPHA }] } }),
      serveApp(config('a'), { auth: { keys: [{ name: 'alpha', key: ALPHA }] }, metricsPublic: true }),
      serveApp({ mcpServers: { modern: modernStdio() } }, { apiKey: KEY, strictAuth: true }),
    ]);
  });
  after(() => Promise.all([keyed?.close(), open?.close(), strict?.close()]));

  it('needs the API key for /metrics with strictAuth too', async () => {
    const none = await fetch(`${strict.base}/metrics`);
    expect(none.status).to.equal(401);
    expect(await none.text()).to.not.include('mcpo_');
    const withKey = await fetch(`${strict.base}/metrics`, { headers: auth });
    expect(withKey.status).to.equal(200);
    expect(await withKey.text()).to.include('mcpo_upstream_up{server="modern"} 1');
  });

  it('needs a named key for /metrics when callers are verified, and none with metricsPublic', async () => {
    const none = await fetch(`${keyed.base}/metrics`);
    expect(none.status).to.equal(401);
    await none.arrayBuffer();
    const withKey = await fetch(`${keyed.base}/metrics`, { headers: { authorization: `Bearer ${ALPHA}` } });
    expect(withKey.status).to.equal(200);
    expect(await withKey.text()).to.include('mcpo_upstream_up');
    const publicScrape = await fetch(`${open.base}/metrics`);
    expect(publicScrape.status).to.equal(200);
    expect(await publicScrape.text()).to.include('mcpo_upstream_up');
    // metricsPublic opens /metrics, not the tools.
    expect(await post(open.base, '/modern/echo', { message: 'x' }, {})).to.equal(401);
  });

  it('counts a reload applied and a config error rejected', async () => {
    const reloads = (families: MetricFamily[]) => ({
      applied: value(families, 'mcpo_reloads_total', { result: 'applied' }),
      rejected: value(families, 'mcpo_reloads_total', { result: 'rejected' }),
    });
    const before = reloads(await scrape(open.base, {}));
    const result = await open.app.reload(config('b'));
    expect(result.changed).to.deep.equal(['other']);
    expect(result.failed).to.deep.equal([]);
    const afterReload = reloads(await scrape(open.base, {}));
    expect(afterReload).to.deep.equal({ applied: before.applied + 1, rejected: before.rejected });
    open.app.setConfigError(new Error('x'));
    const afterError = reloads(await scrape(open.base, {}));
    expect(afterError).to.deep.equal({ applied: before.applied + 1, rejected: before.rejected + 1 });
    open.app.setConfigError(null);
  });
});
