/**
 * The bench section "auth" (`BENCH_ONLY=auth`): what a verified caller costs.
 * One mcpo process with a config `auth` block (a named key, an HS256 secret
 * entry as Open WebUI signs with, and an RS256 key-set entry whose JWKS this
 * process serves) in front of the bench server; `POST /b/ping` at
 * concurrency 32 as each of three callers, each with one credential minted
 * once (a day's `exp`) and reused, as a client does: the API key, an HS256
 * JWT and an RS256 JWT. The three take turns in 1 s bursts, the order
 * rotating each round (as pairedBursts does for two). A row's two numbers
 * are mcpo's median CPU per call as each caller, and its ratio their
 * quotient; the median of the rounds' JWT/key ratios is printed beside them
 * under its own name. The issue's target: a JWT caller within 10% of the key
 * caller's CPU per call.
 *
 * Then the first use of a token: sequential calls, each with a freshly
 * minted RS256 token (a signature check) or with the reused one (the cache),
 * taking turns, to show that the cache is what makes a JWT cheap.
 */
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { cannon, median, ROUNDS, serverCommand, startMcpoReady, withCpu } from './harness.js';
import { atMost, fmt, markdownTable, quantity, ratioText, shown, type Row } from './table.js';

const KEY = 'k-123';
const SECRET = 'bench-hs256-secret-0123456789abcdef';
const AUDIENCE = 'mcpo';
const KID = 'bench-rs256';
const ROUTE = '/b/ping';

/** A local issuer's key set: `GET /jwks` answers the public half of an RS256 pair. */
async function jwksServer(): Promise<{ issuer: string; jwksUrl: string; sign: (subject: string) => Promise<string>; close: () => Promise<void> }> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const body = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: KID, alg: 'RS256', use: 'sig' }] });
  const server = http.createServer((req, res) => {
    if (req.url !== '/jwks') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const issuer = `http://127.0.0.1:${port}`;
  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    sign: (subject) =>
      new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: KID }).setSubject(subject).setIssuer(issuer).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('1d').sign(privateKey),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An Open WebUI-style token: HS256 over the shared secret, the user in `id`, no issuer. */
const hs256 = (id: string) => new SignJWT({ id }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt().setExpirationTime('1d').sign(new TextEncoder().encode(SECRET));

/** One `POST` over a keep-alive connection; resolves with its status and latency in ms. */
function call(agent: http.Agent, url: string, credential: string): Promise<{ status: number; ms: number }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': 2, authorization: `Bearer ${credential}` } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
      },
    );
    req.on('error', reject);
    req.end('{}');
  });
}

export async function verifiedCallers(): Promise<{ rows: Row[]; notes: string[] }> {
  const issuer = await jwksServer();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mcpo-bench-auth-'));
  const file = path.join(dir, 'config.json');
  const [command, ...args] = serverCommand();
  writeFileSync(
    file,
    JSON.stringify({
      auth: {
        keys: [{ name: 'bench', key: KEY }],
        jwt: [
          { secret: SECRET, claims: { id: 'id' } },
          { issuer: issuer.issuer, audience: AUDIENCE, jwksUrl: issuer.jwksUrl },
        ],
      },
      mcpServers: { b: { command, args } },
    }),
  );
  const credentials = { key: KEY, hs256: await hs256('bench-user'), rs256: await issuer.sign('bench-user') };
  const names = Object.keys(credentials) as (keyof typeof credentials)[];
  const mcpo = await startMcpoReady(['--config', file]);
  const url = `${mcpo.url}${ROUTE}`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const rps: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const cpu: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const fresh: number[] = [];
  const cached: number[] = [];
  let firstRs256 = NaN;
  try {
    // Auth is on, and each credential is good; the RS256 one's first call also fetches the key set.
    const refused = await call(agent, url, 'not-a-key');
    if (refused.status !== 401) throw new Error(`a wrong key answered ${refused.status}, not 401`);
    for (const name of names) {
      const first = await call(agent, url, credentials[name]);
      if (first.status !== 200) throw new Error(`the ${name} caller answered ${first.status}`);
      if (name === 'rs256') firstRs256 = first.ms;
    }
    const load = (name: keyof typeof credentials) =>
      cannon(url, 32, {}, { duration: 1, headers: { 'content-type': 'application/json', authorization: `Bearer ${credentials[name]}` } });
    for (const name of names) await load(name); // warm-up: JIT, connection pools
    const rounds = 10 * ROUNDS;
    for (let round = 0; round < rounds; round++) {
      if (round % 10 === 0) process.stderr.write(`auth: round ${round + 1}/${rounds}\n`);
      for (let k = 0; k < names.length; k++) {
        const name = names[(round + k) % names.length]!;
        const { load: got, perRequest } = await withCpu({ mcpo: mcpo.pid }, () => load(name));
        if (got.failures > 0) throw new Error(`the ${name} caller had ${got.failures} failed requests`);
        rps[name]!.push(got.rps);
        cpu[name]!.push(perRequest.mcpo!);
      }
    }

    // First use against reuse: a fresh token each time (minted beforehand, not timed) or the cached one, taking turns.
    const PAIRS = 40;
    const tokens = await Promise.all(Array.from({ length: PAIRS }, (_, i) => issuer.sign(`fresh-${i}`)));
    for (let i = 0; i < 20; i++) await call(agent, url, credentials.rs256); // warm-up of the sequential path
    for (let i = 0; i < PAIRS; i++) {
      const order = i % 2 ? ['cached', 'fresh'] : ['fresh', 'cached'];
      for (const which of order) {
        const got = await call(agent, url, which === 'fresh' ? tokens[i]! : credentials.rs256);
        if (got.status !== 200) throw new Error(`a ${which} RS256 token answered ${got.status}`);
        (which === 'fresh' ? fresh : cached).push(got.ms);
      }
    }
  } finally {
    agent.destroy();
    await mcpo.stop();
    await issuer.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const rounds = rps.key!.length;
  /** The median of the rounds' ratios of `name` to the key caller, each round's three bursts seconds apart. */
  const ratio = (of: Record<string, number[]>, name: string) => median(of[name]!.map((x, round) => x / of.key![round]!));
  const rows: Row[] = [];
  const perCall = (name: string, after: string) => quantity(median(cpu[name]!), 3, 'ms CPU per call', `; ${fmt(median(rps[name]!))} req/s${after}`);
  for (const [name, label] of [['hs256', 'an HS256 JWT (shared secret, Open WebUI style)'], ['rs256', 'an RS256 JWT (key set over JWKS)']] as const) {
    rows.push({
      scenario: `Verified callers: \`POST ${ROUTE}\`, concurrency 32, as ${label} against the named API key, each credential reused (the token cached once verified); mcpo's CPU per call`,
      figure: perCall(name, ''),
      baseline: perCall('key', ' (the API key)'),
      named: { label: `median of ${rounds} rounds of 1 s bursts taking turns`, ratios: [['CPU per call', ratio(cpu, name)], ['req/s', ratio(rps, name)]] },
      target: atMost(1.1, '≤ 1.10× CPU per call'),
    });
  }
  const reqs = (name: string) => ({ value: median(rps[name]!), digits: 0 });
  const cpuOf = (name: string) => ({ value: median(cpu[name]!), digits: 3 });
  const table = markdownTable(
    [`\`POST ${ROUTE}\`, concurrency 32, ${rounds} rounds of 1 s bursts`, 'req/s', 'mcpo CPU ms per call', 'CPU per call against the key', 'req/s against the key', `median of the ${rounds} rounds' ratios: CPU per call, req/s`],
    names.map((name) => [
      { key: 'API key', hs256: 'HS256 JWT', rs256: 'RS256 JWT' }[name],
      fmt(reqs(name).value),
      fmt(cpuOf(name).value, 3),
      ...(name === 'key' ? ['—', '—', '—'] : [ratioText(cpuOf(name), cpuOf('key')), ratioText(reqs(name), reqs('key')), `${fmt(ratio(cpu, name), 2)}×, ${fmt(ratio(rps, name), 2)}×`]),
    ]),
  );
  const notes = [
    table,
    `First use of a token, sequential calls on one connection: a freshly minted RS256 token (verified: signature, claims) took ${fmt(median(fresh), 3)} ms at the median against ${fmt(median(cached), 3)} ms for the same call with the reused, cached one (${fresh.length} of each, taking turns; +${fmt(shown(median(fresh), 3) - shown(median(cached), 3), 3)} ms for the check). The RS256 caller's very first call, which also fetched the key set, took ${fmt(firstRs256, 3)} ms.`,
  ];
  return { rows, notes };
}
