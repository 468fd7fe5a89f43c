/**
 * Named API keys: which configured key (lib/auth/auth-config.ts) a presented
 * one is, in constant time. Both sides are sha256 digests (keyDigest of
 * lib/http/auth.ts, as for the one key), so neither a key's content nor its
 * length shows in the timing, and every key is
 * compared on every request, so neither does which key matched or how many
 * there are before it.
 */
import { timingSafeEqual } from 'node:crypto';
import { keyDigest } from '../http/auth.js';
import type { ResolvedApiKey } from './auth-config.js';

export interface KeyMatch {
  readonly name: string;
  readonly groups: readonly string[];
}

/** A matcher over `keys`, digested once: the presented key's name and groups, or undefined. */
export function apiKeyMatcher(keys: readonly ResolvedApiKey[]): (presented: string) => KeyMatch | undefined {
  const known = keys.map((key) => ({ digest: keyDigest(key.key), match: Object.freeze({ name: key.name, groups: key.groups }) }));
  return function matchKey(presented) {
    const digest = keyDigest(presented);
    let found: KeyMatch | undefined;
    for (const key of known) {
      // No early exit: the loop takes as long whichever key matches.
      if (timingSafeEqual(digest, key.digest) && found === undefined) found = key.match;
    }
    return found;
  };
}
