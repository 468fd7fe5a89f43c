/**
 * Where a remote server's OAuth state lives between runs: one JSON file per
 * server name and URL under a state directory (0700), each file 0600 and
 * replaced atomically, so tokens survive restarts and hot reloads and a
 * crash never leaves half a file. The file name carries a hash of the URL,
 * so a server whose URL changes starts afresh instead of sending one
 * resource's tokens to another. It deliberately knows nothing of OAuth (the
 * provider decides what to keep) and never logs: the contents are secrets.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

export interface StoredAuth {
  /** OAuthTokens as the SDK hands them over (+ issuer stamp). */
  tokens?: Record<string, unknown>;
  /** The registered client (dynamic registration result). */
  clientInformation?: Record<string, unknown>;
  discoveryState?: Record<string, unknown>;
  /** What was learnt of a pre-registered client beside a metadata document (pre-registered.ts). */
  preRegistered?: Record<string, unknown>;
}

const KEYS = ['tokens', 'clientInformation', 'discoveryState', 'preRegistered'] as const;

const hash = (text: string, length: number) => createHash('sha256').update(text).digest('hex').slice(0, length);

/** `<readable name>-<hash of name>-<hash of name and url>.json`; the name hash tells apart names that sanitise alike. */
const FILE = /^(.*)-([0-9a-f]{8})-([0-9a-f]{16})\.json$/;

function namePart(name: string): { readable: string; nameHash: string } {
  return { readable: name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64), nameHash: hash(name, 8) };
}

function fileName(name: string, url: string): string {
  const { readable, nameHash } = namePart(name);
  return `${readable}-${nameHash}-${hash(`${name}\0${url}`, 16)}.json`;
}

/** Keeps only the known keys, and only when they are objects: whatever else is on disk is not trusted. */
function sanitise(value: unknown): StoredAuth {
  const auth: StoredAuth = {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return auth;
  for (const key of KEYS) {
    const part = (value as Record<string, unknown>)[key];
    if (typeof part === 'object' && part !== null && !Array.isArray(part)) auth[key] = part as Record<string, unknown>;
  }
  return auth;
}

export class TokenStore {
  readonly #dir: string;
  /** The last queued write or removal per server name: they run one after another, never interleaved. */
  readonly #queues = new Map<string, Promise<void>>();

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** The state of one server, keyed by its name and URL (a changed URL starts afresh); {} when none. */
  async load(name: string, url: string): Promise<StoredAuth> {
    try {
      return sanitise(JSON.parse(await readFile(path.join(this.#dir, fileName(name, url)), 'utf8')));
    } catch {
      // Missing, unreadable or corrupt all mean "not authorized yet"; the next save replaces the file.
      return {};
    }
  }

  /** Replaces it: written to a temp file in the same dir (mode 0600) and renamed over; dir created 0700. */
  save(name: string, url: string, auth: StoredAuth): Promise<void> {
    const text = JSON.stringify(sanitise(auth));
    return this.#serial(name, () => this.#write(fileName(name, url), text));
  }

  /** Deletes every stored state of that server name (all URLs). */
  forget(name: string): Promise<void> {
    return this.#serial(name, async () => {
      const { readable, nameHash } = namePart(name);
      let files: string[];
      try {
        files = await readdir(this.#dir);
      } catch {
        return; // no directory, nothing stored
      }
      for (const file of files) {
        const match = FILE.exec(file);
        if (match?.[1] === readable && match[2] === nameHash) await unlink(path.join(this.#dir, file)).catch(() => {});
      }
    });
  }

  #serial(name: string, task: () => Promise<void>): Promise<void> {
    const previous = this.#queues.get(name) ?? Promise.resolve();
    const run = previous.catch(() => {}).then(task);
    const settled = run.catch(() => {});
    this.#queues.set(name, settled);
    void settled.then(() => {
      if (this.#queues.get(name) === settled) this.#queues.delete(name);
    });
    return run;
  }

  async #ensureDir(): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    // The directory holds secrets: one that pre-existed with looser permissions is tightened, not trusted.
    const { mode } = await stat(this.#dir);
    if ((mode & 0o077) !== 0) await chmod(this.#dir, 0o700);
  }

  async #write(file: string, text: string): Promise<void> {
    await this.#ensureDir();
    const target = path.join(this.#dir, file);
    const temp = path.join(this.#dir, `.${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      // 'wx' creates a fresh file, so the 0600 mode applies and nothing else's file is followed.
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, target);
    } catch (error) {
      await unlink(temp).catch(() => {});
      throw error;
    }
    // Makes the rename itself durable; a directory cannot be opened for sync everywhere (Windows), so best effort.
    await open(this.#dir, 'r').then((dir) => dir.sync().finally(() => dir.close())).catch(() => {});
  }
}

/** The default for --state-dir (the caller applies the flag): $MCPO_STATE_DIR, else $XDG_STATE_HOME/mcpo, else ~/.local/state/mcpo (Linux/macOS), %LOCALAPPDATA%\mcpo\state on Windows. */
export function defaultStateDir(env: NodeJS.ProcessEnv, home: string, platform: NodeJS.Platform): string {
  const paths = platform === 'win32' ? path.win32 : path.posix;
  if (env.MCPO_STATE_DIR) return env.MCPO_STATE_DIR;
  // The XDG spec says a relative XDG_STATE_HOME is invalid and to be ignored.
  if (env.XDG_STATE_HOME && paths.isAbsolute(env.XDG_STATE_HOME)) return paths.join(env.XDG_STATE_HOME, 'mcpo');
  if (platform === 'win32') return paths.join(env.LOCALAPPDATA || paths.join(home, 'AppData', 'Local'), 'mcpo', 'state');
  return paths.join(home, '.local', 'state', 'mcpo');
}

const stores = new Map<string, TokenStore>();

/** One store per directory in this process, so saves of one server are serialised across routers and reloads. */
export function tokenStore(dir: string): TokenStore {
  let store = stores.get(dir);
  if (!store) stores.set(dir, (store = new TokenStore(dir)));
  return store;
}
