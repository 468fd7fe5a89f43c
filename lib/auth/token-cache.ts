/**
 * Verified tokens remembered until they expire, so a client that sends the
 * same token on every request pays for one signature check, not one per
 * request. Keyed by the token's sha256, so the cache holds no token; kept
 * no longer than the token's `exp` (a token without one is not kept), and
 * bounded, dropping the oldest entry, so a flood of tokens cannot grow it.
 */
import { setBounded } from '../common/bounded-map.js';
import type { Caller } from './caller.js';

export class TokenCache {
  readonly #entries = new Map<string, { caller: Caller; expiresAt: number }>();

  constructor(readonly limit = 10_000) {}

  get size(): number {
    return this.#entries.size;
  }

  /** The caller of the token with digest `key`, while its `exp` has not passed. */
  get(key: string, now = Date.now()): Caller | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (now < entry.expiresAt) return entry.caller;
    this.#entries.delete(key);
    return undefined;
  }

  /** Keeps `caller` until `exp` (seconds since the epoch); does nothing without one. */
  set(key: string, caller: Caller, exp: number | undefined, now = Date.now()): void {
    if (typeof exp !== 'number' || exp * 1000 <= now || this.limit <= 0) return;
    setBounded(this.#entries, key, { caller, expiresAt: exp * 1000 }, this.limit);
  }
}
