/**
 * `npm run bench`: what the hop through mcpo costs, as ratios against
 * baselines measured in the same run (these machines are shared and noisy,
 * so absolute numbers mean little). Scenarios are interleaved, repeated for
 * BENCH_ROUNDS rounds (default 3) of BENCH_SECONDS seconds (default 3), and
 * each figure is the median. Prints a markdown table: figure, baseline,
 * ratio, target (test/bench/table.ts; a ratio is the quotient of the two
 * numbers printed beside it), under the date, machine and command of the run.
 *
 * Every scenario uses test/bench/server.ts over stdio. Not part of npm test.
 *
 * BENCH_ONLY=<names>, a comma list, runs only those sections: throughput,
 * tools, startup, command (test/bench/command-start.ts), memory, reload,
 * users (test/bench/users.ts), auth (test/bench/auth-cost.ts),
 * compare, compare-mcp. BENCH_COMPARE=<another build's dist/bin/mcpo.js> sets
 * this build beside that one, over REST (compare) and at the MCP endpoint in
 * both eras (compare-mcp), and alone runs only those, unless BENCH_ONLY says
 * more. A section that fails (a build without an MCP endpoint for
 * compare-mcp, say) is named under the table and the run exits 1; the rows
 * of every other section still print.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import express from 'express';
import { createApp, mcpoRouter, silentLogger } from '../../lib/index.js';
import { allProcesses } from '../helpers/mcpo.js';
import { freePort } from '../helpers/servers.js';
import { verifiedCallers } from './auth-cost.js';
import { commandStart } from './command-start.js';
import { cannon, compileServer, median, percentile, ROUNDS, SECONDS, serverCommand, sleep, start, startMcpoReady, withCpu, type Load, type Running } from './harness.js';
import { checkTarget, sessionTarget, statelessTarget, type McpMethod, type McpTarget } from './mcp-targets.js';
import { atLeast, atMost, fmt, markdownTable, quantity, ratioText, resultsTable, runHeader, shown, type Row, type Target } from './table.js';
import { perUserProcesses } from './users.js';

const TSX = import.meta.resolve('tsx');
const FLOOR = fileURLToPath(new URL('./floor.ts', import.meta.url));
const SUPERGATEWAY = fileURLToPath(import.meta.resolve('supergateway/dist/index.js'));

const NESTED_BODY = { user: { name: 'Ada', age: 36, address: { street: '1 Main St', zip: '12345' } }, tags: ['a', 'b'] };

interface Caller {
  /** One call; resolves with its latency in ms, with sub-millisecond resolution. */
  one(): Promise<number>;
  close(): Promise<void>;
}

/** POST calls over one keep-alive connection, as a client at concurrency 1 makes them. */
function httpCaller(url: string, body: unknown): Caller {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const payload = JSON.stringify(body);
  const target = new URL(url);
  const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
  return {
    one: () =>
      new Promise<number>((resolve, reject) => {
        const started = process.hrtime.bigint();
        const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve(Number(process.hrtime.bigint() - started) / 1e6) : reject(new Error(`status ${res.statusCode}`))));
        });
        req.on('error', reject);
        req.end(payload);
      }),
    close: async () => agent.destroy(),
  };
}

/** The SDK client calling the bench server's `ping` directly: the floor for latency. */
async function directCaller(): Promise<Caller> {
  const [command, ...args] = serverCommand();
  // The client mcpo itself uses, negotiating the era as mcpo does.
  const client = new Client({ name: 'bench', version: '0' }, { versionNegotiation: { mode: 'auto' } });
  await client.connect(new StdioClientTransport({ command: command!, args }));
  return {
    one: async () => {
      const started = process.hrtime.bigint();
      await client.callTool({ name: 'ping', arguments: {} });
      return Number(process.hrtime.bigint() - started) / 1e6;
    },
    close: () => client.close(),
  };
}

/**
 * `count` calls to each, one call at a time, taking turns in a rotating order:
 * a pause of the machine or of this process (GC) then falls on all of them
 * alike instead of on whichever ran during it.
 */
async function interleavedLatencies(callers: Record<string, Caller>, count: number): Promise<Record<string, number[]>> {
  const names = Object.keys(callers);
  const out: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(i + k) % names.length]!;
      out[name]!.push(await callers[name]!.one());
    }
  }
  return out;
}

/**
 * The latencies of a proxy that added nothing to the two hops it cannot
 * avoid: every sum of one HTTP call to the bare route and one direct call
 * (the whole convolution of the two samples, so no sampling noise is added).
 */
function sumsOfHops(http: number[], direct: number[]): Float64Array {
  const sums = new Float64Array(http.length * direct.length);
  let i = 0;
  for (const a of http) for (const b of direct) sums[i++] = a + b;
  return sums;
}


// ---------- the peer ----------

/** supergateway bridging the same stdio server to Streamable HTTP, with one initialized session. */
async function startPeer(): Promise<Running & { target: McpTarget }> {
  const port = await freePort();
  const command = serverCommand().map((part) => (/\s/.test(part) ? JSON.stringify(part) : part)).join(' ');
  const running = await start(
    [process.execPath, SUPERGATEWAY, '--stdio', command, '--outputTransport', 'streamableHttp', '--stateful', '--port', String(port), '--logLevel', 'info'],
    /(Listening on port \d+)/,
  );
  return { ...running, target: await sessionTarget(`http://127.0.0.1:${port}/mcp`) };
}

let rpcId = 1;
/** The target's method (`tools/call` of `ping` unless it says otherwise) as JSON-RPC POSTs to an MCP endpoint. */
function mcpLoad(target: McpTarget, connections: number, duration = SECONDS): Promise<Load> {
  return cannon(target.url, connections, {}, {
    duration,
    headers: target.headers,
    requests: [
      {
        method: 'POST',
        // A unique JSON-RPC id per request, as a real client sends.
        setupRequest: (req) => ({ ...req, body: target.body(rpcId++) }),
      },
    ],
  });
}

// ---------- scenarios ----------

const rows: Row[] = [];
/** Paragraphs and tables printed after the main table. */
const notes: string[] = [];

const MCP_SESSION = 'MCP through mcpo, 2025-era session';
const MCP_STATELESS = 'MCP through mcpo, 2026-07-28';
const PEER = 'supergateway';
/** Every method loaded over MCP at concurrency 32, each against supergateway serving the same method. */
const MCP_METHODS: readonly McpMethod[] = ['tools/call', 'tools/list', 'resources/read', 'prompts/get'];

/** The CPU table's name for a scenario's MCP load of `method`; `tools/call` of `ping`, the one method REST also has, goes unnamed. */
const cpuScenario = (base: string, method: McpMethod) => (method === 'tools/call' ? base : `${base}, \`${method}\``);
/** The key of a side's loads of `method` at concurrency 32. */
const mcpKey = (side: string, method: McpMethod) => `${side} ${method} c32`;

/** One load of a round: its scenario in the CPU table, the process measured, its pid, the key of its loads. */
interface Measure {
  scenario: string;
  name: string;
  pid: number;
  key: string;
  run(): Promise<Load>;
  /** The MCP target it loads, checked and warmed up before the rounds. */
  target?: McpTarget;
}

/** The processes and MCP targets of the throughput section. */
interface Bench {
  floor: Running;
  mcpo: Running;
  peer: Running & { target: McpTarget };
  mcpoSession: McpTarget;
  mcpoStateless: McpTarget;
}

/** What the rounds gave: each key's loads and each `scenario|process`'s CPU ms per request, one entry per round. */
interface Measured {
  runs: Record<string, Load[]>;
  cpu: Record<string, number[]>;
}

/**
 * The loads measured for CPU at concurrency 32, in the order each round runs them: REST, then for each method
 * supergateway and the two mcpo eras one after the other, so a method's three figures come from seconds apart.
 */
function measures({ floor, mcpo, peer, mcpoSession, mcpoStateless }: Bench): Measure[] {
  const sides = [
    [PEER, PEER, peer.pid, 'peer', peer.target],
    [MCP_SESSION, 'mcpo', mcpo.pid, 'mcpo mcp', mcpoSession],
    [MCP_STATELESS, 'mcpo', mcpo.pid, 'mcpo mcp2026', mcpoStateless],
  ] as const;
  return [
    { scenario: 'bare Express', name: 'bare Express', pid: floor.pid, key: 'floor ping c32', run: () => cannon(`${floor.url}/ping`, 32, {}) },
    { scenario: 'mcpo', name: 'mcpo', pid: mcpo.pid, key: 'mcpo ping c32', run: () => cannon(`${mcpo.url}/ping`, 32, {}) },
    ...MCP_METHODS.flatMap((method) =>
      sides.map(([base, name, pid, side, opened]) => {
        const target = opened.withMethod(method);
        return { scenario: cpuScenario(base, method), name, pid, key: mcpKey(side, method), run: () => mcpLoad(target, 32), target };
      }),
    ),
  ];
}

/** BENCH_ROUNDS rounds of every load, interleaved within each round. */
async function measureRounds({ floor, mcpo, peer, mcpoSession, mcpoStateless }: Bench, measured: Measure[]): Promise<Measured> {
  const runs: Record<string, Load[]> = {};
  const add = (key: string, load: Load) => (runs[key] ??= []).push(load);
  const cpu: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    process.stderr.write(`round ${round + 1}/${ROUNDS}\n`);
    for (const { scenario, name, pid, key, run } of measured) {
      const { load, perRequest } = await withCpu({ [name]: pid }, run);
      add(key, load);
      for (const [k, v] of Object.entries(perRequest)) (cpu[`${scenario}|${k}`] ??= []).push(v);
    }
    add('floor nested c32', await cannon(`${floor.url}/nested`, 32, NESTED_BODY));
    add('mcpo nested c32', await cannon(`${mcpo.url}/nested`, 32, NESTED_BODY));
    add('floor ping c1', await cannon(`${floor.url}/ping`, 1, {}));
    add('mcpo ping c1', await cannon(`${mcpo.url}/ping`, 1, {}));
    add('mcpo nested c1', await cannon(`${mcpo.url}/nested`, 1, NESTED_BODY));
    add('peer ping c1', await mcpLoad(peer.target, 1));
    add('mcpo mcp c1', await mcpLoad(mcpoSession, 1));
    add('mcpo mcp2026 c1', await mcpLoad(mcpoStateless, 1));
  }
  const failures = Object.entries(runs).filter(([, loads]) => loads.some((l) => l.failures > 0)).map(([k]) => k);
  if (failures.length) process.stderr.write(`failed requests in: ${failures.join(', ')}\n`);
  return { runs, cpu };
}

async function throughputAndLatency(): Promise<void> {
  const floor = await start([process.execPath, '--import', TSX, FLOOR], /LISTENING (\S+)/);
  const mcpo = await startMcpoReady(['--', ...serverCommand()]);
  const peer = await startPeer();
  try {
    // mcpo serving the same server back out as MCP, to set beside supergateway doing the same.
    const bench: Bench = { floor, mcpo, peer, mcpoSession: await sessionTarget(`${mcpo.url}/mcp`), mcpoStateless: statelessTarget(`${mcpo.url}/mcp`) };
    const measured = measures(bench);
    const targets = measured.flatMap((m) => (m.target ? [m.target] : []));
    for (const target of targets) await checkTarget(target);
    // Warm-up: JIT, validators built on first use, connection pools.
    await cannon(`${floor.url}/ping`, 32, {}, { duration: 1 });
    await cannon(`${mcpo.url}/ping`, 32, {}, { duration: 1 });
    await cannon(`${mcpo.url}/nested`, 32, NESTED_BODY, { duration: 1 });
    for (const target of targets) await mcpLoad(target, 32, 1);
    const result = await measureRounds(bench, measured);
    throughputRows(result);
    cpuNotes(result.cpu);
    await latencyRows(floor, mcpo);
  } finally {
    await Promise.all([floor.stop(), mcpo.stop(), peer.stop()]);
  }
}

// Each round measures both within seconds of each other: the median of the rounds' ratios leaves out the
// machine's drift between rounds, which the quotient of the two medians keeps. It is printed under its own name.
const perRound = (xs: number[], bases: number[]) => median(xs.map((x, round) => x / bases[round]!));
const roundsLabel = () => `median of ${ROUNDS} rounds' ratios`;

function throughputRows({ runs, cpu }: Measured): void {
  const rpsOf = (key: string) => runs[key]!.map((l) => l.rps);
  const rps = (key: string) => median(rpsOf(key));
  /** A throughput row; without a target it is given for reference. */
  const ratioRow = (scenario: string, key: string, base: string, baseName: string, target: Target | string = 'for reference') => {
    rows.push({
      scenario,
      figure: quantity(rps(key), 0, 'req/s'),
      baseline: quantity(rps(base), 0, 'req/s', ` (${baseName})`),
      named: { label: roundsLabel(), ratios: [['req/s', perRound(rpsOf(key), rpsOf(base))]] },
      target,
    });
  };
  ratioRow('`POST /ping` (no arguments), concurrency 32', 'mcpo ping c32', 'floor ping c32', 'bare Express', atLeast(0.85));
  ratioRow('`POST /nested` (validated nested object), concurrency 32', 'mcpo nested c32', 'floor nested c32', 'bare Express', atLeast(0.85));
  // The issue sets its bare-Express target at concurrency 32; one at a time, mcpo makes two hops to the bare route's one.
  ratioRow('`POST /ping`, concurrency 1', 'mcpo ping c1', 'floor ping c1', 'bare Express');
  ratioRow('`POST /ping` against supergateway, concurrency 32', 'mcpo ping c32', mcpKey('peer', 'tools/call'), 'supergateway', atLeast(3));
  ratioRow('`POST /ping` against supergateway, concurrency 1', 'mcpo ping c1', 'peer ping c1', 'supergateway', atLeast(3));

  const eras = [
    ['2025-era session', MCP_SESSION, 'mcpo mcp', 'mcpo mcp c1'],
    ['2026-07-28, stateless', MCP_STATELESS, 'mcpo mcp2026', 'mcpo mcp2026 c1'],
  ] as const;
  for (const method of MCP_METHODS) {
    for (const [era, base, side, c1] of eras) {
      const what = method === 'tools/call' ? '`tools/call` of `ping`' : `\`${method}\``;
      mcpCpuRow({ runs, cpu }, `MCP ${what} through mcpo (\`/mcp\`, ${era}) against supergateway (2025-era session), CPU per call, concurrency 32`, method, base, side);
      // At concurrency 1 the loads are not measured for CPU: they show the latency of one call at a time.
      if (method === 'tools/call') ratioRow('The same, req/s at concurrency 1', c1, 'peer ping c1', 'supergateway');
    }
  }
}

/**
 * mcpo's proxy CPU per call over MCP against supergateway's for the same method, in the same rounds (each
 * process's own share, not its MCP server's). mcpo's REST `POST /ping` is printed beside it, with the quotient
 * of the two printed numbers, since mcpo's MCP call is also held to 1.5× its own REST call.
 */
function mcpCpuRow({ runs, cpu }: Measured, scenario: string, method: McpMethod, base: string, side: string): void {
  const own = cpu[`${cpuScenario(base, method)}|mcpo`]!;
  const peerCpu = cpu[`${cpuScenario(PEER, method)}|${PEER}`]!;
  const rest = cpu['mcpo|mcpo']!;
  const [key, peerKey] = [mcpKey(side, method), mcpKey('peer', method)];
  const rpsOf = (k: string) => runs[k]!.map((l) => l.rps);
  const figure = quantity(median(own), 3, 'ms CPU');
  const restShown = { value: median(rest), digits: 3 };
  figure.after = ` (${fmt(median(rpsOf(key)))} req/s); ${ratioText(figure, restShown)} mcpo's REST \`POST /ping\` at ${fmt(restShown.value, 3)} ms (≤ 1.5× wanted)`;
  rows.push({
    scenario,
    figure,
    baseline: quantity(median(peerCpu), 3, 'ms CPU', ` (${fmt(median(rpsOf(peerKey)))} req/s; supergateway)`),
    named: {
      label: roundsLabel(),
      ratios: [
        ['CPU per call', perRound(own, peerCpu)],
        ['against REST', perRound(own, rest)],
        ['req/s', perRound(rpsOf(key), rpsOf(peerKey))],
      ],
    },
    target: atMost(0.4),
  });
}

/** Where the CPU goes at concurrency 32: on two cores shared by everything, this bounds the throughput ratios. */
function cpuNotes(cpu: Measured['cpu']): void {
  // Each share is taken as printed, so the sums and the ratios below follow from the table.
  const perReq = (scenario: string) =>
    Object.entries(cpu).filter(([k]) => k.startsWith(`${scenario}|`)).map(([k, v]) => [k.slice(scenario.length + 1), shown(median(v), 3)] as const);
  const total = (scenario: string) => shown(perReq(scenario).reduce((a, [, v]) => a + v, 0), 3);
  const part = (scenario: string, name: string) => perReq(scenario).find(([k]) => k === name)?.[1] ?? 0;
  const scenarios = ['bare Express', 'mcpo', ...MCP_METHODS.flatMap((method) => [PEER, MCP_SESSION, MCP_STATELESS].map((base) => cpuScenario(base, method)))];
  notes.push(
    markdownTable(
      ['`ping` (`POST /ping`, or `tools/call` over MCP) unless another method is named, concurrency 32', 'CPU ms per request, by process', 'sum'],
      scenarios.map((scenario) => [scenario, perReq(scenario).map(([k, v]) => `${k} ${fmt(v, 3)}`).join(', '), fmt(total(scenario), 3)]),
    ),
  );
  const ms3 = (value: number) => ({ value, digits: 3 });
  // mcpo is itself an Express app that parses JSON, so its own share cannot drop below the bare app's;
  // the load generator's and the MCP server's shares come on top, on the same cores.
  const ceiling = ratioText(ms3(total('bare Express')), ms3(part('mcpo', 'load generator') + part('mcpo', 'mcpo: its MCP server') + part('bare Express', 'bare Express')));
  notes.push(
    `Every process shares ${os.cpus().length} cores, so throughput is at most cores ÷ the sum of CPU per request. mcpo is an Express app that parses JSON too, so its own share cannot fall below the bare app's; with the MCP server's share on top, mcpo could reach at most ${ceiling} the bare route on this machine even at that limit. Now it reaches ${ratioText(ms3(total('bare Express')), ms3(total('mcpo')))} by this count. With a core for each process, each would instead be held back by its own CPU per request, and mcpo would reach ${ratioText(ms3(part('bare Express', 'bare Express')), ms3(part('mcpo', 'mcpo')))} the bare app. Put the other way, mcpo's own CPU per REST call is ${ratioText(ms3(part('mcpo', 'mcpo')), ms3(part('bare Express', 'bare Express')))} the bare route's (${fmt(part('mcpo', 'mcpo'), 3)} ms against ${fmt(part('bare Express', 'bare Express'), 3)} ms).`,
  );
}

/**
 * Latency at concurrency 1: mcpo against the SDK client calling the server directly, and against
 * the bare route, which shows what the HTTP hop alone adds on this machine.
 */
async function latencyRows(floor: Running, mcpo: Running): Promise<void> {
  const callers: Record<string, Caller> = {
    direct: await directCaller(),
    bare: httpCaller(`${floor.url}/ping`, {}),
    mcpo: httpCaller(`${mcpo.url}/ping`, {}),
  };
  const sets: Record<'direct' | 'bare' | 'mcpo' | 'free', ArrayLike<number>[]> = { direct: [], bare: [], mcpo: [], free: [] };
  try {
    await interleavedLatencies(callers, 500); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      const got = await interleavedLatencies(callers, 2000);
      sets.direct.push(got.direct!);
      sets.bare.push(got.bare!);
      sets.mcpo.push(got.mcpo!);
      sets.free.push(sumsOfHops(got.bare!, got.direct!));
    }
  } finally {
    await Promise.all(Object.values(callers).map((c) => c.close()));
  }
  // Percentiles as printed (3 decimals), so the differences and ratios below follow from the printed numbers.
  const p = (name: keyof typeof sets, q: number) => shown(median(sets[name].map((s) => percentile(s, q))), 3);
  const added = (name: keyof typeof sets, q: number) => p(name, q) - p('direct', q);
  // The two numbers of a latency row are the p99s; the p50s ride along in the text.
  const p99 = (name: keyof typeof sets, after = '') => quantity(p(name, 99), 3, 'ms', ` (p50 ${fmt(p(name, 50), 3)})${after}`);
  const direct = p99('direct', ' (direct SDK call)');
  rows.push({
    scenario: 'Added latency, p99, concurrency 1',
    figure: p99('mcpo'),
    baseline: direct,
    target: { text: `+${fmt(added('mcpo', 99), 3)} ms (p50 +${fmt(added('mcpo', 50), 3)}); ≤ +1 ms`, met: (printed) => shown(printed.figure - printed.baseline, 3) <= 1 },
  });
  rows.push({
    scenario: 'The same for a proxy that adds nothing to its two hops (an HTTP call to the bare route, then a direct call)',
    figure: p99('free'),
    baseline: direct,
    target: `+${fmt(added('free', 99), 3)} ms (p50 +${fmt(added('free', 50), 3)}); the floor here`,
  });
  notes.push(
    `At concurrency 1 the three kinds of call take turns, one at a time, so a pause of the machine falls on all of them alike. The HTTP hop alone (the bare route) adds +${fmt(added('bare', 99), 3)} ms at p99 over the direct call (p50 +${fmt(added('bare', 50), 3)}). A proxy that cost nothing would still make both hops, one after the other; summing every pair of measured hop latencies puts its added p99 at +${fmt(added('free', 99), 3)} ms on this machine. mcpo adds +${fmt(added('mcpo', 99), 3)} ms, so its own share of the tail is about ${fmt(p('mcpo', 99) - p('free', 99), 3)} ms at p99 and ${fmt(p('mcpo', 50) - p('free', 50), 3)} ms at p50.`,
  );
}

interface Paired {
  /** Median req/s and mcpo CPU ms per call of each side. */
  rps: [number, number];
  cpu: [number, number];
  /** Medians of the pairs' second-to-first ratios. */
  rpsRatio: number;
  cpuRatio: number;
  pairs: number;
}

/**
 * The same load on two mcpo processes in 1 s bursts, in pairs, the order swapped each time. The medians
 * of the pairs' ratios are the steadier statistic: the machine's speed drifts by more than 5% over a few
 * seconds, which would decide a comparison of longer runs.
 */
async function pairedBursts(first: Running, second: Running, path: string, body: unknown, pairs = 10 * ROUNDS, headers?: Record<string, string>): Promise<Paired> {
  const burst = { duration: 1, ...(headers ? { headers: { 'content-type': 'application/json', ...headers } } : {}) };
  return pairedLoads([first, second], (side) => cannon(`${side.url}${path}`, 32, body, burst), pairs);
}

/** pairedBursts with any load: `loadOf` sends one 1 s burst to a side. */
async function pairedLoads<S extends Running>(sides: readonly [S, S], loadOf: (side: S) => Promise<Load>, pairs = 10 * ROUNDS): Promise<Paired> {
  const rps: [number[], number[]] = [[], []];
  const cpu: [number[], number[]] = [[], []];
  for (const side of sides) await loadOf(side);
  for (let pair = 0; pair < pairs; pair++) {
    for (const i of pair % 2 ? [1, 0] : [0, 1]) {
      const side = sides[i]!;
      const { load, perRequest } = await withCpu({ mcpo: side.pid }, () => loadOf(side));
      rps[i]!.push(load.rps);
      cpu[i]!.push(perRequest.mcpo!);
    }
  }
  const ratio = (xs: [number[], number[]]) => median(xs[1].map((x, i) => x / xs[0][i]!));
  return { rps: [median(rps[0]), median(rps[1])], cpu: [median(cpu[0]), median(cpu[1])], rpsRatio: ratio(rps), cpuRatio: ratio(cpu), pairs };
}

/** A row of paired bursts: the two sides' req/s are its numbers, CPU per call and the pairs' medians of ratios ride along. */
function pairedRow(scenario: string, result: Paired, baseName: string, target: Target | string): Row {
  return {
    scenario,
    figure: quantity(result.rps[1], 0, 'req/s', `; mcpo CPU ${fmt(result.cpu[1], 3)} ms per call`),
    baseline: quantity(result.rps[0], 0, 'req/s', `; ${fmt(result.cpu[0], 3)} ms (${baseName})`),
    named: { label: `median of ${result.pairs} paired 1 s bursts`, ratios: [['req/s', result.rpsRatio], ['CPU per call', result.cpuRatio]] },
    target,
  };
}

async function toolCount(): Promise<void> {
  const many = await startMcpoReady(['--', ...serverCommand(['--tools', '1000'])]);
  const few = await startMcpoReady(['--', ...serverCommand(['--tools', '16'])]);
  let result: Paired;
  try {
    result = await pairedBursts(few, many, '/nested', NESTED_BODY);
  } finally {
    await Promise.all([many.stop(), few.stop()]);
  }
  // mcpo's own CPU per call says the same with less noise from the load generator sharing the cores.
  rows.push(pairedRow('1,000 tools against 16, `POST /nested`, concurrency 32', result, '16 tools', atLeast(0.95, '≥ 0.95× (within 5%)')));
}

/**
 * This checkout's mcpo against another build of it (BENCH_COMPARE=<its dist/bin/mcpo.js>, e.g. from a
 * git worktree of the commit before), both running at once: the before/after of an optimisation.
 */
async function compareBuilds(other: string): Promise<void> {
  // The last row with an API key on both: what checking a caller costs, before and after.
  const KEY = 'bench-compare-key';
  // The last row writes this checkout's audit lines to a file (its metrics are always on): what operating it costs per call.
  const auditFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'mcpo-bench-audit-')), 'audit.jsonl');
  const cases = [['ping', {}, false, false], ['nested', NESTED_BODY, false, false], ['ping', {}, true, false], ['ping', {}, false, true]] as const;
  for (const [tool, body, keyed, audited] of cases) {
    const flags = keyed ? ['--api-key', KEY] : [];
    const before = await startMcpoReady([...flags, '--', ...serverCommand()], other);
    const after = await startMcpoReady([...flags, ...(audited ? ['--audit-log', auditFile] : []), '--', ...serverCommand()]);
    let result: Paired;
    try {
      result = await pairedBursts(before, after, `/${tool}`, body, 10 * ROUNDS, keyed ? { authorization: `Bearer ${KEY}` } : undefined);
    } finally {
      await Promise.all([before.stop(), after.stop()]);
    }
    const scenario = `This checkout against ${other}, \`POST /${tool}\`${keyed ? ' with `--api-key`' : ''}${audited ? ' with `--audit-log` (this checkout)' : ''}, concurrency 32`;
    rows.push(pairedRow(scenario, result, 'the other build', 'for reference'));
  }
}

/** The MCP endpoint of this checkout against another build's, in each era: `tools/call` of `ping` at `/mcp`. */
async function compareEndpoints(other: string): Promise<void> {
  const eras = [['2025-era session', sessionTarget], ['2026-07-28', async (url: string) => statelessTarget(url)]] as const;
  for (const [era, open] of eras) {
    const before = await startMcpoReady(['--', ...serverCommand()], other);
    const after = await startMcpoReady(['--', ...serverCommand()]);
    let result: Paired;
    try {
      const sides = [
        { ...before, target: await open(`${before.url}/mcp`) },
        { ...after, target: await open(`${after.url}/mcp`) },
      ] as const;
      for (const side of sides) await checkTarget(side.target);
      result = await pairedLoads(sides, (side) => mcpLoad(side.target, 32, 1));
    } finally {
      await Promise.all([before.stop(), after.stop()]);
    }
    rows.push(pairedRow(`This checkout against ${other}, MCP \`tools/call\` at \`/mcp\`, ${era}, concurrency 32`, result, 'the other build', 'for reference'));
  }
}

/** CPU ms used so far by this process's live children (their start, when called at ready), or undefined off Linux. */
function childrenCpuMs(): number | undefined {
  if (process.platform !== 'linux') return undefined;
  return allProcesses()
    .filter((p) => p.ppid === process.pid)
    .reduce((sum, p) => sum + p.cpuMs, 0);
}

async function startupTime(delayMs: number): Promise<void> {
  const spec = () => {
    const [command, ...args] = serverCommand(['--startup-delay', String(delayMs)]);
    return { command: command!, args };
  };
  const timeApp = async (n: number): Promise<{ ms: number; childCpuMs?: number }> => {
    const started = Date.now();
    const app = createApp({ mcpServers: Object.fromEntries(Array.from({ length: n }, (_, i) => [`s${i}`, spec()])) }, { logger: silentLogger });
    await app.ready();
    const ms = Date.now() - started;
    const childCpuMs = childrenCpuMs();
    const down = Object.values(app.health().servers).filter((s) => !s.connected).length;
    await app.close();
    if (down) throw new Error(`${down} of ${n} servers did not connect`);
    return childCpuMs === undefined ? { ms } : { ms, childCpuMs };
  };
  const alone: number[] = [];
  const ten: number[] = [];
  const tenCpu: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // "The slowest alone": each of the ten, started on its own; they are identical, so the slowest of a round.
    const singles: number[] = [];
    for (let i = 0; i < 3; i++) singles.push((await timeApp(1)).ms);
    alone.push(Math.max(...singles));
    const all = await timeApp(10);
    ten.push(all.ms);
    if (all.childCpuMs !== undefined) tenCpu.push(all.childCpuMs);
  }
  // Each server computes (loads Node and the SDK) before it waits, and the ten compute on the same cores:
  // none can be ready before the ten have had their CPU time, shared out, and then waited.
  const cores = os.cpus().length;
  const floor = tenCpu.length ? Math.max(median(alone), delayMs + median(tenCpu) / cores) : undefined;
  // The floor is printed in ms (in the note) beside the one alone (in the row), so its ratio is theirs.
  const floorRatio = floor === undefined ? '' : ratioText({ value: floor, digits: 0 }, { value: median(alone), digits: 0 });
  const floorText = floor === undefined ? '' : ` (floor here ${floorRatio})`;
  rows.push({
    scenario: `Startup of 10 stdio servers${delayMs ? ` that each wait ${delayMs} ms before serving` : ' that do not wait'}`,
    figure: quantity(median(ten), 0, 'ms'),
    baseline: quantity(median(alone), 0, 'ms', ' (the slowest alone)'),
    target: delayMs ? atMost(1.2, `≤ 1.2×${floorText}`) : `for reference${floorText}`,
  });
  if (floor !== undefined && delayMs) {
    notes.push(
      `Starting, each of the ten servers spends CPU before it waits: by the time they were ready the ten had used ${fmt(median(tenCpu))} ms of CPU in all (mostly loading Node and the MCP SDK), on ${cores} cores. Shared out, that is ${fmt(median(tenCpu) / cores)} ms before the last of them can begin its ${delayMs} ms wait, so ten cannot be ready in less than about ${fmt(floor)} ms here: ${floorRatio} the one alone, whatever starts them. mcpo took ${fmt(median(ten))} ms. The target needs about as many cores as servers, or servers that spend their start waiting rather than computing.`,
    );
  }
}

async function memoryPerRouter(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const [command, ...args] = serverCommand();
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      gc();
      await sleep(200);
    }
    return process.memoryUsage();
  };
  const EXTRA = 40;
  // One router first, so loading mcpo's and the SDK's modules is not counted as a router's cost.
  const first = mcpoRouter({ command: command!, args }, { logger: silentLogger });
  await first.ready();
  const before = await settle();
  const extra = Array.from({ length: EXTRA }, () => mcpoRouter({ command: command!, args }, { logger: silentLogger }));
  await Promise.all(extra.map((r) => r.ready()));
  // A router's validators are built on first use: call each once, so they are counted too.
  await Promise.all(extra.map((r) => {
    const app = express().use(r);
    return new Promise<void>((resolve) => {
      const server = app.listen(0, '127.0.0.1', async () => {
        const { port } = server.address() as { port: number };
        await fetch(`http://127.0.0.1:${port}/nested`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(NESTED_BODY) });
        server.close(() => resolve());
      });
    });
  }));
  const after = await settle();
  await Promise.all([first, ...extra].map((r) => r.close()));
  const mb = (bytes: number) => bytes / 1024 / 1024;
  const rss = mb(after.rss - before.rss) / EXTRA;
  const heap = mb(after.heapUsed + after.external - before.heapUsed - before.external) / EXTRA;
  const perRouter = Math.max(rss, heap);
  rows.push({
    scenario: `Memory per additional router (its child not counted), ${EXTRA} routers, each called once`,
    figure: quantity(perRouter, 2, 'MB', ` (RSS ${fmt(rss, 2)}, heap ${fmt(heap, 2)})`),
    baseline: quantity(mb(before.rss), 1, 'MB', ' RSS (process with one router)'),
    target: { text: '≤ 5 MB', met: (printed) => printed.figure <= 5 },
  });
}

async function reloadUnderLoad(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mcpo-bench-'));
  const file = path.join(dir, 'config.json');
  const config = (tag: string) => {
    const [command, ...args] = serverCommand();
    const [bCommand, ...bArgs] = serverCommand(['--tag', tag]);
    return JSON.stringify({ mcpServers: { a: { command, args }, b: { command: bCommand, args: bArgs } } });
  };
  writeFileSync(file, config('0'));
  const mcpo = await startMcpoReady(['--config', file, '--hot-reload']);
  try {
    const steady = await cannon(`${mcpo.url}/a/ping`, 8, {}, { requests: [{ path: '/a/ping' }, { path: '/b/ping' }] });
    // The load runs until the tenth reload has been applied, however long that takes; each rewrite waits
    // for the one before to be applied, so none is folded into the next by the watcher's debounce.
    const generation = async () => ((await (await fetch(`${mcpo.url}/healthz`)).json()) as { generation: number }).generation;
    const first = await generation();
    const rewrites = (async () => {
      await sleep(500);
      for (let i = 1; i <= 10; i++) {
        writeFileSync(file, config(String(i)));
        const deadline = Date.now() + 30_000;
        while ((await generation()) < first + i) {
          if (Date.now() > deadline) throw new Error(`reload ${i} was not applied within 30 s`);
          await sleep(50);
        }
        await sleep(200);
      }
      await sleep(500);
    })();
    const during = await cannon(`${mcpo.url}/a/ping`, 8, {}, { requests: [{ path: '/a/ping' }, { path: '/b/ping' }] }, rewrites);
    await rewrites;
    const health = { generation: await generation() };
    rows.push({
      scenario: `Reloads under load: config rewritten 10 times, each reload applied before the next (generation ${first} → ${health.generation}), concurrency 8 on two servers, one of them changed each time`,
      figure: quantity(during.rps, 0, 'req/s', `, ${during.failures} failed of ${fmt(during.requests)}`),
      baseline: quantity(steady.rps, 0, 'req/s', ' (same load, no reloads)'),
      target: { text: '0 failed', met: () => during.failures === 0 },
    });
  } finally {
    await mcpo.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------- main ----------

const compare = process.env.BENCH_COMPARE;
const only = process.env.BENCH_ONLY?.split(',') ?? (compare ? ['compare', 'compare-mcp'] : undefined);
const want = (name: string) => !only || only.includes(name);
const started = Date.now();
const failed: string[] = [];
/** Runs a section; one that fails is reported under the table, and the sections before and after it still count. */
async function section(name: string, run: () => Promise<void | { rows: Row[]; notes: string[] }>): Promise<void> {
  if (!want(name)) return;
  try {
    const result = await run();
    if (result) {
      rows.push(...result.rows);
      notes.push(...result.notes);
    }
  } catch (err) {
    process.stderr.write(`section ${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    failed.push(name);
    notes.push(`The ${name} section failed and has no rows here: ${err instanceof Error ? err.message : String(err)}`);
  }
}
compileServer();
await section('throughput', throughputAndLatency);
await section('tools', toolCount);
await section('startup', async () => {
  await startupTime(1000);
  await startupTime(0);
});
await section('command', commandStart);
await section('memory', memoryPerRouter);
await section('reload', reloadUnderLoad);
await section('users', perUserProcesses);
await section('auth', verifiedCallers);
if (compare) {
  await section('compare', () => compareBuilds(path.resolve(compare)));
  await section('compare-mcp', () => compareEndpoints(path.resolve(compare)));
}

console.log(`\n${runHeader()}\n`);
console.log(`${ROUNDS} rounds of ${SECONDS} s, medians; load generator, mcpo and the MCP server share these cores. ${fmt((Date.now() - started) / 1000)} s in all.\n`);
console.log(resultsTable(rows));
for (const note of notes) console.log(`\n${note}`);
process.exit(failed.length > 0 ? 1 : 0);
