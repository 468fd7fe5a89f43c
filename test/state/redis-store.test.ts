/**
 * redisStore() (lib/state/redis-store.ts) against a real redis-server
 * (test/helpers/redis.ts): the operations of the state store, its key
 * prefix, its locks, a password in the URL, and above all what it does
 * when Redis goes away and comes back.
 */
import { expect } from 'chai';
import { createClient } from 'redis';
import { silentLogger, type Logger } from '../../lib/common/log.js';
import { parseRedisUrl, redisStore } from '../../lib/state/redis-store.js';
import { StateStoreUnavailableError, type StateStore } from '../../lib/state/state-store.js';
import { recordingLogger } from '../helpers/logger.js';
import { connectedStore, startRedis, type RedisServer } from '../helpers/redis.js';
import { waitFor, rejection } from '../helpers/wait.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function expectUnavailable(error: unknown): void {
  expect(error).to.be.instanceOf(StateStoreUnavailableError);
  const e = error as StateStoreUnavailableError;
  expect(e.status).to.equal(503);
  expect(e.code).to.equal('state_store_unavailable');
  expect(e.headers['Retry-After']).to.match(/^\d+$/);
}

describe('the Redis state store', function () {
  this.timeout(30_000);
  let redis: RedisServer;
  let stores: StateStore[] = [];

  /** A store on `url` that is closed after the test. */
  function open(url: string, logger: Logger = silentLogger, keyPrefix?: string): StateStore {
    const store = redisStore(url, { logger, ...(keyPrefix === undefined ? {} : { keyPrefix }) });
    stores.push(store);
    return store;
  }
  async function connected(url: string, logger?: Logger, keyPrefix?: string): Promise<StateStore> {
    const store = await connectedStore(url, logger, keyPrefix);
    stores.push(store);
    return store;
  }

  before(async () => {
    redis = await startRedis();
  });
  after(() => redis?.close());
  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
    stores = [];
  });

  describe('parseRedisUrl', () => {
    it('accepts redis:// and rediss:// with credentials, a port and a database', () => {
      expect(parseRedisUrl('redis://127.0.0.1:6379').hostname).to.equal('127.0.0.1');
      expect(parseRedisUrl('rediss://user:secret@redis.example:6380/2').pathname).to.equal('/2');
      expect(parseRedisUrl('redis://:secret@redis').password).to.equal('secret');
    });

    it('rejects other schemes, a missing host, a database that is not a number, and a query, naming the form', () => {
      for (const bad of ['http://host:6379', 'redis://', 'redis://:secret@host:6379/zero', 'redis://host/0?tls=1', 'not a url :secret']) {
        const error = (() => {
          try {
            parseRedisUrl(bad);
          } catch (e) {
            return e as Error;
          }
          throw new Error(`${bad} was accepted`);
        })();
        expect(error, bad).to.be.instanceOf(TypeError);
        expect(error.message, bad).to.include('redis://[user:password@]host:port[/db]');
        expect(error.message, bad).not.to.include('secret');
      }
    });
  });

  describe('with Redis up', () => {
    it('gets, sets and deletes values', async () => {
      const store = await connected(redis.url);
      expect(store.type).to.equal('redis');
      expect(await store.get('missing')).to.equal(undefined);
      expect(await store.set('k', 'v1')).to.equal(true);
      expect(await store.get('k')).to.equal('v1');
      expect(await store.set('k', 'v2')).to.equal(true);
      expect(await store.get('k')).to.equal('v2');
      await store.delete('k');
      await store.delete('k');
      expect(await store.get('k')).to.equal(undefined);
    });

    it('takes a value once: of two concurrent takers exactly one gets it', async () => {
      const store = await connected(redis.url);
      for (let i = 0; i < 20; i++) {
        await store.set(`ticket:${i}`, `t${i}`);
        const got = await Promise.all([store.take(`ticket:${i}`), store.take(`ticket:${i}`)]);
        expect(got.filter((v) => v !== undefined)).to.deep.equal([`t${i}`]);
      }
      expect(await store.get('ticket:0')).to.equal(undefined);
    });

    it('forgets a value after its ttl', async () => {
      const store = await connected(redis.url);
      await store.set('short', 'v', { ttlMs: 150 });
      await store.set('long', 'v', { ttlMs: 60_000 });
      expect(await store.get('short')).to.equal('v');
      await sleep(300);
      expect(await store.get('short')).to.equal(undefined);
      expect(await store.get('long')).to.equal('v');
    });

    it('sets ifAbsent only when the key holds nothing, and says whether it did', async () => {
      const store = await connected(redis.url);
      expect(await store.set('once', 'first', { ifAbsent: true })).to.equal(true);
      expect(await store.set('once', 'second', { ifAbsent: true })).to.equal(false);
      expect(await store.get('once')).to.equal('first');
      const both = await Promise.all([store.set('race', 'a', { ifAbsent: true, ttlMs: 5000 }), store.set('race', 'b', { ifAbsent: true, ttlMs: 5000 })]);
      expect(both.filter(Boolean)).to.have.length(1);
    });

    it('lists and deletes by a prefix taken literally, even one with glob characters', async () => {
      const store = await connected(redis.url);
      const prefix = 'g*[a]?\\:';
      const mine = [`${prefix}1`, `${prefix}2`, `${prefix}x*y`];
      // Each decoy matches the prefix read as a glob pattern, but does not start with it.
      const decoys = ['gZa1\\:1', 'g*a?\\:2', 'g*[a]x\\:3', 'g*[a]?:4'];
      for (const key of [...mine, ...decoys]) await store.set(key, 'v');
      expect((await store.keys(prefix)).sort()).to.deep.equal([...mine].sort());
      expect(await store.deletePrefix(prefix)).to.equal(3);
      expect(await store.keys(prefix)).to.deep.equal([]);
      expect((await store.keys('g')).sort()).to.deep.equal([...decoys].sort());
      expect(await store.deletePrefix('g')).to.equal(4);
    });

    it('deletes a prefix that holds more keys than one SCAN page', async () => {
      const store = await connected(redis.url);
      await Promise.all(Array.from({ length: 1200 }, (_, i) => store.set(`many:${i}`, 'v')));
      expect(await store.keys('many:')).to.have.length(1200);
      expect(await store.deletePrefix('many:')).to.equal(1200);
      expect(await store.keys('many:')).to.deep.equal([]);
    });

    it('keeps the keys of stores with different key prefixes apart on one Redis', async () => {
      const a = await connected(redis.url, silentLogger, 'app-a:');
      const b = await connected(redis.url, silentLogger, 'app-b:');
      await a.set('shared', 'from a');
      await b.set('shared', 'from b');
      await a.set('only-a', '1');
      expect(await a.get('shared')).to.equal('from a');
      expect(await b.get('shared')).to.equal('from b');
      expect(await b.get('only-a')).to.equal(undefined);
      expect((await a.keys('')).sort()).to.deep.equal(['only-a', 'shared']);
      expect(await b.keys('')).to.deep.equal(['shared']);
      const stored = await redis.dump();
      expect(stored).to.include({ 'app-a:shared': 'from a', 'app-b:shared': 'from b', 'app-a:only-a': '1' });
      expect(await a.deletePrefix('')).to.equal(2);
      expect(await b.get('shared')).to.equal('from b');
      await b.deletePrefix('');
    });

    it('puts keys under mcpo: unless told otherwise', async () => {
      const store = await connected(redis.url);
      await store.set('default-prefix', 'v');
      expect(await redis.dump()).to.have.property('mcpo:default-prefix', 'v');
      await store.delete('default-prefix');
    });

    it('lets one holder have a lock, and a late release never frees the next holder’s lock', async () => {
      const store = await connected(redis.url);
      const first = await store.lock('refresh', 200);
      expect(first).to.not.equal(undefined);
      expect(await store.lock('refresh', 200)).to.equal(undefined);
      await sleep(350);
      const second = await store.lock('refresh', 5000);
      expect(second).to.not.equal(undefined);
      await first!.release(); // expired long ago: must leave the second holder's lock alone
      expect(await store.lock('refresh', 5000)).to.equal(undefined);
      await second!.release();
      const third = await store.lock('refresh', 5000);
      expect(third).to.not.equal(undefined);
      await third!.release();
      await third!.release();
    });

    it('connects to a password-protected Redis with the password in the URL, and never logs it', async () => {
      const password = 'pa:ss@w/rd-do-not-log';
      const locked = await startRedis({ password });
      try {
        const logger = recordingLogger();
        const store = await connected(locked.url, logger);
        await store.set('k', 'v');
        expect(await locked.dump()).to.deep.equal({ 'mcpo:k': 'v' });

        const wrong = recordingLogger();
        const refused = open(locked.url.replace(encodeURIComponent(password), 'wrong-password-do-not-log'), wrong);
        await waitFor(async () => wrong.records.find((r) => r.level === 'warn'), 'a warning about the refused password');
        expect(refused.connected()).to.equal(false);
        expectUnavailable(await rejection(refused.get('k')));
        const lines = JSON.stringify([...logger.records, ...wrong.records]);
        expect(lines).not.to.include('do-not-log');
        expect(lines).not.to.include(encodeURIComponent(password));
      } finally {
        await Promise.all(stores.map((s) => s.close()));
        stores = [];
        await locked.close();
      }
    });

    it('closes twice without complaint, and answers 503 once closed', async () => {
      const store = await connected(redis.url);
      await Promise.all([store.close(), store.close()]);
      await store.close();
      expect(store.connected()).to.equal(false);
      expectUnavailable(await rejection(store.get('k')));
    });
  });

  describe('when Redis goes away', () => {
    let own: RedisServer;
    beforeEach(async () => {
      own = await startRedis({ password: 'outage-secret' });
    });
    afterEach(() => own.close());

    it('answers 503 at once, warns once, and is back with its data within 10 s of Redis returning', async () => {
      const logger = recordingLogger();
      const store = open(own.url, logger);
      const seen: boolean[] = [];
      store.onConnection((c) => seen.push(c));
      await waitFor(async () => store.connected() || undefined, 'the store to connect');
      await store.set('kept', 'acknowledged');
      await store.set('kept-with-ttl', 'acknowledged', { ttlMs: 120_000 });

      await own.kill();
      await waitFor(async () => (store.connected() ? undefined : true), 'the store to notice', 2000);
      await sleep(1500); // several failed retries: still one warning
      const started = Date.now();
      const calls = [store.get('kept'), store.set('x', 'y'), store.take('kept'), store.keys(''), store.deletePrefix(''), store.lock('l', 1000), store.delete('kept')];
      for (const error of await Promise.all(calls.map(rejection))) expectUnavailable(error);
      expect(Date.now() - started).to.be.below(1000);
      const warns = logger.records.filter((r) => r.level === 'warn');
      expect(warns).to.have.length(1);
      expect(warns[0]!.message).to.equal('state store unavailable');
      expect(warns[0]!.fields).to.include({ url: `redis://127.0.0.1:${own.port}/0` });
      expect(warns[0]!.fields).to.have.property('reason').that.is.a('string');

      await own.start();
      const back = Date.now();
      await waitFor(async () => store.connected() || undefined, 'the store to reconnect', 10_000);
      expect(Date.now() - back).to.be.below(10_000);
      expect(await store.get('kept')).to.equal('acknowledged');
      expect(await store.get('kept-with-ttl')).to.equal('acknowledged');
      expect(logger.records.filter((r) => r.level === 'info' && r.message === 'state store connected')).to.have.length(2);
      expect(logger.records.filter((r) => r.level === 'warn')).to.have.length(1);
      expect(seen).to.deep.equal([true, false, true]);
      expect(JSON.stringify(logger.records)).not.to.include('outage-secret');
    });

    it('fails a call that was in flight when the connection dropped with a 503', async () => {
      const store = await connected(own.url);
      await store.set('k', 'v');
      // Another client pauses Redis, so the store's GET is sent and waits for its reply when Redis dies.
      const pauser = createClient({ url: own.url, socket: { reconnectStrategy: false } });
      pauser.on('error', () => {});
      await pauser.connect();
      await pauser.sendCommand(['CLIENT', 'PAUSE', '10000', 'ALL']);
      const inFlight = rejection(store.get('k'));
      await sleep(200);
      await own.kill();
      pauser.destroy();
      expectUnavailable(await inFlight);
    });

    it('starts while Redis is down, answers 503, and connects when Redis comes up', async () => {
      await own.stop();
      const logger = recordingLogger();
      const store = open(own.url, logger);
      const seen: boolean[] = [];
      store.onConnection((c) => seen.push(c));
      expect(store.connected()).to.equal(false);
      expectUnavailable(await rejection(store.set('k', 'v')));
      await waitFor(async () => logger.records.find((r) => r.level === 'warn'), 'the warning');
      await sleep(1000);
      expect(logger.records.filter((r) => r.level === 'warn')).to.have.length(1);

      await own.start();
      await waitFor(async () => store.connected() || undefined, 'the store to connect', 10_000);
      expect(await store.set('k', 'v')).to.equal(true);
      expect(await store.get('k')).to.equal('v');
      expect(logger.records.filter((r) => r.level === 'info').map((r) => r.message)).to.deep.equal(['state store connected']);
      expect(seen).to.deep.equal([false, true]);
      expect(JSON.stringify(logger.records)).not.to.include('outage-secret');
    });

    it('lets a lock go quietly and closes cleanly while Redis is away', async () => {
      const store = await connected(own.url);
      const lock = await store.lock('held', 60_000);
      await own.kill();
      await waitFor(async () => (store.connected() ? undefined : true), 'the store to notice', 2000);
      await lock!.release();
      await store.close();
      await store.close();
      expectUnavailable(await rejection(store.get('k')));
    });
  });
});
