/**
 * OAuth to a protected remote MCP server, end to end and in-process:
 * createApp listening on 127.0.0.1 with `publicUrl`, a temp `stateDir`, the
 * OAuth fixture (an authorization server that approves at once and a
 * 2026-07-28 MCP server behind it) and a "person" that opens the authorize
 * page and follows the redirects. Covers what the conformance suite does
 * not: restarts, refresh, revocation, two flows at once, forged and replayed
 * `state`, the API key, the files' modes, and that no secret of the flow
 * reaches a log line, /healthz or an error body.
 */
import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp, type Logger } from '../../lib/index.js';
import { Person, type ServerHealth } from '../conformance/person.js';
import { recordingLogger } from '../helpers/logger.js';
import { serveAtOwnAddress, type ServedApp } from '../helpers/app-server.js';
import { startOAuthServer, type RunningServer } from '../helpers/servers.js';

const KEY = 'oauth-test-key-0123456789';

/** Every mcpo response body and log line of the suite, for the leak check at the end. */
const seen: string[] = [];
/** Every secret the fixtures issued or were sent, collected before each one stops. */
const secrets = new Set<string>();
const mcpoOrigins = new Set<string>();
const realFetch = globalThis.fetch;

/** Records the body of every response from an mcpo under test (the person's fetches included). */
async function recordingFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const res = await realFetch(input, init);
  const url = new URL(input instanceof Request ? input.url : input);
  if (mcpoOrigins.has(url.origin)) seen.push(`${res.status} ${url.pathname}: ${await res.clone().text()}`);
  return res;
}

/** mcpo at its own address as `publicUrl`, its bodies recorded for the leak check. */
function serve(config: Parameters<typeof createApp>[0], options: { stateDir: string; port?: number; apiKey?: string; logger: Logger }): Promise<ServedApp> {
  return serveAtOwnAddress((base) => {
    mcpoOrigins.add(base);
    return createApp(config, { stateDir: options.stateDir, publicUrl: base, logger: options.logger, ...(options.apiKey ? { apiKey: options.apiKey } : {}) });
  }, options.port);
}

async function stopFixture(fixture: RunningServer | undefined): Promise<void> {
  if (!fixture) return;
  const res = await realFetch(new URL('/_control/secrets', fixture.url)).catch(() => undefined);
  if (res?.ok) for (const secret of (await res.json()) as string[]) secrets.add(secret);
  await fixture.close();
}

async function stats(fixture: RunningServer): Promise<{ registrations: number; authorizations: number; tokenRequests: Record<string, number> }> {
  return (await realFetch(new URL('/_control/stats', fixture.url))).json() as never;
}

const config = (servers: Record<string, RunningServer>) => ({
  mcpServers: Object.fromEntries(Object.entries(servers).map(([name, fixture]) => [name, { type: 'streamable-http', url: fixture.url }])),
});

async function call(served: ServedApp, name: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${served.base}/${name}/whoami`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
  return { status: res.status, body: await res.json() };
}

/** Waits until the server has left `connecting` (and, if given, reached `state`). */
async function settled(person: Person, state?: string, timeoutMs = 10_000): Promise<ServerHealth> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const health = await person.health();
    if (health.state !== 'connecting' && (state === undefined || health.state === state)) return health;
    if (Date.now() > deadline) throw new Error(`still ${health.state} after ${timeoutMs} ms: ${health.lastError}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The person opens the authorize page and is sent back to mcpo's callback, which answers 200. */
async function authorizeAs(person: Person): Promise<string> {
  const health = await settled(person, 'needs-authorization');
  const landing = await person.authorize(health.authorizeUrl!);
  expect(landing.status, landing.url).to.equal(200);
  expect(landing.url).to.match(/\/oauth\/[^/]+\/callback\?/);
  return landing.url;
}

const noLog = () => {};

/** Every state file and its contents, to show a refused callback wrote nothing. */
const snapshot = (dir: string): Record<string, string> =>
  Object.fromEntries(readdirSync(dir).map((file) => [file, readFileSync(path.join(dir, file), 'utf8')]));

describe('OAuth to a protected MCP server (createApp)', function () {
  this.timeout(30_000);
  const stateDir = mkdtempSync(path.join(tmpdir(), 'mcpo-oauth-test-'));
  const logger = recordingLogger();
  const { records } = logger;

  before(() => {
    globalThis.fetch = recordingFetch as typeof fetch;
  });
  after(() => {
    globalThis.fetch = realFetch;
    rmSync(stateDir, { recursive: true, force: true });
  });

  describe('one server, authorized once', () => {
    let fixture: RunningServer;
    let served: ServedApp | undefined;
    let person: Person;
    let port: number;

    before(async () => {
      fixture = await startOAuthServer();
      served = await serve(config({ guarded: fixture }), { stateDir, logger });
      port = Number(new URL(served.base).port);
      person = new Person(served.base, 'guarded', noLog);
      await served.app.ready();
    });
    after(async () => {
      await served?.close();
      await stopFixture(fixture);
    });

    it('starts in needs-authorization, answers calls 503 naming the page, logs it once, and connects once a person authorizes', async () => {
      const page = `${served!.base}/oauth/guarded/authorize`;
      const health = await settled(person);
      expect(health.state).to.equal('needs-authorization');
      expect(health.authorizeUrl).to.equal(page);
      const refused = await call(served!, 'guarded');
      expect(refused.status).to.equal(503);
      expect(refused.body.error.code).to.equal('authorization_required');
      expect(JSON.stringify(refused.body)).to.include(page);
      await call(served!, 'guarded');
      const announced = records.filter((r) => JSON.stringify(r).includes(page));
      expect(announced, JSON.stringify(records)).to.have.length(1);

      await authorizeAs(person);
      expect((await settled(person)).state).to.equal('ready');
      const ok = await call(served!, 'guarded');
      expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
      expect(JSON.stringify(ok.body)).to.include('user-1');
    });

    it('keeps the tokens across a restart on the same state directory', async () => {
      const before = await stats(fixture);
      await served!.close();
      served = await serve(config({ guarded: fixture }), { stateDir, port, logger });
      await served.app.ready();
      expect((await settled(person)).state).to.equal('ready');
      const ok = await call(served, 'guarded');
      expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
      expect(JSON.stringify(ok.body)).to.include('user-1');
      const after = await stats(fixture);
      expect(after.authorizations).to.equal(before.authorizations);
      expect(after.registrations).to.equal(before.registrations);
    });

    it('asks for authorization again once the tokens are revoked', async () => {
      await realFetch(new URL('/_control/revoke', fixture.url), { method: 'POST' });
      const refused = await call(served!, 'guarded');
      expect(refused.status, JSON.stringify(refused.body)).to.equal(503);
      expect(refused.body.error.code).to.equal('authorization_required');
      const health = await settled(person);
      expect(health.state).to.equal('needs-authorization');
      expect(health.authorizeUrl).to.equal(`${served!.base}/oauth/guarded/authorize`);

      await authorizeAs(person);
      const ok = await call(served!, 'guarded');
      expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
      expect(JSON.stringify(ok.body)).to.include('user-2');
    });

    it('logs the SDK\'s invalid_grant during a refresh as a warning naming the server, through the redactor', async () => {
      const from = records.length;
      const secretsBefore = (await (await realFetch(new URL('/_control/secrets', fixture.url))).json()) as string[];
      await realFetch(new URL('/_control/revoke', fixture.url), { method: 'POST' });
      expect((await call(served!, 'guarded')).status).to.equal(503);
      const lines = records.slice(from).filter((r) => r.message.includes('invalid_grant'));
      expect(lines, JSON.stringify(records.slice(from))).to.have.length(1);
      expect(lines[0]!.level).to.equal('warn');
      // The fixture quotes the refused refresh token; the line shows where it was, not what.
      expect(lines[0]!.message).to.match(/^\[mcp-sdk\] OAuth "invalid_grant" — .*Cause: "refresh token \*\*\* is not valid"$/);
      expect(lines[0]!.fields).to.deep.equal({ server: 'guarded' });
      expect(secretsBefore.some((s) => s.startsWith('rt-'))).to.equal(true);
      for (const secret of secretsBefore) expect(JSON.stringify(lines[0]), 'a secret of the flow').not.to.include(secret);
      expect((await settled(person)).state).to.equal('needs-authorization');
    });

    it('refuses a replayed callback with 400 and changes nothing', async () => {
      await realFetch(new URL('/_control/revoke', fixture.url), { method: 'POST' });
      expect((await call(served!, 'guarded')).status).to.equal(503);
      const callback = await authorizeAs(person);
      const before = await stats(fixture);
      const files = snapshot(stateDir);
      const replay = await fetch(callback);
      expect(replay.status).to.equal(400);
      expect(replay.headers.get('content-type')).to.match(/html/);
      expect((await settled(person)).state).to.equal('ready');
      expect(await stats(fixture)).to.deep.equal(before);
      expect(snapshot(stateDir)).to.deep.equal(files);
      const ok = await call(served!, 'guarded');
      expect(ok.status).to.equal(200);
      expect(JSON.stringify(ok.body)).to.include('user-3');
    });
  });

  it('registers again when the redirect URI changed since the client was registered (a new --public-url)', async () => {
    const fixture = await startOAuthServer();
    const dir = mkdtempSync(path.join(tmpdir(), 'mcpo-oauth-moved-'));
    let served: ServedApp | undefined;
    try {
      served = await serve(config({ moved: fixture }), { stateDir: dir, logger });
      await authorizeAs(new Person(served.base, 'moved', noLog));
      expect((await stats(fixture)).registrations).to.equal(1);
      await served.close();
      // Another port: another publicUrl, so another redirect URI than the registered one.
      served = await serve(config({ moved: fixture }), { stateDir: dir, logger });
      const person = new Person(served.base, 'moved', noLog);
      // The tokens still work; a person who signs in again gets a client registered for the new callback.
      expect((await settled(person)).state).to.equal('ready');
      const landing = await person.authorize(`${served.base}/oauth/moved/authorize?reauthorize=1`);
      expect(landing.status, landing.url).to.equal(200);
      expect(landing.url.startsWith(`${served.base}/oauth/moved/callback?`), landing.url).to.equal(true);
      expect((await settled(person)).state).to.equal('ready');
      expect((await stats(fixture)).registrations).to.equal(2);
    } finally {
      await served?.close();
      await stopFixture(fixture);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a forged state with 400 and changes nothing, while a flow is pending', async () => {
    const fixture = await startOAuthServer();
    const served = await serve(config({ forged: fixture }), { stateDir, logger });
    try {
      const person = new Person(served.base, 'forged', noLog);
      const health = await settled(person, 'needs-authorization');
      // A real flow started (its state issued), then a callback with a state mcpo never issued.
      const started = await fetch(new URL(health.authorizeUrl!), { redirect: 'manual' });
      expect(started.status).to.equal(302);
      const before = await stats(fixture);
      const files = snapshot(stateDir);
      const forged = await fetch(`${served.base}/oauth/forged/callback?code=made-up&state=forged-state&iss=${encodeURIComponent(new URL(fixture.url).origin)}`);
      expect(forged.status).to.equal(400);
      expect(await stats(fixture)).to.deep.equal(before);
      expect(snapshot(stateDir)).to.deep.equal(files);
      const after = await person.health();
      expect(after.state).to.equal('needs-authorization');
      // The real flow is still good.
      const landing = await person.authorize(started.headers.get('location')!);
      expect(landing.status).to.equal(200);
      expect((await settled(person)).state).to.equal('ready');
    } finally {
      await served.close();
      await stopFixture(fixture);
    }
  });

  it('refreshes an access token that expired, without a person', async () => {
    const fixture = await startOAuthServer(['--token-ttl', '1']);
    const served = await serve(config({ shortlived: fixture }), { stateDir, logger });
    try {
      const person = new Person(served.base, 'shortlived', noLog);
      await authorizeAs(person);
      expect((await call(served, 'shortlived')).status).to.equal(200);
      await new Promise((r) => setTimeout(r, 2_000));
      const ok = await call(served, 'shortlived');
      expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
      expect(JSON.stringify(ok.body)).to.include('user-1');
      const counts = await stats(fixture);
      expect(counts.tokenRequests.refresh_token).to.be.at.least(1);
      expect(counts.authorizations).to.equal(1);
    } finally {
      await served.close();
      await stopFixture(fixture);
    }
  });

  describe('two servers', () => {
    let one: RunningServer;
    let two: RunningServer;
    let served: ServedApp;

    before(async () => {
      [one, two] = await Promise.all([startOAuthServer(), startOAuthServer()]);
      served = await serve(config({ one, two }), { stateDir, logger });
    });
    after(async () => {
      await served?.close();
      await Promise.all([stopFixture(one), stopFixture(two)]);
    });

    it('authorizes both at once', async () => {
      const people = ['one', 'two'].map((name) => new Person(served.base, name, noLog));
      await Promise.all(people.map((person) => authorizeAs(person)));
      for (const person of people) expect((await settled(person)).state).to.equal('ready');
      for (const name of ['one', 'two']) expect((await call(served, name)).status).to.equal(200);
    });

    it('keeps each server\'s state in 0600 files in a 0700 directory, and deletes them when the server is removed', async () => {
      expect(statSync(stateDir).mode & 0o777).to.equal(0o700);
      const files = () => readdirSync(stateDir).filter((file) => /^s-[0-9a-f]{40}\.json$/.test(file));
      const before = files();
      for (const file of readdirSync(stateDir)) expect(statSync(path.join(stateDir, file)).mode & 0o777, file).to.equal(0o600);
      const result = await served.app.reload(config({ one }));
      expect(result.removed).to.deep.equal(['two']);
      // Its registered client and its tokens went; "one"'s stayed.
      const after = files();
      expect(before.length - after.length).to.equal(2);
      expect(before).to.include.members(after);
      expect((await call(served, 'one')).status).to.equal(200);
    });
  });

  it('guards the authorize page with the API key, but not the callback', async () => {
    const fixture = await startOAuthServer();
    const served = await serve(config({ keyed: fixture }), { stateDir, logger, apiKey: KEY });
    try {
      const person = new Person(served.base, 'keyed', noLog);
      const { authorizeUrl } = await settled(person, 'needs-authorization');
      expect((await fetch(authorizeUrl!, { redirect: 'manual' })).status).to.equal(401);
      // A ticket gets a link past the key only on a per-caller server: here it starts nothing.
      const ticketed = await fetch(`${authorizeUrl}?ticket=anything`, { redirect: 'manual' });
      expect(ticketed.status).to.equal(400);
      expect(await ticketed.text()).to.include('sign-in links with a ticket are for per-caller servers');
      // Sign-out is per caller: a shared sign-in has none, and nobody's key forgets everyone's tokens.
      const signOut = await fetch(`${served.base}/oauth/keyed/token`, { method: 'DELETE', headers: { Authorization: `Bearer ${KEY}` } });
      expect(signOut.status).to.equal(404);
      const started = await fetch(authorizeUrl!, { redirect: 'manual', headers: { Authorization: `Bearer ${KEY}` } });
      expect(started.status).to.equal(302);
      const approved = await realFetch(started.headers.get('location')!, { redirect: 'manual' });
      const callback = approved.headers.get('location')!;
      expect(callback.startsWith(`${served.base}/oauth/keyed/callback?`)).to.equal(true);
      // The browser comes back without mcpo's key.
      expect((await fetch(callback)).status).to.equal(200);
      expect((await settled(person)).state).to.equal('ready');
      expect((await call(served, 'keyed', { Authorization: `Bearer ${KEY}` })).status).to.equal(200);
    } finally {
      await served.close();
      await stopFixture(fixture);
    }
  });

  // Last, and in a suite of its own: mocha runs a suite's own tests before its child suites.
  describe('afterwards', () => {
    it('shows no secret of the flow in any log line, /healthz or error body', () => {
      expect(secrets.size, 'the fixtures reported their secrets').to.be.greaterThan(10);
      const kinds = new Set([...secrets].map((s) => s.split('-')[0]));
      expect(kinds).to.include.members(['at', 'rt', 'code', 'secret']);
      expect([...secrets].some((s) => !/^(at|rt|code|secret)-/.test(s)), 'a code verifier among them').to.equal(true);
      const texts = [...seen, ...records.map((record) => JSON.stringify(record))];
      expect(texts.some((text) => text.includes('/healthz') || text.includes('healthz'))).to.equal(true);
      for (const secret of secrets) {
        const leak = texts.find((text) => text.includes(secret));
        expect(leak, `secret ${secret.slice(0, 8)}… appears in: ${leak?.slice(0, 300)}`).to.equal(undefined);
      }
    });
  });
});
