/**
 * Reloading a running app: the diff (unchanged, added, changed, removed),
 * calls in flight across a swap, a change that cannot start, and the file
 * watcher (bursts, broken files, atomic saves, a ConfigMap's symlink swap).
 * The diff and the swap run against both MCP eras (test/helpers/eras.ts); the
 * rest use the unruly fixture, whose era does not matter to them.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { createApp, loadConfig, silentLogger, watchConfig, type ConfigWatcher, type McpoApp } from '../../lib/index.js';
import { recordingLogger } from '../helpers/logger.js';
import { isAlive } from '../helpers/mcpo.js';
import { ERAS, LEGACY, MODERN } from '../helpers/eras.js';
import { unrulyStdio } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

const server = (tag: string, flags: string[] = []) => unrulyStdio(['--tag', tag, ...flags]);
const pidOf = async (app: McpoApp, name: string): Promise<{ pid: number; tag: string }> =>
  (await request(app).post(`/${name}/pid`).send({}).expect(200)).body.result;
/** For an added server, which answers 503 until it has connected. */
const pidOnceUp = (app: McpoApp, name: string): Promise<{ pid: number; tag: string }> =>
  waitFor(async () => {
    const res = await request(app).post(`/${name}/pid`).send({});
    return res.status === 200 ? (res.body.result as { pid: number; tag: string }) : undefined;
  }, `${name} to connect`, 10_000);

describe('reloading a running app', function () {
  this.timeout(40_000);
  let app: McpoApp;
  afterEach(() => app?.close());

  for (const era of ERAS) {
    describe(`of ${era.name} servers`, () => {
      const spec = era.stdio;
      const { echo, slow } = era.tools;
      const pidOfRouter = (name: string): number | undefined => app.routers().get(name)?.status().pid;
      const echoes = async (name: string): Promise<number> => (await request(app).post(`/${name}/${echo}`).send({ message: name })).status;

      it('keeps unchanged servers, swaps a changed one once ready, mounts an added one and unmounts a removed one', async () => {
        app = createApp({ mcpServers: { a: spec('a'), b: spec('b1'), c: spec('c') } }, { logger: silentLogger });
        await app.ready();
        const [a, b, c] = [pidOfRouter('a')!, pidOfRouter('b')!, pidOfRouter('c')!];
        const routers = new Map(app.routers());

        const result = await app.reload({ mcpServers: { a: spec('a'), b: spec('b2'), d: spec('d') } });
        expect(result).to.deep.include({ applied: true, generation: 2, added: ['d'], changed: ['b'], removed: ['c'], unchanged: ['a'], failed: [] });

        expect(app.routers().get('a'), 'the same router').to.equal(routers.get('a'));
        expect(pidOfRouter('a')).to.equal(a);
        expect(app.routers().get('b'), 'a new router').to.not.equal(routers.get('b'));
        expect(pidOfRouter('b')).to.be.a('number').and.not.equal(b);
        expect(await echoes('b')).to.equal(200);
        expect(await echoes('c')).to.equal(404);
        await waitFor(async () => (!isAlive(c) && !isAlive(b) ? true : undefined), 'the removed and replaced processes to end');
        await waitFor(async () => ((await echoes('d')) === 200 ? true : undefined), 'd to connect', 10_000);

        const health = (await request(app).get('/healthz').expect(200)).body;
        expect(health.generation).to.equal(2);
        expect(Date.parse(health.lastReload)).to.be.closeTo(Date.now(), 15_000);
        expect(Object.keys(health.servers)).to.deep.equal(['a', 'b', 'd']);
        for (const name of ['a', 'b', 'd']) expect(health.servers[name].protocolVersion, name).to.equal(era.protocolVersion);
        const doc = (await request(app).get('/openapi.json').expect(200)).body;
        const paths = Object.keys(doc.paths);
        expect(paths).to.include.members([`/a/${echo}`, `/b/${echo}`, `/d/${echo}`]);
        expect(paths.filter((p) => p.startsWith('/c/'))).to.deep.equal([]);
      });

      it('lets a call in flight on a changed server finish there, then ends the old process', async () => {
        app = createApp({ mcpServers: { b: spec('old') } }, { logger: silentLogger });
        await app.ready();
        const old = pidOfRouter('b')!;
        const call = request(app).post(`/b/${slow}`).send({ ms: 2000 }).then((res) => res);
        await new Promise((resolve) => setTimeout(resolve, 200));
        await app.reload({ mcpServers: { b: spec('new') } });
        // Swapped: new calls reach the new process while the old one still works on the slow call.
        expect(pidOfRouter('b')).to.be.a('number').and.not.equal(old);
        expect(await echoes('b')).to.equal(200);
        expect(isAlive(old), 'the old process, busy with the call').to.equal(true);
        const res = await call;
        expect(res.status).to.equal(200);
        expect(res.body.result).to.equal('done after 2000ms');
        await waitFor(async () => (!isAlive(old) ? true : undefined), 'the old process to end after its call');
      });
    });
  }

  it('swaps a server for one of the other era, and /healthz shows the protocol version it now speaks', async () => {
    app = createApp({ mcpServers: { x: LEGACY.stdio() } }, { logger: silentLogger });
    await app.ready();
    expect((await request(app).get('/healthz').expect(200)).body.servers.x.protocolVersion).to.equal(LEGACY.protocolVersion);
    const result = await app.reload({ mcpServers: { x: MODERN.stdio() } });
    expect(result).to.deep.include({ applied: true, changed: ['x'] });
    expect((await request(app).get('/healthz').expect(200)).body.servers.x.protocolVersion).to.equal(MODERN.protocolVersion);
    expect((await request(app).post(`/x/${MODERN.tools.echo}`).send({ message: 'now modern' }).expect(200)).body.result).to.equal('now modern');
  });

  it('answers 404 for a removed server at once, but finishes its calls in flight first', async () => {
    app = createApp({ mcpServers: { keep: server('k'), gone: server('g') } }, { logger: silentLogger });
    await app.ready();
    const gone = await pidOf(app, 'gone');
    const call = request(app).post('/gone/slow').send({ ms: 1500 }).then((res) => res.status);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await app.reload({ mcpServers: { keep: server('k') } });
    const res = await request(app).post('/gone/pid').send({}).expect(404);
    expect(res.body.error.code).to.equal('not_found');
    expect(isAlive(gone.pid)).to.equal(true);
    expect(await call).to.equal(200);
    await waitFor(async () => (!isAlive(gone.pid) ? true : undefined), 'the removed process to end');
  });

  it('keeps the old version serving when the changed one cannot start, and reports it', async () => {
    app = createApp({ mcpServers: { b: server('good') } }, { logger: silentLogger });
    await app.ready();
    const good = await pidOf(app, 'b');
    const result = await app.reload({ mcpServers: { b: server('bad', ['--exit-at-once']) } });
    expect(result.applied).to.equal(false);
    expect(result.failed.map((f) => f.name)).to.deep.equal(['b']);
    expect(await pidOf(app, 'b')).to.deep.equal(good);
    const health = (await request(app).get('/healthz').expect(200)).body;
    expect(health.generation).to.equal(1);
    expect(health.reloadFailures).to.have.length(1);
    expect(health.reloadFailures[0].name).to.equal('b');
    expect(health.servers.b.state).to.equal('ready');
  });

  it('mounts an added server at once, answering 503 with Retry-After until it connects', async () => {
    app = createApp({ mcpServers: { a: server('a') } }, { logger: silentLogger });
    await app.ready();
    // A process that never speaks MCP stays "connecting".
    await app.reload({ mcpServers: { a: server('a'), mute: { command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] } } });
    const res = await request(app).post('/mute/anything').send({}).expect(503);
    expect(res.headers['retry-after']).to.equal('1');
    expect((await request(app).get('/healthz').expect(200)).body.servers.mute.state).to.equal('connecting');
  });

  it('refuses to reload an app that serves one server at its root', async () => {
    app = createApp({ server: server('one') }, { logger: silentLogger });
    let failure: unknown;
    await app.reload({ mcpServers: {} }).catch((err: unknown) => (failure = err));
    expect(failure).to.be.instanceOf(TypeError);
  });
});

describe('watchConfig', function () {
  this.timeout(40_000);
  let dir: string;
  let app: McpoApp;
  let watcher: ConfigWatcher | undefined;

  const configText = (servers: Record<string, unknown>, comment = ''): string =>
    `// mcpo test config ${comment}\n${JSON.stringify({ mcpServers: servers }, null, 2)}\n`;
  const generation = async (): Promise<number> => (await request(app).get('/healthz').expect(200)).body.generation;

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mcpo-watch-'));
  });
  afterEach(async () => {
    watcher?.close();
    watcher = undefined;
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const startWatching = async (file: string): Promise<void> => {
    app = createApp(await loadConfig(file), { logger: silentLogger });
    await app.ready();
    watcher = watchConfig({ file, load: () => loadConfig(file), app, logger: silentLogger, debounceMs: 100 });
  };

  it('applies a burst of saves as one reload, shows a broken file with its line in /healthz, and recovers', async () => {
    const file = path.join(dir, 'config.json');
    writeFileSync(file, configText({ a: server('a') }));
    await startWatching(file);

    // Five saves within 50 ms: one reload.
    for (let i = 0; i < 5; i++) {
      writeFileSync(file, configText({ a: server('a'), b: server(`b${i}`) }));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await waitFor(async () => ((await generation()) === 2 ? true : undefined), 'generation 2');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await generation()).to.equal(2);
    expect((await pidOnceUp(app, 'b')).tag).to.equal('b4');

    // Broken on line 3: everything keeps running, and /healthz says where.
    writeFileSync(file, '{\n  "mcpServers": {\n    "a": { "command": \n  }\n}\n');
    const problem = await waitFor(async () => (await request(app).get('/healthz')).body.configError ?? undefined, 'the config error');
    expect(problem).to.include({ file, line: 4 });
    expect(problem.message).to.include(`${file}:4:`);
    expect(await generation()).to.equal(2);
    await request(app).post('/b/pid').send({}).expect(200);

    writeFileSync(file, configText({ a: server('a') }));
    await waitFor(async () => ((await generation()) === 3 ? true : undefined), 'generation 3');
    const health = (await request(app).get('/healthz').expect(200)).body;
    expect(health.configError).to.equal(null);
    expect(Object.keys(health.servers)).to.deep.equal(['a']);
  });

  it('sees an editor’s atomic save (write a temp file, rename it over the config)', async () => {
    const file = path.join(dir, 'config.json');
    writeFileSync(file, configText({ a: server('a') }));
    await startWatching(file);
    const temp = path.join(dir, '.config.json.swp');
    writeFileSync(temp, configText({ a: server('a'), b: server('b') }));
    renameSync(temp, file);
    await waitFor(async () => ((await generation()) === 2 ? true : undefined), 'generation 2');
  });

  it('sees a Kubernetes ConfigMap update (the ..data symlink swapped to a new directory)', async () => {
    // The layout kubelet writes: config.json -> ..data/config.json, ..data -> ..2026_11_25_v1
    const v1 = path.join(dir, '..v1');
    mkdirSync(v1);
    writeFileSync(path.join(v1, 'config.json'), configText({ a: server('a') }));
    symlinkSync('..v1', path.join(dir, '..data'));
    symlinkSync(path.join('..data', 'config.json'), path.join(dir, 'config.json'));
    await startWatching(path.join(dir, 'config.json'));

    const v2 = path.join(dir, '..v2');
    mkdirSync(v2);
    writeFileSync(path.join(v2, 'config.json'), configText({ a: server('a'), b: server('b') }));
    symlinkSync('..v2', path.join(dir, '..data_tmp'));
    renameSync(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
    await waitFor(async () => ((await generation()) === 2 ? true : undefined), 'generation 2');
    expect((await pidOnceUp(app, 'b')).tag).to.equal('b');
  });

  it('logs every file it accepts at info: no change, a fix that restores the running servers, a fix with changes', async () => {
    const file = path.join(dir, 'config.json');
    const log = recordingLogger();
    writeFileSync(file, configText({ a: server('a') }));
    app = createApp(await loadConfig(file), { logger: log });
    await app.ready();
    watcher = watchConfig({ file, load: () => loadConfig(file), app, logger: log, watch: false });
    const said = async (write: string): Promise<string[]> => {
      writeFileSync(file, write);
      log.records.length = 0;
      await watcher!.reload();
      return log.records.filter((r) => r.level !== 'debug').map((r) => `${r.level}: ${r.message}`);
    };

    expect(await said(configText({ a: server('a') }, 'a comment'))).to.deep.equal(['info: config OK, no server changed']);
    const broken = await said('{ "mcpServers": { "a": ');
    expect(broken).to.have.length(1);
    expect(broken[0]).to.match(/^error: config not reloaded, .*: unexpected end of file \(expected a value\)$/);
    // The file as it was: the running servers are what it says, and the log says the problem is gone.
    expect(await said(configText({ a: server('a') }))).to.deep.equal(['info: config OK again, no server changed']);
    expect((await request(app).get('/healthz')).body.configError).to.equal(null);

    await said('{ "mcpServers": { "a": ');
    const fixed = await said(configText({ a: server('a'), b: server('b') }));
    expect(fixed).to.deep.equal(['info: config reloaded', 'info: config OK again, changes applied']);
    expect(log.records.find((r) => r.message === 'config reloaded')!.fields).to.include({ added: 'b', generation: 2 });
    // A plain change after that is the table's line alone.
    expect(await said(configText({ a: server('a') }))).to.deep.equal(['info: config reloaded']);
  });

  it('ignores events that leave the file as it was', async () => {
    const file = path.join(dir, 'config.json');
    writeFileSync(file, configText({ a: server('a') }));
    await startWatching(file);
    writeFileSync(path.join(dir, 'unrelated.txt'), 'x');
    writeFileSync(file, configText({ a: server('a') }, 'only a comment changed'));
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await generation()).to.equal(1);
  });
});
