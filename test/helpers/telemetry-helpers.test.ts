/**
 * The telemetry test helpers themselves: the OTLP receiver parses what an
 * OTLP/HTTP JSON exporter posts, and the Prometheus helpers read counters,
 * gauges and labelled histograms out of an exposition.
 */
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver.js';
import { labelValues, parseMetrics, sample } from './prometheus.js';

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const ROOT_ID = 'eee19b7ec3c1b174';
const CHILD_ID = 'eee19b7ec3c1b173';

/** An ExportTraceServiceRequest as @opentelemetry/exporter-trace-otlp-http sends it (hex ids, string int64s). */
const EXPORT = {
  resourceSpans: [
    {
      resource: {
        attributes: [
          { key: 'service.name', value: { stringValue: 'mcpo' } },
          { key: 'service.version', value: { stringValue: '0.1.0' } },
        ],
      },
      scopeSpans: [
        {
          scope: { name: 'mcpo', version: '0.1.0' },
          spans: [
            {
              traceId: TRACE_ID,
              spanId: ROOT_ID,
              name: 'POST /echo',
              kind: 2,
              startTimeUnixNano: '1700000000000000000',
              endTimeUnixNano: '1700000000100000000',
              attributes: [
                { key: 'http.request.method', value: { stringValue: 'POST' } },
                { key: 'http.response.status_code', value: { intValue: '200' } },
              ],
              status: { code: 0 },
            },
            {
              traceId: TRACE_ID,
              spanId: CHILD_ID,
              parentSpanId: ROOT_ID,
              name: 'tools/call echo',
              kind: 3,
              attributes: [
                { key: 'mcp.method.name', value: { stringValue: 'tools/call' } },
                { key: 'mcp.retry', value: { boolValue: false } },
                { key: 'rpc.attempt', value: { intValue: 1 } },
                { key: 'elapsed', value: { doubleValue: 1.5 } },
              ],
              status: { code: 2, message: 'upstream failed' },
            },
          ],
        },
      ],
    },
    {
      // Base64 ids, as a protobuf-JSON encoder would write them; and a resource without service.name.
      resource: { attributes: [] },
      scopeSpans: [
        {
          spans: [
            {
              traceId: Buffer.from(TRACE_ID, 'hex').toString('base64'),
              spanId: Buffer.from('0102030405060708', 'hex').toString('base64'),
              parentSpanId: '',
              name: 'base64 ids',
            },
          ],
        },
      ],
    },
  ],
};

describe('test helper: OTLP receiver', () => {
  let otlp: OtlpReceiver;
  beforeEach(async () => {
    otlp = await startOtlpReceiver();
  });
  afterEach(() => otlp.close());

  const post = (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(`${otlp.url}/v1/traces`, { method: 'POST', headers, body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body) });

  it('is a base URL on 127.0.0.1', () => {
    expect(otlp.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers 200 {} and parses spans, ids, parents, attributes and the service name', async () => {
    const res = await post(EXPORT);
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal({});

    const spans = otlp.spans();
    expect(spans.map((s) => s.name)).to.deep.equal(['POST /echo', 'tools/call echo', 'base64 ids']);
    const [root, child, b64] = spans;
    expect(root).to.deep.include({ traceId: TRACE_ID, spanId: ROOT_ID, serviceName: 'mcpo', kind: 2, scopeName: 'mcpo' });
    expect(root!.parentSpanId).to.equal(undefined);
    expect(root!.attributes).to.deep.equal({ 'http.request.method': 'POST', 'http.response.status_code': 200 });
    expect(child).to.deep.include({ traceId: TRACE_ID, spanId: CHILD_ID, parentSpanId: ROOT_ID, status: { code: 2, message: 'upstream failed' } });
    expect(child!.attributes).to.deep.equal({ 'mcp.method.name': 'tools/call', 'mcp.retry': false, 'rpc.attempt': 1, elapsed: 1.5 });
    expect(b64).to.deep.include({ traceId: TRACE_ID, spanId: '0102030405060708' });
    expect(b64!.parentSpanId).to.equal(undefined);
    expect(b64!.serviceName).to.equal(undefined);
  });

  it('takes a charset parameter and a gzip body', async () => {
    const res = await post(gzipSync(JSON.stringify(EXPORT)), { 'content-type': 'application/json; charset=utf-8', 'content-encoding': 'gzip' });
    expect(res.status).to.equal(200);
    expect(otlp.spans()).to.have.length(3);
  });

  it('refuses protobuf with 415, bad JSON with 400, other paths with 404', async () => {
    expect((await post(new Uint8Array([1, 2, 3]), { 'content-type': 'application/x-protobuf' })).status).to.equal(415);
    expect((await post('{not json')).status).to.equal(400);
    expect((await fetch(`${otlp.url}/v1/metrics`, { method: 'POST', body: '{}' })).status).to.equal(404);
    expect(otlp.spans()).to.deep.equal([]);
  });

  it('waits for spans that arrive later, and times out with what it got', async () => {
    const waiting = otlp.waitForSpans((spans) => spans.some((s) => s.name === 'tools/call echo'), 3000);
    setTimeout(() => void post(EXPORT), 100);
    const spans = await waiting;
    expect(spans.find((s) => s.name === 'tools/call echo')?.parentSpanId).to.equal(ROOT_ID);

    const err = await otlp.waitForSpans((spans) => spans.length > 10, 200).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.match(/timed out.*received 3: POST \/echo, tools\/call echo, base64 ids/);
  });
});

const EXPOSITION = `# HELP mcpo_tool_calls_total Tool calls.
# TYPE mcpo_tool_calls_total counter
mcpo_tool_calls_total{server="ks",tool="echo",outcome="ok"} 3
mcpo_tool_calls_total{server="ks",tool="echo",outcome="error"} 1
mcpo_tool_calls_total{server="modern",tool="slow",outcome="ok"} 2

# HELP mcpo_upstreams_connected Connected upstream servers.
# TYPE mcpo_upstreams_connected gauge
mcpo_upstreams_connected 2

# HELP mcpo_tool_duration_seconds Tool call duration.
# TYPE mcpo_tool_duration_seconds histogram
mcpo_tool_duration_seconds_bucket{le="0.1",server="ks",tool="echo"} 2
mcpo_tool_duration_seconds_bucket{le="1",server="ks",tool="echo"} 4
mcpo_tool_duration_seconds_bucket{le="+Inf",server="ks",tool="echo"} 4
mcpo_tool_duration_seconds_sum{server="ks",tool="echo"} 0.75
mcpo_tool_duration_seconds_count{server="ks",tool="echo"} 4
mcpo_tool_duration_seconds_bucket{le="0.1",server="modern",tool="slow"} 0
mcpo_tool_duration_seconds_bucket{le="1",server="modern",tool="slow"} 1
mcpo_tool_duration_seconds_bucket{le="+Inf",server="modern",tool="slow"} 2
mcpo_tool_duration_seconds_sum{server="modern",tool="slow"} 3.5
mcpo_tool_duration_seconds_count{server="modern",tool="slow"} 2

# HELP process_start_time_seconds Start time of the process.
# TYPE process_start_time_seconds gauge
process_start_time_seconds 1700000000`; // no final newline on purpose

describe('test helper: Prometheus exposition', () => {
  const families = parseMetrics(EXPOSITION);

  it('lists every family with its type', () => {
    expect(families.map((f) => [f.name, f.type])).to.deep.equal([
      ['mcpo_tool_calls_total', 'COUNTER'],
      ['mcpo_upstreams_connected', 'GAUGE'],
      ['mcpo_tool_duration_seconds', 'HISTOGRAM'],
      ['process_start_time_seconds', 'GAUGE'],
    ]);
    expect(families.find((f) => f.name === 'mcpo_tool_duration_seconds')?.help).to.equal('Tool call duration.');
  });

  it('reads a counter by a subset of its labels', () => {
    expect(sample(families, 'mcpo_tool_calls_total', { tool: 'echo', outcome: 'error' })).to.equal(1);
    expect(sample(families, 'mcpo_tool_calls_total', { server: 'modern' })).to.equal(2);
    expect(sample(families, 'mcpo_tool_calls_total', { tool: 'nope' })).to.equal(undefined);
    expect(sample(families, 'no_such_metric')).to.equal(undefined);
  });

  it('reads gauges, including the last line of a text without a final newline', () => {
    expect(sample(families, 'mcpo_upstreams_connected')).to.equal(2);
    expect(sample(families, 'process_start_time_seconds')).to.equal(1700000000);
  });

  it('reads a labelled histogram: _count, _sum and _bucket per series', () => {
    expect(sample(families, 'mcpo_tool_duration_seconds_count', { tool: 'echo' })).to.equal(4);
    expect(sample(families, 'mcpo_tool_duration_seconds_sum', { tool: 'echo' })).to.equal(0.75);
    expect(sample(families, 'mcpo_tool_duration_seconds_count', { tool: 'slow' })).to.equal(2);
    expect(sample(families, 'mcpo_tool_duration_seconds_sum', { server: 'modern' })).to.equal(3.5);
    expect(sample(families, 'mcpo_tool_duration_seconds_bucket', { tool: 'echo', le: '0.1' })).to.equal(2);
    expect(sample(families, 'mcpo_tool_duration_seconds_bucket', { tool: 'slow', le: '1.0' })).to.equal(1);
    expect(sample(families, 'mcpo_tool_duration_seconds_bucket', { tool: 'slow', le: '+Inf' })).to.equal(2);
    expect(sample(families, 'mcpo_tool_duration_seconds_bucket', { tool: 'slow', le: '0.5' })).to.equal(undefined);
    expect(sample(families, 'mcpo_tool_duration_seconds_count', { tool: 'nope' })).to.equal(undefined);
    expect(() => sample(families, 'mcpo_tool_duration_seconds_bucket', { tool: 'echo' })).to.throw(/le/);
  });

  it('lists the distinct values of a label', () => {
    expect(labelValues(families, 'mcpo_tool_calls_total', 'tool')).to.deep.equal(['echo', 'slow']);
    expect(labelValues(families, 'mcpo_tool_calls_total', 'outcome')).to.deep.equal(['ok', 'error']);
    expect(labelValues(families, 'mcpo_tool_duration_seconds', 'server')).to.deep.equal(['ks', 'modern']);
    expect(labelValues(families, 'mcpo_tool_duration_seconds_bucket', 'le')).to.deep.equal(['0.1', '1', '+Inf']);
    expect(labelValues(families, 'mcpo_upstreams_connected', 'server')).to.deep.equal([]);
    expect(labelValues(families, 'no_such_metric', 'tool')).to.deep.equal([]);
  });
});
