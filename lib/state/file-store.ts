/**
 * The state store of one replica: every value in memory, and each value
 * kept without a time limit also in a file of its own under `--state-dir`
 * (0700; files 0600, written to a temporary file and renamed over, so a
 * crash never leaves half a value). Values with a time limit (sign-ins in
 * progress, ticket uses, locks) live in memory only: they are worth nothing
 * after a restart. The memory copy is the truth, which is why two processes
 * must not share a directory: use the Redis store (state/redis-store.ts) for
 * that.
 *
 * A file holds `{ "key": …, "value": … }` and is named by a hash of its key.
 * Files in the layout of earlier versions (one per server) are read once
 * through state/legacy-files.ts by whoever knows the server's name and URL.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { SetOptions, StateStore, StoreLock } from './state-store.js';

interface Held {
  value: string;
  /** When it is forgotten (ms since the epoch); undefined for a value kept in a file. */
  expires?: number;
}

const FILE = /^s-[0-9a-f]{40}\.json$/;

const fileOf = (key: string): string => `s-${createHash('sha256').update(key).digest('hex').slice(0, 40)}.json`;

export class FileStore implements StateStore {
  readonly type = 'file' as const;
  readonly #held = new Map<string, Held>();
  /** The last queued write or removal per file: they run one after another, never interleaved. */
  readonly #queues = new Map<string, Promise<void>>();
  #opened: Promise<void> | undefined;

  constructor(readonly dir: string) {}

  connected(): boolean {
    return true;
  }

  onConnection(): void {}

  async get(key: string): Promise<string | undefined> {
    await this.#open();
    return this.#live(key)?.value;
  }

  async set(key: string, value: string, options: SetOptions = {}): Promise<boolean> {
    await this.#open();
    if (options.ifAbsent && this.#live(key) !== undefined) return false;
    const kept = options.ttlMs === undefined;
    const before = this.#held.get(key);
    this.#held.set(key, kept ? { value } : { value, expires: Date.now() + options.ttlMs! });
    if (kept) await this.#serial(key, () => this.#write(key, value));
    // A kept value replaced by one with a time limit: its file must not bring the old value back at the next start.
    else if (before && before.expires === undefined) await this.#serial(key, () => this.#unlink(key));
    return true;
  }

  async delete(key: string): Promise<void> {
    await this.#open();
    await this.#forget(key);
  }

  async take(key: string): Promise<string | undefined> {
    await this.#open();
    const value = this.#live(key)?.value;
    // No await between the read and the removal: of two takers, one gets it.
    if (value !== undefined) await this.#forget(key);
    return value;
  }

  async keys(prefix: string): Promise<string[]> {
    await this.#open();
    return [...this.#held.keys()].filter((key) => key.startsWith(prefix) && this.#live(key) !== undefined);
  }

  async deletePrefix(prefix: string): Promise<number> {
    const keys = await this.keys(prefix);
    await Promise.all(keys.map((key) => this.delete(key)));
    return keys.length;
  }

  async lock(key: string, ttlMs: number): Promise<StoreLock | undefined> {
    const token = randomBytes(12).toString('hex');
    if (!(await this.set(key, token, { ttlMs, ifAbsent: true }))) return undefined;
    return {
      release: async () => {
        if (this.#live(key)?.value === token) this.#held.delete(key);
      },
    };
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#queues.values()]);
  }

  /** Removes `key` from memory at once, and its file (if it has one) in turn. */
  #forget(key: string): Promise<void> {
    const held = this.#held.get(key);
    this.#held.delete(key);
    return held && held.expires === undefined ? this.#serial(key, () => this.#unlink(key)) : Promise.resolve();
  }

  #unlink(key: string): Promise<void> {
    return unlink(path.join(this.dir, fileOf(key))).catch(() => {});
  }

  /** The value at `key` unless its time is up (then it is forgotten). */
  #live(key: string): Held | undefined {
    const held = this.#held.get(key);
    if (held?.expires !== undefined && held.expires <= Date.now()) {
      this.#held.delete(key);
      return undefined;
    }
    return held;
  }

  /** Reads every file once, before the first operation. */
  #open(): Promise<void> {
    this.#opened ??= (async () => {
      let files: string[];
      try {
        files = await readdir(this.dir);
      } catch {
        return; // no directory yet: nothing stored
      }
      for (const file of files.filter((name) => FILE.test(name))) {
        try {
          const { key, value } = JSON.parse(await readFile(path.join(this.dir, file), 'utf8')) as { key?: unknown; value?: unknown };
          // A file whose key does not hash to its name was not written here: not trusted.
          if (typeof key === 'string' && typeof value === 'string' && fileOf(key) === file) this.#held.set(key, { value });
        } catch {
          // Unreadable or corrupt means "not stored"; the next write replaces it.
        }
      }
    })();
    return this.#opened;
  }

  #serial(key: string, task: () => Promise<void>): Promise<void> {
    const previous = this.#queues.get(key) ?? Promise.resolve();
    const run = previous.catch(() => {}).then(task);
    const settled = run.catch(() => {});
    this.#queues.set(key, settled);
    void settled.then(() => {
      if (this.#queues.get(key) === settled) this.#queues.delete(key);
    });
    return run;
  }

  async #ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    // The directory holds secrets: one that pre-existed with looser permissions is tightened, not trusted.
    const { mode } = await stat(this.dir);
    if ((mode & 0o077) !== 0) await chmod(this.dir, 0o700);
  }

  async #write(key: string, value: string): Promise<void> {
    await this.#ensureDir();
    const file = fileOf(key);
    const target = path.join(this.dir, file);
    const temp = path.join(this.dir, `.${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      // 'wx' creates a fresh file, so the 0600 mode applies and nothing else's file is followed.
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(JSON.stringify({ key, value }), 'utf8');
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
    await open(this.dir, 'r').then((dir) => dir.sync().finally(() => dir.close())).catch(() => {});
  }
}

const stores = new Map<string, FileStore>();

/** One store per directory in this process, so every router and reload shares one memory of it. */
export function fileStore(dir: string): FileStore {
  let store = stores.get(dir);
  if (!store) stores.set(dir, (store = new FileStore(dir)));
  return store;
}
