/**
 * Starts the MCP servers the tests talk to — the kitchen-sink fixture, the
 * 2026-07-28-only modern fixture, the conformance fixture (what the official
 * suite's server scenarios expect) and @modelcontextprotocol/server-everything —
 * as child processes, or describes
 * how to start them over stdio. Every child started here is tracked, so none
 * can outlive the test run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

/** The stdio server spec shape mcpo takes. */
export interface StdioSpec {
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
}

/** A server running as a child process of the test run. */
export interface RunningServer {
  /** Where a client connects: the SSE endpoint or the Streamable HTTP endpoint. */
  url: string;
  pid: number;
  /** SIGTERM, then SIGKILL after 3 s; resolves once the process has exited. Safe to call twice, and unbound. */
  close(): Promise<void>;
}

const TSX_LOADER = import.meta.resolve('tsx');
const KITCHEN_SINK = fileURLToPath(new URL('../fixtures/kitchen-sink.ts', import.meta.url));
const UNRULY = fileURLToPath(new URL('../fixtures/unruly.ts', import.meta.url));
const MODERN = fileURLToPath(new URL('../fixtures/modern.ts', import.meta.url));
const HOSTILE = fileURLToPath(new URL('../fixtures/hostile.ts', import.meta.url));
const OAUTH = fileURLToPath(new URL('../fixtures/oauth-server.ts', import.meta.url));
const CONFORMANCE = fileURLToPath(new URL('../fixtures/conformance-server.ts', import.meta.url));
/** server-everything's entry point, for tests that start it themselves. */
export const EVERYTHING = fileURLToPath(import.meta.resolve('@modelcontextprotocol/server-everything/dist/index.js'));
const MEMORY = fileURLToPath(import.meta.resolve('@modelcontextprotocol/server-memory/dist/index.js'));
const TIME = fileURLToPath(new URL('../../examples/servers/time.ts', import.meta.url));

const START_TIMEOUT_MS = 15_000;
const KILL_AFTER_MS = 3_000;
/** Kept per child for error messages; a chatty server must not grow it without bound. */
const MAX_LOG_CHARS = 20_000;

const children = new Set<ChildProcess>();

// The last line of defence: a test that forgot close() (or a crashed run) still leaves nothing behind.
process.on('exit', () => {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

export function kitchenSinkStdio(extraArgs: string[] = []): StdioSpec {
  return { command: process.execPath, args: ['--import', TSX_LOADER, KITCHEN_SINK, ...extraArgs] };
}

/** The fixture that speaks only 2026-07-28 and refuses the 2025 `initialize` handshake. */
export function modernStdio(): StdioSpec {
  return { command: process.execPath, args: ['--import', TSX_LOADER, MODERN] };
}

/** The misbehaving fixture; `flags` such as `--ignore-sigterm`, `--tag a`. */
export function unrulyStdio(flags: string[] = []): StdioSpec {
  return { command: process.execPath, args: ['--import', TSX_LOADER, UNRULY, ...flags] };
}

/** The security suite's fixture; `args` are passed verbatim and reported by its `argv` tool. */
export function hostileStdio(args: string[] = []): StdioSpec {
  return { command: process.execPath, args: ['--import', TSX_LOADER, HOSTILE, ...args] };
}

export function everythingStdio(): StdioSpec {
  return { command: process.execPath, args: [EVERYTHING, 'stdio'] };
}

/** The README's example time server, in UTC so its answers do not depend on the machine. */
export function timeStdio(): StdioSpec {
  return { command: process.execPath, args: ['--import', TSX_LOADER, TIME, '--local-timezone=UTC'] };
}

/** @modelcontextprotocol/server-memory, keeping its graph in `file` (an absolute path). */
export function memoryStdio(file: string): StdioSpec {
  return { command: process.execPath, args: [MEMORY], env: { MEMORY_FILE_PATH: file } };
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function track(command: string, args: string[], env?: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  children.add(child);
  child.once('exit', () => children.delete(child));
  // Spawn failures arrive as 'error'; without a listener they would crash the run.
  child.once('error', () => children.delete(child));
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-MAX_LOG_CHARS);
  });
  return { child, output: () => stderr };
}

async function stop(child: ChildProcess): Promise<void> {
  if (hasExited(child) || child.pid === undefined) {
    children.delete(child);
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
  await exited;
  clearTimeout(timer);
  children.delete(child);
}

function running(url: string, child: ChildProcess): RunningServer {
  return { url, pid: child.pid!, close: () => stop(child) };
}

function describeExit(child: ChildProcess): string {
  return child.signalCode !== null ? `signal ${child.signalCode}` : `code ${child.exitCode}`;
}

/**
 * Starts the kitchen-sink fixture over SSE or Streamable HTTP on an ephemeral
 * port, and resolves once it has printed its `LISTENING <url>` line.
 */
export function startKitchenSink(transport: 'sse' | 'http', extraArgs: string[] = []): Promise<RunningServer> {
  return startListening(`kitchen-sink (${transport})`, [KITCHEN_SINK, '--transport', transport, ...extraArgs]);
}

/** Starts the modern fixture over Streamable HTTP, on `port` or an ephemeral one; its URL ends in /mcp. */
export function startModernHttp(port = 0): Promise<RunningServer> {
  return startListening('modern (http)', [MODERN, '--http', String(port)]);
}

/** Starts the OAuth fixture (authorization server + protected MCP server); its URL ends in /mcp, its origin is the issuer. */
export function startOAuthServer(args: string[] = []): Promise<RunningServer> {
  return startListening('oauth-server', [OAUTH, ...args]);
}

/** Starts the conformance fixture (both protocol eras on one endpoint) on an ephemeral port; its URL ends in /mcp. */
/** The conformance fixture; `legacyOnly`: it speaks only the 2025 eras, as an older server does. */
export function startConformanceServer(legacyOnly = false): Promise<RunningServer> {
  return startListening('conformance-server', [CONFORMANCE, '--port', '0', ...(legacyOnly ? ['--legacy-only'] : [])]);
}

/** Runs a TypeScript fixture under tsx and resolves once it has printed its `LISTENING <url>` line. */
async function startListening(label: string, args: string[]): Promise<RunningServer> {
  const { child, output } = track(process.execPath, ['--import', TSX_LOADER, ...args]);
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      const timer = setTimeout(
        () => reject(new Error(`${label} did not print LISTENING within ${START_TIMEOUT_MS} ms; stderr:\n${output()}`)),
        START_TIMEOUT_MS,
      );
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (chunk: string) => {
        stdout = (stdout + chunk).slice(-MAX_LOG_CHARS);
        const match = /^LISTENING (\S+)$/m.exec(stdout);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.once('exit', () => {
        clearTimeout(timer);
        reject(new Error(`${label} exited with ${describeExit(child)} before listening; stderr:\n${output()}`));
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`${label} could not be spawned: ${err.message}`));
      });
    });
    return running(url, child);
  } catch (err) {
    await stop(child);
    throw err;
  }
}

/** A port that was free a moment ago: listen on port 0, note the port, close. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * Starts server-everything over Streamable HTTP or SSE. It takes its port from
 * $PORT and announces nothing machine-readable, so readiness is the port
 * accepting connections.
 */
export async function startEverything(mode: 'streamableHttp' | 'sse'): Promise<RunningServer> {
  // Another process may take the free port before the server binds it; the server then exits, and we try another.
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const { child, output } = track(process.execPath, [EVERYTHING, mode], { ...process.env, PORT: String(port) });
    // server-everything logs to stdout in streamableHttp mode; an unread pipe would eventually block it.
    child.stdout!.resume();
    let spawnError: Error | undefined;
    child.once('error', (err) => (spawnError = err));
    const deadline = Date.now() + START_TIMEOUT_MS;
    try {
      for (;;) {
        if (spawnError) throw new Error(`server-everything (${mode}) could not be spawned: ${spawnError.message}`);
        if (hasExited(child)) {
          lastError = new Error(`server-everything (${mode}) exited with ${describeExit(child)} before listening on ${port}; stderr:\n${output()}`);
          break;
        }
        if (await accepts(port)) {
          const path = mode === 'streamableHttp' ? '/mcp' : '/sse';
          return running(`http://127.0.0.1:${port}${path}`, child);
        }
        if (Date.now() > deadline) {
          throw new Error(`server-everything (${mode}) did not listen on ${port} within ${START_TIMEOUT_MS} ms; stderr:\n${output()}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    } catch (err) {
      await stop(child);
      throw err;
    }
    await stop(child);
  }
  throw lastError ?? new Error(`server-everything (${mode}) did not start`);
}

/** Stops every server this module started that is still running. */
export async function killAllServers(): Promise<void> {
  await Promise.all([...children].map((child) => stop(child)));
}
