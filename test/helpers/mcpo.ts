/**
 * Runs the real `mcpo` command (the built dist/bin/mcpo.js, as npm would
 * install it) as a child process, and waits for it to listen or to exit.
 * Every process started here is killed at the end of the run at the latest.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait.js';

export const MCPO_BIN = fileURLToPath(new URL('../../dist/bin/mcpo.js', import.meta.url));
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The app's module as a URL: the bundled command's chunk (tools/bundle-cli.mjs), or lib/app/app.js as tsc emits it. */
export const APP_MODULE = /\/dist\/(bin\/app-[^/]*|lib\/app\/app)\.js$/;
/** Preloaded with `--import`: logs the modules a command loads, or holds one back (test/helpers/load-hooks.mjs). */
export const LOAD_HOOKS = fileURLToPath(new URL('./load-hooks.mjs', import.meta.url));

/** A file in `dir` the load hooks log a command's modules to: `env` turns the logging on, `modules()` reads what was loaded so far. */
export function moduleLog(dir: string): { env: NodeJS.ProcessEnv; modules(): string[] } {
  const file = path.join(dir, `loaded-${randomUUID()}`);
  writeFileSync(file, '');
  return { env: { MCPO_LOAD_LOG: file }, modules: () => readFileSync(file, 'utf8').split('\n').filter((line) => line !== '') };
}

const START_TIMEOUT_MS = 20_000;
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface McpoProcess {
  child: ChildProcess;
  pid: number;
  /** The base URL from the "listening on" line, without a trailing slash or prefix. */
  url: string;
  stderr(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function launch(args: string[], env: NodeJS.ProcessEnv, ownGroup = false): { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> } {
  // ownGroup: mcpo leads a process group, as a shell's foreground job does, so a test can signal the whole group like Ctrl-C.
  const child = spawn(process.execPath, [MCPO_BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: ownGroup });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-200_000)));
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    });
  });
  return { child, out: () => stdout, err: () => stderr, exited };
}

/** Runs mcpo to completion (for usage errors, --help, --version). */
export async function runMcpo(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Finished> {
  const { child, out, err, exited } = launch(args, env);
  const timer = setTimeout(() => child.kill('SIGKILL'), START_TIMEOUT_MS);
  const code = await exited;
  clearTimeout(timer);
  return { code, stdout: out(), stderr: err() };
}

/**
 * Starts mcpo and resolves once it logs "listening on <url>", or, when
 * `readyUrl` is given (for runs that log nothing at info), once that URL answers.
 */
export async function startMcpo(args: string[], env: NodeJS.ProcessEnv = process.env, readyUrl?: string, ownGroup = false): Promise<McpoProcess> {
  const { child, err, exited } = launch(args, env, ownGroup);
  const url = await new Promise<string>((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mcpo did not listen within ${START_TIMEOUT_MS} ms; stderr:\n${err()}`));
    }, START_TIMEOUT_MS);
    if (readyUrl !== undefined) {
      const poll = () => {
        if (done) return;
        fetch(readyUrl).then(
          async (res) => {
            // The port opens before the app is in place (bin/listen.ts): until then it answers 503 "starting".
            if (res.status === 503 && ((await res.json().catch(() => ({}))) as { error?: { code?: string } }).error?.code === 'starting') return void setTimeout(poll, 50);
            done = true;
            clearTimeout(timer);
            resolve(new URL(readyUrl).origin);
          },
          () => setTimeout(poll, 100),
        );
      };
      poll();
    }
    const onData = () => {
      const match = /listening on (https?:\/\/[^/\s]+)/.exec(err());
      if (match && !done) {
        done = true;
        clearTimeout(timer);
        child.stderr!.off('data', onData);
        resolve(match[1]!);
      }
    };
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      done = true;
      clearTimeout(timer);
      reject(new Error(`mcpo exited with ${code} before listening; stderr:\n${err()}`));
    });
  });
  return {
    child,
    pid: child.pid!,
    url,
    stderr: err,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Every live (non-zombie) process on the machine, from /proc, with the CPU it has used so far. */
export function allProcesses(): { pid: number; ppid: number; command: string; cpuMs: number }[] {
  const found: { pid: number; ppid: number; command: string; cpuMs: number }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the command (which may hold spaces) start after the last ')': state, ppid, … utime (11), stime (12).
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (rest[0] === 'Z') continue;
      const command = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim();
      // Clock ticks are 1/100 s on Linux (getconf CLK_TCK).
      found.push({ pid: Number(name), ppid: Number(rest[1]), command, cpuMs: (Number(rest[11]) + Number(rest[12])) * 10 });
    } catch {
      // gone while we looked
    }
  }
  return found;
}

/** What the tests read of `/healthz`. */
export interface Health {
  status: string;
  servers: Record<string, { connected: boolean; state: string; lastError: string | null; restarts: number }>;
}

/** `/healthz` (public in every mode), or undefined while nothing answers there. */
/** The app's `/healthz` report; undefined while nothing answers, or while the port answers before the app (a body without `servers`). */
export const healthOf = (baseUrl: string): Promise<Health | undefined> =>
  fetch(`${baseUrl}/healthz`).then(
    async (r) => {
      const body = (await r.json().catch(() => undefined)) as Health | undefined;
      return body && typeof body.servers === 'object' && body.servers !== null ? body : undefined;
    },
    () => undefined,
  );

/**
 * Resolves with `/healthz` once the named servers, or all of them, are
 * connected; fails after `ms`. `orWaiting`: a server with a process per user
 * counts too while it waits for its first caller (it has no connection of
 * its own to make before one comes).
 */
export function untilConnected(baseUrl: string, names?: readonly string[], ms = 15_000, orWaiting = false): Promise<Health> {
  return waitFor(
    async () => {
      const health = await healthOf(baseUrl);
      if (!health) return undefined;
      const wanted = names ?? Object.keys(health.servers);
      const serving = (n: string) => health.servers[n]?.connected === true || (orWaiting && health.servers[n]?.state === 'waiting-for-caller');
      return wanted.every(serving) ? health : undefined;
    },
    names ? `${names.join(', ')} to connect` : 'every server to connect',
    ms,
  );
}

/** Live child processes of `pid`. */
export function childrenOf(pid: number): number[] {
  return allProcesses().filter((p) => p.ppid === pid).map((p) => p.pid);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
