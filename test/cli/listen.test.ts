/**
 * bin/listen.ts: the port opens before the app is made, and until then every
 * request is told to come back (503, Retry-After, mcpo's JSON error); once
 * the app is served the same port answers with it. A signal in that window
 * ends the command, and the servers it started ahead with it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import { expect } from 'chai';
import { listen } from '../../bin/listen.js';
import type { CliOptions } from '../../bin/cli-options.js';
import type { McpoApp } from '../../lib/app/app.js';
import { silentLogger } from '../../lib/index.js';
import { APP_MODULE, isAlive as alive, LOAD_HOOKS, MCPO_BIN, ROOT } from '../helpers/mcpo.js';
import { freePort } from '../helpers/servers.js';

describe('the port before and after the app (bin/listen.ts)', () => {
  it('answers 503 with Retry-After while the app loads, then serves the app', async () => {
    const options = { host: '127.0.0.1', port: 0, headersTimeout: 10, requestTimeout: 60 } as CliOptions;
    const { server, serve } = await listen(options, silentLogger);
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ping`;
      const early = await fetch(url, { method: 'POST' });
      expect(early.status).to.equal(503);
      expect(early.headers.get('retry-after')).to.equal('1');
      expect(early.headers.get('content-type')).to.equal('application/json; charset=utf-8');
      expect(await early.json()).to.deep.include({ ok: false }).and.have.nested.property('error.code', 'starting');
      const app = express().post('/ping', (_req, res) => void res.json({ ok: true, result: 'pong' }));
      serve(app as unknown as McpoApp);
      const later = await fetch(url, { method: 'POST' });
      expect(later.status).to.equal(200);
      expect(await later.json()).to.deep.equal({ ok: true, result: 'pong' });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('exits on SIGTERM while the app loads, and takes the stdio server it started ahead with it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mcpo-early-'));
    const pidFile = path.join(dir, 'pid');
    // A "server" that never answers and outlives its stdin: only mcpo's exit hook ends it.
    const server = `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`;
    const port = await freePort();
    // The app's module is held back 5 s, so the signal surely comes while the command is starting.
    const child = spawn(process.execPath, ['--import', LOAD_HOOKS, MCPO_BIN, '--port', String(port), '--', process.execPath, '-e', server], {
      cwd: ROOT,
      env: { ...process.env, MCPO_SLOW_MODULE: APP_MODULE.source, MCPO_SLOW_MS: '5000' },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    let serverPid: number | undefined;
    try {
      let starting = false;
      for (let i = 0; i < 400 && !starting; i++) {
        await sleep(5);
        const answer = await fetch(`http://127.0.0.1:${port}/openapi.json`).catch(() => undefined);
        const body = answer?.status === 503 ? ((await answer.json()) as { error?: { code?: string } }) : undefined;
        starting = body?.error?.code === 'starting' && existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '';
      }
      expect(starting, 'saw the port answer 503 starting with the server already running').to.equal(true);
      serverPid = Number(readFileSync(pidFile, 'utf8'));
      child.kill('SIGTERM');
      expect(await exited).to.equal(143);
      for (let i = 0; i < 100 && alive(serverPid); i++) await sleep(20);
      expect(alive(serverPid), 'the server started ahead is gone').to.equal(false);
    } finally {
      child.kill('SIGKILL');
      // Even when the test fails, nothing it started outlives it.
      if (serverPid !== undefined && alive(serverPid)) process.kill(serverPid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
