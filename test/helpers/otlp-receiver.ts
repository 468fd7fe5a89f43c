/**
 * An in-process OTLP/HTTP trace receiver for tests: `POST /v1/traces` with a
 * JSON ExportTraceServiceRequest (what @opentelemetry/exporter-trace-otlp-http
 * sends), answered 200 `{}`. Other content types (protobuf) get 415, other
 * paths 404, other methods 405, unparsable JSON 400. A gzip body
 * (OTEL_EXPORTER_OTLP_COMPRESSION=gzip) is inflated.
 *
 *   const otlp = await startOtlpReceiver();
 *   // child env: OTEL_EXPORTER_OTLP_ENDPOINT=otlp.url, OTEL_BSP_SCHEDULE_DELAY=100
 *   const spans = await otlp.waitForSpans((s) => s.some((x) => x.name === 'tools/call'));
 *
 * The batch span processor waits OTEL_BSP_SCHEDULE_DELAY (5 s by default)
 * before it exports; set it low in the process under test.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { waitFor } from './wait.js';

export type AttributeValue = string | number | boolean;

export interface ReceivedSpan {
  /** Lower-case hex, 32 characters. */
  traceId: string;
  /** Lower-case hex, 16 characters. */
  spanId: string;
  /** Lower-case hex; absent for a root span. */
  parentSpanId?: string;
  name: string;
  attributes: Record<string, AttributeValue>;
  /** The resource's `service.name`. */
  serviceName?: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer (0 or absent: unspecified). */
  kind?: number;
  /** OTLP Status: code 0 unset, 1 ok, 2 error. */
  status?: { code: number; message?: string };
  /** The instrumentation scope that made the span. */
  scopeName?: string;
}

export interface OtlpReceiver {
  /** The base URL, `http://127.0.0.1:PORT`: give it as OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces). */
  url: string;
  /** Every span received so far, in arrival order. */
  spans(): ReceivedSpan[];
  /** Resolves with every span received once `predicate` holds for them; rejects after `timeoutMs` (10 s by default). */
  waitForSpans(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

interface OtlpAnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number | string;
  boolValue?: boolean;
  bytesValue?: string;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
}
interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}
interface OtlpSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  kind?: number;
  attributes?: OtlpKeyValue[];
  status?: { code?: number; message?: string };
}
interface OtlpTraceRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: Array<{ scope?: { name?: string }; spans?: OtlpSpan[] }>;
  }>;
}

/**
 * An id as lower-case hex. The OTLP JSON encoding gives hex, but a base64 id
 * (the protobuf-JSON default some exporters use) is decoded: `bytes` is the
 * id's length (16 for a trace, 8 for a span).
 */
export function otlpId(value: string | undefined, bytes: 16 | 8): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.length === bytes * 2 && /^[0-9a-f]+$/i.test(value)) return value.toLowerCase();
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) {
    const decoded = Buffer.from(value, 'base64');
    if (decoded.length === bytes) return decoded.toString('hex');
  }
  return value;
}

function anyValue(value: OtlpAnyValue | undefined): AttributeValue | undefined {
  if (value === undefined) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return Number(value.doubleValue);
  if (value.bytesValue !== undefined) return value.bytesValue;
  // Arrays and maps are rare in span attributes; flattened to JSON so a test can still compare them.
  if (value.arrayValue !== undefined) return JSON.stringify((value.arrayValue.values ?? []).map(anyValue));
  if (value.kvlistValue !== undefined) return JSON.stringify(attributes(value.kvlistValue.values));
  return undefined;
}

function attributes(list: OtlpKeyValue[] | undefined): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const { key, value } of list ?? []) {
    const v = anyValue(value);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** The spans of one ExportTraceServiceRequest. */
export function parseOtlpTraces(body: OtlpTraceRequest): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of body.resourceSpans ?? []) {
    const serviceName = attributes(rs.resource?.attributes)['service.name'];
    for (const ss of rs.scopeSpans ?? []) {
      for (const span of ss.spans ?? []) {
        const parentSpanId = otlpId(span.parentSpanId, 8);
        out.push({
          traceId: otlpId(span.traceId, 16) ?? '',
          spanId: otlpId(span.spanId, 8) ?? '',
          ...(parentSpanId !== undefined ? { parentSpanId } : {}),
          name: span.name ?? '',
          attributes: attributes(span.attributes),
          ...(serviceName !== undefined ? { serviceName: String(serviceName) } : {}),
          ...(span.kind !== undefined ? { kind: span.kind } : {}),
          ...(span.status !== undefined
            ? { status: { code: span.status.code ?? 0, ...(span.status.message ? { message: span.status.message } : {}) } }
            : {}),
          ...(ss.scope?.name !== undefined ? { scopeName: ss.scope.name } : {}),
        });
      }
    }
  }
  return out;
}

function answer(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const received: ReceivedSpan[] = [];

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (path !== '/v1/traces') return answer(res, 404, { message: 'not found' });
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return answer(res, 405, { message: 'POST only' });
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      req.resume();
      return answer(res, 415, { message: `unsupported content type ${type || '(none)'}; this receiver takes OTLP JSON` });
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        let raw = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
        received.push(...parseOtlpTraces(JSON.parse(raw.toString('utf8')) as OtlpTraceRequest));
      } catch (err) {
        return answer(res, 400, { message: err instanceof Error ? err.message : String(err) });
      }
      answer(res, 200, {});
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    spans: () => [...received],
    waitForSpans: (predicate, timeoutMs = 10_000) =>
      waitFor(async () => (predicate([...received]) ? [...received] : undefined), 'the expected spans', timeoutMs).catch((err: Error) => {
        throw new Error(`${err.message}; received ${received.length}: ${received.map((s) => s.name).join(', ') || '(none)'}`);
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // An exporter keeps its connection alive; close() would wait for it.
        server.closeAllConnections();
      }),
  };
}
