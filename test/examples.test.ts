/**
 * The examples as a user meets them: examples/embed.ts mounted in-process,
 * and the README's library example pasted into a file and run as its own
 * process against real stdio, SSE and Streamable HTTP servers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import request from 'supertest';
import { createExampleApp } from '../examples/embed.js';
import { loadConfig, mcpoRouter, silentLogger } from '../lib/index.js';
import { expectIdsSafeAndUnique, expectNoRefCycles, expectValidOpenApi31, type Doc } from './helpers/openapi.js';
import { startKitchenSink } from './helpers/servers.js';
import { startMcpo, untilConnected, type McpoProcess } from './helpers/mcpo.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('examples/embed.ts', function () {
  this.timeout(30_000);
  const { app, routers } = createExampleApp('secret-token');
  const auth = { Authorization: 'Bearer secret-token' };

  before(() => Promise.all(routers.map((r) => r.ready())));
  after(() => Promise.all(routers.map((r) => r.close())));

  it("keeps the app's own routes", async () => {
    const res = await request(app).get('/').expect(200);
    expect(res.body.hello).to.be.a('string');
  });

  it("puts both servers' tool calls behind the app's auth, and leaves the docs public", async () => {
    await request(app).post('/time/get_current_time').send({ timezone: 'UTC' }).expect(401);
    await request(app).post('/everything/echo').set('Authorization', 'Bearer wrong-token!').send({ message: 'x' }).expect(401);
    await request(app).get('/everything/openapi.json').expect(200);
    await request(app).get('/time/docs').expect(200);
    // The app's own Host check and request ids, borrowed from mcpo.
    const refused = await request(app).get('/').set('Host', 'evil.example').expect(403).expect('Content-Type', /json/);
    expect(refused.body.error.code).to.equal('host_not_allowed');
    const failed = await request(app).post('/time/get_current_time').set('Authorization', 'Bearer secret-token').set('X-Request-Id', 'ex-1').send({ timezone: 42 }).expect(422);
    expect(failed.headers['x-request-id']).to.equal('ex-1');
    expect(failed.body.error.requestId).to.equal('ex-1');
  });

  it('serves the time server', async () => {
    const res = await request(app).post('/time/get_current_time').set(auth).send({ timezone: 'Asia/Tokyo' }).expect(200);
    expect(res.body.result).to.include({ timezone: 'Asia/Tokyo', utc_offset: '+09:00' });
    const converted = await request(app)
      .post('/time/convert_time')
      .set(auth)
      .send({ source_timezone: 'America/New_York', time: '09:30', target_timezone: 'Asia/Kolkata' })
      .expect(200);
    expect(converted.body.result.target.datetime).to.match(/T(19:00|20:00):00\+05:30$/);
    await request(app).post('/time/convert_time').set(auth).send({ source_timezone: 'UTC', time: '25:00', target_timezone: 'UTC' }).expect(422);
    const unknownZone = await request(app).post('/time/get_current_time').set(auth).send({ timezone: 'Mars/Base' });
    expect(unknownZone.status).to.equal(500);
    expect(unknownZone.body.error.message).to.contain('Unknown timezone');
  });

  it('serves each router its own document and docs', async () => {
    const time = (await request(app).get('/time/openapi.json').set(auth).expect(200)).body as Doc;
    const everything = (await request(app).get('/everything/openapi.json').set(auth).expect(200)).body as Doc;
    expect(time.info.title).to.equal('mcpo-example-time');
    expect(everything.info.title).not.to.equal(time.info.title);
    await expectValidOpenApi31(time);
    await expectValidOpenApi31(everything);
    await request(app).get('/time/docs').set(auth).expect(200).expect('Content-Type', /html/);
  });
});

describe('examples/embed.ts run as a program', function () {
  this.timeout(40_000);

  it('exits non-zero, saying why, when its port is taken', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as net.AddressInfo;
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), path.join(ROOT, 'examples', 'embed.ts')], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    try {
      // Run on, it would never exit: the test would time out. 20 s is far more than a refused listen takes.
      const exit = await Promise.race([exited, new Promise<'running'>((r) => setTimeout(r, 20_000, 'running').unref())]);
      expect(exit, stdout + stderr).to.equal(1);
      expect(stderr).to.include('EADDRINUSE').and.include(String(port));
      expect(stdout).not.to.include('listening');
    } finally {
      // SIGTERM, so that the example closes its routers and their children.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      await new Promise((r) => holder.close(r));
    }
  });
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** The code block that follows the marker comment in README.md. */
function readmeExample(marker: string): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(`<!-- readme-example: ${marker} -->`);
  if (at < 0) throw new Error(`README.md has no example marked ${marker}`);
  const match = /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!match) throw new Error(`no code block after the ${marker} marker`);
  return match[1]!;
}

describe("the README's library example", function () {
  this.timeout(60_000);
  let child: ChildProcess | undefined;
  const stops: Array<() => Promise<void>> = [];

  after(async () => {
    if (child?.pid !== undefined && child.exitCode === null) {
      // The example's own children (npx, the server) are in its process group.
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {}
      await new Promise((r) => setTimeout(r, 500));
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }
    await Promise.all(stops.map((stop) => stop()));
  });

  it('serves every tool of a stdio, an SSE and a Streamable HTTP server, with correct statuses', async () => {
    const [http, sse] = await Promise.all([startKitchenSink('http'), startKitchenSink('sse')]);
    stops.push(http.close, sse.close);
    const port = await freePort();
    const source = readmeExample('library')
      .replace('http://127.0.0.1:3001/mcp', http.url)
      .replace('http://127.0.0.1:3002/sse', sse.url)
      .replace('app.listen(8000', `app.listen(${port}`);
    expect(source).to.contain(http.url).and.contain(sse.url);
    // Inside the package, so `import 'mcpo'` resolves to the build, as it would for a user.
    const dir = path.join(ROOT, 'test', 'artifacts');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'readme-example.ts');
    writeFileSync(file, source);

    child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), file], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the example did not start:\n${output}`)), 30_000);
      child!.stdout!.on('data', () => {
        if (output.includes('ready:')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child!.once('exit', (code) => reject(new Error(`the example exited with ${code}:\n${output}`)));
    });

    const base = `http://127.0.0.1:${port}`;
    for (const mount of ['/everything', '/remote', '/legacy']) {
      // The routers connect in the background; 503 until then.
      let doc: Doc | undefined;
      for (let i = 0; i < 100 && !doc; i++) {
        const res = await request(base).get(`${mount}/openapi.json`);
        if (res.status === 200) doc = res.body as Doc;
        else {
          expect(res.status).to.equal(503);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      expect(doc, `${mount}/openapi.json`).to.exist;
      expect(doc!.servers).to.deep.equal([{ url: mount }]);
      expect(Object.keys(doc!.paths).length).to.be.at.least(5);
      await expectValidOpenApi31(doc);
      // Every tool is routed and validated: a body that is not an object never reaches the server.
      for (const path of Object.keys(doc!.paths)) {
        await request(base).post(`${mount}${path}`).set('Content-Type', 'application/json').send('[]').expect(422);
      }
      await request(base).get(`${mount}/docs`).expect(200).expect('Content-Type', /html/);
      await request(base).post(`${mount}/echo`).send({ message: 'readme' }).expect(200);
      await request(base).post(`${mount}/echo`).send({ message: 42 }).expect(422);
      await request(base).post(`${mount}/echo`).set('Content-Type', 'application/json').send('{oops').expect(400);
      await request(base).post(`${mount}/no-such-tool`).send({}).expect(404);
      await request(base).get(`${mount}/echo`).expect(405);
    }
    const everything = await request(base).post('/everything/echo').send({ message: 'readme' }).expect(200);
    expect(everything.body).to.deep.equal({ ok: true, result: 'Echo: readme' });
    const remote = await request(base).post('/remote/echo').send({ message: 'readme' }).expect(200);
    expect(remote.body).to.deep.equal({ ok: true, result: 'readme' });
  });
});

describe("the README's library example with its port taken", function () {
  this.timeout(40_000);

  it('exits non-zero with the reason instead of running on without listening', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as net.AddressInfo;
    const dir = path.join(ROOT, 'test', 'artifacts');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'readme-example-port-taken.mjs');
    // As the README says to run it: plain JavaScript in an .mjs file, under node.
    writeFileSync(file, readmeExample('library').replace('app.listen(8000', `app.listen(${port}`));
    const child = spawn(process.execPath, [file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    try {
      const exit = await Promise.race([exited, new Promise<'running'>((r) => setTimeout(r, 20_000, 'running').unref())]);
      expect(exit, output).to.equal(1);
      expect(output).to.include('EADDRINUSE').and.not.include('ready:');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      await new Promise((r) => holder.close(r));
    }
  });
});

describe('npm start, or node dist/bin/mcpo.js, on examples/config.json', function () {
  this.timeout(60_000);
  let mcpo: McpoProcess;
  let memoryDir: string;

  before(async () => {
    const { scripts } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    // What `npm start` runs after building, minus the port, which a test cannot hold.
    const command = scripts.start!.split('&&').pop()!.trim().split(/\s+/);
    expect(command.slice(0, 2)).to.deep.equal(['node', 'dist/bin/mcpo.js']);
    memoryDir = mkdtempSync(path.join(os.tmpdir(), 'mcpo-memory-'));
    // Without node_modules/.bin on PATH (npm adds it for scripts): the config must work run either way.
    const PATH = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => !dir.endsWith(`node_modules${path.sep}.bin`)).join(path.delimiter);
    const env = { ...process.env, PATH, MEMORY_FILE_PATH: path.join(memoryDir, 'memory.jsonl') };
    mcpo = await startMcpo([...command.slice(2), '--port', '0'], env);
    await untilConnected(mcpo.url, undefined, 45_000);
  });
  after(async () => {
    await mcpo?.stop();
    rmSync(memoryDir, { recursive: true, force: true });
  });

  const call = async (tool: string, body: unknown) => {
    const res = await fetch(`${mcpo.url}/${tool}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as { ok: boolean; result: any } };
  };

  it('serves the time server', async () => {
    const res = await call('time/get_current_time', { timezone: 'Asia/Tokyo' });
    expect(res.status).to.equal(200);
    expect(res.body.result).to.include({ timezone: 'Asia/Tokyo', utc_offset: '+09:00' });
  });

  it('answers 200 to the example body of every time tool, as "Try it out" first sends it', async () => {
    const doc = (await (await fetch(`${mcpo.url}/time/openapi.json`)).json()) as Doc;
    const operations = Object.entries(doc.paths);
    expect(operations).to.have.length(2);
    for (const [toolPath, { post }] of operations) {
      const example = (post.requestBody.content['application/json'] as { example?: unknown }).example;
      expect(example, toolPath).to.be.an('object');
      const res = await call(`time${toolPath}`, example);
      expect(res.status, `${toolPath} ${JSON.stringify(example)} → ${JSON.stringify(res.body)}`).to.equal(200);
    }
  });

  it('serves server-memory, writing where MEMORY_FILE_PATH says', async () => {
    const created = await call('memory/create_entities', { entities: [{ name: 'mcpo', entityType: 'project', observations: ['bridges MCP to REST'] }] });
    expect(created.status).to.equal(200);
    const graph = await call('memory/read_graph', {});
    expect(JSON.stringify(graph.body.result)).to.include('bridges MCP to REST');
    expect(readFileSync(path.join(memoryDir, 'memory.jsonl'), 'utf8')).to.include('mcpo');
  });

  it('serves the todo server in the 2026-07-28 era, and its question as the README shows: 409, then the answer with Mcp-Continuation', async () => {
    const health = (await (await fetch(`${mcpo.url}/healthz`)).json()) as { servers: Record<string, { protocolVersion: string }> };
    expect(health.servers.todo!.protocolVersion).to.equal('2026-07-28');
    expect(health.servers.everything!.protocolVersion).to.match(/^2025-/);
    expect((await call('todo/add_todo', { item: 'water the plants' })).status).to.equal(200);
    const asked = await fetch(`${mcpo.url}/todo/clear_todos`, { method: 'POST' });
    expect(asked.status).to.equal(409);
    const { error } = (await asked.json()) as { error: { code: string; message: string; continuation: string } };
    expect(error).to.include({ code: 'input_required', message: 'Really delete 1 item?' });
    const answered = await fetch(`${mcpo.url}/todo/clear_todos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'mcp-continuation': error.continuation },
      body: JSON.stringify({ confirm: { action: 'accept', content: { confirm: true } } }),
    });
    expect(await answered.json()).to.deep.equal({ ok: true, result: 'deleted 1 item' });
    expect((await call('todo/list_todos', {})).body.result).to.deep.equal([]);
  });

  it('serves every example server as MCP at /mcp, names prefixed, and the time server unprefixed at /time/mcp', async () => {
    const connect = async (url: string) => {
      const client = new Client({ name: 'examples-test', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } } as never);
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      return client;
    };
    const all = await connect(`${mcpo.url}/mcp`);
    try {
      expect(all.getNegotiatedProtocolVersion()).to.equal('2026-07-28');
      const tools = (await all.listTools()).tools.map((t) => t.name);
      expect(tools).to.include.members(['time_get_current_time', 'todo_list_todos', 'memory_read_graph', 'everything_echo']);
      expect((await all.listPrompts()).prompts.map((p) => p.name)).to.include('everything_simple-prompt');
      expect((await all.listResources()).resources.length).to.be.above(0);
      const echoed = await all.callTool({ name: 'everything_echo', arguments: { message: 'via mcp' } });
      expect((echoed.content as { text: string }[])[0]!.text).to.equal('Echo: via mcp');
    } finally {
      await all.close();
    }
    const time = await connect(`${mcpo.url}/time/mcp`);
    try {
      expect((await time.listTools()).tools.map((t) => t.name)).to.include('get_current_time');
      const now = await time.callTool({ name: 'get_current_time', arguments: { timezone: 'Asia/Tokyo' } });
      expect(JSON.stringify(now.content)).to.include('Asia/Tokyo');
    } finally {
      await time.close();
    }
  });

  it('serves server-everything', async () => {
    const res = await call('everything/echo', { message: 'hi' });
    expect(res.body).to.deep.equal({ ok: true, result: 'Echo: hi' });
  });

  it('serves one valid document with all four servers, and a docs page for it', async () => {
    const doc = (await (await fetch(`${mcpo.url}/openapi.json`)).json()) as Doc;
    await expectValidOpenApi31(doc);
    for (const p of ['/time/get_current_time', '/todo/clear_todos', '/memory/read_graph', '/everything/echo']) expect(doc.paths).to.have.property(p);
    // everything's entry adds its resources and prompts; the others keep the default, tools only.
    for (const p of ['/everything/resources', '/everything/resources/templates', '/everything/resources/read', '/everything/prompts', '/everything/prompts/args-prompt']) expect(doc.paths).to.have.property(p);
    expect(Object.keys(doc.paths).filter((p) => /^\/(time|todo|memory)\/(resources|prompts)/.test(p))).to.deep.equal([]);
    // As Open WebUI reads it: every operation a function with a safe, unique name, and no $ref cycle to inline.
    expectIdsSafeAndUnique(doc);
    expectNoRefCycles(doc);
    expect((await fetch(`${mcpo.url}/docs`)).status).to.equal(200);
  });
});

describe("examples/config.json's memory server", function () {
  this.timeout(30_000);

  it('keeps its file in data/ at the repository root unless MEMORY_FILE_PATH says otherwise', async () => {
    const config = await loadConfig(path.join(ROOT, 'examples/config.json'), { env: {} });
    const entry = config.servers.find((s) => s.name === 'memory')!;
    const spec = entry.spec as { command: string; args?: string[]; env?: Record<string, string>; cwd?: string };
    expect(spec.env).to.deep.equal({ MEMORY_FILE_PATH: 'data/memory.jsonl' });
    // The relative default is resolved against the repository root, not the server's own folder in node_modules.
    const router = mcpoRouter({ ...spec, cwd: ROOT }, { logger: silentLogger });
    try {
      await router.ready();
      expect(router.status().stderr).to.contain(`memory file: ${path.join(ROOT, 'data', 'memory.jsonl')}`);
    } finally {
      await router.close();
    }
  });
});
