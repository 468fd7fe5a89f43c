/**
 * Per-caller sign-in to an upstream (`oauth.perUser`) over REST, end to end:
 * createApp on its own address with two named keys (alice, bob), a temp
 * `stateDir`, the OAuth fixture (which names a new subject for each
 * authorization) and a "person" who opens a sign-in link with no header.
 * Each caller gets their own 403 link, signs in, and from then on the
 * upstream sees their own token; tickets are good once, for ten minutes,
 * for their caller only; sign-out forgets one caller; /healthz counts the
 * callers with a grant; a restart keeps the tokens and the tool list. No
 * secret of the flow and no ticket reaches a log line, and no token a
 * response body. The MCP endpoints' answers are per-user-oauth-mcp.test.ts's.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp } from '../../lib/index.js';
import { Person } from '../conformance/person.js';
import { serveAtOwnAddress, type ServedApp } from '../helpers/app-server.js';
import { recordingLogger } from '../helpers/logger.js';
import { startOAuthServer, type RunningServer } from '../helpers/servers.js';

const KEYS = { alice: 'alice-key-5d1e8c2b7a40f9', bob: 'bob-key-9c3f6a1e2d7b58' } as const;
type Who = keyof typeof KEYS;
const as = (who: Who): Record<string, string> => ({ authorization: `Bearer ${KEYS[who]}` });
const SERVER = 'personal';

/** Every mcpo response body of the suite, and every ticket it handed out, for the leak checks at the end. */
const bodies: string[] = [];
const tickets = new Set<string>();
const secrets = new Set<string>();
const mcpoOrigins = new Set<string>();
const realFetch = globalThis.fetch;

async function recordingFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const res = await realFetch(input, init);
  const url = new URL(input instanceof Request ? input.url : input);
  if (mcpoOrigins.has(url.origin)) bodies.push(`${res.status} ${url.pathname}: ${await res.clone().text()}`);
  return res;
}

const config = (fixture: RunningServer) => ({ mcpServers: { [SERVER]: { type: 'streamable-http', url: fixture.url, oauth: { perUser: true } } } });

interface Answer {
  status: number;
  body: any;
  text: string;
  type: string;
}

async function ask(url: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Answer> {
  const res = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    redirect: 'manual',
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // HTML pages
  }
  return { status: res.status, body, text, type: res.headers.get('content-type') ?? '' };
}

/** The subject the fixture's whoami named, from a REST body or an MCP result. */
function subjectOf(value: unknown): string | undefined {
  return /subject\\*":\\*"(user-\d+)/.exec(JSON.stringify(value))?.[1];
}

async function fixtureStats(fixture: RunningServer): Promise<{ authorizations: number; registrations: number }> {
  return (await realFetch(new URL('/_control/stats', fixture.url))).json() as never;
}

async function healthz(served: ServedApp): Promise<any> {
  return (await ask(`${served.base}/healthz`)).body;
}

/** Polls /healthz until `authorizedCallers` is `count`: recounted in the background, at once after a sign-in or out, well before the 5 s refresh. */
async function authorizedCallers(served: ServedApp, count: number, withinMs = 1_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  let seen: unknown;
  for (;;) {
    seen = (await healthz(served)).servers[SERVER].authorizedCallers;
    if (seen === count) return;
    if (Date.now() > deadline) throw new Error(`authorizedCallers stayed ${String(seen)}, not ${count}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('per-caller sign-in to an upstream (oauth.perUser), REST', function () {
  this.timeout(30_000);
  const stateDir = mkdtempSync(path.join(tmpdir(), 'mcpo-per-user-'));
  const logger = recordingLogger();
  let fixture: RunningServer;
  let served: ServedApp | undefined;
  let person: Person;
  let port = 0;
  const subjects: Partial<Record<Who, string>> = {};

  const serve = async (): Promise<ServedApp> => {
    const app = await serveAtOwnAddress((base) => {
      mcpoOrigins.add(base);
      return createApp(config(fixture), { publicUrl: base, stateDir, logger, auth: { keys: [{ name: 'alice', key: KEYS.alice }, { name: 'bob', key: KEYS.bob }] } });
    }, port);
    port = Number(new URL(app.base).port);
    person = new Person(app.base, SERVER, () => {});
    return app;
  };
  const call = (who: Who | undefined, tool = 'whoami') => ask(`${served!.base}/${SERVER}/${tool}`, { headers: who ? as(who) : {}, body: {} });

  /** A caller without a grant calls: the 403 with their own link, whose ticket is kept for the leak check. */
  async function linkFor(who: Who, tool = 'whoami'): Promise<string> {
    const refused = await call(who, tool);
    expect(refused.status, refused.text).to.equal(403);
    expect(refused.body.ok).to.equal(false);
    expect(refused.body.error.code).to.equal('authorization_required');
    expect(refused.body.error.message).to.be.a('string').and.not.equal('');
    const link: string = refused.body.error.authorizeUrl;
    expect(link.startsWith(`${served!.base}/oauth/${SERVER}/authorize?ticket=`), link).to.equal(true);
    tickets.add(new URL(link).searchParams.get('ticket')!);
    return link;
  }

  /** The person opens `who`'s link in a browser (no header) and lands on the callback page. */
  async function signIn(who: Who): Promise<void> {
    const landing = await person.authorize(await linkFor(who));
    expect(landing.status, landing.url).to.equal(200);
    expect(landing.url.startsWith(`${served!.base}/oauth/${SERVER}/callback?`), landing.url).to.equal(true);
    const ok = await call(who);
    expect(ok.status, ok.text).to.equal(200);
    subjects[who] = subjectOf(ok.body);
    expect(subjects[who], ok.text).to.match(/^user-\d+$/);
  }

  before(async () => {
    globalThis.fetch = recordingFetch as typeof fetch;
    fixture = await startOAuthServer();
    served = await serve();
  });
  after(async () => {
    globalThis.fetch = realFetch;
    await served?.close();
    await fixture?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('refuses to create an app whose perUser server has no verified callers', async () => {
    const made = () => createApp(config(fixture), { stateDir, logger });
    expect(made).to.throw(TypeError, /oauth\.perUser/);
  });

  // The document is the first request this app sees: nothing has read the tickets' signing key from the store yet.
  it('answers the document 403 with the caller\'s link before anyone signed in, even as the app\'s first request', async () => {
    const doc = await ask(`${served!.base}/${SERVER}/openapi.json`, { headers: as('alice') });
    expect(doc.status, doc.text).to.equal(403);
    expect(doc.body.error.code).to.equal('authorization_required');
    expect(doc.body.error.authorizeUrl.startsWith(`${served!.base}/oauth/${SERVER}/authorize?ticket=`)).to.equal(true);
    tickets.add(new URL(doc.body.error.authorizeUrl).searchParams.get('ticket')!);
  });

  it('before anyone signs in: 403 with the caller\'s own link for any tool, the document 403 or 503, /healthz counts none', async () => {
    const alice = await linkFor('alice');
    const bob = await linkFor('bob');
    expect(alice).not.to.equal(bob);
    // The tools are not known yet: a tool that never exists is the same 403, not a 404.
    await linkFor('alice', 'no_such_tool');
    const doc = await ask(`${served!.base}/${SERVER}/openapi.json`, { headers: as('bob') });
    expect(doc.status, doc.text).to.equal(403);
    expect(doc.body.error.code).to.equal('authorization_required');
    tickets.add(new URL(doc.body.error.authorizeUrl).searchParams.get('ticket')!);
    const anonymous = await ask(`${served!.base}/${SERVER}/openapi.json`);
    expect(anonymous.status, anonymous.text).to.equal(503);
    expect(anonymous.body.error.message).to.match(/sign/i);
    // A call without credentials never reaches the router.
    expect((await call(undefined)).status).to.equal(401);
    const health = await healthz(served!);
    expect(health.servers[SERVER].authorizedCallers).to.equal(0);
    expect(health.stateStore).to.deep.equal({ type: 'file', connected: true });
  });

  it('answers a resource or prompt read by a caller without a grant with the 403 too', async () => {
    for (const route of ['resources', 'prompts']) {
      const refused = await ask(`${served!.base}/${SERVER}/${route}`, { headers: as('bob') });
      expect(refused.status, `${route}: ${refused.text}`).to.equal(403);
      expect(refused.body.error.code).to.equal('authorization_required');
      tickets.add(new URL(refused.body.error.authorizeUrl).searchParams.get('ticket')!);
    }
  });

  it('refuses a link opened with another caller\'s credentials (403) or after ten minutes (400)', async () => {
    const alices = await linkFor('alice');
    const stolen = await ask(alices, { headers: as('bob') });
    expect(stolen.status, stolen.text).to.equal(403);
    expect(stolen.type).to.match(/html/);

    const late = await linkFor('alice');
    const now = Date.now;
    const ahead = now() + 11 * 60_000;
    Date.now = () => ahead;
    let expired: Answer;
    try {
      expired = await ask(late);
    } finally {
      Date.now = now;
    }
    expect(expired.status, expired.text).to.equal(400);
    expect(expired.type).to.match(/html/);
    expect(expired.text).to.match(/expired/);
    expect((await fixtureStats(fixture)).authorizations).to.equal(0);
  });

  it('signs alice in through her link opened with no header; the page names the server, not her; a replay is refused', async () => {
    const link = await linkFor('alice');
    const landing = await person.authorize(link);
    expect(landing.status, landing.url).to.equal(200);
    expect(landing.hops[0]).to.equal(link);
    const page = bodies.at(-1)!;
    expect(page).to.include(`${SERVER} is authorized`);
    expect(page.toLowerCase()).not.to.include('alice');
    const replay = await ask(link);
    expect(replay.status, replay.text).to.equal(400);
    expect(replay.type).to.match(/html/);
    expect(replay.text).to.match(/sign-in link was used already/);
    const ok = await call('alice');
    expect(ok.status, ok.text).to.equal(200);
    subjects.alice = subjectOf(ok.body);
    expect(subjects.alice).to.equal('user-1');
    // The tools are known now: an unknown one is a 404 for a signed-in caller.
    expect((await call('alice', 'no_such_tool')).status).to.equal(404);
  });

  it('keeps bob out until his own sign-in; then each caller\'s calls carry their own token', async () => {
    await linkFor('bob');
    await signIn('bob');
    expect(subjects.bob).to.equal('user-2');
    for (let i = 0; i < 3; i++) {
      for (const who of ['bob', 'alice'] as const) {
        const ok = await call(who);
        expect(ok.status, ok.text).to.equal(200);
        expect(subjectOf(ok.body), who).to.equal(subjects[who]);
      }
    }
    await authorizedCallers(served!, 2);
  });

  it('signs bob out with his own credentials; his next call gets the 403 again, alice is unaffected', async () => {
    expect((await ask(`${served!.base}/oauth/${SERVER}/token`, { method: 'DELETE' })).status).to.equal(401);
    const out = await ask(`${served!.base}/oauth/${SERVER}/token`, { method: 'DELETE', headers: as('bob') });
    expect(out.status, out.text).to.equal(200);
    expect(out.body).to.deep.equal({ ok: true, server: SERVER, signedOut: true });
    await linkFor('bob');
    const alice = await call('alice');
    expect(alice.status).to.equal(200);
    expect(subjectOf(alice.body)).to.equal(subjects.alice);
    await authorizedCallers(served!, 1);
  });

  it('keeps alice\'s tokens and the tool list across a restart on the same stateDir', async () => {
    const before = await fixtureStats(fixture);
    await served!.close();
    served = undefined;
    // fetch's pool notices the closed keep-alive sockets to the old app before the new one takes the port.
    await new Promise((r) => setTimeout(r, 100));
    served = await serve();
    // Before anyone calls, the kept list is served.
    const deadline = Date.now() + 5_000;
    let doc = await ask(`${served.base}/${SERVER}/openapi.json`);
    while (doc.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      doc = await ask(`${served.base}/${SERVER}/openapi.json`);
    }
    expect(doc.status, doc.text).to.equal(200);
    expect(Object.keys(doc.body.paths)).to.include('/whoami');
    const health = (await healthz(served)).servers[SERVER];
    expect(health.tools).to.equal(1);
    expect(health.authorizedCallers).to.be.oneOf([0, 1]);
    const ok = await call('alice');
    expect(ok.status, ok.text).to.equal(200);
    expect(subjectOf(ok.body)).to.equal(subjects.alice);
    await linkFor('bob');
    const after = await fixtureStats(fixture);
    expect(after.authorizations).to.equal(before.authorizations);
    await authorizedCallers(served, 1);
  });

  it('forgets a revoked grant: the next call answers the 403 with a new link, and the store no longer counts the caller', async () => {
    expect((await call('alice')).status).to.equal(200);
    expect((await fetch(new URL('/_control/revoke', fixture.url), { method: 'POST' })).status).to.equal(200);
    // The revoked token gets a 401 upstream and its refresh an invalid_grant: the call fails, and the grant is gone.
    const failed = await call('alice');
    expect(failed.status, failed.text).to.be.oneOf([403, 503]);
    await linkFor('alice');
    await authorizedCallers(served!, 0);
    await signIn('alice');
    await authorizedCallers(served!, 1);
  });

  describe('afterwards', () => {
    it('shows no secret of the flow or ticket in a log line, and no token in a response body', async () => {
      const res = await realFetch(new URL('/_control/secrets', fixture.url));
      for (const secret of (await res.json()) as string[]) secrets.add(secret);
      expect([...secrets].some((s) => s.startsWith('at-'))).to.equal(true);
      expect([...secrets].some((s) => !/^(at|rt|code|secret)-/.test(s)), 'a code verifier among them').to.equal(true);
      expect(tickets.size).to.be.greaterThan(5);
      const lines = logger.records.map((r) => JSON.stringify(r));
      expect(lines.length).to.be.greaterThan(0);
      for (const secret of [...secrets, ...tickets]) {
        const leak = lines.find((line) => line.includes(secret));
        expect(leak, `${secret.slice(0, 8)}… logged: ${leak?.slice(0, 300)}`).to.equal(undefined);
      }
      for (const token of [...secrets].filter((s) => /^(at|rt)-/.test(s))) {
        const leak = bodies.find((body) => body.includes(token));
        expect(leak, `${token.slice(0, 8)}… answered: ${leak?.slice(0, 300)}`).to.equal(undefined);
      }
    });
  });
});
