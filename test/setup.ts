/**
 * Root hooks for every suite: after the run, no child process that the tests
 * started may still be alive. A leaked MCP server fails the run instead of
 * hiding until the machine runs out of processes.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Live (non-zombie) children of this process, from /proc. */
export function liveChildren(): { pid: number; command: string }[] {
  const found: { pid: number; command: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the command (which may hold spaces) start after the last ')'.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const state = rest[0];
      const ppid = Number(rest[1]);
      if (ppid === process.pid && state !== 'Z') {
        const command = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim();
        // tsx's esbuild service belongs to the test runner, not to a test.
        if (!/esbuild\S* --service/.test(command)) found.push({ pid: Number(name), command });
      }
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

async function settle(): Promise<{ pid: number; command: string }[]> {
  // Children get a moment to exit after their SIGTERM.
  for (let i = 0; i < 30; i++) {
    const left = liveChildren();
    if (left.length === 0) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
  return liveChildren();
}

export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(10_000);
    const left = await settle();
    if (left.length > 0) {
      for (const child of left) process.kill(child.pid, 'SIGKILL');
      throw new Error(`tests left ${left.length} child process(es) running: ${left.map((c) => `${c.pid} ${c.command}`).join('; ')}`);
    }
  },
};
