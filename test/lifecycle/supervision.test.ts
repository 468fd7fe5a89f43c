/**
 * Supervised connections: servers that cannot start, crash mid-call, flood
 * stderr, or lose their session, against real processes and real transports.
 */
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { mcpoRouter, silentLogger, type McpoRouter } from '../../lib/index.js';
import { recordingLogger } from '../helpers/logger.js';
import { isAlive } from '../helpers/mcpo.js';
import { freePort, startKitchenSink, unrulyStdio, type RunningServer } from '../helpers/servers.js';

import { waitFor } from '../helpers/wait.js';

const pidOf = async (app: express.Express): Promise<number> => (await request(app).post('/pid').send({}).expect(200)).body.result.pid as number;

describe('supervision of MCP connections', function () {
  this.timeout(30_000);
  const routers: McpoRouter[] = [];
  const servers: RunningServer[] = [];
  const router = (...args: Parameters<typeof mcpoRouter>): McpoRouter => {
    const r = mcpoRouter(args[0], { logger: silentLogger, ...args[1] });
    routers.push(r);
    return r;
  };
  afterEach(async () => {
    await Promise.all(routers.splice(0).map((r) => r.close()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  describe('a stdio server that cannot start', () => {
    it('is retried in the background with a growing delay, and answers 503 with Retry-After meanwhile', async function () {
      this.timeout(40_000);
      const r = router(unrulyStdio(['--exit-at-once']), { reconnectDelay: 0.1, reconnectDelayMax: 0.8 });
      const app = express().use(r);
      let failure: unknown;
      await r.ready().catch((err: unknown) => (failure = err));
      expect(failure).to.be.instanceOf(Error);
      expect(r.status().state).to.be.oneOf(['backing-off', 'connecting']);
      expect(r.status().stderr).to.include('exiting at once');

      // Each wait the router plans (from entering backing-off to its next attempt) grows until the cap. Planned
      // waits, not the gaps between attempts: each attempt also starts a process, and on a busy machine that
      // start-up time (a second or two) swamps delays of 0.1 to 0.8 s. After n retries, the router waits a
      // random point in the upper half of min(800, 100 · 2ⁿ) ms.
      const planned: { n: number; ms: number }[] = [];
      let seen: string | undefined;
      const until = Date.now() + 20_000;
      while (planned.length < 5 && Date.now() < until) {
        const status = r.status();
        if (status.state === 'backing-off' && status.nextAttempt !== undefined && status.nextAttempt !== seen) {
          seen = status.nextAttempt;
          planned.push({ n: status.restarts, ms: Date.parse(status.nextAttempt) - Date.parse(status.since) });
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(planned.length, 'waits planned in 20 s').to.equal(5);
      for (const { n, ms } of planned) {
        const ceiling = Math.min(800, 100 * 2 ** n);
        expect(ms, `wait after ${n} retries`).to.be.within(ceiling / 2 - 2, ceiling + 2);
      }
      expect(planned.at(-1)!.ms, 'the last wait against the first').to.be.greaterThan(planned[0]!.ms);

      const res = await request(app).post('/pid').send({}).expect(503);
      expect(res.body.error.code).to.equal('unavailable');
      expect(Number(res.headers['retry-after'])).to.be.within(1, 30);
      expect(r.status().lastError).to.be.a('string').and.not.empty;
    });

    it('stops retrying once closed', async () => {
      const r = router(unrulyStdio(['--exit-at-once']), { reconnectDelay: 0.05, reconnectDelayMax: 0.1 });
      await r.ready().catch(() => {});
      await r.close();
      const restarts = r.status().restarts;
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(r.status()).to.include({ state: 'closed', restarts });
    });
  });

  describe('a stdio server that crashes', () => {
    it('fails the call in flight at once with 502, answers only 503 while it restarts, and comes back with a new pid', async () => {
      const log = recordingLogger();
      const r = router(unrulyStdio(), { toolTimeout: 30, logger: log });
      const app = express().use(r);
      await r.ready();
      const before = await pidOf(app);

      // Calls in flight when it dies fail together, long before their 30 s timeout.
      const started = Date.now();
      const slow = [1, 2, 3].map(() => request(app).post('/slow').send({ ms: 20_000 }).then((res) => res.status));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const crash = await request(app).post('/crash').send({});
      expect(crash.status).to.equal(502);
      expect(crash.body.error.code).to.equal('connection_closed');
      expect(await Promise.all(slow)).to.deep.equal([502, 502, 502]);
      expect(Date.now() - started).to.be.below(3000);

      const seen = new Set<number>();
      let after: number | undefined;
      const until = Date.now() + 15_000;
      while (after === undefined && Date.now() < until) {
        const res = await request(app).post('/pid').send({});
        seen.add(res.status);
        if (res.status === 200) after = res.body.result.pid as number;
        else expect(res.headers['retry-after'], `a ${res.status} while restarting`).to.be.a('string');
      }
      expect(after, 'a new pid within 15 s').to.be.a('number').and.not.equal(before);
      expect([...seen].filter((s) => s !== 200 && s !== 503 && s !== 502)).to.deep.equal([]);
      expect(isAlive(before)).to.equal(false);
      expect(r.status()).to.include({ state: 'ready', restarts: 1 });
      // Named by its command, the router's default; it quotes what the server said as it died.
      const why = 'MCP server "node" exited (code 1); its stderr ended with:\nunruly: crashing mid-call, as asked';
      expect(r.status().lastError).to.equal(why);
      expect(log.records.filter((l) => l.level === 'warn')[0]).to.deep.equal({
        level: 'warn',
        message: 'MCP connection lost; reconnecting',
        fields: { type: 'stdio', reason: why },
      });
    });
  });

  describe('a stdio server that exits, and why', () => {
    const script = (code: string): { command: string; args: string[] } => ({ command: process.execPath, args: ['-e', code] });
    const failure = async (r: McpoRouter): Promise<string> => {
      const err = await r.ready().then(() => undefined, (e: unknown) => e);
      expect(err, 'ready() rejects').to.be.instanceOf(Error);
      // The first failure is what ready() rejects with and what status() shows.
      expect(r.status().lastError).to.equal((err as Error).message);
      return (err as Error).message;
    };

    it('names the server and the command when the command does not exist', async () => {
      const r = router({ command: 'no-such-command-for-mcpo-tests', args: ['--flag'] }, { name: 'memory', reconnectDelay: 5 });
      expect(await failure(r)).to.equal(
        'MCP server "memory" could not be started: the command "no-such-command-for-mcpo-tests" was not found (spawn no-such-command-for-mcpo-tests ENOENT)',
      );
    });

    it('quotes the stderr of a child that exits at once, with its exit code, not "Connection closed"', async () => {
      const r = router(unrulyStdio(['--exit-at-once']), { name: 'memory', reconnectDelay: 5 });
      expect(await failure(r)).to.equal('MCP server "memory" exited (code 1) before it was ready; its stderr ended with:\nunruly: exiting at once, as asked');
    });

    it('says so when the child wrote nothing, and names a signal that killed it', async () => {
      const silent = router(script('process.exit(3)'), { name: 'quiet', reconnectDelay: 5 });
      expect(await failure(silent)).to.equal('MCP server "quiet" exited (code 3) before it was ready; it wrote nothing to stderr');
      const killed = router(script('process.kill(process.pid, "SIGKILL")'), { name: 'killed', reconnectDelay: 5 });
      expect(await failure(killed)).to.equal('MCP server "killed" was killed by SIGKILL before it was ready; it wrote nothing to stderr');
    });

    it('quotes the last 5 non-empty lines of a long stderr, at most about 1 KB', async () => {
      // 400 KB of stderr right before the exit: the pipe still holds much of it when the process is gone.
      const r = router(
        script(`
          process.stderr.write(('noise '.repeat(100) + '\\n').repeat(700));
          for (let i = 1; i <= 7; i++) process.stderr.write('line ' + i + '\\n\\n');
          process.stderr.write('x'.repeat(300) + '\\nthe very last line\\n', () => process.exit(2));
        `),
        { name: 'chatty', reconnectDelay: 5 },
      );
      const message = await failure(r);
      const quoted = message.split('its stderr ended with:\n')[1]!;
      expect(quoted.split('\n')).to.deep.equal(['line 5', 'line 6', 'line 7', 'x'.repeat(300), 'the very last line']);

      const long = router(script(`process.stderr.write(('y'.repeat(500) + '\\n').repeat(5), () => process.exit(2));`), { name: 'long', reconnectDelay: 5 });
      const cut = (await failure(long)).split('its stderr ended with:\n')[1]!;
      expect(cut).to.have.length(1024);
      expect(cut.startsWith('…')).to.equal(true);
    });

    it('reports the exit within a second or so even when a process outside its group holds stderr open', async function () {
      if (process.platform !== 'linux') this.skip();
      // setsid puts the sleeper in a session of its own, out of reach of the group kill; it keeps stderr open.
      const r = router(
        { command: '/bin/sh', args: ['-c', 'setsid sleep 20 & echo "sleeper $!" >&2; echo "failing now" >&2; exit 4'] },
        { name: 'held', reconnectDelay: 5 },
      );
      const started = Date.now();
      const message = await failure(r);
      const sleeper = Number(/sleeper (\d+)/.exec(message)?.[1]);
      try {
        expect(Date.now() - started).to.be.below(4000);
        expect(message).to.match(/^MCP server "held" exited \(code 4\) before it was ready; its stderr ended with:\nsleeper \d+\nfailing now$/);
      } finally {
        if (sleeper > 0) process.kill(sleeper, 'SIGKILL');
      }
    });

    it('is named after its command by default', async () => {
      const r = router({ command: '/bin/sh', args: ['-c', 'exit 5'] }, { reconnectDelay: 5 });
      expect(await failure(r)).to.match(/^MCP server "sh" exited \(code 5\)/);
    });
  });

  describe('a stdio server behind a wrapper (as with npx)', () => {
    it('ends the whole process group on close, a grandchild that ignores SIGTERM included', async () => {
      // The wrapper hands its stdio to the real server, as npx does, and dies on SIGTERM; the server ignores SIGTERM.
      const real = unrulyStdio(['--ignore-sigterm']);
      const wrapper = `require('node:child_process').spawn(${JSON.stringify(real.command)}, ${JSON.stringify(real.args)}, { stdio: 'inherit' }); setInterval(() => {}, 1000);`;
      const r = router({ command: process.execPath, args: ['-e', wrapper] });
      const app = express().use(r);
      await r.ready();
      const grandchild = await pidOf(app);
      expect(grandchild).to.not.equal(r.status().pid);
      await r.close();
      await waitFor(async () => (!isAlive(grandchild) ? true : undefined), 'the grandchild to be gone');
    });
  });

  describe('a stdio server that floods stderr', () => {
    it('keeps serving, and keeps only a bounded tail of what it wrote', async () => {
      const r = router(unrulyStdio(['--flood-stderr']));
      const app = express().use(r);
      await r.ready();
      const heapBefore = process.memoryUsage().heapUsed;
      // About 1 MB/s of stderr for two seconds, with calls going through all the while.
      const until = Date.now() + 2000;
      let calls = 0;
      while (Date.now() < until) {
        const started = Date.now();
        await request(app).post('/echo').send({ message: 'still here' }).expect(200);
        expect(Date.now() - started, 'one call').to.be.below(1000);
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(calls).to.be.greaterThan(10);
      const { stderr } = r.status();
      expect(stderr).to.include('noise');
      expect(stderr!.length).to.be.at.most(8192);
      // Two seconds of flood is ~2 MB; none of it may be held on to.
      expect(process.memoryUsage().heapUsed - heapBefore).to.be.below(30 * 1024 * 1024);
    });
  });

  describe('a Streamable HTTP server', () => {
    it('starts a new session when the old one expired, retries the call once, and lists the tools again', async () => {
      // No standalone GET stream: otherwise its drop, not the expired session, would be what mcpo sees first.
      const port = await freePort();
      const flags = ['--port', String(port), '--no-get-stream'];
      servers.push(await startKitchenSink('http', flags));
      const r = router({ type: 'streamable-http', url: `http://127.0.0.1:${port}/mcp` });
      const app = express().use(r);
      await r.ready();
      // A tool added to this session only; a new session will not have it.
      await request(app).post('/add_tool').send({}).expect(200);
      await waitFor(async () => (Object.keys(r.document()!.paths!).some((p) => p.includes('added')) ? true : undefined), 'the added tool');

      // The server restarts on the same port: every session it knew is gone (404 on the old session id).
      await servers.pop()!.close();
      servers.push(await startKitchenSink('http', flags));
      expect(r.status().state, 'nothing noticed yet').to.equal('ready');

      const res = await request(app).post('/echo').send({ message: 'after restart' }).expect(200);
      expect(res.body.result).to.equal('after restart');
      expect(r.status()).to.include({ state: 'ready', restarts: 1 });
      expect(Object.keys(r.document()!.paths!).some((p) => p.includes('added')), 'the re-listed tools').to.equal(false);
    });

    it('fails a call whose server died mid-call with 502 at once, and does not send it again', async () => {
      servers.push(await startKitchenSink('http'));
      const r = router({ type: 'streamable-http', url: servers[0]!.url }, { toolTimeout: 30, reconnectDelay: 5 });
      const app = express().use(r);
      await r.ready();
      const started = Date.now();
      const res = await request(app).post('/exit').send({});
      expect(res.status).to.equal(502);
      expect(Date.now() - started).to.be.below(3000);
      // Not sent again: a second delivery would have needed a new session, and none was started.
      expect(r.status().restarts).to.equal(0);
      expect(r.status().state).to.equal('backing-off');
    });
  });

  describe('an SSE server', () => {
    it('reconnects after its stream drops and serves again', async () => {
      const port = await freePort();
      servers.push(await startKitchenSink('sse', ['--port', String(port)]));
      const r = router({ type: 'sse', url: `http://127.0.0.1:${port}/sse` }, { reconnectDelay: 0.2, reconnectDelayMax: 1 });
      const app = express().use(r);
      await r.ready();
      await servers.pop()!.close();
      await waitFor(async () => (r.status().state !== 'ready' ? true : undefined), 'the drop to be seen');
      const down = await request(app).post('/echo').send({ message: 'x' });
      expect(down.status).to.be.oneOf([502, 503]);
      servers.push(await startKitchenSink('sse', ['--port', String(port)]));
      await waitFor(async () => (r.status().state === 'ready' ? true : undefined), 'the reconnect', 10_000);
      await request(app).post('/echo').send({ message: 'back' }).expect(200);
      expect(r.status().restarts).to.be.at.least(1);
    });
  });
});
