/**
 * Per-caller sign-in (`oauth.perUser`) across three mcpo replicas that share
 * their state in Redis, through the real `mcpo` command behind a load
 * balancer with no stickiness: a sign-in started on one replica finishes on
 * another; each caller's calls carry their own token on every replica; an
 * expired token is refreshed once however many replicas need it; Redis may
 * go and come back; what Redis holds is sealed and names nobody; and
 * signing out (one caller, or everyone with --forget-tokens) holds on every
 * replica; and a replica started later knows the tools another one kept.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { Person } from '../conformance/person.js';
import { runMcpo, startMcpo, type McpoProcess } from '../helpers/mcpo.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { roundRobin, type RoundRobin } from '../helpers/round-robin.js';
import { freePort, startOAuthServer, type RunningServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

const KEYS = { alice: `replicas-alice-${randomBytes(8).toString('hex')}`, bob: `replicas-bob-${randomBytes(8).toString('hex')}`, carol: `replicas-carol-${randomBytes(8).toString('hex')}` };
type User = keyof typeof KEYS;
const STATE_KEY = randomBytes(32).toString('hex');
const REPLICAS = [0, 1, 2] as const;

interface Answer {
  status: number;
  body: any;
  retryAfter: string | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const json = async (url: string): Promise<any> => (await fetch(url)).json();

describe('mcpo replicas sharing sign-ins in Redis (oauth.perUser)', function () {
  this.timeout(60_000);
  let dir: string;
  let redis: RedisServer | undefined;
  /** gh: tokens live 3 s. wiki: tokens live an hour, for the outage. */
  let gh: RunningServer | undefined;
  let wiki: RunningServer | undefined;
  let proxy: RoundRobin | undefined;
  const replicas: McpoProcess[] = [];
  let config: string;
  let env: NodeJS.ProcessEnv;
  /** Every sign-in link handed out, and every URL the browser opened: none of their tickets, codes or states may be logged. */
  const links: string[] = [];
  /** Each caller's subject at gh and at wiki, as the fixture named it on their first call. */
  const subjects: Partial<Record<`${User}@${string}`, string>> = {};

  const lb = () => proxy!;
  const base = (i: number) => replicas[i]!.url;
  const stats = async (server: RunningServer) => (await json(`${new URL(server.url).origin}/_control/stats`)) as { tokenRequests: Record<string, number> };

  async function call(user: User, server: string, at = lb().url): Promise<Answer> {
    const res = await fetch(`${at}/${server}/whoami`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS[user]}`, 'x-test-tag': user },
      body: '{}',
    });
    const body: any = await res.json().catch(() => undefined);
    if (res.status === 403 && typeof body?.error?.authorizeUrl === 'string') links.push(body.error.authorizeUrl);
    return { status: res.status, body, retryAfter: res.headers.get('retry-after') };
  }

  /** A 200 from whoami naming `user`'s own subject at `server` (the first one seen is theirs). */
  async function expectOwn(user: User, server: string, at?: string): Promise<void> {
    const answer = await call(user, server, at);
    expect(answer.status, `${user} at ${server}: ${JSON.stringify(answer.body)}`).to.equal(200);
    const subject = answer.body.result?.subject as string;
    expect(subject).to.match(/^user-\d+$/);
    subjects[`${user}@${server}`] ??= subject;
    expect(subject, `${user}'s subject`).to.equal(subjects[`${user}@${server}`]);
  }

  function expectSignInLink(answer: Answer, server: string, who: string): string {
    expect(answer.status, `${who}: ${JSON.stringify(answer.body)}`).to.equal(403);
    expect(answer.body.error.code).to.equal('authorization_required');
    const link = new URL(answer.body.error.authorizeUrl as string);
    expect(`${link.origin}${link.pathname}`).to.equal(`${lb().url}/oauth/${server}/authorize`);
    expect(link.searchParams.get('ticket')).to.be.a('string').and.not.be.empty;
    return link.href;
  }

  /**
   * `user` asks for their link, opens it in a browser through the balancer,
   * which sends the authorize page to replica `startOn` and the callback to
   * replica `finishOn`.
   */
  async function signIn(user: User, server: string, startOn: number, finishOn: number): Promise<void> {
    const link = expectSignInLink(await call(user, server), server, user);
    const person = new Person(lb().url, server, () => {});
    const from = lb().served.length;
    lb().pinNext(startOn, finishOn);
    const landing = await person.authorize(link);
    links.push(...landing.hops);
    expect(landing.status, landing.url).to.equal(200);
    expect(landing.hops).to.have.length(3); // mcpo's authorize page, the authorization server, mcpo's callback
    expect(new URL(landing.url).origin).to.equal(lb().url);
    expect(lb().served.slice(from)).to.deep.equal([
      { target: startOn, request: `GET /oauth/${server}/authorize` },
      { target: finishOn, request: `GET /oauth/${server}/callback` },
    ]);
  }

  /** The replicas that `user`'s requests through the balancer reached since `from`. */
  function reached(from: number, user: User): Set<number> {
    return new Set(lb().served.slice(from).filter((s) => s.tag === user).map((s) => s.target));
  }

  before(async function () {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mcpo-replicas-'));
    [redis, gh, wiki] = await Promise.all([startRedis(), startOAuthServer(['--token-ttl', '3']), startOAuthServer()]);
    config = path.join(dir, 'config.jsonc');
    writeFileSync(
      config,
      `// three replicas, one config
      {
        "auth": { "keys": [ { "name": "alice", "key": "\${ALICE_KEY}" }, { "name": "bob", "key": "\${BOB_KEY}" }, { "name": "carol", "key": "\${CAROL_KEY}" } ] },
        "mcpServers": {
          "gh": { "type": "streamable-http", "url": "${gh.url}", "oauth": { "perUser": true } },
          "wiki": { "type": "streamable-http", "url": "${wiki.url}", "oauth": { "perUser": true } },
        },
      }`,
    );
    const ports = [await freePort(), await freePort(), await freePort()];
    proxy = await roundRobin(ports.map((p) => `http://127.0.0.1:${p}`));
    env = { ...process.env, ALICE_KEY: KEYS.alice, BOB_KEY: KEYS.bob, CAROL_KEY: KEYS.carol, MCPO_STATE_KEY: STATE_KEY, MCPO_STATE_STORE: '' };
    const started = await Promise.allSettled(
      ports.map((port) => startMcpo(['--port', String(port), '--config', config, '--public-url', proxy!.url, '--state-store', redis!.url], env)),
    );
    for (const s of started) if (s.status === 'fulfilled') replicas.push(s.value);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    for (const i of REPLICAS) await waitFor(async () => ((await json(`${base(i)}/healthz`)).stateStore?.connected === true ? true : undefined), `replica ${i} to reach Redis`);
  });

  after(async function () {
    this.timeout(30_000);
    await Promise.allSettled(replicas.map((r) => r.stop()));
    await Promise.allSettled([proxy?.close(), gh?.close(), wiki?.close(), redis?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts a sign-in on one replica and finishes it on another; each caller then runs as themselves on every replica', async () => {
    await signIn('alice', 'gh', 0, 1);
    await signIn('bob', 'gh', 2, 0);
    const from = lb().served.length;
    for (let i = 0; i < 6; i++) {
      await expectOwn('alice', 'gh');
      await expectOwn('bob', 'gh');
    }
    expect(subjects['alice@gh']).not.to.equal(subjects['bob@gh']);
    expect([...reached(from, 'alice')].sort()).to.deep.equal([0, 1, 2]);
    expect([...reached(from, 'bob')].sort()).to.deep.equal([0, 1, 2]);
    // And on each replica's own address.
    for (const i of REPLICAS) {
      await expectOwn('alice', 'gh', base(i));
      await expectOwn('bob', 'gh', base(i));
    }
  });

  it('refreshes an expired token once across the replicas, however many calls need it', async () => {
    const before = (await stats(gh!)).tokenRequests.refresh_token!;
    await sleep(3_500); // past the 3 s life of every token gh issued so far
    const from = lb().served.length;
    const users: User[] = ['alice', 'bob'];
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => call(users[i % 2]!, 'gh')));
    // Were they slower than 2.7 s, the new tokens would be due again, and a second refresh right.
    const took = Date.now() - started;
    for (const [i, answer] of answers.entries()) {
      const user = users[i % 2]!;
      expect(answer.status, `${user}: ${JSON.stringify(answer.body)}`).to.equal(200);
      expect(answer.body.result.subject).to.equal(subjects[`${user}@gh`]);
    }
    for (const user of users) expect([...reached(from, user)].sort(), user).to.deep.equal([0, 1, 2]);
    expect((await stats(gh!)).tokenRequests.refresh_token! - before, `refreshes (the calls took ${took} ms)`).to.equal(2);
  });

  it('keeps serving callers it holds while Redis is away, refuses new ones with 503, and reconnects by itself', async function () {
    this.timeout(40_000);
    // wiki's tokens live an hour: none is due for a refresh during the outage.
    await signIn('alice', 'wiki', 1, 2);
    for (const i of REPLICAS) await expectOwn('alice', 'wiki', base(i));
    const tokensBefore = Object.keys(await redis!.dump()).filter((k) => k.includes(':tokens:')).sort();
    expect(tokensBefore).to.have.length(3); // alice and bob at gh, alice at wiki

    await redis!.stop();
    for (const i of REPLICAS) {
      await waitFor(async () => ((await json(`${base(i)}/healthz`)).stateStore?.connected === false ? true : undefined), `replica ${i} to see Redis go`);
    }
    for (let i = 0; i < 6; i++) await expectOwn('alice', 'wiki');
    for (const i of REPLICAS) {
      for (const server of ['gh', 'wiki']) {
        const refused = await call('carol', server, base(i));
        expect(refused.status, `carol at ${server} on replica ${i}: ${JSON.stringify(refused.body)}`).to.equal(503);
        expect(refused.body.error.code).to.equal('state_store_unavailable');
        expect(Number(refused.retryAfter)).to.be.greaterThan(0);
      }
      const health = await json(`${base(i)}/healthz`);
      expect(health.stateStore).to.deep.equal({ type: 'redis', connected: false });
      const ready = await fetch(`${base(i)}/readyz`);
      expect(ready.status, JSON.stringify(await ready.clone().json())).to.equal(200);
    }

    await redis!.start();
    const back = Date.now();
    for (const i of REPLICAS) {
      await waitFor(async () => ((await json(`${base(i)}/healthz`)).stateStore?.connected === true ? true : undefined), `replica ${i} to reach Redis again`, 10_000 - (Date.now() - back));
    }
    for (const i of REPLICAS) expectSignInLink(await call('carol', 'gh', base(i)), 'gh', `carol on replica ${i}`);
    expect(Object.keys(await redis!.dump()).filter((k) => k.includes(':tokens:')).sort()).to.deep.equal(tokensBefore);
    for (const i of REPLICAS) {
      await expectOwn('alice', 'wiki', base(i));
      await expectOwn('alice', 'gh', base(i));
      await expectOwn('bob', 'gh', base(i));
    }
    for (const i of REPLICAS) {
      const lines = replicas[i]!.stderr().split('\n');
      expect(lines.filter((l) => /state store unavailable/.test(l)), `replica ${i}: the store went`).to.have.length(1);
      // One when it started, one when Redis came back.
      expect(lines.filter((l) => /state store connected/.test(l)), `replica ${i}: the store came back`).to.have.length(2);
    }
  });

  it('keeps nothing readable in Redis: records sealed, no secret and no caller or server name in clear', async () => {
    const dump = await redis!.dump();
    const secrets = [...((await json(`${new URL(gh!.url).origin}/_control/secrets`)) as string[]), ...((await json(`${new URL(wiki!.url).origin}/_control/secrets`)) as string[])];
    expect(secrets.length).to.be.greaterThan(10);
    const everything = Object.entries(dump).map(([k, v]) => `${k}\n${v}`).join('\n');
    for (const secret of [...secrets, ...Object.values(KEYS), STATE_KEY]) expect(everything).not.to.include(secret);
    for (const key of Object.keys(dump)) {
      for (const name of ['alice', 'bob', 'carol', 'gh', 'wiki']) expect(key.toLowerCase(), key).not.to.include(name);
    }
    const sealedKinds = Object.keys(dump).filter((k) => /:(tokens|client|flow|secret):/.test(k));
    expect(sealedKinds.filter((k) => k.includes(':tokens:'))).to.have.length(3);
    for (const key of sealedKinds) expect(dump[key], key).to.match(/^sealed:v1:/);
  });

  it('logs no secret: no token, code, verifier, client secret, API key or ticket', async () => {
    const secrets = [...((await json(`${new URL(gh!.url).origin}/_control/secrets`)) as string[]), ...((await json(`${new URL(wiki!.url).origin}/_control/secrets`)) as string[])];
    const fromUrls = links.flatMap((link) => [...new URL(link).searchParams].filter(([name]) => ['ticket', 'code', 'state', 'code_challenge'].includes(name)).map(([, value]) => value));
    expect(fromUrls.length).to.be.greaterThan(10);
    for (const i of REPLICAS) {
      const stderr = replicas[i]!.stderr();
      for (const secret of [...secrets, ...fromUrls, ...Object.values(KEYS), STATE_KEY]) expect(stderr, `replica ${i}'s stderr`).not.to.include(secret);
    }
  });

  it('signs one caller out on every replica with DELETE /oauth/gh/token, the others unaffected', async () => {
    const out = await fetch(`${lb().url}/oauth/gh/token`, { method: 'DELETE', headers: { authorization: `Bearer ${KEYS.bob}` } });
    expect(out.status).to.equal(200);
    expect(await out.json()).to.deep.include({ signedOut: true });
    for (const i of REPLICAS) await expectOwn('alice', 'gh', base(i));
    // Two of the three replicas still hold a connection of bob's: it must not outlive his grant.
    for (const i of REPLICAS) expectSignInLink(await call('bob', 'gh', base(i)), 'gh', `bob on replica ${i}`);
  });

  it('signs everyone out of gh on every replica with --forget-tokens gh', async () => {
    const forgot = await runMcpo(['--forget-tokens', 'gh', '--state-store', redis!.url], { ...process.env, MCPO_STATE_STORE: '' });
    expect(forgot.code, forgot.stderr).to.equal(0);
    expect(forgot.stdout).to.match(/forgot 1 token record\b/); // alice's: bob's went already
    expect(Object.keys(await redis!.dump()).filter((k) => k.includes(':tokens:'))).to.have.length(1); // alice's at wiki
    for (const i of REPLICAS) {
      // Her sign-in at wiki is not gh's.
      await expectOwn('alice', 'wiki', base(i));
      expectSignInLink(await call('alice', 'gh', base(i)), 'gh', `alice on replica ${i}`);
    }
  });

  it('lets a replica started later know the tools from the store before its own first caller', async () => {
    const late = await startMcpo(['--port', '0', '--config', config, '--public-url', lb().url, '--state-store', redis!.url], env);
    try {
      await waitFor(async () => ((await json(`${late.url}/healthz`)).stateStore?.connected === true ? true : undefined), 'the late replica to reach Redis');
      const tools = await waitFor(async () => {
        const gh = (await json(`${late.url}/healthz`)).servers.gh;
        return gh.tools > 0 ? gh.tools : undefined;
      }, 'the late replica to know gh\'s tools', 3_000).catch(() => 0);
      const log = late.stderr().split('\n').filter((line) => !line.includes('GET /healthz')).join('\n');
      expect(tools, `gh's tools on a replica started after they were kept; its log:\n${log}`).to.equal(1);
    } finally {
      await late.stop();
    }
  });
});
