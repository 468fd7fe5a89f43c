// scratch: a quick auth driver (to be replaced by the harness)
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createApp, type McpoApp } from '../../lib/index.js';
const url = process.argv[2]!;
const scenario = String(process.env.MCP_CONFORMANCE_SCENARIO);
const ctx = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}');
const log = (m: string) => process.stderr.write(`[q] ${m}\n`);
log(`${scenario} ${url} ctx=${JSON.stringify(ctx).slice(0, 300)}`);
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'q-'));
const oauth: Record<string, unknown> = {};
if (ctx.client_id) oauth.clientId = ctx.client_id;
if (ctx.client_secret) oauth.clientSecret = ctx.client_secret;
if (ctx.private_key_pem) { oauth.privateKey = ctx.private_key_pem; oauth.signingAlgorithm = ctx.signing_algorithm; }
if (scenario.includes('client-credentials')) oauth.grantType = 'client_credentials';
let app: McpoApp | undefined;
const server = http.createServer((req, res) => app!(req, res));
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
app = createApp({ mcpServers: { s: { type: 'streamable-http', url, ...(Object.keys(oauth).length ? { oauth } : {}) } as any } }, { publicUrl: base, stateDir, logger: { debug() {}, info: (m: string, f?: object) => log(`info ${m} ${JSON.stringify(f ?? {})}`), warn: (m: string, f?: object) => log(`warn ${m} ${JSON.stringify(f ?? {})}`), error: (m: string, f?: object) => log(`error ${m} ${JSON.stringify(f ?? {})}`) } as any });
await app.ready().catch((e) => log(`ready: ${e.message}`));
const health = async () => (await (await fetch(`${base}/healthz`)).json()) as any;
let h = await health();
log(`health ${JSON.stringify(h.servers.s)}`);
if (h.servers.s.state === 'needs-authorization') {
  let next: string | null = h.servers.s.authorizeUrl;
  for (let i = 0; i < 10 && next; i++) {
    const res = await fetch(next, { redirect: 'manual' });
    log(`GET ${next.slice(0, 120)} -> ${res.status}`);
    const loc = res.headers.get('location');
    next = loc ? new URL(loc, next).href : null;
    if (!loc) log((await res.text()).slice(0, 300));
  }
  h = await health();
  log(`health ${JSON.stringify(h.servers.s)}`);
}
const doc = (await (await fetch(`${base}/s/openapi.json`)).json()) as any;
for (const p of Object.keys(doc.paths ?? {})) {
  const r = await fetch(`${base}/s${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  log(`POST ${p} -> ${r.status} ${(await r.text()).slice(0, 200)}`);
}
await app.close(); server.close(); rmSync(stateDir, { recursive: true, force: true });
log('done');
process.exit(0);
