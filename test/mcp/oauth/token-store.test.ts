import { expect } from 'chai';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { defaultStateDir, TokenStore, type StoredAuth } from '../../../lib/mcp/oauth/token-store.js';

const URL_A = 'https://mcp.example.com/mcp';
const URL_B = 'https://other.example.com/mcp';
const posix = process.platform !== 'win32';

describe('TokenStore', () => {
  let root: string;
  let dir: string;

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'mcpo-token-store-'));
    dir = path.join(root, 'state', 'mcpo');
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const auth = (token: string): StoredAuth => ({
    tokens: { access_token: token, token_type: 'Bearer', refresh_token: `r-${token}` },
    clientInformation: { client_id: 'client-1' },
    discoveryState: { authorizationServerUrl: 'https://auth.example.com' },
  });

  it('loads {} for a server that has never been saved', async () => {
    expect(await new TokenStore(dir).load('github', URL_A)).to.deep.equal({});
  });

  it('loads what was saved', async () => {
    const store = new TokenStore(dir);
    await store.save('github', URL_A, auth('t1'));
    expect(await store.load('github', URL_A)).to.deep.equal(auth('t1'));
  });

  it('replaces the previous state on a second save', async () => {
    const store = new TokenStore(dir);
    await store.save('github', URL_A, auth('t1'));
    await store.save('github', URL_A, { tokens: { access_token: 't2' } });
    expect(await store.load('github', URL_A)).to.deep.equal({ tokens: { access_token: 't2' } });
  });

  it('keeps the state across a new instance, as after a restart', async () => {
    await new TokenStore(dir).save('github', URL_A, auth('t1'));
    expect(await new TokenStore(dir).load('github', URL_A)).to.deep.equal(auth('t1'));
  });

  it('starts empty when the server URL changes, so tokens never reach another resource', async () => {
    const store = new TokenStore(dir);
    await store.save('github', URL_A, auth('t1'));
    expect(await store.load('github', URL_B)).to.deep.equal({});
    expect(await store.load('gitlab', URL_A)).to.deep.equal({});
  });

  it('names the file after the server, readably and sanitised', async () => {
    await new TokenStore(dir).save('../my server', URL_A, auth('t1'));
    const files = await readdir(dir);
    expect(files).to.have.length(1);
    expect(files[0]).to.match(/^___my_server-[0-9a-f]{8}-[0-9a-f]{16}\.json$/);
  });

  it('forgets every URL of a name and only that name', async () => {
    const store = new TokenStore(dir);
    await store.save('github', URL_A, auth('a'));
    await store.save('github', URL_B, auth('b'));
    await store.save('github2', URL_A, auth('c'));
    await store.save('git-hub', URL_A, auth('d'));
    await store.save('git.hub', URL_A, auth('e')); // sanitises to the same readable part as git_hub
    await store.save('git_hub', URL_A, auth('f'));
    await store.forget('github');
    await store.forget('git.hub');
    expect(await store.load('github', URL_A)).to.deep.equal({});
    expect(await store.load('github', URL_B)).to.deep.equal({});
    expect(await store.load('git.hub', URL_A)).to.deep.equal({});
    expect(await store.load('github2', URL_A)).to.deep.equal(auth('c'));
    expect(await store.load('git-hub', URL_A)).to.deep.equal(auth('d'));
    expect(await store.load('git_hub', URL_A)).to.deep.equal(auth('f'));
    expect(await readdir(dir)).to.have.length(3);
  });

  it('forgets quietly when nothing was ever stored', async () => {
    await new TokenStore(dir).forget('github');
  });

  (posix ? it : it.skip)('creates the directory 0700 and the files 0600', async () => {
    await new TokenStore(dir).save('github', URL_A, auth('t1'));
    expect((await stat(dir)).mode & 0o777).to.equal(0o700);
    for (const file of await readdir(dir)) expect((await stat(path.join(dir, file))).mode & 0o777).to.equal(0o600);
  });

  (posix ? it : it.skip)('tightens a directory that already existed as 0755', async () => {
    await mkdir(dir, { recursive: true, mode: 0o755 });
    await chmod(dir, 0o755);
    await new TokenStore(dir).save('github', URL_A, auth('t1'));
    expect((await stat(dir)).mode & 0o777).to.equal(0o700);
  });

  it('leaves no temporary files behind', async () => {
    const store = new TokenStore(dir);
    for (let i = 0; i < 5; i++) await store.save('github', URL_A, auth(`t${i}`));
    expect(await readdir(dir)).to.have.length(1);
  });

  it('ends concurrent saves of one server with one of the written states, intact', async () => {
    const stores = [new TokenStore(dir), new TokenStore(dir)]; // one instance serialises; two only rely on rename
    const written = Array.from({ length: 40 }, (_, i) => auth(`t${i}-${'x'.repeat(i * 200)}`));
    await Promise.all(written.map((a, i) => stores[i % 2]!.save('github', URL_A, a)));
    const files = await readdir(dir);
    expect(files).to.have.length(1);
    const onDisk = JSON.parse(await readFile(path.join(dir, files[0]!), 'utf8'));
    expect(written).to.deep.include(onDisk);
  });

  it('runs saves of one instance in call order, so the last save wins', async () => {
    const store = new TokenStore(dir);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.save('github', URL_A, auth(`t${i}`))));
    expect(await store.load('github', URL_A)).to.deep.equal(auth('t19'));
  });

  it('runs a forget after a pending save of the same name, so the save does not resurrect it', async () => {
    const store = new TokenStore(dir);
    const saved = store.save('github', URL_A, auth('t1'));
    await store.forget('github');
    await saved;
    expect(await store.load('github', URL_A)).to.deep.equal({});
  });

  it('reads a corrupt file as {} and replaces it on the next save', async () => {
    const store = new TokenStore(dir);
    await store.save('github', URL_A, auth('t1'));
    const [file] = await readdir(dir);
    await writeFile(path.join(dir, file!), '{"tokens": {"access_to');
    expect(await store.load('github', URL_A)).to.deep.equal({});
    await store.save('github', URL_A, auth('t2'));
    expect(await store.load('github', URL_A)).to.deep.equal(auth('t2'));
  });

  it('ignores what is not a stored state: arrays, null, unknown keys, non-object parts', async () => {
    const store = new TokenStore(dir);
    await store.save('github', URL_A, auth('t1'));
    const [file] = await readdir(dir);
    for (const text of ['[]', 'null', '"tokens"']) {
      await writeFile(path.join(dir, file!), text);
      expect(await store.load('github', URL_A), text).to.deep.equal({});
    }
    await writeFile(path.join(dir, file!), JSON.stringify({ tokens: 'abc', clientInformation: [1], other: { a: 1 }, discoveryState: { x: 1 } }));
    expect(await store.load('github', URL_A)).to.deep.equal({ discoveryState: { x: 1 } });
  });

  it('fails a save with the error when the directory cannot be created', async () => {
    await writeFile(path.join(root, 'state'), 'a file, not a directory');
    let error: unknown;
    await new TokenStore(dir).save('github', URL_A, auth('t1')).catch((e: unknown) => (error = e));
    expect(error).to.have.property('code').that.is.oneOf(['ENOTDIR', 'EEXIST']);
  });
});

describe('defaultStateDir', () => {
  it('prefers MCPO_STATE_DIR over everything', () => {
    const env = { MCPO_STATE_DIR: '/srv/mcpo', XDG_STATE_HOME: '/x', LOCALAPPDATA: 'C:\\L' };
    expect(defaultStateDir(env, '/home/u', 'linux')).to.equal('/srv/mcpo');
    expect(defaultStateDir(env, 'C:\\Users\\u', 'win32')).to.equal('/srv/mcpo');
  });

  it('uses $XDG_STATE_HOME/mcpo next', () => {
    expect(defaultStateDir({ XDG_STATE_HOME: '/home/u/.st' }, '/home/u', 'linux')).to.equal('/home/u/.st/mcpo');
    expect(defaultStateDir({ XDG_STATE_HOME: '/home/u/.st' }, '/Users/u', 'darwin')).to.equal('/home/u/.st/mcpo');
  });

  it('ignores an empty or relative XDG_STATE_HOME, as the XDG spec says', () => {
    expect(defaultStateDir({ XDG_STATE_HOME: '' }, '/home/u', 'linux')).to.equal('/home/u/.local/state/mcpo');
    expect(defaultStateDir({ XDG_STATE_HOME: 'rel/state' }, '/home/u', 'linux')).to.equal('/home/u/.local/state/mcpo');
    expect(defaultStateDir({ MCPO_STATE_DIR: '' }, '/home/u', 'linux')).to.equal('/home/u/.local/state/mcpo');
  });

  it('falls back to ~/.local/state/mcpo on Linux and macOS', () => {
    expect(defaultStateDir({}, '/home/u', 'linux')).to.equal('/home/u/.local/state/mcpo');
    expect(defaultStateDir({}, '/Users/u', 'darwin')).to.equal('/Users/u/.local/state/mcpo');
  });

  it('uses %LOCALAPPDATA%\\mcpo\\state on Windows, else the profile AppData\\Local', () => {
    expect(defaultStateDir({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'C:\\Users\\u', 'win32')).to.equal('C:\\Users\\u\\AppData\\Local\\mcpo\\state');
    expect(defaultStateDir({}, 'C:\\Users\\u', 'win32')).to.equal('C:\\Users\\u\\AppData\\Local\\mcpo\\state');
  });
});
