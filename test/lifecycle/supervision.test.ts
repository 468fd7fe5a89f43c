/**
 * Supervised connections: servers that cannot start, crash mid-call, flood
 * stderr, or lose their session, against real processes and real transports.
 * The core cases run against both MCP eras (test/helpers/eras.ts); the
 * misbehaving-process cases use the unruly fixture, whose era does not matter
 * to them, and the session cases exist only in the 2025 era.
 */
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { mcpoRouter, silentLogger, type McpoRouter } from '../../lib/index.js';
import { recordingLogger } from '../helpers/logger.js';
import { isAlive } from '../helpers/mcpo.js';
import { ERAS } from '../helpers/eras.js';
import { freePort, startKitchenSink, unrulyStdio, type RunningServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

const pidOf = async (app: express.Express): Promise<number> => (await request(app).post('/pid').send({}).expect(200)).body.result.pid as number;
const TRANSPORTS = ['stdio', 'streamable-http'] as const;
const isListed = (r: McpoRouter, tool: string): boolean => Object.keys(r.document()!.paths!).includes(`/${tool}`);

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

  // Sessions exist only in the 2025 era: a 2026-07-28 server has none to expire.
  describe('a Streamable HTTP server of the 2025 era', () => {
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
  });

  // SSE is a 2025-era transport only.
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

  for (const era of ERAS) {
    describe(`a ${era.name} server`, () => {
      const { echo, slow, cancellations, exit, addTool, removeTool } = era.tools;

      for (const transport of TRANSPORTS) {
        describe(`over ${transport}`, () => {
          // One connection for the cases that leave it as they found it: a process start is the slow part.
          let shared: McpoRouter;
          let upstream: RunningServer | undefined;
          let app: express.Express;
          const cancelled = async (): Promise<number> => (await request(app).post(`/${cancellations}`).send({}).expect(200)).body.result.cancelled as number;
          before(async () => {
            if (transport === 'streamable-http') upstream = await era.startHttp();
            shared = mcpoRouter(upstream ? { type: 'streamable-http', url: upstream.url } : era.stdio(), { logger: silentLogger });
            app = express().use(shared);
            await shared.ready();
          });
          after(async () => {
            await shared?.close();
            await upstream?.close();
          });

          it('answers a call, and reports the protocol version it negotiated', async () => {
            const res = await request(app).post(`/${echo}`).send({ message: `over ${transport}` }).expect(200);
            expect(res.body.result).to.equal(`over ${transport}`);
            expect(shared.status()).to.include({ state: 'ready', type: transport, protocolVersion: era.protocolVersion });
          });

          it('answers 504 when a call outlives its timeout, and cancels it upstream', async () => {
            const before = await cancelled();
            const started = Date.now();
            const res = await request(app).post(`/${slow}?timeout=0.3`).send({ ms: 5000 }).expect(504);
            expect(res.body.error.code).to.equal('timeout');
            expect(Date.now() - started).to.be.below(3000);
            await waitFor(async () => ((await cancelled()) > before ? true : undefined), 'the upstream cancellation');
          });

          it('routes a tool added on tools/list_changed, finishes a call in flight meanwhile, and drops a removed tool', async () => {
            const inFlight = request(app).post(`/${slow}`).send({ ms: 800 }).then((res) => res);
            await new Promise((resolve) => setTimeout(resolve, 100));
            const added = (await request(app).post(`/${addTool}`).send({}).expect(200)).body.result as string;
            await waitFor(async () => (isListed(shared, added) ? true : undefined), `${added} to be listed`);
            await request(app).post(`/${added}`).send({}).expect(200);
            const res = await inFlight;
            expect(res.status).to.equal(200);
            expect(res.body.result).to.equal('done after 800ms');

            await request(app).post(`/${removeTool}`).send({ name: added }).expect(200);
            await waitFor(async () => (isListed(shared, added) ? undefined : true), `${added} to be dropped`);
            await request(app).post(`/${added}`).send({}).expect(404);
          });
        });
      }

      it('fails the calls in flight with 502 when the stdio child exits mid-call, answers only 503 while it restarts, and serves again from a new process', async () => {
        const log = recordingLogger();
        const r = router(era.stdio(), { toolTimeout: 30, logger: log });
        const app = express().use(r);
        await r.ready();
        const before = r.status().pid!;

        // Calls in flight when it dies fail together, long before their 30 s timeout.
        const started = Date.now();
        const slowCalls = [1, 2, 3].map(() => request(app).post(`/${slow}`).send({ ms: 20_000 }).then((res) => res.status));
        await new Promise((resolve) => setTimeout(resolve, 100));
        const crash = await request(app).post(`/${exit}`).send({});
        expect(crash.status).to.equal(502);
        expect(crash.body.error.code).to.equal('connection_closed');
        expect(await Promise.all(slowCalls)).to.deep.equal([502, 502, 502]);
        expect(Date.now() - started).to.be.below(3000);

        const seen = new Set<number>();
        const until = Date.now() + 15_000;
        let served = false;
        while (!served && Date.now() < until) {
          const res = await request(app).post(`/${echo}`).send({ message: 'back' });
          seen.add(res.status);
          if (res.status === 200) served = true;
          else expect(res.headers['retry-after'], `a ${res.status} while restarting`).to.be.a('string');
        }
        expect(served, 'served again within 15 s').to.equal(true);
        expect([...seen].filter((s) => s !== 200 && s !== 503 && s !== 502)).to.deep.equal([]);
        expect(r.status().pid).to.be.a('number').and.not.equal(before);
        expect(isAlive(before)).to.equal(false);
        // Still in its own era: a child that died mid-call did not die of the era probe.
        expect(r.status()).to.include({ state: 'ready', restarts: 1, protocolVersion: era.protocolVersion });
        // Named by its command, the router's default; it quotes what the server said as it died.
        const why = r.status().lastError!;
        expect(why).to.match(/^MCP server "node" exited \(code 1\); its stderr ended with:\n/);
        expect(why.split('\n').at(-1)).to.match(era.exitLine);
        // The first warning of its kind: a fixture may warn about its schemas before.
        expect(log.records.find((l) => l.message === 'MCP connection lost; reconnecting')).to.deep.equal({
          level: 'warn',
          message: 'MCP connection lost; reconnecting',
          fields: { server: 'node', type: 'stdio', reason: why },
        });
      });

      it('fails a call whose Streamable HTTP server died mid-call with 502 at once, does not send it again, and serves once the server is back', async () => {
        const port = await freePort();
        servers.push(await era.startHttp(port));
        const r = router({ type: 'streamable-http', url: `http://127.0.0.1:${port}/mcp` }, { toolTimeout: 30, reconnectDelay: 1, reconnectDelayMax: 1 });
        const app = express().use(r);
        await r.ready();
        const started = Date.now();
        const res = await request(app).post(`/${exit}`).send({});
        expect(res.status).to.equal(502);
        // Which socket notices first decides the code: the call's own response (failed) or the connection (closed).
        expect(res.body.error.code).to.be.oneOf(['connection_closed', 'connection_failed']);
        expect(Date.now() - started).to.be.below(3000);
        if (era.sessions) {
          // Not sent again: a second delivery would have needed a new session, and none was started. (In 2026-07-28
          // the end of the subscriptions/listen stream starts a new connection at once, so restarts proves nothing.)
          expect(r.status().restarts).to.equal(0);
          expect(r.status().state).to.equal('backing-off');
        }

        await servers.pop()!.close();
        servers.push(await era.startHttp(port));
        await waitFor(async () => (r.status().state === 'ready' ? true : undefined), 'the reconnect', 10_000);
        expect((await request(app).post(`/${echo}`).send({ message: 'back' }).expect(200)).body.result).to.equal('back');
        expect(r.status().protocolVersion).to.equal(era.protocolVersion);
      });

      it('answers 503 with Retry-After while its Streamable HTTP server is down at start, and serves once it is up', async () => {
        const port = await freePort();
        const r = router({ type: 'streamable-http', url: `http://127.0.0.1:${port}/mcp` }, { reconnectDelay: 0.2, reconnectDelayMax: 0.5 });
        const app = express().use(r);
        await r.ready().catch(() => {});
        const res = await request(app).post(`/${echo}`).send({ message: 'x' }).expect(503);
        expect(res.body.error.code).to.equal('unavailable');
        expect(Number(res.headers['retry-after'])).to.be.within(1, 30);

        servers.push(await era.startHttp(port));
        await waitFor(async () => (r.status().state === 'ready' ? true : undefined), 'the first connection', 10_000);
        expect((await request(app).post(`/${echo}`).send({ message: 'up' }).expect(200)).body.result).to.equal('up');
        expect(r.status().protocolVersion).to.equal(era.protocolVersion);
      });
    });
  }
});
