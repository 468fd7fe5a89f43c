// scratch: profile mcpo under a session or stateless MCP load
import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import { sessionTarget, statelessTarget } from './bench/mcp-targets.js';
const kind = process.argv[2];
const dir = `/tmp/prof2/${kind}`;
const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, 'dist/bin/mcpo.js', '--port', '8125', '--log-level', 'warning', '--', process.execPath, 'test/bench/.compiled/server.js'], { stdio: 'inherit' });
await new Promise((r) => setTimeout(r, 2500));
const url = 'http://127.0.0.1:8125/mcp';
const t = kind === 'session' ? await sessionTarget(url) : statelessTarget(url);
const run = (duration: number) => new Promise<any>((resolve) => autocannon({ url: t.url, method: 'POST', headers: t.headers, body: t.body(1), connections: 32, duration }, (_e, r) => resolve(r)));
await run(2);
const r = await run(8);
console.log(kind, 'req/s', r.requests.average, 'total', r.requests.total);
child.kill('SIGINT');
await new Promise((res) => child.on('exit', res));
