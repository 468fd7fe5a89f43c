/**
 * The stdio transport mcpo runs servers with. It frames messages exactly as
 * the SDK's StdioClientTransport does (newline-delimited JSON-RPC, within
 * the SDK's size limit), but owns the child process differently:
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
 * - onclose waits for the child's stdout and stderr to end (they close after
 *   the exit, and a last stderr chunk often says why it exited), but no
 *   longer than STREAMS_GRACE_MS after the exit: a process that escaped the
 *   group may hold the pipes open for ever. `exit` tells how it ended.
 *
 * Never a shell: the command and its arguments are passed to spawn() as given.
 */
import type { ChildProcess } from 'node:child_process';
import { STDIO_DEFAULT_MAX_BUFFER_SIZE, type JSONRPCMessage, type Transport } from '@modelcontextprotocol/client';
import type { ChildExit } from './exit-report.js';
import { liveGroups, signalGroup, spawnServer, type StdioParams } from './server-process.js';
import { takeAhead } from './spawn-ahead.js';

export type { StdioParams } from './server-process.js';

/** How long close() waits after closing stdin, and again after SIGTERM. */
const CLOSE_STEP_MS = 2000;
/** How long after the child's exit onclose waits for its pipes to deliver the rest and end. */
const STREAMS_GRACE_MS = 1000;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export class StdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  readonly #params: StdioParams;
  readonly #onStderr: (chunk: string) => void;
  /** The pieces of a line whose end has not arrived yet. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #exit: ChildExit | undefined;

  constructor(params: StdioParams, onStderr: (chunk: string) => void = () => {}) {
    this.#params = params;
    this.#onStderr = onStderr;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /**
   * The child's stderr is read here, not handed out. The property is there because the SDK tells a
   * stdio transport by `stderr` and `pid`: on stdio a server silent to the era probe is a legacy
   * one, where on HTTP silence is an outage.
   */
  get stderr(): null {
    return null;
  }

  /** How the child ended, once it has; undefined while it runs or when it never started. */
  get exit(): ChildExit | undefined {
    return this.#exit;
  }

  start(): Promise<void> {
    if (this.#child) throw new Error('already started');
    // The command may have started this very server while it loaded the app (spawn-ahead.ts).
    const ahead = takeAhead(this.#params);
    const child = ahead?.child ?? spawnServer(this.#params);
    this.#child = child;
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      if (this.#child === child) this.#child = undefined;
      this.onclose?.();
    };
    this.#exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        if (child.pid !== undefined) {
          liveGroups.delete(child.pid);
          // The leader is gone; anything it started must not linger (and would hold the pipes open).
          signalGroup(child.pid, 'SIGKILL');
        }
        setTimeout(end, STREAMS_GRACE_MS).unref();
        resolve();
      }),
    );
    // 'close' comes once stdout and stderr have ended, so every chunk of them has been read by then.
    child.once('close', end);
    // An unread pipe fills and then blocks the child: stderr is always drained.
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => this.#onStderr(chunk));
    child.stdout!.on('data', (chunk: Buffer) => this.#read(chunk));
    child.stdout!.on('error', (err) => this.onerror?.(err));
    child.stdin!.on('error', (err) => this.onerror?.(err));
    if (ahead) return ahead.started;
    return new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) => {
        reject(err);
        this.onerror?.(err);
      });
    });
  }

  /**
   * Splits stdout into lines, one JSON-RPC message each, as the SDK's
   * ReadBuffer does, but does not check each message against the SDK's
   * union of message schemas: the client checks every message for its kind
   * again as it dispatches it (and reports one of no known kind), so that
   * was a second schema walk per message on the hot path.
   */
  #read(chunk: Buffer): void {
    let end = chunk.indexOf(NEWLINE);
    if (end === -1) {
      // Still inside one line: keep the piece; joining now would copy the line again with every piece.
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.length;
      if (this.#pendingBytes > STDIO_DEFAULT_MAX_BUFFER_SIZE) {
        // A line longer than the SDK allows: the stream cannot be trusted any more.
        this.#pending = [];
        this.#pendingBytes = 0;
        this.onerror?.(new Error(`A message from the server is over ${STDIO_DEFAULT_MAX_BUFFER_SIZE} bytes`));
        void this.close();
      }
      return;
    }
    let buffer = chunk;
    if (this.#pending.length > 0) {
      const before = this.#pendingBytes;
      buffer = Buffer.concat([...this.#pending, chunk]);
      end += before;
      this.#pending = [];
      this.#pendingBytes = 0;
    }
    let start = 0;
    for (; end !== -1; end = buffer.indexOf(NEWLINE, start)) {
      const last = end > start && buffer[end - 1] === CARRIAGE_RETURN ? end - 1 : end;
      const line = buffer.toString('utf8', start, last);
      start = end + 1;
      this.#message(line);
    }
    if (start < buffer.length) {
      this.#pending.push(buffer.subarray(start));
      this.#pendingBytes = buffer.length - start;
    }
  }

  /** One line: a JSON-RPC message is passed on; anything else (a stray log line on stdout) is reported and skipped. */
  #message(line: string): void {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch (err) {
      this.onerror?.(err as Error);
      return;
    }
    if (typeof message !== 'object' || message === null || (message as { jsonrpc?: unknown }).jsonrpc !== '2.0') {
      this.onerror?.(new Error(`Not a JSON-RPC 2.0 message: ${line.slice(0, 200)}`));
      return;
    }
    this.onmessage?.(message as JSONRPCMessage);
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
      if (stdin.write(`${JSON.stringify(message)}\n`)) resolve();
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
    this.#pending = [];
    this.#pendingBytes = 0;
  }
}
