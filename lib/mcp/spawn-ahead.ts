/**
 * Stdio servers started before the app that runs them exists. Loading the
 * app (Express, the MCP SDK, zod) takes most of a second, and a server's own
 * start (Node, its SDK) about half of one; started one after the other they
 * add up. So the command starts each stdio server of its config first
 * (bin/serve.ts), and the transport that would spawn the same command, with
 * the same arguments, variables and directory, takes the running process
 * instead (stdio-transport.ts). What it finds already ended is not taken;
 * what no transport takes is stopped (`dropAhead`), as is everything at exit.
 */
import type { ChildProcess } from 'node:child_process';
import { liveGroups, signalGroup, spawnServer, type StdioParams } from './server-process.js';

interface Ahead {
  child: ChildProcess;
  /** Settles on the child's 'spawn', or rejects with its 'error'. */
  started: Promise<void>;
  ended: boolean;
}

const ahead = new Map<string, Ahead[]>();

const keyOf = (params: StdioParams): string => JSON.stringify([params.command, params.args, Object.entries(params.env).sort(), params.cwd ?? null]);

export function spawnAhead(params: StdioParams): ChildProcess {
  const child = spawnServer(params);
  const entry: Ahead = {
    child,
    started: new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    }),
    ended: false,
  };
  // A server that fails or ends before it is taken is left to the transport to start again, and say why.
  entry.started.catch(() => void (entry.ended = true));
  child.once('exit', () => void (entry.ended = true));
  const key = keyOf(params);
  ahead.set(key, [...(ahead.get(key) ?? []), entry]);
  return child;
}

/** A running process started ahead for exactly these params, now the caller's; undefined if there is none. */
export function takeAhead(params: StdioParams): { child: ChildProcess; started: Promise<void> } | undefined {
  const key = keyOf(params);
  const waiting = ahead.get(key);
  for (let entry = waiting?.shift(); entry; entry = waiting?.shift()) {
    if (waiting!.length === 0) ahead.delete(key);
    if (!entry.ended) return { child: entry.child, started: entry.started };
    stop(entry);
  }
  return undefined;
}

/** Stops every process started ahead that no transport took. */
export function dropAhead(): void {
  for (const entries of ahead.values()) for (const entry of entries) stop(entry);
  ahead.clear();
}

function stop(entry: Ahead): void {
  const pid = entry.child.pid;
  entry.child.stdin?.end();
  if (pid === undefined) return;
  // As the transport does for a child it ran: once the leader is gone, nothing of its group may linger.
  entry.child.once('exit', () => {
    liveGroups.delete(pid);
    signalGroup(pid, 'SIGKILL');
  });
  if (!entry.ended) signalGroup(pid, 'SIGTERM');
  else {
    liveGroups.delete(pid);
    signalGroup(pid, 'SIGKILL');
  }
}
