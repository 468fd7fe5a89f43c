/**
 * The stdio transport mcpo runs servers with. It frames messages exactly as
 * the SDK's StdioClientTransport does (newline-delimited JSON-RPC, with the
 * SDK's own ReadBuffer), but owns the child process differently:
 *
 * - The child leads a process group of its own. Ctrl-C in mcpo's terminal
 *   sends SIGINT to the whole foreground group; a server in that group would
 *   die with calls in flight, before mcpo had drained them. Now mcpo alone
 *   decides when its servers stop.
 * - Signals go to the group, so a wrapper's children (`npx` → `node`, a shell
 *   script) end with it: close() closes stdin, then sends SIGTERM, then
 *   SIGKILL. Whatever is left of a group when its leader exits is killed.
 * - Because the children no longer share mcpo's terminal fate, an exit hook
 *   kills every group still alive if mcpo exits without closing them.
 *
 * Never a shell: the command and its arguments are passed to spawn() as given.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

export interface StdioParams {
  command: string;
  args: readonly string[];
  /** Added to the SDK's small default environment (PATH, HOME, …); mcpo's own is not passed on. */
  env: Readonly<Record<string, string>>;
  cwd?: string;
}

/** How long close() waits after closing stdin, and again after SIGTERM. */
const CLOSE_STEP_MS = 2000;
const OWN_GROUP = process.platform !== 'win32';

/** Groups still running, for the exit hook. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // A negative pid is the process group that the child leads.
    process.kill(OWN_GROUP ? -pid : pid, signal);
  } catch {
    // Already gone.
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of liveGroups) signalGroup(pid, 'SIGKILL');
  });
}

export class StdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  readonly #params: StdioParams;
  readonly #onStderr: (chunk: string) => void;
  readonly #buffer = new ReadBuffer();
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();

  constructor(params: StdioParams, onStderr: (chunk: string) => void = () => {}) {
    this.#params = params;
    this.#onStderr = onStderr;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  start(): Promise<void> {
    if (this.#child) throw new Error('already started');
    installExitHook();
    const child = spawn(this.#params.command, [...this.#params.args], {
      env: { ...getDefaultEnvironment(), ...this.#params.env },
      ...(this.#params.cwd !== undefined ? { cwd: this.#params.cwd } : {}),
      stdio: ['pipe', 'pipe', 'pipe'],
      shell: false,
      detached: OWN_GROUP,
      windowsHide: true,
    });
    this.#child = child;
    this.#exited = new Promise((resolve) =>
      child.once('exit', () => {
        if (child.pid !== undefined) {
          liveGroups.delete(child.pid);
          // The leader is gone; anything it started must not linger (and would hold the pipes open).
          signalGroup(child.pid, 'SIGKILL');
        }
        resolve();
      }),
    );
    child.once('close', () => {
      if (this.#child === child) this.#child = undefined;
      this.onclose?.();
    });
    // An unread pipe fills and then blocks the child: stderr is always drained.
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => this.#onStderr(chunk));
    child.stdout!.on('data', (chunk: Buffer) => this.#read(chunk));
    child.stdout!.on('error', (err) => this.onerror?.(err));
    child.stdin!.on('error', (err) => this.onerror?.(err));
    return new Promise<void>((resolve, reject) => {
      child.once('spawn', () => {
        if (child.pid !== undefined) liveGroups.add(child.pid);
        resolve();
      });
      child.once('error', (err) => {
        reject(err);
        this.onerror?.(err);
      });
    });
  }

  #read(chunk: Buffer): void {
    try {
      this.#buffer.append(chunk);
    } catch (err) {
      // A line longer than the buffer allows: the stream cannot be trusted any more.
      this.onerror?.(err as Error);
      void this.close();
      return;
    }
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.#buffer.readMessage();
      } catch (err) {
        // One bad line (a stray log line on stdout) is reported and skipped.
        this.onerror?.(err as Error);
        continue;
      }
      if (message === null) return;
      this.onmessage?.(message);
    }
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.#child?.stdin;
    if (!stdin || !stdin.writable) return Promise.reject(new Error('Not connected'));
    // Calls made while one round of I/O is handled leave together, in one write, after it.
    if (!stdin.writableCorked) {
      stdin.cork();
      setImmediate(() => stdin.uncork());
    }
    return new Promise((resolve) => {
      if (stdin.write(serializeMessage(message))) resolve();
      else stdin.once('drain', resolve);
    });
  }

  /** Ends the server: stdin closed, then SIGTERM to its group, then SIGKILL. */
  async close(): Promise<void> {
    const child = this.#child;
    if (!child || child.pid === undefined) return;
    const pid = child.pid;
    const gone = () => child.exitCode !== null || child.signalCode !== null;
    const within = (ms: number) =>
      Promise.race([this.#exited, new Promise<void>((resolve) => setTimeout(resolve, ms).unref())]);
    child.stdin?.end();
    if (!gone()) await within(CLOSE_STEP_MS);
    if (!gone()) {
      signalGroup(pid, 'SIGTERM');
      await within(CLOSE_STEP_MS);
    }
    if (!gone()) {
      signalGroup(pid, 'SIGKILL');
      await within(CLOSE_STEP_MS);
    }
    this.#buffer.clear();
  }
}
