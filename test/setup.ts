/**
 * Root hooks for every suite: after the run, no child process that the tests
 * started may still be alive. A leaked MCP server fails the run instead of
 * hiding until the machine runs out of processes.
 */
import { allProcesses } from './helpers/mcpo.js';

/** Live (non-zombie) children of this process. */
export function liveChildren(): { pid: number; command: string }[] {
  // tsx's esbuild service belongs to the test runner, not to a test.
  return allProcesses().filter((p) => p.ppid === process.pid && !/esbuild\S* --service/.test(p.command));
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
