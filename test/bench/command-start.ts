/**
 * How soon the command answers (BENCH_ONLY=command): `mcpo --help` and
 * `mcpo --version` beside `node -e 0`, the floor any Node command pays on
 * this machine; and, with one stdio server, from the command's start to its
 * port listening and to that server being served, beside the server's own
 * start (spawned alone, until it answers `initialize`). Wall time, medians
 * of runs interleaved so that a busy moment falls on every kind alike.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { healthOf } from '../helpers/mcpo.js';
import { freePort } from '../helpers/servers.js';
import { inheritedEnv } from '../../lib/mcp/server-process.js';
import { median, MCPO, ROOT, ROUNDS, serverCommand } from './harness.js';
import { fmt, quantity, shown, type Row, type Target } from './table.js';

/** Runs to completion; resolves with the wall time from spawn to exit. */
function timedRun(command: string[]): Promise<number> {
  const started = performance.now();
  const child = spawn(command[0]!, command.slice(1), { cwd: ROOT, stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${command.join(' ')} exited with ${code}`))));
  });
}

/**
 * The bench server alone: from spawn to its answer to `initialize` on stdout. `env` replaces the inherited
 * environment: the users section passes the one mcpo gives its servers, since a variable such as
 * NODE_EXTRA_CA_CERTS, which mcpo does not pass on, can slow a Node server's start by hundreds of ms.
 */
export function serverStart(env?: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  const command = serverCommand();
  const child = spawn(command[0]!, command.slice(1), { cwd: ROOT, stdio: ['pipe', 'pipe', 'ignore'], ...(env ? { env } : {}) });
  const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } };
  child.stdin.write(`${JSON.stringify(initialize)}\n`);
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('error', reject);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (!out.includes('"id":1')) return;
      const ms = performance.now() - started;
      child.once('exit', () => resolve(ms));
      child.kill('SIGKILL');
    });
  });
}

const connects = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** mcpo with one stdio server: ms from spawn until its port accepts, and until /healthz shows the server connected. */
async function mcpoStart(): Promise<{ listening: number; ready: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [MCPO, '--port', String(port), '--log-level', 'warning', '--', ...serverCommand()], { cwd: ROOT, stdio: 'ignore' });
  try {
    // Polled every 2 ms: the polling costs a little CPU the command competes with, the same on every run.
    let listening: number | undefined;
    while (listening === undefined) {
      if (child.exitCode !== null) throw new Error(`mcpo exited with ${child.exitCode} before listening`);
      if (await connects(port)) listening = performance.now() - started;
      else await new Promise((r) => setTimeout(r, 2));
    }
    const connected = async () => Object.values((await healthOf(`http://127.0.0.1:${port}`))?.servers ?? {}).some((s) => s.connected);
    while (!(await connected())) await new Promise((r) => setTimeout(r, 2));
    return { listening, ready: performance.now() - started };
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}

export async function commandStart(): Promise<{ rows: Row[]; notes: string[] }> {
  const runs = Math.max(5, ROUNDS * 3);
  const floor: number[] = [];
  const help: number[] = [];
  const version: number[] = [];
  const server: number[] = [];
  const listening: number[] = [];
  const ready: number[] = [];
  for (let i = 0; i < runs; i++) {
    floor.push(await timedRun([process.execPath, '-e', '0']));
    help.push(await timedRun([process.execPath, MCPO, '--help']));
    version.push(await timedRun([process.execPath, MCPO, '--version']));
    // With the variables mcpo gives a server: the bench's own (NODE_EXTRA_CA_CERTS, say) can slow a Node start by half.
    server.push(await serverStart(inheritedEnv()));
    const started = await mcpoStart();
    listening.push(started.listening);
    ready.push(started.ready);
  }
  const ms = (xs: number[], after = '') => quantity(median(xs), 0, 'ms', after);
  const beside = ms(floor, ' (`node -e 0`)');
  const under = (limit: number): Target => ({ text: `< ${limit} ms`, met: (p) => p.figure < limit });
  // The time beyond the server's own start is not a ratio: it is the difference of the two printed numbers.
  const beyond = shown(median(ready)) - shown(median(server));
  return {
    rows: [
      { scenario: '`mcpo --help`, wall time', figure: ms(help), baseline: beside, target: under(150) },
      { scenario: '`mcpo --version`, wall time', figure: ms(version), baseline: beside, target: under(150) },
      { scenario: 'mcpo with one stdio server, from start to its port listening', figure: ms(listening), baseline: beside, target: under(400) },
      {
        scenario: 'mcpo with one stdio server, from start to the server served, beside the server\'s own start',
        figure: ms(ready, ` (${fmt(beyond)} ms beyond the server's own start)`),
        baseline: ms(server, ' (the server alone, to its `initialize` answer)'),
        target: { text: '< 400 ms beyond', met: (p) => p.figure - p.baseline < 400 },
      },
    ],
    notes: [`The command rows are medians of ${runs} runs of each, interleaved.`],
  };
}
