/**
 * The mcpo command under change and under stress: a load test while the
 * config is edited, SIGHUP, a dead server at startup, and shutdown with
 * children that will not go quietly. SIGHUP and the drain on Ctrl-C run
 * against both MCP eras (test/helpers/eras.ts); the rest use the unruly
 * fixture, whose misbehaviour does not depend on an era.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { allProcesses, childrenOf, isAlive, startMcpo, type McpoProcess } from '../helpers/mcpo.js';
import { ERAS } from '../helpers/eras.js';
import { unrulyStdio } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

const server = (tag: string, flags: string[] = []) => unrulyStdio(['--tag', tag, ...flags]);
const configText = (servers: Record<string, unknown>): string => `// written by the lifecycle tests\n${JSON.stringify({ mcpServers: servers }, null, 2)}\n`;

async function call(base: string, route: string, body: unknown = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}
const health = async (base: string): Promise<any> => (await fetch(`${base}/healthz`)).json();
const pidOf = (base: string, name: string): Promise<number> =>
  waitFor(async () => {
    const res = await call(base, `/${name}/pid`);
    return res.status === 200 ? (res.body.result.pid as number) : undefined;
  }, `${name} to answer`, 15_000);
/** Every fixture process whose parent is `pid` and whose command line includes `marker`. */
const fixtureChildren = (pid: number, marker: string): number[] => allProcesses().filter((p) => p.ppid === pid && p.command.includes(marker)).map((p) => p.pid);
const unrulyChildren = (pid: number): number[] => fixtureChildren(pid, 'unruly');
/** Resolves once the server `name` answers its echo tool through mcpo. */
const answers = (base: string, name: string, echo: string): Promise<true> =>
  waitFor(async () => ((await call(base, `/${name}/${echo}`, { message: name })).status === 200 ? true : undefined), `${name} to answer`, 15_000);

describe('mcpo under change and under stress', function () {
  this.timeout(60_000);
  let dir: string;
  const started: McpoProcess[] = [];
  const start = async (args: string[]): Promise<McpoProcess> => {
    const p = await startMcpo(['--port', '0', ...args]);
    started.push(p);
    return p;
  };
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mcpo-lifecycle-'));
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((p) => p.stop('SIGTERM')));
    rmSync(dir, { recursive: true, force: true });
  });

  it('drops no request to servers that stay while the config is changed, extended, broken, fixed and trimmed', async () => {
    const file = path.join(dir, 'config.json');
    writeFileSync(file, configText({ a: server('a'), b: server('b1') }));
    const p = await start(['--config', file, '--hot-reload']);
    const aPid = await pidOf(p.url, 'a');
    const bPid = await pidOf(p.url, 'b');

    // Eight clients, each calling a and b in turn as fast as they can.
    const outcomes = { a: new Map<number, number>(), b: new Map<number, number>() };
    let running = true;
    const client = async (n: number): Promise<void> => {
      for (let i = 0; running; i++) {
        const name = (i + n) % 2 === 0 ? 'a' : 'b';
        let status: number;
        try {
          status = (await call(p.url, `/${name}/echo`, { message: `client ${n} call ${i}` })).status;
        } catch {
          status = 0; // a connection error counts as a failure too
        }
        outcomes[name].set(status, (outcomes[name].get(status) ?? 0) + 1);
      }
    };
    const clients = Array.from({ length: 8 }, (_, n) => client(n));
    const generation = async (want: number) => waitFor(async () => ((await health(p.url)).generation === want ? true : undefined), `generation ${want}`, 15_000);
    const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

    await settle();
    writeFileSync(file, configText({ a: server('a'), b: server('b2') })); // change b
    await generation(2);
    await settle();
    writeFileSync(file, configText({ a: server('a'), b: server('b2'), c: server('c') })); // add c
    await generation(3);
    const cPid = await pidOf(p.url, 'c');
    writeFileSync(file, '{ "mcpServers": { "a": '); // break it
    await waitFor(async () => (await health(p.url)).configError ?? undefined, 'the config error in /healthz');
    await settle();
    writeFileSync(file, configText({ a: server('a'), b: server('b2'), c: server('c') })); // fix it
    await waitFor(async () => ((await health(p.url)).configError === null ? true : undefined), 'the config error to clear');
    writeFileSync(file, configText({ a: server('a'), b: server('b2') })); // remove c
    await generation(4);
    await settle();
    running = false;
    await Promise.all(clients);

    const total = (m: Map<number, number>) => [...m.values()].reduce((x, y) => x + y, 0);
    const failed = (m: Map<number, number>) => total(m) - (m.get(200) ?? 0);
    expect(Object.fromEntries(outcomes.a), 'statuses from a').to.deep.equal({ 200: total(outcomes.a) });
    expect(Object.fromEntries(outcomes.b), 'statuses from b').to.deep.equal({ 200: total(outcomes.b) });
    expect(failed(outcomes.a) + failed(outcomes.b)).to.equal(0);
    expect(total(outcomes.a) + total(outcomes.b), 'requests made during the edits').to.be.greaterThan(200);

    expect(await pidOf(p.url, 'a'), 'the unchanged server keeps its process').to.equal(aPid);
    expect(await pidOf(p.url, 'b'), 'the changed server has a new process').to.not.equal(bPid);
    await waitFor(async () => (!isAlive(cPid) && !isAlive(bPid) ? true : undefined), 'the removed and replaced processes to end');
    expect(unrulyChildren(p.pid)).to.have.length(2);
    const report = await health(p.url);
    expect(Object.keys(report.servers)).to.deep.equal(['a', 'b']);
    expect(report.lastReload).to.be.a('string');
  });

  for (const era of ERAS) {
    describe(`with ${era.name} servers`, () => {
      const { echo, slow } = era.tools;

      it('reloads on SIGHUP without --hot-reload, and warns about settings a file cannot change', async () => {
        const file = path.join(dir, 'config.json');
        writeFileSync(file, configText({ a: era.stdio('a') }));
        const p = await start(['--config', file]);
        await answers(p.url, 'a', echo);
        writeFileSync(file, JSON.stringify({ port: 9999, apiKey: 'from-a-file', mcpServers: { a: era.stdio('a'), b: era.stdio('b') } }));
        await new Promise((resolve) => setTimeout(resolve, 400));
        expect((await health(p.url)).generation, 'no watching without --hot-reload').to.equal(1);
        p.child.kill('SIGHUP');
        await waitFor(async () => ((await health(p.url)).generation === 2 ? true : undefined), 'the reload');
        await answers(p.url, 'b', echo);
        expect((await health(p.url)).servers.b.protocolVersion).to.equal(era.protocolVersion);
        expect(p.stderr()).to.match(/"port" in the config file is ignored/);
        expect(p.stderr()).to.match(/"apiKey" in the config file is ignored/);
        expect(p.stderr()).not.to.include('from-a-file');
        // Still no key needed: the file could not set one.
        expect((await call(p.url, `/a/${echo}`, { message: 'a' })).status).to.equal(200);
      });

      it('drains on Ctrl-C: SIGINT to the whole terminal group does not kill the servers under calls in flight', async () => {
        const file = path.join(dir, 'config.json');
        writeFileSync(file, configText({ a: era.stdio() }));
        // Its own process group, like a shell's foreground job; the servers it spawns get groups of their own.
        const p = await startMcpo(['--port', '0', '--config', file], process.env, undefined, true);
        started.push(p);
        await answers(p.url, 'a', echo);
        expect((await health(p.url)).servers.a.protocolVersion).to.equal(era.protocolVersion);
        const kids = fixtureChildren(p.pid, era.processMarker);
        expect(kids).to.have.length(1);
        const inFlight = call(p.url, `/a/${slow}`, { ms: 1000 });
        await new Promise((resolve) => setTimeout(resolve, 200));
        process.kill(-p.pid, 'SIGINT'); // what the terminal does on Ctrl-C
        expect(await inFlight).to.deep.equal({ status: 200, body: { ok: true, result: 'done after 1000ms' } });
        expect(await p.exited).to.equal(0);
        await waitFor(async () => (kids.every((pid) => !isAlive(pid)) ? true : undefined), 'the server to be closed');
      });
    });
  }

  it('serves the other servers when one is dead at startup, and keeps retrying it', async () => {
    const file = path.join(dir, 'config.json');
    writeFileSync(file, configText({ dead: server('dead', ['--exit-at-once']), alive: server('alive') }));
    const p = await start(['--config', file]);
    await pidOf(p.url, 'alive');
    // The dead server's first attempt may still be starting when the other is up: wait for its first failure.
    const first = await waitFor(async () => {
      const dead = (await health(p.url)).servers.dead;
      return dead.lastError !== null ? dead : undefined;
    }, 'the dead server to fail once', 15_000);
    expect(first.connected).to.equal(false);
    expect(first.state).to.be.oneOf(['backing-off', 'connecting']);
    expect(first.lastError).to.equal('MCP server "dead" exited (code 1) before it was ready; its stderr ended with:\nunruly: exiting at once, as asked');
    // Alive but not ready: a liveness probe leaves it be, a readiness probe holds traffic back.
    expect((await health(p.url)).status).to.equal('degraded');
    expect((await fetch(`${p.url}/readyz`)).status).to.equal(503);
    expect(p.stderr()).to.include(
      'mcpo warn: MCP server did not start; retrying {"server":"dead","type":"stdio","error":"MCP server \\"dead\\" exited (code 1) before it was ready; its stderr ended with:\\nunruly: exiting at once, as asked"',
    );
    // The startup summary names it too, and the quoted stderr never breaks a log line in two.
    await waitFor(async () => (p.stderr().includes('server dead: not connected') ? true : undefined), 'the startup summary');
    expect(p.stderr()).to.include('mcpo warn: server dead: not connected; retrying in the background {"error":"MCP server \\"dead\\" exited (code 1)');
    for (const line of p.stderr().trimEnd().split('\n')) expect(line).to.match(/^mcpo (debug|info|warn|error): /);
    const res = await fetch(`${p.url}/dead/pid`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).to.equal(503);
    expect(Number(res.headers.get('retry-after'))).to.be.within(1, 30);
    await waitFor(async () => ((await health(p.url)).servers.dead.restarts > first.restarts ? true : undefined), 'another attempt');
  });

  it('ends a child that ignores SIGTERM, and exits 0', async () => {
    const file = path.join(dir, 'config.json');
    writeFileSync(file, configText({ stubborn: server('s', ['--ignore-sigterm']), plain: server('p') }));
    const p = await start(['--config', file]);
    await Promise.all([pidOf(p.url, 'stubborn'), pidOf(p.url, 'plain')]);
    const kids = unrulyChildren(p.pid);
    expect(kids).to.have.length(2);
    expect(await p.stop('SIGTERM')).to.equal(0);
    await waitFor(async () => (kids.every((pid) => !isAlive(pid)) ? true : undefined), 'every child to be gone');
  });

  it('exits 1 at once on a second signal, killing even a child that ignores SIGTERM', async () => {
    const file = path.join(dir, 'config.json');
    writeFileSync(file, configText({ stubborn: server('s', ['--ignore-sigterm']) }));
    const p = await start(['--config', file]);
    await pidOf(p.url, 'stubborn');
    const kids = unrulyChildren(p.pid);
    const slow = call(p.url, '/stubborn/slow', { ms: 20_000 }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    p.child.kill('SIGTERM');
    await waitFor(async () => (p.stderr().includes('waiting up to') ? true : undefined), 'the drain to begin');
    const stopped = Date.now();
    expect(await p.stop('SIGTERM')).to.equal(1);
    expect(Date.now() - stopped).to.be.below(2000);
    await waitFor(async () => (kids.every((pid) => !isAlive(pid)) ? true : undefined), 'the child to be killed');
    await slow;
  });

  it('does not let an idle keep-alive connection hold the exit open', async () => {
    const p = await start(['--', ...[server('k').command, ...server('k').args]]);
    await waitFor(async () => ((await health(p.url)).servers.default?.connected ? true : undefined), 'the server');
    const agent = new http.Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
    await new Promise<void>((resolve, reject) => {
      http.get(`${p.url}/healthz`, { agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      }).on('error', reject);
    });
    expect(Object.values(agent.freeSockets).flat(), 'an idle socket').to.have.length(1);
    const kids = childrenOf(p.pid);
    const stopped = Date.now();
    expect(await p.stop('SIGTERM')).to.equal(0);
    expect(Date.now() - stopped).to.be.below(3000);
    agent.destroy();
    expect(kids.every((pid) => !isAlive(pid))).to.equal(true);
  });
});
