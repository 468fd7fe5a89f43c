/**
 * FileStore (lib/state/file-store.ts): the state store of one replica, in
 * memory and, for values without a ttl, in one 0600 file per key under a
 * 0700 directory. The operations of the interface, what reaches the disk
 * and what a new store over the same directory reads back.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FileStore } from '../../lib/state/file-store.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const posix = process.platform !== 'win32';

/** The file a key is kept in, as file-store.ts names it. */
const fileOf = (key: string): string => `s-${createHash('sha256').update(key).digest('hex').slice(0, 40)}.json`;

describe('the file state store', () => {
  let root: string;
  let dir: string;
  let stores: FileStore[] = [];

  /** A store over `where` (the test's directory by default), closed after the test. */
  function open(where = dir): FileStore {
    const store = new FileStore(where);
    stores.push(store);
    return store;
  }

  /** Every file in the directory and what it holds. */
  async function files(): Promise<Record<string, string>> {
    const all: Record<string, string> = {};
    for (const name of await readdir(dir)) all[name] = await readFile(path.join(dir, name), 'utf8');
    return all;
  }

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'mcpo-file-store-'));
    dir = path.join(root, 'state', 'mcpo');
  });

  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
    stores = [];
    await rm(root, { recursive: true, force: true });
  });

  it('gets, sets and deletes values', async () => {
    const store = open();
    expect(store.type).to.equal('file');
    expect(store.connected()).to.equal(true);
    expect(await store.get('missing')).to.equal(undefined);
    expect(await store.set('k', 'v1')).to.equal(true);
    expect(await store.get('k')).to.equal('v1');
    expect(await store.set('k', 'v2')).to.equal(true);
    expect(await store.get('k')).to.equal('v2');
    await store.delete('k');
    await store.delete('k');
    expect(await store.get('k')).to.equal(undefined);
    expect(await files()).to.deep.equal({});
  });

  it('starts empty over a directory that does not exist, and creates it on the first write', async () => {
    const store = open();
    expect(await store.keys('')).to.deep.equal([]);
    await store.set('k', 'v');
    expect(Object.keys(await files())).to.deep.equal([fileOf('k')]);
  });

  it('takes a value once, deleting it and its file', async () => {
    const store = open();
    await store.set('k', 'v');
    expect(await store.take('k')).to.equal('v');
    expect(await store.take('k')).to.equal(undefined);
    expect(await store.get('k')).to.equal(undefined);
    expect(await files()).to.deep.equal({});
  });

  it('takes a value once: of two concurrent takers exactly one gets it', async () => {
    const store = open();
    for (let i = 0; i < 20; i++) {
      await store.set(`ticket:${i}`, `t${i}`, i % 2 === 0 ? {} : { ttlMs: 60_000 });
      const got = await Promise.all([store.take(`ticket:${i}`), store.take(`ticket:${i}`)]);
      expect(got.filter((v) => v !== undefined), `take ${i}`).to.deep.equal([`t${i}`]);
    }
  });

  it('lists and deletes the keys that start with a prefix, and only those', async () => {
    const store = open();
    for (const key of ['a:1', 'a:2', 'a:3', 'ab:1', 'b:a:1']) await store.set(key, 'v');
    await store.set('a:short', 'v', { ttlMs: 60_000 });
    expect((await store.keys('a:')).sort()).to.deep.equal(['a:1', 'a:2', 'a:3', 'a:short']);
    expect(await store.keys('zzz')).to.deep.equal([]);
    expect(await store.deletePrefix('a:')).to.equal(4);
    expect(await store.keys('a:')).to.deep.equal([]);
    expect((await store.keys('')).sort()).to.deep.equal(['ab:1', 'b:a:1']);
    expect(Object.keys(await files()).sort()).to.deep.equal([fileOf('ab:1'), fileOf('b:a:1')].sort());
    expect(await store.deletePrefix('nothing:')).to.equal(0);
  });

  it('keeps a value with a ttl in memory only, and forgets it after the ttl', async () => {
    const store = open();
    await store.set('short', 'v', { ttlMs: 150 });
    await store.set('long', 'v', { ttlMs: 60_000 });
    expect(await store.get('short')).to.equal('v');
    expect((await store.keys('')).sort()).to.deep.equal(['long', 'short']);
    let written: string[] = [];
    try {
      written = await readdir(dir);
    } catch {
      // no directory at all: nothing written, as it should be
    }
    expect(written).to.deep.equal([]);
    await sleep(300);
    expect(await store.get('short')).to.equal(undefined);
    expect(await store.take('short')).to.equal(undefined);
    expect(await store.keys('')).to.deep.equal(['long']);
    expect(await store.get('long')).to.equal('v');
    expect(await open().get('long')).to.equal(undefined);
  });

  it('does not bring back a kept value that was replaced by one with a ttl, after a restart', async () => {
    const store = open();
    await store.set('k', 'kept');
    await store.set('k', 'for a while', { ttlMs: 60_000 });
    expect(await store.get('k')).to.equal('for a while');
    await store.delete('k');
    expect(await store.get('k')).to.equal(undefined);
    // A restart must not resurrect the value that was replaced and then deleted.
    expect(await open().get('k')).to.equal(undefined);
  });

  it('sets ifAbsent only when the key holds nothing (or only an expired value), and says whether it did', async () => {
    const store = open();
    expect(await store.set('once', 'first', { ifAbsent: true })).to.equal(true);
    expect(await store.set('once', 'second', { ifAbsent: true })).to.equal(false);
    expect(await store.get('once')).to.equal('first');
    const both = await Promise.all([store.set('race', 'a', { ifAbsent: true, ttlMs: 5000 }), store.set('race', 'b', { ifAbsent: true, ttlMs: 5000 })]);
    expect(both.filter(Boolean)).to.have.length(1);
    await store.set('lapsing', 'old', { ttlMs: 50 });
    await sleep(120);
    expect(await store.set('lapsing', 'new', { ifAbsent: true })).to.equal(true);
    expect(await store.get('lapsing')).to.equal('new');
  });

  it('lets one holder have a lock, lets it go on release, and a late release never frees the next holder’s lock', async () => {
    const store = open();
    const first = await store.lock('refresh', 150);
    expect(first).to.not.equal(undefined);
    expect(await store.lock('refresh', 150)).to.equal(undefined);
    await sleep(250);
    const second = await store.lock('refresh', 5000);
    expect(second).to.not.equal(undefined);
    await first!.release(); // expired long ago: must leave the second holder's lock alone
    expect(await store.lock('refresh', 5000)).to.equal(undefined);
    await second!.release();
    const third = await store.lock('refresh', 5000);
    expect(third).to.not.equal(undefined);
    await third!.release();
    await third!.release();
    expect(await store.get('refresh')).to.equal(undefined);
    let written: string[] = [];
    try {
      written = await readdir(dir);
    } catch {
      // no directory: locks are never written
    }
    expect(written).to.deep.equal([]);
  });

  it('reads back, in a new store over the same directory, what was kept (as after a restart)', async () => {
    const store = open();
    await store.set('tokens:a', '{"access_token":"t1"}');
    await store.set('tokens:b', 'second');
    await store.set('gone', 'soon');
    await store.set('tokens:a', '{"access_token":"t2"}');
    await store.delete('gone');
    await store.close();
    const again = open();
    expect(await again.get('tokens:a')).to.equal('{"access_token":"t2"}');
    expect(await again.get('tokens:b')).to.equal('second');
    expect(await again.get('gone')).to.equal(undefined);
    expect((await again.keys('')).sort()).to.deep.equal(['tokens:a', 'tokens:b']);
  });

  it('writes each kept value as {key, value} in a file named by a hash of its key, and nothing else', async () => {
    const store = open();
    await store.set('client:x', 'value with "quotes" and\nnewlines');
    const written = await files();
    expect(Object.keys(written)).to.deep.equal([fileOf('client:x')]);
    expect(JSON.parse(written[fileOf('client:x')]!)).to.deep.equal({ key: 'client:x', value: 'value with "quotes" and\nnewlines' });
  });

  (posix ? it : it.skip)('makes the directory 0700 and every file 0600', async () => {
    const store = open();
    await store.set('a', '1');
    await store.set('b', '2');
    expect((await stat(dir)).mode & 0o777).to.equal(0o700);
    for (const name of await readdir(dir)) expect((await stat(path.join(dir, name))).mode & 0o777, name).to.equal(0o600);
  });

  (posix ? it : it.skip)('tightens a directory that already existed with 0755', async () => {
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o755);
    const store = open();
    await store.set('a', '1');
    expect((await stat(dir)).mode & 0o777).to.equal(0o700);
    expect((await stat(path.join(dir, fileOf('a')))).mode & 0o777).to.equal(0o600);
  });

  it('ignores a corrupt file, and a file whose key does not hash to its name', async () => {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(path.join(dir, fileOf('corrupt')), '{"key":"corrupt","val');
    await writeFile(path.join(dir, fileOf('not-a-string')), JSON.stringify({ key: 'not-a-string', value: 42 }));
    // Planted under the name of 'innocent' but claiming to be 'tokens:victim'.
    await writeFile(path.join(dir, fileOf('innocent')), JSON.stringify({ key: 'tokens:victim', value: 'planted' }));
    await writeFile(path.join(dir, fileOf('good')), JSON.stringify({ key: 'good', value: 'kept' }));
    await writeFile(path.join(dir, 'unrelated.json'), JSON.stringify({ key: 'unrelated', value: 'x' }));
    const store = open();
    expect(await store.get('corrupt')).to.equal(undefined);
    expect(await store.get('not-a-string')).to.equal(undefined);
    expect(await store.get('tokens:victim')).to.equal(undefined);
    expect(await store.get('innocent')).to.equal(undefined);
    expect(await store.get('unrelated')).to.equal(undefined);
    expect(await store.get('good')).to.equal('kept');
    expect(await store.keys('')).to.deep.equal(['good']);
    // The next write of a corrupt key replaces its file.
    await store.set('corrupt', 'repaired');
    expect(await open().get('corrupt')).to.equal('repaired');
  });

  it('ends with the last value on disk after many concurrent sets of one key', async () => {
    const store = open();
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.set('k', `v${i}`)));
    expect(await store.get('k')).to.equal('v49');
    await store.close();
    expect(JSON.parse((await files())[fileOf('k')]!)).to.deep.equal({ key: 'k', value: 'v49' });
    expect(await open().get('k')).to.equal('v49');
    // No temporary file is left behind.
    expect(Object.keys(await files())).to.deep.equal([fileOf('k')]);
  });

  it('ends with nothing on disk when a delete follows concurrent sets', async () => {
    const store = open();
    const sets = Array.from({ length: 10 }, (_, i) => store.set('k', `v${i}`));
    const deleted = store.delete('k');
    await Promise.all([...sets, deleted]);
    expect(await store.get('k')).to.equal(undefined);
    expect(await files()).to.deep.equal({});
    expect(await open().get('k')).to.equal(undefined);
  });
});
