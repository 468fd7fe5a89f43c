/**
 * A stdio server's process as mcpo starts it (stdio-transport.ts runs it):
 * never through a shell, in a process group of its own, with the small
 * environment the SDK's stdio transport gives (PATH, HOME and the like) and
 * the server's own variables on top, and killed, group and all, if mcpo
 * exits without closing it. Apart from the transport because the command
 * starts its servers before it loads the MCP client (spawn-ahead.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface StdioParams {
  command: string;
  args: readonly string[];
  /** Added to the small default environment (PATH, HOME, …); mcpo's own is not passed on. */
  env: Readonly<Record<string, string>>;
  cwd?: string;
}

export const OWN_GROUP = process.platform !== 'win32';

/**
 * The variables a child inherits from mcpo: the SDK's stdio transport's
 * list (its getDefaultEnvironment; a test holds the two equal), without a
 * value that is a shell function.
 */
const INHERITED = OWN_GROUP
  ? ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER']
  : ['APPDATA', 'COMSPEC', 'HOMEDRIVE', 'HOMEPATH', 'LOCALAPPDATA', 'PATH', 'PATHEXT', 'PROCESSOR_ARCHITECTURE', 'PROGRAMDATA', 'PROGRAMFILES', 'PROGRAMFILES(X86)', 'PROGRAMW6432', 'SYSTEMDRIVE', 'SYSTEMROOT', 'TEMP', 'USERNAME', 'USERPROFILE', 'WINDIR'];

export function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of INHERITED) {
    const value = process.env[key];
    if (value !== undefined && !value.startsWith('()')) env[key] = value;
  }
  return env;
}

/** Groups still running, for the exit hook. */
export const liveGroups = new Set<number>();
let exitHookInstalled = false;

export function signalGroup(pid: number, signal: NodeJS.Signals): void {
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

/** Starts a server; its group counts as live from its 'spawn' until whoever runs it sees it exit. */
export function spawnServer(params: StdioParams): ChildProcess {
  installExitHook();
  const child = spawn(params.command, [...params.args], {
    env: { ...inheritedEnv(), ...params.env },
    ...(params.cwd !== undefined ? { cwd: params.cwd } : {}),
    stdio: ['pipe', 'pipe', 'pipe'],
    shell: false,
    detached: OWN_GROUP,
    windowsHide: true,
  });
  child.once('spawn', () => {
    if (child.pid !== undefined) liveGroups.add(child.pid);
  });
  return child;
}
