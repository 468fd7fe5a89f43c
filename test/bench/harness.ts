/**
 * What the bench sections share (test/bench/run.ts and the sections kept in
 * files of their own, such as test/bench/auth-cost.ts): the rounds and
 * seconds, the compiled bench server, starting processes, the CPU per
 * request and memory of a process and its descendants, autocannon loads and
 * medians. The printed tables are
 * test/bench/table.ts's.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { allProcesses, untilConnected } from '../helpers/mcpo.js';
import { freePort } from '../helpers/servers.js';

export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url));
export const MCPO = path.join(ROOT, 'dist/bin/mcpo.js');

/**
 * The bench server compiled to plain JavaScript once per run: through tsx
 * every start would pay for a TypeScript compile (and an esbuild process),
 * which would swamp the startup scenario and add noise to the rest.
 */
const COMPILED_DIR = path.join(ROOT, 'test/bench/.compiled');
export const COMPILED = path.join(COMPILED_DIR, 'server.js');
export function compileServer(): void {
  const tsc = fileURLToPath(import.meta.resolve('typescript/bin/tsc'));
  const result = spawnSync(process.execPath, [tsc, SERVER, '--outDir', COMPILED_DIR, '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`could not compile the bench server:\n${result.stdout}${result.stderr}`);
}
export const serverCommand = (flags: string[] = []): string[] => [process.execPath, COMPILED, ...flags];

// ---------- processes ----------

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export interface Running {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts a process and resolves with the URL it announces on stdout or stderr (or with `known` at once). */
export function start(command: string[], pattern: RegExp, known?: string): Promise<Running> {
  const child = spawn(command[0]!, command.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  return new Promise((resolve, reject) => {
    if (known !== undefined) setImmediate(() => onData(Buffer.from(`\n${known}\n`)));
    const timer = setTimeout(() => reject(new Error(`${command.join(' ')} did not start:\n${output}`)), 30_000);
    function onData(chunk: Buffer): void {
      output = (output + chunk.toString()).slice(-20_000);
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({
          url: match[1]!,
          pid: child.pid!,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
              setTimeout(() => child.kill('SIGKILL'), 8000).unref();
            }).finally(() => children.delete(child)),
        });
      }
    }
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${command.join(' ')} exited with ${code}:\n${output}`)));
  });
}

/**
 * The mcpo command, logging at warning level (one line per request at info
 * would be measured too); resolves once /healthz shows every server connected.
 */
export async function startMcpoReady(args: string[], bin = MCPO): Promise<Running> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const running = await start([process.execPath, bin, '--port', String(port), '--log-level', 'warning', ...args], /^(http:\S+)$/m, url);
  // A per-user server is ready when it waits for its first caller: it connects for each one.
  await untilConnected(running.url, undefined, 30_000, true);
  return running;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------- measuring ----------

export type Proc = ReturnType<typeof allProcesses>[number];

/** A process and all its descendants (its MCP servers, and theirs), from one reading of /proc; `root` is undefined once it is gone. */
export function processTree(root: number): { root?: Proc; descendants: Proc[] } {
  const processes = allProcesses();
  const descendants: Proc[] = [];
  const pids = [root];
  for (let i = 0; i < pids.length; i++) {
    for (const p of processes) {
      if (p.ppid !== pids[i]) continue;
      descendants.push(p);
      pids.push(p.pid);
    }
  }
  return { root: processes.find((p) => p.pid === root), descendants };
}

/**
 * CPU time (user + system, ms) of a process and of all its descendants, from /proc; 10 ms resolution. A
 * descendant that exits takes its time with it, so a load that stops or replaces servers undercounts them.
 */
export function cpuMs(root: number): { own: number; children: number } {
  const tree = processTree(root);
  return { own: tree.root?.cpuMs ?? 0, children: tree.descendants.reduce((sum, p) => sum + p.cpuMs, 0) };
}

/** Memory of a process and all its descendants, from /proc, in MB: RSS summed, and PSS (shared pages split between the processes sharing them). */
export function treeMemory(root: number): { rss: number; pss: number; ownRss: number; processes: number } {
  const tree = [root, ...processTree(root).descendants.map((p) => p.pid)];
  const kb = (file: string, field: string): number => {
    try {
      return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(file, 'utf8'))?.[1] ?? 0);
    } catch {
      return 0; // gone while we looked
    }
  };
  const rss = tree.map((pid) => kb(`/proc/${pid}/status`, 'VmRSS'));
  const pss = tree.map((pid) => kb(`/proc/${pid}/smaps_rollup`, 'Pss'));
  const mb = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / 1024;
  return { rss: mb(rss), pss: mb(pss), ownRss: rss[0]! / 1024, processes: tree.length };
}

/** Runs `load` and reports CPU ms per request spent by each process tree and by the load generator. */
export async function withCpu(roots: Record<string, number>, load: () => Promise<Load>): Promise<{ load: Load; perRequest: Record<string, number> }> {
  const before = Object.fromEntries(Object.entries(roots).map(([k, pid]) => [k, cpuMs(pid)]));
  const ownBefore = process.cpuUsage();
  const result = await load();
  const own = process.cpuUsage(ownBefore);
  const perRequest: Record<string, number> = { 'load generator': (own.user + own.system) / 1000 / result.requests };
  for (const [k, pid] of Object.entries(roots)) {
    const after = cpuMs(pid);
    perRequest[`${k}`] = (after.own - before[k]!.own) / result.requests;
    if (after.children > 0 || before[k]!.children > 0) perRequest[`${k}: its MCP server`] = (after.children - before[k]!.children) / result.requests;
  }
  return { load: result, perRequest };
}

export interface Load {
  rps: number;
  p99: number;
  failures: number;
  requests: number;
}

/** Load from autocannon for BENCH_SECONDS, or, given `until`, from now until it settles. */
export async function cannon(url: string, connections: number, body: unknown, extra: Partial<autocannon.Options> = {}, until?: Promise<unknown>): Promise<Load> {
  const options: autocannon.Options = {
    url,
    method: 'POST',
    connections,
    duration: until ? 3600 : SECONDS,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...extra,
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (err, done) => (err ? reject(err) : resolve(done)));
    const stop = () => instance.stop();
    void until?.then(stop, stop);
  });
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
    requests: result.requests.total,
  };
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
export const percentile = (xs: ArrayLike<number>, p: number) => {
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
