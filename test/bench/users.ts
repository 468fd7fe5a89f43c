/**
 * The bench section "users" (`BENCH_ONLY=users`): a process per user against
 * one shared process. Twenty users, each with their own `X-User-Token`, call
 * a server whose env takes the token from that header (so mcpo runs a
 * process per user), against the same calls, headers and all, on a server
 * without templates (one process shared by all). The rounds alternate the
 * two. Each load's CPU per call is split between mcpo, its MCP servers (all
 * its children) and the load generator, to tell mcpo's own cost (its pool,
 * its transport) from the servers' (twenty processes, each woken for a call
 * or two, against one that reads a batch); memory is read at its end, with
 * every user's process started by the warm-up.
 *
 * Then new users, one at a time: a first call's time to its answer, taking
 * turns with the server's own start (command-start.ts's serverStart).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import type autocannon from 'autocannon';
import { serverStart } from './command-start.js';
import { cannon, median, processTree, ROUNDS, serverCommand, startMcpoReady, treeMemory, withCpu, type Load, type Running } from './harness.js';
import { atMost, fmt, markdownTable, quantity, ratioText, shown, type Row } from './table.js';

const USERS = 20;
/** New users after the warm rounds; the pool has room for them beside the warm ones, so none is evicted. */
const NEW_USERS = Math.max(5, ROUNDS * 3);
const KEY = 'bench-users-key-0123456789';
const ROUTE = '/b/ping';

type SideName = 'templated' | 'shared';
/** withCpu's names for the parts of a call's CPU. */
const MCPO = 'mcpo';
const SERVERS = 'mcpo: its MCP server';
const LOADER = 'load generator';

interface Side {
  running: Running;
  loads: Load[];
  memory: ReturnType<typeof treeMemory>[];
  /** CPU ms per call by withCpu's part name, one entry per round. */
  cpu: Record<string, number[]>;
}

const headers = (user: number) => ({ 'content-type': 'application/json', authorization: `Bearer ${KEY}`, 'x-user-token': `bench-user-${user}-token` });

async function startSides(dir: string): Promise<Record<SideName, Side>> {
  const [command, ...args] = serverCommand();
  const write = (name: string, server: Record<string, unknown>) => {
    const file = path.join(dir, name);
    writeFileSync(file, JSON.stringify({ mcpServers: { b: { command, args, ...server } } }));
    return file;
  };
  const templatedFile = write('templated.json', { env: { USER_TOKEN: '{{header.X-User-Token | required}}' }, maxProcesses: USERS + NEW_USERS });
  const sharedFile = write('shared.json', {});
  const side = async (file: string): Promise<Side> => ({ running: await startMcpoReady(['--api-key', KEY, '--config', file]), loads: [], memory: [], cpu: {} });
  return { templated: await side(templatedFile), shared: await side(sharedFile) };
}

async function warmUp(sides: Record<SideName, Side>, requests: autocannon.Request[]): Promise<void> {
  // A call as each user, all at once, must answer 200; on the templated side it starts every user's process.
  // Left to the load, the processes would start one at a time: autocannon takes every connection through
  // the users in the same order, so all of them wait at the first user whose process is still starting.
  for (const [name, { running }] of Object.entries(sides)) {
    await Promise.all(
      Array.from({ length: USERS }, async (_, user) => {
        const res = await fetch(`${running.url}${ROUTE}`, { method: 'POST', headers: headers(user), body: '{}' });
        if (res.status !== 200) throw new Error(`${name}: a sample call as user ${user} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
      }),
    );
  }
  // JIT, connection pools.
  for (const { running } of Object.values(sides)) await cannon(`${running.url}${ROUTE}`, 32, {}, { duration: 2, requests });
}

/** The rounds, the sides' order swapped each round; resolves with each round's templated ÷ shared req/s. */
async function measureRounds(sides: Record<SideName, Side>, requests: autocannon.Request[]): Promise<number[]> {
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    process.stderr.write(`users: round ${round + 1}/${ROUNDS}\n`);
    const order: SideName[] = round % 2 ? ['shared', 'templated'] : ['templated', 'shared'];
    for (const name of order) {
      const side = sides[name];
      // The servers' share is read from /proc at 10 ms per process: over thousands of calls, a few µs per call.
      const { load, perRequest } = await withCpu({ [MCPO]: side.running.pid }, () => cannon(`${side.running.url}${ROUTE}`, 32, {}, { requests }));
      side.memory.push(treeMemory(side.running.pid));
      side.loads.push(load);
      for (const [part, ms] of Object.entries(perRequest)) (side.cpu[part] ??= []).push(ms);
    }
    ratios.push(sides.templated.loads.at(-1)!.rps / sides.shared.loads.at(-1)!.rps);
  }
  return ratios;
}

/** One POST as `user` on an agent's open connection: the time is mcpo's and the server's, not a TCP handshake's. */
function timedCall(agent: http.Agent, url: string, user: number): Promise<number> {
  const target = new URL(`${url}${ROUTE}`);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { ...headers(user), 'content-length': 2 } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`a call as user ${user} answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end('{}');
  });
}

interface FirstCalls {
  first: number[];
  server: number[];
  /** mcpo's children before and after: each new user must have started one. */
  processes: [number, number];
}

/** Each new user's first call, one at a time, taking turns with the server started alone, the order swapped each time. */
async function firstCalls(templated: Running): Promise<FirstCalls> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const out: FirstCalls = { first: [], server: [], processes: [processTree(templated.pid).descendants.length, 0] };
  try {
    await timedCall(agent, templated.url, 0); // a warm user's call opens the connection
    for (let i = 0; i < NEW_USERS; i++) {
      // The environment mcpo gives a user's process, so the two starts differ only by what mcpo does.
      const alone = () => serverStart({ ...getDefaultEnvironment(), USER_TOKEN: `bench-user-${USERS + i}-token` });
      if (i % 2) out.server.push(await alone());
      out.first.push(await timedCall(agent, templated.url, USERS + i));
      if (!(i % 2)) out.server.push(await alone());
    }
  } finally {
    agent.destroy();
  }
  out.processes[1] = processTree(templated.pid).descendants.length;
  if (out.processes[1] - out.processes[0] !== NEW_USERS) throw new Error(`${NEW_USERS} new users took mcpo from ${out.processes[0]} to ${out.processes[1]} MCP servers`);
  return out;
}

function summary({ loads, memory }: Side) {
  const failed = loads.reduce((n, l) => n + l.failures, 0);
  const total = loads.reduce((n, l) => n + l.requests, 0);
  // Memory as printed, so the per-process figures of the note follow from the row.
  const m = (k: 'rss' | 'pss' | 'ownRss') => shown(median(memory.map((x) => x[k])));
  const processes = Math.max(...memory.map((x) => x.processes));
  return {
    rps: median(loads.map((l) => l.rps)),
    after: `, ${failed} failed of ${fmt(total)}; RSS ${fmt(m('rss'))} MB in ${processes} processes (mcpo ${fmt(m('ownRss'))} MB; PSS ${fmt(m('pss'))} MB)`,
    failed,
    rss: m('rss'),
    pss: m('pss'),
    ownRss: m('ownRss'),
    processes,
  };
}

function throughput(sides: Record<SideName, Side>, ratios: number[]): { row: Row; note: string } {
  const t = summary(sides.templated);
  const s = summary(sides.shared);
  const extra = t.processes - s.processes;
  return {
    row: {
      scenario: `${USERS} users round-robin (each its own \`X-User-Token\`), \`POST /b/ping\`, concurrency 32: a templated stdio env (a process per user; maxProcesses ${USERS + NEW_USERS}, room for the new users below) against one shared process; memory is mcpo and all its children, at the end of the load`,
      figure: quantity(t.rps, 0, 'req/s', t.after),
      baseline: quantity(s.rps, 0, 'req/s', `${s.after} (one shared process, same load and headers)`),
      named: { label: `median of ${ROUNDS} rounds' ratios`, ratios: [['req/s', median(ratios)]] },
      target: { text: '0 failed', met: () => t.failed === 0 && s.failed === 0 },
    },
    note: `With a process per user, mcpo served ${fmt(median(ratios), 2)}× the calls per second of one shared process (median of ${ROUNDS} rounds' ratios; the issue wants at least 0.85×). mcpo and its children held ${fmt(t.rss)} MB RSS in ${t.processes} processes against ${fmt(s.rss)} MB in ${s.processes}: about ${fmt((t.rss - s.rss) / extra, 1)} MB RSS per added process (${fmt((t.pss - s.pss) / extra, 1)} MB counted as PSS, which splits shared pages), and mcpo itself ${fmt(t.ownRss)} MB against ${fmt(s.ownRss)} MB.`,
  };
}

/** Cores kept busy by a side's load: its median calls per second × a call's CPU in every process. */
const busy = (side: Side, ms: number) => fmt((median(side.loads.map((l) => l.rps)) * ms) / 1000, 2);
const signed = (n: number, digits = 3) => `${n < 0 ? '−' : '+'}${fmt(Math.abs(n), digits)}`;

/** Where a call's CPU goes on each side, as a table and in words; every sum, difference and ratio is of printed numbers. */
function cpuNotes(sides: Record<SideName, Side>, ratio: number): string[] {
  const parts = (name: SideName) => {
    const part = (key: string) => shown(median(sides[name].cpu[key] ?? [0]), 3);
    const [mcpo, servers, loader] = [part(MCPO), part(SERVERS), part(LOADER)];
    return { mcpo, servers, sum: shown(mcpo + servers, 3), loader, all: shown(mcpo + servers + loader, 3) };
  };
  const t = parts('templated');
  const s = parts('shared');
  const cells = (p: typeof t) => [p.mcpo, p.servers, p.sum, p.loader].map((v) => fmt(v, 3));
  const q = (value: number) => ({ value, digits: 3 });
  const ratios = (['mcpo', 'servers', 'sum', 'loader'] as const).map((k) => ratioText(q(t[k]), q(s[k])));
  const table = markdownTable(
    [`CPU ms per call (median of ${ROUNDS} rounds), ${USERS} users round-robin, \`POST /b/ping\`, concurrency 32`, 'mcpo', 'its MCP servers (all its children)', 'mcpo + its MCP servers', 'load generator'],
    [
      [`a process per user (${sides.templated.memory.at(-1)!.processes - 1} servers)`, ...cells(t)],
      ['one shared process', ...cells(s)],
      ['a process per user ÷ one shared process', ...ratios],
    ],
  );
  const [dm, ds, dsum] = [shown(t.mcpo - s.mcpo, 3), shown(t.servers - s.servers, 3), shown(t.sum - s.sum, 3)];
  const shares = dsum > 0 ? `; of that, the servers' part is ${fmt((100 * ds) / dsum)}% and mcpo's ${fmt((100 * dm) / dsum)}%` : '';
  const words = [
    `With a process per user, a call cost ${signed(dm)} ms of mcpo's own CPU (${ratios[0]} the shared side's) and ${signed(ds)} ms of its MCP servers' (${ratios[1]}): ${signed(dsum)} ms per call in all${shares}. The load generator, sending the same calls to both, spent ${signed(shown(t.loader - s.loader, 3))} ms per call.`,
    `Were every core busy on both sides, calls per second would go as the inverse of a call's CPU summed over every process (${fmt(t.all, 3)} ms with a process per user, ${fmt(s.all, 3)} ms shared), putting the per-user side at ${ratioText(q(s.all), q(t.all))} the shared side's; it served ${fmt(ratio, 2)}×, keeping ${busy(sides.templated, t.all)} of the ${os.cpus().length} cores busy against ${busy(sides.shared, s.all)} shared (calls per second × CPU per call).`,
  ].join(' ');
  return [table, words];
}

function firstCallRow({ first, server, processes }: FirstCalls): Row {
  const [f, s] = [shown(median(first), 1), shown(median(server), 1)];
  return {
    scenario: `A new user's first call: \`POST /b/ping\` as each of ${NEW_USERS} new users, one at a time, from sending it to its 200 (mcpo starts that user's process; ${processes[0]} warm ones running, ${processes[1]} after), beside the server's own start, taking turns`,
    figure: quantity(f, 1, 'ms', ` (${signed(shown(f - s, 1), 1)} ms beyond the server's own start)`),
    baseline: quantity(s, 1, 'ms', ' (the server alone, spawned with the environment mcpo gives it until it answers `initialize` over stdio)'),
    target: atMost(1.5),
  };
}

export async function perUserProcesses(): Promise<{ rows: Row[]; notes: string[] }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mcpo-bench-users-'));
  // autocannon takes each connection through this list in turn, so the 32 connections cycle through the 20 users.
  const requests: autocannon.Request[] = Array.from({ length: USERS }, (_, user) => ({ method: 'POST', path: ROUTE, headers: headers(user), body: '{}' }));
  let sides: Record<SideName, Side> | undefined;
  try {
    sides = await startSides(dir);
    await warmUp(sides, requests);
    const ratios = await measureRounds(sides, requests);
    const starts = await firstCalls(sides.templated.running);
    const { row, note } = throughput(sides, ratios);
    return { rows: [row, firstCallRow(starts)], notes: [note, ...cpuNotes(sides, median(ratios))] };
  } finally {
    await Promise.all(Object.values(sides ?? {}).map((side) => side.running.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}
