/**
 * The MCP client's own cost, without HTTP: mcpo's supervised connection
 * (`Upstream`, from a build's dist/) calling the bench server's `ping` with 16
 * calls in flight, and the CPU this process spends per call, median of three
 * 3 s rounds after a warm-up. Give it another build's dist/ to compare, e.g.
 * the one before a change to lib/mcp/:
 *
 *   npm run bench                 # once, to compile the bench server
 *   node --import tsx test/bench/client-cost.ts [dist-dir ...]   # default: ./dist
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SERVER = path.join(ROOT, 'test/bench/.compiled/server.js');
const silent = { debug() {}, info() {}, warn() {}, error() {} };

async function cost(dist: string): Promise<number> {
  const { Upstream } = await import(pathToFileURL(path.join(dist, 'lib/mcp/upstream.js')).href);
  const { resolveSpec } = await import(pathToFileURL(path.join(dist, 'lib/mcp/spec.js')).href);
  const upstream = new Upstream(resolveSpec({ command: process.execPath, args: [SERVER] }), {
    name: 'bench', logger: silent, connectTimeoutMs: 10_000, retryAfter: 1, backoff: { initialMs: 500, maxMs: 30_000 }, onTools() {},
  });
  try {
    await upstream.ready();
    const call = () => upstream.call('ping', {}, { timeoutMs: 30_000 });
    for (let i = 0; i < 3000; i++) await call();
    const rounds: number[] = [];
    for (let round = 0; round < 3; round++) {
      const before = process.cpuUsage();
      const end = Date.now() + 3000;
      let calls = 0;
      await Promise.all(Array.from({ length: 16 }, async () => {
        while (Date.now() < end) {
          await call();
          calls++;
        }
      }));
      const used = process.cpuUsage(before);
      rounds.push((used.user + used.system) / 1000 / calls);
    }
    return rounds.sort((a, b) => a - b)[1]!;
  } finally {
    await upstream.close();
  }
}

const dists = process.argv.length > 2 ? process.argv.slice(2) : [path.join(ROOT, 'dist')];
for (const dist of dists) console.log(`${dist}: ${(await cost(path.resolve(dist))).toFixed(4)} ms of client CPU per call`);
