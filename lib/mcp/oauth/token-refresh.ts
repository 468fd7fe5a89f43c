/**
 * One refresh of one token, however many calls and replicas find it
 * expired at once. Rotating refresh tokens make this matter: a refresh token
 * is good once, so two processes refreshing it together leave one of them,
 * and then everyone, without a grant.
 *
 * Within a process, calls share the refresh in flight (provider.ts holds the
 * promise). Across processes, the store's lock beside the tokens decides
 * (state/auth-records.ts): the holder reads the tokens again (another may
 * have refreshed them meanwhile), refreshes only if they are still the ones
 * it found expired, and stores the result; the others wait until the stored
 * tokens change, then use them. A refused grant (`invalid_grant`) deletes the
 * tokens, so every process sees at its next call that the grant is gone.
 */
import { OAuthError, OAuthErrorCode, type OAuthTokens } from '@modelcontextprotocol/client';
import type { AuthRecords, ServerRef } from '../../state/auth-records.js';

/** How long the lock is held at most: a refresh that takes longer is not waited for. */
const LOCK_MS = 30_000;
/** How long a process waits for another's refresh before trying the lock itself again. */
const WAIT_MS = 15_000;
const POLL_MS = 100;

export type StoredTokens = OAuthTokens & { obtainedAt?: number; issuer?: string };

export interface RefreshTarget {
  records: AuthRecords;
  ref: ServerRef;
  caller: string | undefined;
  /** Asks the authorization server for new tokens with this refresh token. */
  refresh(refreshToken: string): Promise<OAuthTokens>;
}

/** When the access token lapses (ms since the epoch), if it says. */
export function expiresAt(tokens: StoredTokens): number | undefined {
  return tokens.obtainedAt !== undefined && tokens.expires_in !== undefined ? tokens.obtainedAt + tokens.expires_in * 1000 : undefined;
}

/** Whether the tokens should be refreshed before they are sent: within a tenth of their life (at most a minute) of lapsing. */
export function dueForRefresh(tokens: StoredTokens, now = Date.now()): boolean {
  const end = expiresAt(tokens);
  if (end === undefined || tokens.refresh_token === undefined) return false;
  const margin = Math.min(60_000, ((tokens.expires_in ?? 0) * 1000) / 10);
  return end - now <= margin;
}

/**
 * The tokens to use instead of `stale`: refreshed here, or by whoever held
 * the lock; undefined when the grant is gone.
 */
export async function refreshOnce(target: RefreshTarget, stale: StoredTokens): Promise<StoredTokens | undefined> {
  const { records, ref, caller } = target;
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const lock = await records.lockTokens(ref, caller, LOCK_MS);
    if (lock) {
      try {
        const current = (await records.tokens(ref, caller)) as StoredTokens | undefined;
        // Another process refreshed (or forgot) them while this one waited for the lock.
        if (current?.access_token !== stale.access_token) return current;
        return await refreshHere(target, current ?? stale);
      } finally {
        await lock.release();
      }
    }
    const seen = await changed(target, stale, deadline);
    if (seen !== 'unchanged') return seen.tokens;
  }
  // The holder went quiet for longer than a refresh takes: the old tokens are sent, and the server's 401 says what next.
  return stale;
}

async function refreshHere(target: RefreshTarget, stale: StoredTokens): Promise<StoredTokens | undefined> {
  try {
    const fresh = await target.refresh(stale.refresh_token!);
    // A server that does not rotate keeps the old refresh token (RFC 6749 §6).
    const saved: StoredTokens = { ...fresh, refresh_token: fresh.refresh_token ?? stale.refresh_token, obtainedAt: Date.now(), ...(stale.issuer ? { issuer: stale.issuer } : {}) };
    await target.records.saveTokens(target.ref, target.caller, saved);
    return saved;
  } catch (err) {
    if (err instanceof OAuthError && err.code === OAuthErrorCode.InvalidGrant) {
      await target.records.saveTokens(target.ref, target.caller, undefined);
      return undefined;
    }
    // Anything else (the authorization server down, say): the old tokens are sent, and the server's 401 says what next.
    return stale;
  }
}

/** Waits until the stored tokens differ from `stale`, or the lock is free again, or `deadline`. */
async function changed(target: RefreshTarget, stale: StoredTokens, deadline: number): Promise<{ tokens: StoredTokens | undefined } | 'unchanged'> {
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const current = (await target.records.tokens(target.ref, target.caller)) as StoredTokens | undefined;
    if (current?.access_token !== stale.access_token) return { tokens: current };
    if (!(await target.records.lockHeld(target.ref, target.caller))) return 'unchanged';
  }
  return 'unchanged';
}
