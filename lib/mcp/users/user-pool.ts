/**
 * One connection per user, for a server whose `env` or `headers` take
 * values from the caller's request: each distinct set of resolved values
 * (its `key`) gets a connection of its own (for stdio, a child process of
 * its own), made on its first call, reused for that key only, and stopped
 * when it has been idle for `idleMs`. At most `max` live at once: a new key
 * stops the least recently used idle one; when every one is busy the call
 * waits for a slot until its deadline, then gets a 503 with Retry-After.
 *
 * It does not resolve templates (caller-templates.ts) or know what a
 * connection is beyond `Pooled`: the router builds them.
 */
import { UnavailableError } from '../../http/errors.js';

/** What the pool needs of a connection (an Upstream). */
export interface Pooled {
  ready(): Promise<void>;
  close(): Promise<void>;
  /** What a call is told when the connection failed to come up: a 503 that says why. */
  unavailable?(): Error;
}

export interface UserPoolOptions {
  /** How long an unused connection lives, in ms. */
  idleMs: number;
  /** The most connections alive at once. */
  max: number;
  /** Seconds to announce in Retry-After when the pool is full and busy. */
  retryAfter: number;
  /** Told when a connection is stopped, with why (`idle`, `evicted`). */
  onStopped?: (key: string, why: 'idle' | 'evicted') => void;
}

interface Entry<C> {
  key: string;
  connection: C;
  busy: number;
  lastUsed: number;
  /** Armed while the entry is idle or was lately; it looks at `lastUsed` when it fires, so a call sets no timer. */
  idleTimer?: NodeJS.Timeout;
  /** Its `ready()` has resolved: later calls need not wait on it (it stays resolved). */
  ready: boolean;
}

/** A connection lent to one call; `release()` once the call is over. */
export interface Lease<C> {
  connection: C;
  release(): void;
}

export interface PoolCounts {
  total: number;
  busy: number;
  idle: number;
  /** Calls waiting for a free slot. */
  waiting: number;
}

export class UserPool<C extends Pooled> {
  readonly #entries = new Map<string, Entry<C>>();
  readonly #waiters: (() => void)[] = [];
  #closed = false;

  constructor(private readonly options: UserPoolOptions) {}

  /**
   * The connection for `key`, ready, lent until released; `create` makes it
   * (it starts connecting at once) when the key has none. A 503 if none can
   * be had by `deadline`.
   */
  async acquire(key: string, deadline: number, create: () => C): Promise<Lease<C>> {
    for (;;) {
      if (this.#closed) throw this.#full('is closed');
      const entry = this.#entries.get(key) ?? this.#make(key, create);
      if (entry) {
        entry.busy++;
        if (!entry.ready) await this.#untilReady(entry, deadline);
        return { connection: entry.connection, release: once(() => this.#giveBack(entry)) };
      }
      // Every slot is busy: wait for one to be given back, or for the deadline.
      let wake!: () => void;
      const woken = new Promise<void>((resolve) => {
        wake = resolve;
        this.#waiters.push(wake);
      });
      try {
        await withDeadline(woken, deadline, () => this.#full('is full: every connection is busy'));
      } finally {
        const at = this.#waiters.indexOf(wake);
        if (at !== -1) this.#waiters.splice(at, 1);
      }
    }
  }

  /** The connection `key` has now, if any (not lent). */
  peek(key: string): C | undefined {
    return this.#entries.get(key)?.connection;
  }

  /** Stops `key`'s connection now (calls on it fail); its next call gets a new one. */
  evict(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    void this.#stop(entry);
    this.#waiters.shift()?.();
  }

  counts(): PoolCounts {
    let busy = 0;
    for (const entry of this.#entries.values()) if (entry.busy > 0) busy++;
    return { total: this.#entries.size, busy, idle: this.#entries.size - busy, waiting: this.#waiters.length };
  }

  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#entries.values()];
    this.#entries.clear();
    for (const wake of this.#waiters.splice(0)) wake();
    await Promise.allSettled(all.map((entry) => this.#stop(entry)));
  }

  /** A new entry for `key` if there is room, after stopping the least recently used idle one if need be. */
  #make(key: string, create: () => C): Entry<C> | undefined {
    if (this.#entries.size >= this.options.max) {
      let oldest: Entry<C> | undefined;
      for (const entry of this.#entries.values()) if (entry.busy === 0 && (!oldest || entry.lastUsed < oldest.lastUsed)) oldest = entry;
      if (!oldest) return undefined;
      this.#entries.delete(oldest.key);
      void this.#stop(oldest);
      this.options.onStopped?.(oldest.key, 'evicted');
    }
    const entry: Entry<C> = { key, connection: create(), busy: 0, lastUsed: Date.now(), ready: false };
    this.#entries.set(key, entry);
    return entry;
  }

  /** Waits for a new entry's connection (lent already), giving the slot back if it does not come up by `deadline`. */
  async #untilReady(entry: Entry<C>, deadline: number): Promise<void> {
    try {
      await withDeadline(entry.connection.ready(), deadline, () => this.#full('did not connect in time')).catch((err: unknown) => {
        // Its first attempt failed (retries go on): the caller gets the 503 that says why, not that attempt's bare error.
        throw err instanceof UnavailableError ? err : entry.connection.unavailable?.() ?? err;
      });
    } catch (err) {
      this.#giveBack(entry);
      throw err;
    }
    entry.ready = true;
  }

  #giveBack(entry: Entry<C>): void {
    entry.busy--;
    entry.lastUsed = Date.now();
    if (entry.busy > 0 || this.#entries.get(entry.key) !== entry) return;
    entry.idleTimer ??= this.#idleTimer(entry, this.options.idleMs);
    // An idle connection can now be stopped for a waiting key.
    this.#waiters.shift()?.();
  }

  /**
   * Stops the entry once it has been idle for idleMs. Arming a timer on every
   * give-back and clearing it on every lend cost microseconds a call; this one
   * is armed when the entry goes idle and, on firing, waits out what is left
   * if it was used since, or leaves it to the next give-back if it is busy.
   */
  #idleTimer(entry: Entry<C>, ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      entry.idleTimer = undefined;
      if (entry.busy > 0 || this.#entries.get(entry.key) !== entry) return;
      const idleFor = Date.now() - entry.lastUsed;
      if (idleFor < this.options.idleMs) {
        entry.idleTimer = this.#idleTimer(entry, this.options.idleMs - idleFor);
        return;
      }
      this.#entries.delete(entry.key);
      void this.#stop(entry);
      this.options.onStopped?.(entry.key, 'idle');
      this.#waiters.shift()?.();
    }, ms);
    timer.unref();
    return timer;
  }

  #stop(entry: Entry<C>): Promise<void> {
    clearTimeout(entry.idleTimer);
    return entry.connection.close();
  }

  #full(why: string): UnavailableError {
    return new UnavailableError(`The pool of per-user connections ${why}; try again shortly`, this.options.retryAfter, { maxConnections: this.options.max });
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

/** `promise`, or `onTimeout()` thrown at `deadline`. */
function withDeadline<T>(promise: Promise<T>, deadline: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), Math.max(0, deadline - Date.now()));
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
