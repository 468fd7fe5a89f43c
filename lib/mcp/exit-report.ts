/**
 * Why a stdio server is gone, or never answered, in one message that names
 * it and quotes the end of its stderr: the SDK says only "Connection closed"
 * or "Request timed out", while the child usually said exactly what was
 * wrong ("mcp-server-memory: not found", a missing API key, a Python
 * traceback, a server listening on a port instead of stdio).
 *
 * Pure. It does not redact: the message goes where every upstream error goes,
 * and the app's redactor masks config secrets in `/healthz` and in log lines.
 */

/** How a child process ended, as Node reports it. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** How much of the child's stderr a message quotes. */
export const STDERR_QUOTE = Object.freeze({ lines: 5, chars: 1024 });

// Colour and cursor codes: a terminal-minded server's stderr is full of them, and they are noise in JSON.
const ANSI_ESCAPE = /\x1b\[[0-9;?]*[A-Za-z]/g;

/**
 * The line that says what went wrong: `Error: Cannot find module 'x'`,
 * `Error [ERR_MODULE_NOT_FOUND]: …`, `ModuleNotFoundError: …`, `panic: …`.
 */
const EXPLAINING_LINE = /^(?:Uncaught )?(?:[A-Z][\w.]*)?(?:Error|Exception)(?: \[[\w-]+\])?: |^panic: /;
/** What follows it and says nothing new: stack frames, and Node's `Node.js v20.11.0` trailer. */
const NOISE_LINE = /^\s+at |^Node\.js v\d+\./;

/**
 * The last non-empty lines of `text`, at most `lines` of them and about
 * `chars` characters; but when those would leave out the line that explains
 * the failure (a Node crash puts ten stack frames and its version after
 * it), the quote starts at that line and skips the frames after it.
 */
export function stderrTail(text: string, quote: { lines: number; chars: number } = STDERR_QUOTE): string {
  const lines = text
    .replace(ANSI_ESCAPE, '')
    .split(/\r?\n|\r/)
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '');
  let explains = lines.length - 1;
  while (explains >= 0 && !EXPLAINING_LINE.test(lines[explains]!)) explains--;
  if (explains !== -1 && explains < lines.length - quote.lines) {
    const after = lines.slice(explains + 1).filter((line) => !NOISE_LINE.test(line));
    const kept = [lines[explains], ...after].slice(0, quote.lines).join('\n');
    return kept.length > quote.chars ? `${kept.slice(0, quote.chars - 1)}…` : kept;
  }
  const tail = lines.slice(-quote.lines).join('\n');
  return tail.length > quote.chars ? `…${tail.slice(-(quote.chars - 1))}` : tail;
}

function how(exit: ChildExit): string {
  if (exit.signal !== null) return `was killed by ${exit.signal}`;
  if (exit.code !== null) return `exited (code ${exit.code})`;
  return 'exited';
}

function quoted(stderr: string): string {
  const tail = stderrTail(stderr);
  return tail === '' ? 'it wrote nothing to stderr' : `its stderr ended with:\n${tail}`;
}

/**
 * `MCP server "memory" exited (code 127) before it was ready; its stderr
 * ended with: …`. `ready` says whether the server had been serving.
 */
export function exitMessage(name: string, exit: ChildExit, ready: boolean, stderr: string): string {
  return `MCP server "${name}" ${how(exit)}${ready ? '' : ' before it was ready'}; ${quoted(stderr)}`;
}

/**
 * `MCP server "memory" (command "npx") started but did not answer within
 * 30 s; its stderr ended with: …`: the child runs, and says nothing on stdout.
 * The command is named without its arguments, which may hold a token.
 */
export function silenceMessage(name: string, command: string, timeoutMs: number, stderr: string): string {
  return `MCP server "${name}" (command "${command}") started but did not answer within ${timeoutMs / 1000} s; ${quoted(stderr)}`;
}

/** The error spawn() reports when the command cannot be run at all; undefined for any other error. */
export function spawnFailure(err: unknown): NodeJS.ErrnoException | undefined {
  const e = err as NodeJS.ErrnoException | undefined;
  return e instanceof Error && typeof e.syscall === 'string' && e.syscall.startsWith('spawn') ? e : undefined;
}

/** `MCP server "memory" could not be started: the command "npx" was not found (spawn npx ENOENT)`. */
export function spawnFailureMessage(name: string, command: string, cwd: string | undefined, err: NodeJS.ErrnoException): string {
  const why =
    err.code === 'ENOENT'
      ? cwd === undefined
        ? `the command "${command}" was not found`
        : `the command "${command}" or the working directory "${cwd}" was not found`
      : err.code === 'EACCES' ? `the command "${command}" is not executable`
      : `the command "${command}" could not be run`;
  return `MCP server "${name}" could not be started: ${why} (${err.message})`;
}
