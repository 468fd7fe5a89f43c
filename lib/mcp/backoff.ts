/**
 * How long to wait before the next attempt to reach a server that failed.
 *
 * Exponential, capped, with jitter: many mcpo instances behind one broken
 * upstream (or one mcpo with many servers after a network blip) must not
 * retry in lockstep. The delay for attempt n is a random point in the upper
 * half of min(max, initial · 2ⁿ), so it never collapses towards zero.
 */
export interface BackoffOptions {
  /** Milliseconds before the first retry, before jitter. */
  initialMs: number;
  /** Largest delay, in milliseconds. */
  maxMs: number;
}

/** `attempt` counts from 0; `random` is a number in [0, 1), injectable for tests. */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  // 2 ** 1024 is Infinity; cap the exponent before it matters.
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 32));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
