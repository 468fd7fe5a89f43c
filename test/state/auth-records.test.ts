/**
 * AuthRecords (lib/state/auth-records.ts): what OAuth keeps in the state
 * store and under which keys, run against both stores: a FileStore in a
 * temporary directory and the Redis store on a real redis-server
 * (test/helpers/redis.ts). Round trips, callers kept apart, forgetting,
 * one-time flows and tickets, the shared secret, sealing with
 * MCPO_STATE_KEY, keys that name nobody, and the import of an earlier
 * version's files.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../lib/common/log.js';
import { AuthRecords, callerKey, serverKey, type ServerRef } from '../../lib/state/auth-records.js';
import { FileStore } from '../../lib/state/file-store.js';
import { redisStore } from '../../lib/state/redis-store.js';
import { createSealer, sealerFromEnv, type Sealer } from '../../lib/state/sealed.js';
import type { StateStore } from '../../lib/state/state-store.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

const STATE_KEY = Buffer.alloc(32, 0x5e).toString('hex');
const sealed = (): Sealer => sealerFromEnv({ MCPO_STATE_KEY: STATE_KEY });
const plain = (): Sealer => createSealer(undefined);

const GITHUB: ServerRef = { name: 'github-server-name', url: 'https://mcp.github.example/mcp' };
const GITHUB_MOVED: ServerRef = { name: 'github-server-name', url: 'https://moved.github.example/mcp' };
const GITLAB: ServerRef = { name: 'gitlab-server-name', url: 'https://mcp.gitlab.example/mcp' };
const ALICE = callerKey('oidc', 'alice-user-id@example.com');
const BOB = callerKey('oidc', 'bob-user-id@example.com');

const tokens = (t: string) => ({ access_token: `access-${t}`, token_type: 'Bearer', refresh_token: `refresh-${t}`, expires_in: 3600 });

/** The naming of lib/state/legacy-files.ts (earlier versions' one file per server), copied so the test pins the layout. */
function legacyFileName(name: string, url: string): string {
  const hash = (text: string, length: number) => createHash('sha256').update(text).digest('hex').slice(0, length);
  const readable = name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
  return `${readable}-${hash(name, 8)}-${hash(`${name}\0${url}`, 16)}.json`;
}

/** One kind of store, as the cases below need it. */
interface Place {
  /** A store for this test (closed after it); `legacyDir` is where earlier versions' files would be. */
  open(): Promise<{ store: StateStore; legacyDir: string }>;
  /** Another handle on the same place as `store`, as another process would have (for Redis, a store of its own). */
  peer(store: StateStore): Promise<StateStore>;
  /** Everything the place holds at rest, keys and values, as text. */
  atRest(): Promise<string>;
  /** Every key the place holds. */
  keysAtRest(): Promise<string[]>;
}

function fileStorePlace(): Place {
  let root: string;
  let dir: string;
  let stores: FileStore[] = [];
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'mcpo-auth-records-'));
    dir = path.join(root, 'state');
  });
  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
    stores = [];
    await rm(root, { recursive: true, force: true });
  });
  async function files(): Promise<string[]> {
    try {
      return await readdir(dir);
    } catch {
      return [];
    }
  }
  return {
    async open() {
      const store = new FileStore(dir);
      stores.push(store);
      return { store, legacyDir: dir };
    },
    peer: async (store) => store, // one process per directory: the same store
    async atRest() {
      const all: string[] = [];
      for (const name of await files()) all.push(name, await readFile(path.join(dir, name), 'utf8'));
      return all.join('\n');
    },
    async keysAtRest() {
      const keys: string[] = [];
      for (const name of await files()) {
        const parsed = JSON.parse(await readFile(path.join(dir, name), 'utf8')) as { key: string };
        keys.push(name, parsed.key);
      }
      return keys;
    },
  };
}

function redisPlace(): Place {
  let redis: RedisServer;
  let root: string;
  let stores: StateStore[] = [];
  before(async () => {
    redis = await startRedis();
  });
  after(() => redis?.close());
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'mcpo-auth-records-legacy-'));
  });
  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
    stores = [];
    await rm(root, { recursive: true, force: true });
    // Each test starts with an empty Redis.
    await redis.flush();
  });
  async function connected(): Promise<StateStore> {
    const store = redisStore(redis.url, { logger: silentLogger });
    stores.push(store);
    await waitFor(async () => store.connected() || undefined, 'the store to connect');
    return store;
  }
  return {
    async open() {
      return { store: await connected(), legacyDir: root };
    },
    peer: () => connected(),
    atRest: async () => JSON.stringify(await redis.dump()),
    keysAtRest: async () => Object.keys(await redis.dump()),
  };
}

function cases(place: Place): void {
  it('keeps a server’s client record, and starts afresh at another URL of the same name', async () => {
    const { store } = await place.open();
    const records = new AuthRecords(store, sealed());
    expect(await records.client(GITHUB)).to.deep.equal({});
    const client = {
      clientInformation: { client_id: 'client-1', client_secret: 'client-secret-1' },
      discoveryState: { authorizationServerUrl: 'https://auth.example' },
      preRegistered: { scope: 'repo' },
    };
    await records.saveClient(GITHUB, client);
    expect(await records.client(GITHUB)).to.deep.equal(client);
    expect(await records.client(GITHUB_MOVED)).to.deep.equal({});
    expect(await records.client(GITLAB)).to.deep.equal({});
    await records.saveClient(GITHUB, { clientInformation: { client_id: 'client-2' } });
    expect(await records.client(GITHUB)).to.deep.equal({ clientInformation: { client_id: 'client-2' } });
  });

  it('keeps a server’s own tokens, replaces them, and deletes them when saved as undefined', async () => {
    const { store } = await place.open();
    const records = new AuthRecords(store, sealed());
    expect(await records.tokens(GITHUB)).to.equal(undefined);
    await records.saveTokens(GITHUB, undefined, tokens('1'));
    expect(await records.tokens(GITHUB)).to.deep.equal(tokens('1'));
    await records.saveTokens(GITHUB, undefined, tokens('2'));
    expect(await records.tokens(GITHUB)).to.deep.equal(tokens('2'));
    expect(await records.tokens(GITHUB_MOVED)).to.equal(undefined);
    await records.saveTokens(GITHUB, undefined, undefined);
    expect(await records.tokens(GITHUB)).to.equal(undefined);
  });

  it('keeps a server’s tool list', async () => {
    const { store } = await place.open();
    const records = new AuthRecords(store, sealed());
    expect(await records.tools(GITHUB)).to.equal(undefined);
    const tools = { tools: [{ name: 'search', inputSchema: { type: 'object' } }] };
    await records.saveTools(GITHUB, tools);
    expect(await records.tools(GITHUB)).to.deep.equal(tools);
    expect(await records.tools(GITLAB)).to.equal(undefined);
  });

  it('keeps each caller’s tokens apart from the server’s own and from other callers’', async () => {
    const { store } = await place.open();
    const records = new AuthRecords(store, sealed());
    await records.saveTokens(GITHUB, undefined, tokens('own'));
    await records.saveTokens(GITHUB, ALICE, tokens('alice'));
    await records.saveTokens(GITHUB, BOB, tokens('bob'));
    await records.saveTokens(GITLAB, ALICE, tokens('alice-gitlab'));
    expect(await records.tokens(GITHUB)).to.deep.equal(tokens('own'));
    expect(await records.tokens(GITHUB, ALICE)).to.deep.equal(tokens('alice'));
    expect(await records.tokens(GITHUB, BOB)).to.deep.equal(tokens('bob'));
    expect(await records.tokens(GITLAB, ALICE)).to.deep.equal(tokens('alice-gitlab'));
    expect(await records.tokens(GITLAB, BOB)).to.equal(undefined);
    expect(await records.tokens(GITLAB)).to.equal(undefined);
    await records.saveTokens(GITHUB, ALICE, undefined);
    expect(await records.tokens(GITHUB, ALICE)).to.equal(undefined);
    expect(await records.tokens(GITHUB, BOB)).to.deep.equal(tokens('bob'));
    expect(await records.tokens(GITHUB)).to.deep.equal(tokens('own'));
  });

  it('counts the callers that hold tokens for a server, not the server’s own', async () => {
    const { store } = await place.open();
    const records = new AuthRecords(store, sealed());
    expect(await records.countCallers(GITHUB)).to.equal(0);
    await records.saveTokens(GITHUB, undefined, tokens('own'));
    expect(await records.countCallers(GITHUB)).to.equal(0);
    await records.saveTokens(GITHUB, ALICE, tokens('alice'));
    await records.saveTokens(GITHUB, BOB, tokens('bob'));
    await records.saveTokens(GITHUB, BOB, tokens('bob-again'));
    await records.saveTokens(GITLAB, ALICE, tokens('alice-gitlab'));
    await records.saveTokens(GITHUB_MOVED, ALICE, tokens('alice-moved'));
    expect(await records.countCallers(GITHUB)).to.equal(2);
    expect(await records.countCallers(GITLAB)).to.equal(1);
    expect(await records.countCallers(GITHUB_MOVED)).to.equal(1);
    // A refresh lock beside a caller's tokens is no caller.
    const lock = await records.lockTokens(GITHUB, ALICE, 5000);
    expect(await records.countCallers(GITHUB)).to.equal(2);
    await lock!.release();
  });

  it('forgets every caller’s tokens at every URL of a name, but not another server’s, nor the client record', async () => {
    const { store } = await place.open();
    const records = new AuthRecords(store, sealed());
    const client = { clientInformation: { client_id: 'client-1' } };
    await records.saveClient(GITHUB, client);
    await records.saveTools(GITHUB, { tools: [] });
    for (const ref of [GITHUB, GITHUB_MOVED, GITLAB]) {
      await records.saveTokens(ref, undefined, tokens('own'));
      await records.saveTokens(ref, ALICE, tokens('alice'));
      await records.saveTokens(ref, BOB, tokens('bob'));
    }
    expect(await records.forgetTokens(GITHUB.name)).to.equal(6);
    for (const ref of [GITHUB, GITHUB_MOVED]) {
      expect(await records.tokens(ref)).to.equal(undefined);
      expect(await records.tokens(ref, ALICE)).to.equal(undefined);
      expect(await records.tokens(ref, BOB)).to.equal(undefined);
      expect(await records.countCallers(ref)).to.equal(0);
    }
    expect(await records.tokens(GITLAB)).to.deep.equal(tokens('own'));
    expect(await records.tokens(GITLAB, ALICE)).to.deep.equal(tokens('alice'));
    expect(await records.countCallers(GITLAB)).to.equal(2);
    expect(await records.client(GITHUB)).to.deep.equal(client);
    expect(await records.tools(GITHUB)).to.deep.equal({ tools: [] });
    expect(await records.forgetTokens(GITHUB.name)).to.equal(0);
  });

  it('forgets a server’s client, tokens and tools at every URL, and nothing of another server', async () => {
    const { store } = await place.open();
    const records = new AuthRecords(store, sealed());
    for (const ref of [GITHUB, GITHUB_MOVED, GITLAB]) {
      await records.saveClient(ref, { clientInformation: { client_id: ref.url } });
      await records.saveTokens(ref, undefined, tokens('own'));
      await records.saveTokens(ref, ALICE, tokens('alice'));
      await records.saveTools(ref, { tools: [{ name: ref.url }] });
    }
    expect(await records.forgetServer(GITHUB.name)).to.equal(8);
    for (const ref of [GITHUB, GITHUB_MOVED]) {
      expect(await records.client(ref)).to.deep.equal({});
      expect(await records.tokens(ref)).to.equal(undefined);
      expect(await records.tokens(ref, ALICE)).to.equal(undefined);
      expect(await records.tools(ref)).to.equal(undefined);
    }
    expect(await records.client(GITLAB)).to.deep.equal({ clientInformation: { client_id: GITLAB.url } });
    expect(await records.tokens(GITLAB)).to.deep.equal(tokens('own'));
    expect(await records.tokens(GITLAB, ALICE)).to.deep.equal(tokens('alice'));
    expect(await records.tools(GITLAB)).to.deep.equal({ tools: [{ name: GITLAB.url }] });
  });

  it('gives a sign-in flow back once, saying which server it is for so another server’s callback can refuse it', async () => {
    const { store } = await place.open();
    const records = new AuthRecords(store, sealed());
    const flow = { server: serverKey(GITHUB), caller: ALICE, verifier: 'pkce-verifier-1', redirectUrl: 'https://mcpo.example/oauth/callback' };
    await records.putFlow('state-1', flow);
    await records.putFlow('state-2', { server: serverKey(GITHUB), verifier: 'pkce-verifier-2', redirectUrl: 'https://mcpo.example/cb' });
    expect(await records.takeFlow('unknown-state')).to.equal(undefined);
    const taken = await records.takeFlow('state-1');
    expect(taken).to.deep.equal(flow);
    // The caller of takeFlow checks the server: a callback for GitLab finds this flow is not its own.
    expect(taken!.server).to.equal(serverKey(GITHUB));
    expect(taken!.server).not.to.equal(serverKey(GITLAB));
    expect(taken!.server).not.to.equal(serverKey(GITHUB_MOVED));
    expect(await records.takeFlow('state-1')).to.equal(undefined);
    const both = await Promise.all([records.takeFlow('state-2'), records.takeFlow('state-2')]);
    expect(both.filter((f) => f !== undefined)).to.have.length(1);
    expect(both.find((f) => f !== undefined)).to.not.have.property('caller');
  });

  it('says a ticket is new once, and a replay after that', async () => {
    const { store } = await place.open();
    const records = new AuthRecords(store, sealed());
    expect(await records.useTicket('ticket-1', 60_000)).to.equal(true);
    expect(await records.useTicket('ticket-1', 60_000)).to.equal(false);
    expect(await records.useTicket('ticket-2', 60_000)).to.equal(true);
    const racing = await Promise.all(Array.from({ length: 5 }, () => records.useTicket('ticket-3', 60_000)));
    expect(racing.filter(Boolean)).to.have.length(1);
    const peer = new AuthRecords(await place.peer(store), sealed());
    expect(await peer.useTicket('ticket-1', 60_000)).to.equal(false);
  });

  it('gives the same 32-byte secret to every AuthRecords over the store, and another for another name', async () => {
    const { store } = await place.open();
    const one = new AuthRecords(store, sealed());
    const other = new AuthRecords(await place.peer(store), sealed());
    const [a, b] = await Promise.all([one.secret('sign-in-tickets'), other.secret('sign-in-tickets')]);
    expect(a).to.have.length(32);
    expect(a.equals(b)).to.equal(true);
    expect((await one.secret('sign-in-tickets')).equals(a)).to.equal(true);
    const elsewhere = await one.secret('another-purpose');
    expect(elsewhere).to.have.length(32);
    expect(elsewhere.equals(a)).to.equal(false);
  });

  it('with MCPO_STATE_KEY, stores no token, refresh token, client secret, verifier or shared secret in clear', async () => {
    const { store } = await place.open();
    const records = new AuthRecords(store, sealed());
    await records.saveClient(GITHUB, { clientInformation: { client_id: 'public-client-id', client_secret: 'client-secret-in-clear' } });
    await records.saveTokens(GITHUB, undefined, { access_token: 'own-access-in-clear', refresh_token: 'own-refresh-in-clear', token_type: 'Bearer' });
    await records.saveTokens(GITHUB, ALICE, { access_token: 'alice-access-in-clear', refresh_token: 'alice-refresh-in-clear', token_type: 'Bearer' });
    await records.putFlow('state-in-clear', { server: serverKey(GITHUB), caller: ALICE, verifier: 'pkce-verifier-in-clear', redirectUrl: 'https://mcpo.example/cb' });
    const secret = await records.secret('sign-in-tickets');
    const stored = await place.atRest();
    expect(stored.length).to.be.greaterThan(0);
    for (const text of ['client-secret-in-clear', 'public-client-id', 'own-access-in-clear', 'own-refresh-in-clear', 'alice-access-in-clear', 'alice-refresh-in-clear', 'pkce-verifier-in-clear', 'state-in-clear']) {
      expect(stored, text).not.to.include(text);
    }
    for (const encoding of ['base64url', 'base64', 'hex'] as const) expect(stored).not.to.include(secret.toString(encoding));
    // And what was sealed still reads back.
    expect((await records.tokens(GITHUB, ALICE))?.refresh_token).to.equal('alice-refresh-in-clear');
    expect((await records.takeFlow('state-in-clear'))?.verifier).to.equal('pkce-verifier-in-clear');
  });

  it('reads records written before MCPO_STATE_KEY was set, and treats those sealed with a key no longer given as absent', async () => {
    const { store } = await place.open();
    await new AuthRecords(store, plain()).saveTokens(GITHUB, ALICE, tokens('before-the-key'));
    const keyed = new AuthRecords(store, sealed());
    expect(await keyed.tokens(GITHUB, ALICE)).to.deep.equal(tokens('before-the-key'));
    await keyed.saveTokens(GITHUB, BOB, tokens('sealed'));
    const before = await keyed.secret('sign-in-tickets');
    const otherKey = new AuthRecords(store, createSealer(Buffer.alloc(32, 0x77)));
    expect(await otherKey.tokens(GITHUB, BOB)).to.equal(undefined);
    const after = await otherKey.secret('sign-in-tickets');
    expect(after).to.have.length(32);
    expect(after.equals(before)).to.equal(false);
    expect((await otherKey.secret('sign-in-tickets')).equals(after)).to.equal(true);
  });

  it('never puts a caller’s id, a server’s name or its URL in a key', async () => {
    const { store } = await place.open();
    const records = new AuthRecords(store, sealed());
    await records.saveClient(GITHUB, { clientInformation: { client_id: 'c' } });
    await records.saveTokens(GITHUB, undefined, tokens('own'));
    await records.saveTokens(GITHUB, ALICE, tokens('alice'));
    await records.saveTokens(GITLAB, BOB, tokens('bob'));
    await records.saveTools(GITHUB, { tools: [] });
    await records.putFlow('state-1', { server: serverKey(GITHUB), caller: ALICE, verifier: 'v', redirectUrl: 'https://mcpo.example/cb' });
    await records.useTicket('ticket-1', 60_000);
    await records.secret('sign-in-tickets');
    const lock = await records.lockTokens(GITHUB, ALICE, 5000);
    expect(await records.lockHeld(GITHUB, ALICE)).to.equal(true);
    const keys = [...(await store.keys('')), ...(await place.keysAtRest())];
    expect(keys.length).to.be.greaterThan(5);
    for (const key of keys) {
      for (const secret of ['alice', 'bob', 'github', 'gitlab', 'example', 'server-name', 'mcp.']) expect(key.toLowerCase(), key).not.to.include(secret);
    }
    await lock!.release();
    expect(await records.lockHeld(GITHUB, ALICE)).to.equal(false);
  });

  it('moves an earlier version’s file into the store on first read, and removes the file', async () => {
    const { store, legacyDir } = await place.open();
    await mkdir(legacyDir, { recursive: true, mode: 0o700 });
    const old = {
      tokens: { access_token: 'legacy-access', refresh_token: 'legacy-refresh', token_type: 'Bearer' },
      clientInformation: { client_id: 'legacy-client', client_secret: 'legacy-secret' },
      discoveryState: { authorizationServerUrl: 'https://auth.example' },
    };
    const file = path.join(legacyDir, legacyFileName(GITHUB.name, GITHUB.url));
    await writeFile(file, JSON.stringify(old), { mode: 0o600 });
    // Files of other URLs and servers, not read yet (so they hold other tokens, in clear as earlier versions wrote them).
    const others = { tokens: { access_token: 'other-access', token_type: 'Bearer' } };
    const movedFile = path.join(legacyDir, legacyFileName(GITHUB.name, GITHUB_MOVED.url));
    await writeFile(movedFile, JSON.stringify(others), { mode: 0o600 });
    const gitlabFile = path.join(legacyDir, legacyFileName(GITLAB.name, GITLAB.url));
    await writeFile(gitlabFile, JSON.stringify(others), { mode: 0o600 });

    const records = new AuthRecords(store, sealed(), legacyDir);
    expect(await records.client(GITHUB)).to.deep.equal({ clientInformation: old.clientInformation, discoveryState: old.discoveryState });
    expect(await records.tokens(GITHUB)).to.deep.equal(old.tokens);
    const left = await readdir(legacyDir);
    expect(left).not.to.include(path.basename(file));
    expect(left).to.include(path.basename(movedFile));
    // Now in the store: records that know nothing of the old directory read them too.
    const fresh = new AuthRecords(await place.peer(store), sealed());
    expect(await fresh.tokens(GITHUB)).to.deep.equal(old.tokens);
    expect(await fresh.client(GITHUB)).to.deep.equal({ clientInformation: old.clientInformation, discoveryState: old.discoveryState });
    // And sealed, like any record written now.
    const atRest = await place.atRest();
    for (const text of ['legacy-access', 'legacy-refresh', 'legacy-secret']) expect(atRest, text).not.to.include(text);

    // Forgetting the server removes its files at every URL, and only its own.
    await records.forgetServer(GITHUB.name);
    const after = await readdir(legacyDir);
    expect(after).not.to.include(path.basename(movedFile));
    expect(after).to.include(path.basename(gitlabFile));
    expect(await records.tokens(GITHUB_MOVED)).to.equal(undefined);
    expect(await records.tokens(GITLAB)).to.deep.equal(others.tokens);
    expect(await readdir(legacyDir)).not.to.include(path.basename(gitlabFile));
  });
}

describe('AuthRecords', function () {
  this.timeout(30_000);

  describe('over a file store', () => {
    cases(fileStorePlace());
  });

  describe('over the Redis store', () => {
    cases(redisPlace());
  });
});
