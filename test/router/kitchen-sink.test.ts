/**
 * mcpoRouter against the kitchen-sink fixture over all three transports:
 * the document, the routes, every status in the table, timeouts and
 * cancellation, awkward names, and live tool-list changes.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { mcpoRouter, silentLogger, type McpoRouter, type ServerSpec } from '../../lib/index.js';
import { OPERATION_ID_PATTERN } from '../../lib/openapi/tools.js';
import { recordingLogger } from '../helpers/logger.js';
import { expectValidOpenApi31, operationOf, pathOf, type Doc } from '../helpers/openapi.js';
import { kitchenSinkStdio, startKitchenSink } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

/** Every tool the fixture lists at start. */
const FIXTURE_TOOLS = [
  'echo', 'no_params', 'json_text', 'defs_user', 'legacy_definitions', 'property_ref', 'tree', 'nullable_enum',
  'image', 'audio', 'resource_text', 'resource_blob', 'resource_link', 'multi', 'fails', 'protocol_error',
  'malformed', 'slow', 'cancellations', 'structured', 'add_tool', 'remove_tool', 'exit',
  'dotted.name-with-dashes', 'has space', 'slash/name', 'docs', 'openapi.json', 'Upper', 'upper', 'broken_schema',
];

type Transport = 'stdio' | 'sse' | 'streamable-http';

for (const transport of ['stdio', 'sse', 'streamable-http'] as const satisfies readonly Transport[]) {
  describe(`mcpoRouter over ${transport} (kitchen-sink fixture)`, function () {
    this.timeout(30_000);
    let router: McpoRouter;
    let app: express.Express;
    let doc: Doc;
    let stopServer: (() => Promise<void>) | undefined;
    const logger = recordingLogger();

    const call = (tool: string, body?: unknown) => {
      const req = request(app).post(`/ks${pathOf(doc, tool)}`);
      return body === undefined ? req : req.send(body as object);
    };
    const cancellations = async (): Promise<number> => {
      const res = await call('cancellations', {});
      return (res.body as { result: { cancelled: number } }).result.cancelled;
    };

    before(async function () {
      let spec: ServerSpec;
      if (transport === 'stdio') {
        spec = kitchenSinkStdio();
      } else {
        const server = await startKitchenSink(transport === 'sse' ? 'sse' : 'http');
        stopServer = server.close;
        spec = { type: transport, url: server.url };
      }
      router = mcpoRouter(spec, { logger, toolTimeoutMax: 60 });
      app = express();
      app.use('/ks', router);
      await router.ready();
      doc = (await request(app).get('/ks/openapi.json').expect(200)).body as Doc;
    });

    after(async () => {
      await router?.close();
      await stopServer?.();
    });

    describe('the document', () => {
      it('follows tools/list through every page', () => {
        const tools = Object.values(doc.paths).map((item) => item.post['x-mcp-tool']);
        expect(tools).to.include.members(FIXTURE_TOOLS);
        expect(router.status().tools).to.equal(tools.length);
      });

      it('is valid OpenAPI 3.1', async () => {
        await expectValidOpenApi31(doc);
      });

      it('takes info from serverInfo and the instructions', () => {
        expect(doc.openapi).to.equal('3.1.0');
        expect(doc.info).to.deep.equal({
          title: 'kitchen-sink',
          version: '1.2.3',
          description: 'A fixture server that misbehaves on purpose.',
        });
      });

      it('points servers at the mount path', () => {
        expect(doc.servers).to.deep.equal([{ url: '/ks' }]);
      });

      it('gives every operation a unique operationId of the function-name shape', () => {
        const ids = Object.values(doc.paths).map((item) => item.post.operationId);
        for (const id of ids) expect(id).to.match(OPERATION_ID_PATTERN);
        expect(new Set(ids).size).to.equal(ids.length);
        expect(operationOf(doc, 'echo').operationId).to.equal('echo');
        expect(operationOf(doc, 'dotted.name-with-dashes').operationId).to.match(/^dotted_name-with-dashes/);
      });

      it('uses the tool title as summary and its description', () => {
        const echo = operationOf(doc, 'echo');
        expect(echo.summary).to.be.a('string').and.not.equal('echo');
        expect(echo.description).to.be.a('string').and.not.empty;
      });

      it('makes every request schema self-contained', () => {
        for (const item of Object.values(doc.paths)) {
          expect(JSON.stringify(item.post.requestBody)).not.to.contain('$ref');
        }
      });

      it('inlines a recursive schema to a bounded depth and says it recurses', () => {
        const text = JSON.stringify(operationOf(doc, 'tree').requestBody);
        expect(text.toLowerCase()).to.contain('recursive');
        // Bounded: the inlined schema stays small.
        expect(text.length).to.be.below(20_000);
      });

      it('resolves $defs, definitions and #/properties references', () => {
        const body = (tool: string) => operationOf(doc, tool).requestBody.content['application/json'].schema as {
          properties: Record<string, Record<string, unknown>>;
        };
        expect(body('defs_user').properties.address).to.have.nested.property('properties.zip.pattern', '^[0-9]{5}$');
        expect(body('legacy_definitions').properties.items).to.have.nested.property('items.properties.id.minimum', 1);
        expect(body('legacy_definitions').properties.pair).to.have.property('prefixItems').with.length(2);
        expect(body('property_ref').properties.b).to.have.property('enum').that.deep.equals(['x', 'y']);
      });

      it('keeps enums, const, formats, bounds and nullable anyOf', () => {
        const schema = operationOf(doc, 'nullable_enum').requestBody.content['application/json'].schema as {
          properties: Record<string, Record<string, unknown>>;
          required: string[];
        };
        expect(schema.required).to.deep.equal(['mode']);
        expect(schema.properties.mode).to.have.property('enum').that.deep.equals(['fast', 'slow']);
        expect(schema.properties.kind).to.have.property('const', 'x');
        expect(schema.properties.email).to.have.property('format', 'email');
        expect(schema.properties.ratio).to.include({ exclusiveMinimum: 0, maximum: 1 });
        expect(schema.properties.tags).to.include({ maxItems: 3, uniqueItems: true });
        expect(JSON.stringify(schema.properties.label)).to.contain('null');
        expect(schema.properties.extra).to.have.nested.property('additionalProperties.type', 'integer');
      });

      it('degrades shapes it cannot understand, with a warning, and keeps serving the tool', async () => {
        const warned = logger.records.filter((r) => r.level === 'warn' && r.fields?.tool === 'broken_schema');
        expect(warned.length).to.be.at.least(1);
        const schema = operationOf(doc, 'broken_schema').requestBody.content['application/json'].schema as {
          properties: Record<string, unknown>;
        };
        expect(schema.properties.ok).to.deep.equal({ type: 'string' });
        const res = await call('broken_schema', { ok: 'yes', weird: 5, bad_type: [1], remote: null, bad_pattern: '(' });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expect(res.body.result).to.include({ ok: 'yes', weird: 5 });
        await call('broken_schema', { weird: 5 }).expect(422);
      });

      it("describes result with the tool's outputSchema", () => {
        const ok = operationOf(doc, 'structured').responses['200']!.content!['application/json'].schema;
        expect(ok).to.have.nested.property('properties.result.properties.sum.type', 'number');
      });
    });

    describe('calls', () => {
      it('answers 200 with the result', async () => {
        const res = await call('echo', { message: 'hi', repeat: 2 }).expect(200);
        expect(res.body).to.deep.equal({ ok: true, result: 'hi hi' });
      });

      it('accepts a missing or empty body for a tool without parameters', async () => {
        expect((await call('no_params').expect(200)).body).to.deep.equal({ ok: true, result: 'pong' });
        const empty = await request(app).post(`/ks${pathOf(doc, 'no_params')}`).set('Content-Type', 'application/json').send('');
        expect(empty.status).to.equal(200);
      });

      it('parses a text result that is JSON', async () => {
        const res = await call('json_text', {}).expect(200);
        expect(res.body.result).to.deep.equal({ a: 1, b: [true, null] });
      });

      it('turns images, audio and resources into values', async () => {
        expect((await call('image', {})).body.result).to.match(/^data:image\/png;base64,[A-Za-z0-9+/=]+$/);
        expect((await call('audio', {})).body.result).to.match(/^data:audio\/wav;base64,/);
        expect((await call('resource_text', {})).body.result).to.equal('hello resource');
        expect((await call('resource_blob', {})).body.result).to.equal(
          `data:application/octet-stream;base64,${Buffer.from('blob!').toString('base64')}`,
        );
        expect((await call('resource_link', {})).body.result).to.include({ uri: 'mem://linked', name: 'linked' });
        const multi = (await call('multi', {})).body.result as unknown[];
        expect(multi.slice(0, 2)).to.deep.equal(['one', 2]);
        expect(multi[2]).to.match(/^data:image\/png;base64,/);
      });

      it('answers with structuredContent when the tool gives it', async () => {
        const res = await call('structured', { a: 1, b: 2 }).expect(200);
        expect(res.body).to.deep.equal({ ok: true, result: { sum: 3 } });
      });

      it('validates nested and recursive arguments with the full schema', async () => {
        const deep = (depth: number, leaf: Record<string, unknown>): Record<string, unknown> =>
          depth === 0 ? leaf : { name: `n${depth}`, children: [deep(depth - 1, leaf)] };
        const ok = await call('tree', { root: deep(8, { name: 'leaf' }) }).expect(200);
        expect(ok.body.result).to.deep.equal({ count: 9, depth: 9 });
        const bad = await call('tree', { root: deep(8, { name: 7 }) }).expect(422);
        expect(bad.body.error.data.errors[0].path).to.match(/^root\.children\.0\.children\.0\./);
      });

      it('validates a draft-07 tuple as prefixItems, an open or short one included', async () => {
        await call('legacy_definitions', { pair: ['a'] }).expect(200);
        const bad = await call('legacy_definitions', { pair: ['a', 'b'] }).expect(422);
        expect(bad.body.error.data.errors[0].path).to.equal('pair.1');
        await call('legacy_definitions', { pair: ['a', 1, 2] }).expect(422);
      });
    });

    describe('errors', () => {
      it('answers 422 naming the field path', async () => {
        const res = await call('defs_user', { name: 'a', address: { street: 's', zip: 'nope' } }).expect(422);
        expect(res.body.ok).to.equal(false);
        expect(res.body.error.code).to.equal('invalid_arguments');
        expect(res.body.error.data.errors.map((e: { path: string }) => e.path)).to.include('address.zip');
      });

      it('answers 422 for a missing required argument', async () => {
        const res = await call('echo', {}).expect(422);
        expect(res.body.error.message).to.contain('message');
      });

      it('answers 400 for malformed JSON', async () => {
        const res = await request(app)
          .post(`/ks${pathOf(doc, 'echo')}`)
          .set('Content-Type', 'application/json')
          .send('{"message":')
          .expect(400);
        expect(res.body.error.code).to.equal('malformed_json');
      });

      it('answers 415 for a body that is not JSON', async () => {
        const res = await request(app).post(`/ks${pathOf(doc, 'echo')}`).set('Content-Type', 'text/plain').send('hi');
        expect(res.status).to.equal(415);
        expect(res.body.ok).to.equal(false);
      });

      it('answers 422 for a JSON body that is not an object', async () => {
        const res = await request(app).post(`/ks${pathOf(doc, 'echo')}`).set('Content-Type', 'application/json').send('[1]');
        expect(res.status).to.equal(422);
      });

      it('answers 413 for a body over the limit', async () => {
        const res = await call('echo', { message: 'x'.repeat(1_100_000) }).expect(413);
        expect(res.body.error.code).to.equal('payload_too_large');
      });

      it('answers 404 for an unknown tool', async () => {
        const res = await request(app).post('/ks/no_such_tool').send({}).expect(404);
        expect(res.body.error.code).to.equal('not_found');
      });

      it('answers 405 with Allow for a GET on a tool', async () => {
        const res = await request(app).get(`/ks${pathOf(doc, 'echo')}`).expect(405);
        expect(res.headers.allow).to.equal('POST');
        expect(res.body.ok).to.equal(false);
      });

      it('answers 500 with the tool’s text when it reports isError', async () => {
        const res = await call('fails', {}).expect(500);
        expect(res.body).to.deep.equal({
          ok: false,
          error: { message: 'it failed on purpose', code: 'tool_error', requestId: res.headers['x-request-id'] },
        });
      });

      for (const [code, status] of [
        [-32700, 400],
        [-32600, 400],
        [-32601, 404],
        [-32602, 422],
        [-32603, 502],
      ] as const) {
        it(`answers ${status} when the server throws JSON-RPC ${code}`, async () => {
          const res = await call('protocol_error', { code }).expect(status);
          expect(res.body.ok).to.equal(false);
          expect(res.body.error.data.jsonrpcCode).to.equal(code);
          expect(JSON.stringify(res.body)).not.to.contain('    at ');
        });
      }

      it('answers 502 for a malformed result', async () => {
        const res = await call('malformed', {}).expect(502);
        expect(res.body.error.code).to.equal('malformed_result');
      });
    });

    describe('timeouts and cancellation', () => {
      it('answers 504 when the tool outlives ?timeout= and cancels it upstream', async () => {
        const before = await cancellations();
        const started = Date.now();
        const res = await request(app).post(`/ks${pathOf(doc, 'slow')}?timeout=0.3`).send({ ms: 5000 }).expect(504);
        expect(Date.now() - started).to.be.below(3000);
        expect(res.body.error.code).to.equal('timeout');
        await waitFor(async () => ((await cancellations()) > before ? true : undefined), 'the upstream cancellation');
      });

      it('takes the timeout from X-Tool-Timeout', async () => {
        await request(app).post(`/ks${pathOf(doc, 'slow')}`).set('X-Tool-Timeout', '0.2').send({ ms: 3000 }).expect(504);
        await request(app).post(`/ks${pathOf(doc, 'slow')}`).set('X-Tool-Timeout', '5').send({ ms: 10 }).expect(200);
      });

      it('answers 400 for a bad or too large timeout', async () => {
        for (const value of ['abc', '0', '-1', '61', '']) {
          const res = await request(app).post(`/ks${pathOf(doc, 'slow')}`).set('X-Tool-Timeout', value).send({ ms: 1 });
          expect(res.status, `X-Tool-Timeout: ${value}`).to.equal(400);
          expect(res.body.error.code).to.equal('bad_timeout');
        }
        await request(app).post(`/ks${pathOf(doc, 'slow')}?timeout=nope`).send({ ms: 1 }).expect(400);
      });

      it('cancels the call upstream when the client hangs up', async () => {
        const before = await cancellations();
        const server = http.createServer(app);
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        try {
          const { port } = server.address() as AddressInfo;
          const req = http.request({
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: `/ks${pathOf(doc, 'slow')}`,
            headers: { 'content-type': 'application/json' },
          });
          req.on('error', () => {});
          req.end(JSON.stringify({ ms: 10_000 }));
          await new Promise((r) => setTimeout(r, 300));
          req.destroy();
          await waitFor(async () => ((await cancellations()) > before ? true : undefined), 'the upstream cancellation');
        } finally {
          server.closeAllConnections();
          await new Promise((r) => server.close(r));
        }
      });
    });

    describe('awkward tool names', () => {
      it('serves dots and dashes as they are', async () => {
        expect(pathOf(doc, 'dotted.name-with-dashes')).to.equal('/dotted.name-with-dashes');
        expect((await call('dotted.name-with-dashes', {}).expect(200)).body.result).to.equal('dotted.name-with-dashes');
      });

      it('gives names that are not URL-safe a safe path that works', async () => {
        for (const name of ['has space', 'slash/name']) {
          const path = pathOf(doc, name);
          expect(path).to.match(/^\/[A-Za-z0-9_.~-]+$/);
          expect((await call(name, {}).expect(200)).body.result).to.equal(name);
        }
      });

      it('never lets a tool shadow /docs or /openapi.json', async () => {
        expect(pathOf(doc, 'docs')).not.to.equal('/docs');
        expect(pathOf(doc, 'openapi.json')).not.to.equal('/openapi.json');
        expect((await call('docs', {}).expect(200)).body.result).to.equal('docs');
        expect((await call('openapi.json', {}).expect(200)).body.result).to.equal('openapi.json');
        await request(app).get('/ks/docs').expect(200).expect('Content-Type', /html/);
        await request(app).get('/ks/openapi.json').expect(200).expect('Content-Type', /json/);
      });

      it('keeps Upper and upper apart', async () => {
        expect((await call('Upper', {}).expect(200)).body.result).to.equal('Upper');
        expect((await call('upper', {}).expect(200)).body.result).to.equal('upper');
      });

      it('cuts a long name to an operationId of at most 64 characters', () => {
        const long = Object.values(doc.paths).find((item) => item.post['x-mcp-tool'].length === 80);
        expect(long, 'the 80-character tool').to.exist;
        expect(long!.post.operationId.length).to.be.at.most(64);
      });
    });

    describe('a changing tool list', () => {
      const listed = async (tool: string): Promise<boolean> => {
        const current = (await request(app).get('/ks/openapi.json')).body as Doc;
        return Object.values(current.paths).some((item) => item.post['x-mcp-tool'] === tool);
      };

      it('re-lists on tools/list_changed and swaps routes without dropping a call in flight', async () => {
        const inFlight = call('slow', { ms: 800 }).then((res) => res);
        await new Promise((r) => setTimeout(r, 100));
        const added = (await call('add_tool', {}).expect(200)).body.result as string;
        expect(added).to.match(/^added_\d+$/);
        await waitFor(async () => ((await listed(added)) ? true : undefined), `${added} in the document`);
        const res = await request(app).post(`/ks/${added}`).send({}).expect(200);
        expect(res.body.result).to.match(/^added \d+$/);
        const slow = await inFlight;
        expect(slow.status).to.equal(200);
        expect(slow.body.result).to.equal('done after 800ms');

        await call('remove_tool', { name: added }).expect(200);
        await waitFor(async () => ((await listed(added)) ? undefined : true), `${added} gone from the document`);
        await request(app).post(`/ks/${added}`).send({}).expect(404);
      });
    });
  });
}

describe('mcpoRouter before and without a connection', function () {
  this.timeout(20_000);

  it('answers 503 with Retry-After while connecting, and never blocks the caller', async () => {
    // A process that never speaks MCP: the router stays in "connecting".
    const router = mcpoRouter({ command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] }, { retryAfter: 2 });
    try {
      const app = express().use(router);
      const res = await request(app).post('/anything').send({}).expect(503);
      expect(res.headers['retry-after']).to.equal('2');
      expect(res.body.error.code).to.equal('unavailable');
      await request(app).get('/openapi.json').expect(503);
      expect(router.status().state).to.equal('connecting');
    } finally {
      await router.close();
    }
  });

  it('reports a server that cannot start in status() and ready()', async () => {
    const logger = recordingLogger();
    const router = mcpoRouter({ command: '/nonexistent/mcp-server' }, { logger });
    try {
      let failure: unknown;
      await router.ready().catch((err: unknown) => (failure = err));
      expect(failure).to.be.instanceOf(Error);
      const status = router.status();
      expect(status.state).to.be.oneOf(['backing-off', 'connecting']);
      expect(status.lastError).to.be.a('string').and.not.empty;
      const res = await request(express().use(router)).post('/echo').send({}).expect(503);
      expect(Number(res.headers['retry-after'])).to.be.within(1, 30);
    } finally {
      await router.close();
    }
  });

  it('answers 503 after close() and ends the child process', async () => {
    const router = mcpoRouter(kitchenSinkStdio(), { logger: silentLogger });
    await router.ready();
    const pid = router.status().pid!;
    expect(pid).to.be.a('number');
    await router.close();
    expect(router.status().state).to.equal('closed');
    await request(express().use(router)).post('/echo').send({ message: 'x' }).expect(503);
    await waitFor(async () => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        return true;
      }
    }, 'the child to exit');
  });
});

describe('mcpoRouter with structuredOutput', function () {
  this.timeout(20_000);
  let router: McpoRouter;
  let app: express.Express;

  before(async () => {
    router = mcpoRouter(kitchenSinkStdio(), { structuredOutput: true, logger: silentLogger });
    app = express().use(router);
    await router.ready();
  });
  after(() => router.close());

  it('wraps results in the collection envelope', async () => {
    const res = await request(app).post('/multi').send({}).expect(200);
    expect(res.body.ok).to.equal(true);
    expect(res.body.output.type).to.equal('collection');
    expect(res.body.output.items.map((i: { type: string }) => i.type)).to.deep.equal(['text', 'scalar', 'image']);
    const json = await request(app).post('/json_text').send({}).expect(200);
    expect(json.body.output.items).to.deep.equal([{ type: 'object', value: { a: 1, b: [true, null] } }]);
  });

  it('describes the envelope in the document', async () => {
    const doc = (await request(app).get('/openapi.json').expect(200)).body as Doc;
    const ok = operationOf(doc, 'echo').responses['200']!.content!['application/json'].schema;
    expect(ok).to.have.nested.property('properties.output.properties.type.const', 'collection');
    await expectValidOpenApi31(doc);
  });
});

describe('mcpoRouter when calls run long or the server goes away', function () {
  this.timeout(20_000);
  let router: McpoRouter;
  let app: express.Express;

  before(async () => {
    router = mcpoRouter(kitchenSinkStdio(), { toolTimeout: 0.4, logger: silentLogger });
    app = express().use(router);
    await router.ready();
  });
  after(() => router.close());

  it('answers 504 when the tool outlives the toolTimeout option', async () => {
    const started = Date.now();
    const res = await request(app).post('/slow').send({ ms: 3000 }).expect(504);
    expect(Date.now() - started).to.be.within(300, 2500);
    expect(res.body.error.data.timeoutMs).to.equal(400);
  });

  it('answers 502 at once when the server exits mid-call, 503 while it restarts, then serves again', async () => {
    const pid = router.status().pid;
    const started = Date.now();
    const res = await request(app).post('/exit').send({}).expect(502);
    expect(Date.now() - started).to.be.below(2000);
    expect(res.body.error.code).to.equal('connection_closed');
    expect(router.status().state).to.not.equal('ready');
    const after = await request(app).post('/echo').send({ message: 'x' }).expect(503);
    expect(after.headers['retry-after']).to.be.a('string');
    await waitFor(async () => (router.status().state === 'ready' ? true : undefined), 'the server to restart');
    expect(router.status().pid).to.be.a('number').and.not.equal(pid);
    expect(router.status().restarts).to.equal(1);
    await request(app).post('/echo').send({ message: 'back' }).expect(200);
  });
});
