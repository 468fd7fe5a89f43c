/**
 * Traces end to end: the real `mcpo` command with the OpenTelemetry SDK on
 * (OTEL_EXPORTER_OTLP_ENDPOINT set, bin/tracing.ts) exporting to an
 * in-process OTLP receiver, in front of both eras over stdio and over
 * Streamable HTTP. A caller's `traceparent` makes mcpo's span its child,
 * the span's context reaches the server (HTTP headers to a remote server,
 * `_meta` on a 2026-07-28 connection), and the access log names the trace.
 * Last, the library without any SDK still passes a trace context upstream.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startMcpo, untilConnected, type McpoProcess } from '../helpers/mcpo.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { kitchenSinkStdio, modernStdio, startKitchenSink, startModernHttp, type RunningServer } from '../helpers/servers.js';
import { serveApp } from '../helpers/app-server.js';
import { waitFor } from '../helpers/wait.js';

const KEY = 'traces-test-key-2468';
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const STATE = 'vendor=opaque,other=1';

/** A caller span id of its own for each call, so each call's span is found by its parent. */
let nextSpan = 0x1000;
const callerSpan = (): string => (nextSpan++).toString(16).padStart(16, 'a');
const traceparent = (spanId: string, traceId = TRACE): string => `00-${traceId}-${spanId}-01`;

interface Seen {
  header: { traceparent: string | null; tracestate: string | null } | null;
  meta: { traceparent: string | null; tracestate: string | null } | null;
}

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

async function post(base: string, route: string, body: unknown, headers: Record<string, string>, key: string | null = KEY): Promise<Answer> {
  const res = await fetch(`${base}/${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** What trace_echo saw, from a REST answer (its structured result). */
function seenOf(body: any): Seen {
  const result = body?.result;
  const seen = (typeof result === 'string' ? JSON.parse(result) : result) as Seen;
  expect(seen, JSON.stringify(body)).to.have.keys('header', 'meta');
  return seen;
}

/** `00-<trace>-<span>-<flags>` split up. */
function parts(tp: string | null | undefined): { traceId: string; spanId: string; flags: string } {
  expect(tp, 'a traceparent').to.be.a('string');
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(tp!);
  expect(m, `a valid traceparent: ${tp}`).to.not.equal(null);
  return { traceId: m![1]!, spanId: m![2]!, flags: m![3]! };
}

describe('traces from the mcpo command', function () {
  this.timeout(30_000);
  let otlp: OtlpReceiver;
  let sinkHttp: RunningServer;
  let modernHttp: RunningServer;
  let dir: string;
  let mcpo: McpoProcess;
  let base: string;

  const servers = ['sinkstdio', 'sinkhttp', 'modernstdio', 'modernhttp'] as const;
  const overHttp = new Set(['sinkhttp', 'modernhttp']);
  const modern = new Set(['modernstdio', 'modernhttp']);

  const spanFor = (pred: (s: ReceivedSpan) => boolean, what: string): Promise<ReceivedSpan> =>
    waitFor(async () => otlp.spans().find(pred), what, 10_000).catch((err: Error) => {
      throw new Error(`${err.message}; received: ${otlp.spans().map((s) => `${s.name} ${s.traceId}/${s.parentSpanId ?? '-'}`).join(', ') || '(none)'}`);
    });

  before(async function () {
    this.timeout(40_000);
    [otlp, sinkHttp, modernHttp] = await Promise.all([startOtlpReceiver(), startKitchenSink('http'), startModernHttp()]);
    dir = mkdtempSync(path.join(os.tmpdir(), 'mcpo-traces-'));
    const config = path.join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        mcpServers: {
          sinkstdio: kitchenSinkStdio(),
          sinkhttp: { type: 'streamable-http', url: sinkHttp.url },
          modernstdio: modernStdio(),
          modernhttp: { type: 'streamable-http', url: modernHttp.url },
        },
      }),
    );
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    delete env.OTEL_SERVICE_NAME;
    delete env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
    delete env.OTEL_TRACES_SAMPLER;
    mcpo = await startMcpo(['--config', config, '--port', '0', '--api-key', KEY], env);
    base = mcpo.url;
    await untilConnected(base, [...servers]);
  });

  after(async function () {
    this.timeout(20_000);
    await mcpo?.stop('SIGTERM');
    await Promise.all([sinkHttp?.close(), modernHttp?.close(), otlp?.close()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const server of servers) {
    it(`${server}: a span per REST call, the caller's child, and its context reaches the server`, async () => {
      const parent = callerSpan();
      const answer = await post(base, `${server}/trace_echo`, {}, { traceparent: traceparent(parent), tracestate: STATE });
      expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
      const seen = seenOf(answer.body);

      const span = await spanFor((s) => s.parentSpanId === parent, `the span of ${server}/trace_echo`);
      expect(span.name).to.equal(`mcpo ${server}/trace_echo`);
      expect(span.traceId).to.equal(TRACE);
      expect(span.spanId).to.match(/^[0-9a-f]{16}$/).and.not.equal(parent);
      expect(span.serviceName).to.equal('mcpo');
      expect(span.attributes).to.include({
        'mcpo.server': server,
        'mcpo.tool': 'trace_echo',
        'mcpo.transport': 'rest',
        'mcp.method.name': 'tools/call',
        'http.response.status_code': 200,
        'enduser.id': 'default',
      });
      // Never arguments, results or credentials.
      expect(JSON.stringify(span.attributes)).not.to.include(KEY);

      // What the server received: mcpo's span as the parent, the caller's trace and tracestate.
      const expected = `00-${TRACE}-${span.spanId}-01`;
      if (overHttp.has(server)) {
        expect(seen.header?.traceparent, 'the traceparent header').to.equal(expected);
        expect(seen.header?.tracestate, 'the tracestate header').to.equal(STATE);
      } else {
        expect(seen.header?.traceparent ?? null, 'no HTTP headers over stdio').to.equal(null);
      }
      if (modern.has(server)) {
        expect(seen.meta?.traceparent, '_meta.traceparent').to.equal(expected);
        expect(seen.meta?.tracestate, '_meta.tracestate').to.equal(STATE);
      } else {
        expect(seen.meta?.traceparent ?? null, 'no _meta.traceparent on a 2025-era connection').to.equal(null);
      }
    });
  }

  it('starts a trace for a call without a traceparent, and still passes it upstream', async () => {
    const answer = await post(base, 'modernhttp/trace_echo', {}, {});
    expect(answer.status).to.equal(200);
    const seen = seenOf(answer.body);
    const fromHeader = parts(seen.header?.traceparent);
    expect(fromHeader.traceId).not.to.equal(TRACE);
    expect(seen.meta?.traceparent).to.equal(seen.header?.traceparent);
    const span = await spanFor((s) => s.traceId === fromHeader.traceId, 'the span of the new trace');
    expect(span.name).to.equal('mcpo modernhttp/trace_echo');
    expect(span.parentSpanId, 'a root span').to.equal(undefined);
    expect(span.spanId).to.equal(fromHeader.spanId);
    expect(span.attributes['http.response.status_code']).to.equal(200);
  });

  it('gives refused calls spans too: 401 without a key, 422 for bad arguments', async () => {
    const unauthorized = callerSpan();
    const refused = await post(base, 'modernstdio/trace_echo', {}, { traceparent: traceparent(unauthorized) }, null);
    expect(refused.status).to.equal(401);
    const invalid = callerSpan();
    const bad = await post(base, 'modernstdio/echo', { message: 42 }, { traceparent: traceparent(invalid) });
    expect(bad.status, JSON.stringify(bad.body)).to.equal(422);

    const s401 = await spanFor((s) => s.parentSpanId === unauthorized, 'the 401 span');
    expect(s401.name).to.equal('mcpo modernstdio/trace_echo');
    expect(s401.traceId).to.equal(TRACE);
    expect(s401.attributes).to.include({ 'http.response.status_code': 401, 'mcpo.server': 'modernstdio', 'mcpo.transport': 'rest' });
    expect(s401.attributes, 'no caller for an unauthenticated call').not.to.have.property('enduser.id');
    const s422 = await spanFor((s) => s.parentSpanId === invalid, 'the 422 span');
    expect(s422.name).to.equal('mcpo modernstdio/echo');
    expect(s422.attributes).to.include({ 'http.response.status_code': 422, 'mcpo.tool': 'echo', 'enduser.id': 'default' });
    // A 4xx is the caller's mistake, not an error of mcpo's.
    expect(s401.status?.code ?? 0).to.not.equal(2);
    expect(s422.status?.code ?? 0).to.not.equal(2);
  });

  it('makes a tools/call on /<name>/mcp a tool span under the endpoint span, in the caller\'s trace', async () => {
    const parent = callerSpan();
    const client = new Client({ name: 'traces-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${base}/modernhttp/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${KEY}`, traceparent: traceparent(parent) } },
      }),
    );
    let seen: Seen;
    try {
      const result = await client.callTool({ name: 'trace_echo', arguments: {} });
      seen = result.structuredContent as unknown as Seen;
    } finally {
      await client.close();
    }
    const tool = await spanFor(
      (s) => s.name === 'mcpo modernhttp/trace_echo' && s.attributes['mcpo.transport'] === 'mcp' && s.traceId === TRACE,
      'the MCP tool span',
    );
    expect(tool.attributes).to.include({
      'mcpo.server': 'modernhttp',
      'mcpo.tool': 'trace_echo',
      'mcpo.era': 'modern',
      'mcp.method.name': 'tools/call',
      'http.response.status_code': 200,
      'enduser.id': 'default',
    });
    // Its parent is the span of the POST that carried it, itself the caller's child.
    const endpoint = await spanFor((s) => s.spanId === tool.parentSpanId, 'the endpoint span');
    expect(endpoint.name).to.equal('mcpo modernhttp mcp');
    expect(endpoint.parentSpanId).to.equal(parent);
    expect(endpoint.attributes).to.include({ 'mcpo.server': 'modernhttp', 'mcpo.transport': 'mcp' });
    // The server got the tool span as its parent.
    expect(seen.header?.traceparent).to.equal(`00-${TRACE}-${tool.spanId}-01`);
    expect(seen.meta?.traceparent).to.equal(`00-${TRACE}-${tool.spanId}-01`);
  });

  // docs/operations.md lists `mcpo.era` among a tool-call span's attributes, but the REST span
  // (lib/telemetry/observe.ts, startSpan) never sets it: only the MCP endpoint's spans carry it.
  it('names the era on a REST tool-call span (mcpo.era: legacy or modern)', async () => {
    for (const [server, era] of [['sinkstdio', 'legacy'], ['modernstdio', 'modern']] as const) {
      const parent = callerSpan();
      expect((await post(base, `${server}/trace_echo`, {}, { traceparent: traceparent(parent) })).status).to.equal(200);
      const span = await spanFor((s) => s.parentSpanId === parent, `the span of ${server}/trace_echo`);
      expect(span.attributes['mcpo.era'], server).to.equal(era);
    }
  });

  it("puts the caller's trace id in the access log line", async () => {
    const answer = await post(base, 'sinkstdio/trace_echo', {}, { traceparent: traceparent(callerSpan()) });
    expect(answer.status).to.equal(200);
    const requestId = answer.headers.get('x-request-id');
    const line = await waitFor(
      async () => mcpo.stderr().split('\n').find((l) => l.includes('POST /sinkstdio/trace_echo 200') && requestId !== null && l.includes(requestId)),
      'the access log line',
    );
    expect(line).to.match(/^mcpo info: /);
    expect(line).to.include(`"traceId":"${TRACE}"`);
    expect(line).to.include('"caller":"default"');
    expect(line).not.to.include(KEY);
  });

  describe('in the library, without any OpenTelemetry SDK', () => {
    it('still passes a trace context upstream: the caller\'s trace id, a fresh parent span id', async () => {
      const served = await serveApp({ mcpServers: { modern: { type: 'streamable-http', url: modernHttp.url } } });
      try {
        const parent = callerSpan();
        const answer = await post(served.base, 'modern/trace_echo', {}, { traceparent: traceparent(parent), tracestate: STATE }, null);
        expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
        const seen = seenOf(answer.body);
        const header = parts(seen.header?.traceparent);
        expect(header.traceId).to.equal(TRACE);
        expect(header.spanId).to.not.equal(parent);
        expect(header.spanId).to.not.equal('0'.repeat(16));
        expect(header.flags).to.equal('01');
        expect(seen.header?.tracestate).to.equal(STATE);
        expect(seen.meta?.traceparent).to.equal(seen.header?.traceparent);

        // Two calls get two span ids; a call without a traceparent gets a trace of its own.
        const again = seenOf((await post(served.base, 'modern/trace_echo', {}, { traceparent: traceparent(parent) }, null)).body);
        expect(parts(again.header?.traceparent).spanId).to.not.equal(header.spanId);
        const fresh = seenOf((await post(served.base, 'modern/trace_echo', {}, {}, null)).body);
        const own = parts(fresh.header?.traceparent);
        expect(own.traceId).to.not.equal(TRACE);
        expect(own.traceId).to.not.equal('0'.repeat(32));
      } finally {
        await served.close();
      }
    });
  });
});
