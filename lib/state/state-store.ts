/**
 * Where mcpo keeps what must outlive a request: upstream tokens (per server
 * and per caller), registered OAuth clients, sign-ins in progress, one-time
 * tickets, and the locks that let exactly one replica refresh a token. Two
 * stores answer this interface: files in `--state-dir` for one replica
 * (state/file-store.ts) and Redis for several (state/redis-store.ts).
 *
 * It is a small key-value store of strings: what a value means, and which
 * values are sealed with `MCPO_STATE_KEY`, is the business of the modules
 * that use it (state/auth-records.ts). It never logs a value: they are
 * secrets.
 */
import { McpoError } from '../http/errors.js';

export type StateStoreType = 'file' | 'redis';

export interface SetOptions {
  /** The value is forgotten after this many ms; without it the value is kept until deleted. */
  ttlMs?: number;
  /** Only set when the key holds nothing; `set` then answers whether it did. */
  ifAbsent?: boolean;
}

/** A held lock; `release` lets it go only if it is still this holder's (it may have expired and been taken). */
export interface StoreLock {
  release(): Promise<void>;
}

export interface StateStore {
  readonly type: StateStoreType;
  /** False while the store cannot be reached (Redis away); a file store is always connected. */
  connected(): boolean;
  /** The value at `key`, or undefined. */
  get(key: string): Promise<string | undefined>;
  /** Stores `value`; false only when `ifAbsent` was asked and the key was taken. */
  set(key: string, value: string, options?: SetOptions): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** The value at `key`, deleted in the same step: two takers never both get it. */
  take(key: string): Promise<string | undefined>;
  /** Every key that starts with `prefix` (unordered). */
  keys(prefix: string): Promise<string[]>;
  /** Deletes every key that starts with `prefix`; answers how many. */
  deletePrefix(prefix: string): Promise<number>;
  /** Takes the lock `key` for at most `ttlMs`, or undefined when another holder has it. */
  lock(key: string, ttlMs: number): Promise<StoreLock | undefined>;
  /** The Redis client itself, once opened, for what counts in Redis beside the store (rate limits); absent for a file store. */
  redisClient?(): Promise<unknown>;
  /** Told when the store goes away or comes back (Redis); a file store never calls it. */
  onConnection(listener: (connected: boolean) => void): void;
  close(): Promise<void>;
}

/** The store could not be reached: the call may succeed shortly, so 503 with Retry-After. */
export class StateStoreUnavailableError extends McpoError {
  constructor(message = 'The state store cannot be reached; try again shortly', retryAfterSeconds = 5) {
    super(message, 503, 'state_store_unavailable', undefined, { 'Retry-After': String(retryAfterSeconds) });
  }
}
