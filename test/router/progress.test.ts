/**
 * Progress as Server-Sent Events: server-everything's long-running tool
 * (a progress notification per step) behind mcpoRouter over stdio, read by a
 * real SSE parser; the timeout restarted by progress and bounded by
 * maxTotalTimeout; the same from the 2026-07-28 fixture over stdio and
 * Streamable HTTP (where progress arrives on the request's own response
 * stream); and, with the kitchen-sink fixture (which counts cancellations),
 * a caller hanging up on a stream.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import { createParser } from 'eventsource-parser';
import request from 'supertest';
import { mcpoRouter, silentLogger, type McpoRouter, type RouterOptions, type ServerSpec } from '../../lib/index.js';
import { pathOf, type Doc } from '../helpers/openapi.js';
import { everythingStdio, kitchenSinkStdio, modernStdio, startModernHttp, type RunningServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

const LONG = 'trigger-long-running-operation';

interface Received {
  event: string;
  data: unknown;
  /** ms since the request was sent. */
  at: number;
}

interface Streamed {
  status: number;
  headers: http.IncomingHttpHeaders;
  events: Received[];
  /** The raw body, comments included. */
  raw: string;
}

/** A served app on a real socket, so the events can be read as they arrive. */
interface Served {
  app: express.Express;
  router: McpoRouter;
  doc: Doc;
  port: number;
  close(): Promise<void>;
}

async function serve(spec: ServerSpec, options: RouterOptions = {}): Promise<Served> {
  const router = mcpoRouter(spec, { logger: silentLogger, ...options });
  const app = express().use('/s', router);
  await router.ready();
  const doc = (await request(app).get('/s/openapi.json').expect(200)).body as Doc;
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    app,
    router,
    doc,
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await router.close();
    },
  };
}

/** POSTs with `Accept: text/event-stream` and parses the answer with eventsource-parser as it arrives. */
function stream(served: Served, tool: string, body: unknown, headers: Record<string, string> = {}): Promise<Streamed> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: served.port,
        method: 'POST',
        path: `/s${pathOf(served.doc, tool)}`,
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
      },
      (res) => {
        const events: Received[] = [];
        let raw = '';
        const parser = createParser({
          onEvent: (e) => events.push({ event: e.event ?? 'message', data: JSON.parse(e.data) as unknown, at: Date.now() - started }),
        });
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          raw += chunk;
          parser.feed(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, events, raw }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('progress as Server-Sent Events (server-everything over stdio)', function () {
  this.timeout(30_000);
  let everything: Served;

  before(async () => {
    everything = await serve(everythingStdio());
  });
  after(async () => {
    await everything?.close();
  });

  it('streams progress events as they arrive, then a result event equal to the JSON answer, then ends', async () => {
    const args = { duration: 1.2, steps: 4 };
    const answer = await stream(everything, LONG, args);
    expect(answer.status).to.equal(200);
    expect(answer.headers['content-type']).to.match(/^text\/event-stream/);
    expect(answer.headers['cache-control']).to.equal('no-cache');
    expect(answer.headers['x-accel-buffering']).to.equal('no');
    const result = answer.events.at(-1)!;
    const progress = answer.events.slice(0, -1);
    expect(result.event).to.equal('result');
    // The SDK drops a progress notification read in the same chunk as the result (it forgets the token first), so the last step may be missing.
    expect(progress.length).to.be.within(3, 4);
    expect(progress.map((e) => e.event)).to.deep.equal(progress.map(() => 'progress'));
    expect(progress.map((e) => e.data)).to.deep.equal([1, 2, 3, 4].slice(0, progress.length).map((step) => ({ progress: step, total: 4 })));
    // Streamed, not buffered: the first step was read well before the result.
    expect(progress[0]!.at).to.be.below(result.at - 500);
    const json = await request(everything.app).post(`/s${pathOf(everything.doc, LONG)}`).send(args).expect(200);
    expect(result.data).to.deep.equal(json.body);
  });

  it('answers plain JSON without Accept: text/event-stream, and when JSON is preferred', async () => {
    for (const accept of [undefined, '*/*', 'application/json', 'application/json, text/event-stream;q=0.5']) {
      const req = request(everything.app).post(`/s${pathOf(everything.doc, LONG)}`);
      if (accept !== undefined) void req.set('Accept', accept);
      const res = await req.send({ duration: 0.2, steps: 2 }).expect(200);
      expect(res.headers['content-type'], String(accept)).to.match(/^application\/json/);
      expect(res.body).to.deep.equal({ ok: true, result: 'Long running operation completed. Duration: 0.2 seconds, Steps: 2.' });
    }
  });

  it('ends the stream with an error event when the tool outlives the timeout', async () => {
    const answer = await stream(everything, LONG, { duration: 3, steps: 1 }, { 'x-tool-timeout': '0.4' });
    expect(answer.status).to.equal(200);
    expect(answer.events).to.have.length(1);
    expect(answer.events[0]!.event).to.equal('error');
    expect(answer.events[0]!.data).to.deep.include({ ok: false });
    expect((answer.events[0]!.data as { error: { code: string } }).error.code).to.equal('timeout');
  });

  it('lets progress restart the timeout, so a call longer than it succeeds', async () => {
    const path = `/s${pathOf(everything.doc, LONG)}`;
    // 1.6 s in steps of 0.2 s against a 0.6 s timeout; without progress the same call times out.
    const res = await request(everything.app).post(path).set('X-Tool-Timeout', '0.6').send({ duration: 1.6, steps: 8 }).expect(200);
    expect(res.body.ok).to.equal(true);
    await request(everything.app).post(path).set('X-Tool-Timeout', '0.6').send({ duration: 1.6, steps: 1 }).expect(504);
  });

  it('still answers errors found before the call as JSON with their status', async () => {
    const bad = await request(everything.app)
      .post(`/s${pathOf(everything.doc, LONG)}`)
      .set('Accept', 'text/event-stream')
      .send({ duration: 'long' })
      .expect(422);
    expect(bad.body.error.code).to.equal('invalid_arguments');
    await request(everything.app).post('/s/no-such-tool').set('Accept', 'text/event-stream').send({}).expect(404);
    const timeout = await request(everything.app).post(`/s${pathOf(everything.doc, LONG)}`).set('Accept', 'text/event-stream').set('X-Tool-Timeout', 'x').send({}).expect(400);
    expect(timeout.body.error.code).to.equal('bad_timeout');
  });

  it('documents the event stream as a text/event-stream 200 response', () => {
    const op = everything.doc.paths[pathOf(everything.doc, LONG)]!.post as unknown as { responses: Record<string, { content: Record<string, { schema: { description: string } }> }> };
    expect(op.responses['200']!.content).to.have.keys('application/json', 'text/event-stream');
    expect(op.responses['200']!.content['text/event-stream']!.schema.description).to.match(/event: progress.*event: result.*event: error/s);
  });
});

describe('maxTotalTimeout (server-everything over stdio)', function () {
  this.timeout(30_000);
  let capped: Served;

  before(async () => {
    capped = await serve(everythingStdio(), { toolTimeout: 0.5, maxTotalTimeout: 1 });
  });
  after(async () => {
    await capped?.close();
  });

  it('answers 504 when a call that keeps reporting progress outlives maxTotalTimeout', async () => {
    const started = Date.now();
    const res = await request(capped.app).post(`/s${pathOf(capped.doc, LONG)}`).send({ duration: 4, steps: 16 }).expect(504);
    expect(Date.now() - started).to.be.within(900, 2000);
    expect(res.body.error.code).to.equal('timeout');
    expect(res.body.error.message).to.match(/did not finish within 1000 ms/);
  });

  it('ends the stream with an error event when it outlives maxTotalTimeout', async () => {
    const answer = await stream(capped, LONG, { duration: 4, steps: 16 });
    const last = answer.events.at(-1)!;
    expect(answer.events.filter((e) => e.event === 'progress').length).to.be.at.least(2);
    expect(last.event).to.equal('error');
    expect((last.data as { error: { code: string } }).error.code).to.equal('timeout');
    expect(last.at).to.be.below(2000);
  });
});

describe('a caller hanging up on an event stream (kitchen-sink over stdio)', function () {
  this.timeout(30_000);
  let sink: Served;
  const cancellations = async (): Promise<number> => {
    const res = await request(sink.app).post(`/s${pathOf(sink.doc, 'cancellations')}`).send({});
    return (res.body as { result: { cancelled: number } }).result.cancelled;
  };

  before(async () => {
    sink = await serve(kitchenSinkStdio());
  });
  after(async () => {
    await sink?.close();
  });

  it('cancels the call upstream', async () => {
    const before = await cancellations();
    const req = http.request({
      host: '127.0.0.1',
      port: sink.port,
      method: 'POST',
      path: `/s${pathOf(sink.doc, 'slow')}`,
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    });
    req.on('error', () => {});
    const opened = new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
    req.end(JSON.stringify({ ms: 10_000 }));
    // The stream is open (200, event-stream) before the tool answers.
    expect((await opened).headers['content-type']).to.match(/^text\/event-stream/);
    req.destroy();
    await waitFor(async () => ((await cancellations()) > before ? true : undefined), 'the upstream cancellation');
  });
});

for (const transport of ['stdio', 'streamable-http'] as const) {
  describe(`progress from the 2026-07-28 fixture over ${transport}`, function () {
    this.timeout(30_000);
    let server: RunningServer | undefined;
    let modern: Served;

    before(async () => {
      if (transport === 'streamable-http') server = await startModernHttp();
      modern = await serve(server ? { type: 'streamable-http', url: server.url } : modernStdio());
    });
    after(async () => {
      await modern?.close();
      await server?.close();
    });

    it('sends a progress token with every call, so a plain JSON call is one the server can report on', async () => {
      const res = await request(modern.app).post(`/s${pathOf(modern.doc, 'count_up')}`).send({ steps: 2, ms: 10 }).expect(200);
      expect(res.body).to.deep.equal({ ok: true, result: 'counted to 2' });
    });

    it('streams each step as a progress event with its message, then the result', async () => {
      const answer = await stream(modern, 'count_up', { steps: 3, ms: 150 });
      expect(answer.status).to.equal(200);
      const result = answer.events.at(-1)!;
      expect(result.event).to.equal('result');
      expect(result.data).to.deep.equal({ ok: true, result: 'counted to 3' });
      const progress = answer.events.slice(0, -1);
      // The last step may share a read with the result, which the SDK handles first (see above).
      expect(progress.length).to.be.within(2, 3);
      expect(progress.map((e) => e.data)).to.deep.equal(
        [1, 2, 3].slice(0, progress.length).map((step) => ({ progress: step, total: 3, message: `step ${step} of 3` })),
      );
      expect(progress[0]!.at).to.be.below(result.at - 200);
    });

    it('lets progress restart the timeout', async () => {
      const path = `/s${pathOf(modern.doc, 'count_up')}`;
      // 8 steps of 150 ms (1.2 s) against a 0.5 s timeout; one step of 1.2 s times out.
      await request(modern.app).post(path).set('X-Tool-Timeout', '0.5').send({ steps: 8, ms: 150 }).expect(200);
      await request(modern.app).post(path).set('X-Tool-Timeout', '0.5').send({ steps: 1, ms: 1200 }).expect(504);
    });
  });
}
