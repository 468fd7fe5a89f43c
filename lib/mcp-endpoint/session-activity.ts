/**
 * When a 2025-era session (legacy-sessions.ts) last did something, and the
 * one timer per endpoint that closes the sessions that did nothing for too
 * long. A session is active while a request on it is in flight or a stream
 * it opened (its GET stream, a POST's events) is open; its idle time counts
 * from the end of the last of them. What to close, and how, is the
 * sessions' business; this module only counts and ticks.
 */
import type { ServerResponse } from 'node:http';

/** What a session has open, and since when it has had nothing open. */
export interface Activity {
  /** Requests in flight and streams open on the session. */
  active: number;
  /** `performance.now()` when `active` last fell to 0 (or the session opened). */
  idleSince: number;
}

/** A fresh session's activity: nothing open, idle from now. */
export const idleNow = (): Activity => ({ active: 0, idleSince: performance.now() });

/**
 * Counts a request on `activity` until its response closes: Node emits
 * 'close' on a response once it has ended, and when the client goes away
 * first, so a stream held open (a GET's, a long call's events) counts as
 * long as it is open. Counted on the Node response rather than on the Web
 * one the SDK returns: following that one's body would put every chunk of
 * every session response through a second stream.
 */
export function activeWhileOpen(activity: Activity, res: ServerResponse): void {
  activity.active++;
  res.once('close', () => {
    activity.active--;
    activity.idleSince = performance.now();
  });
}

/** The sweep's spacing: a quarter of the timeout, so a session outlives it by at most a quarter, and at most 30 s. */
export const sweepEveryMs = (idleTimeoutMs: number): number => Math.min(idleTimeoutMs / 4, 30_000);

/**
 * One timer for all of an endpoint's sessions, running only while it has
 * any, and never holding the process open (`unref`).
 */
export function idleSweeper(idleTimeoutMs: number, sweep: (now: number) => void): { start(): void; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  return {
    start() {
      if (timer !== undefined) return;
      timer = setInterval(() => sweep(performance.now()), sweepEveryMs(idleTimeoutMs));
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
