/**
 * The `state` values of authorization flows started and not yet finished,
 * each good once and for ten minutes: the callback's check against a forged
 * or replayed redirect (RFC 6749 §10.12). In memory, since a flow lives as
 * long as this process. Used by provider.ts.
 */
import { randomBytes } from 'node:crypto';

/** How long a started flow's `state` is accepted at the callback. */
const FLOW_TTL_MS = 10 * 60_000;

export class FlowStates {
  /** state → when it was issued. */
  #issued = new Map<string, number>();

  /** A new state, forgetting those past their time. */
  issue(): string {
    const now = Date.now();
    for (const [state, issued] of this.#issued) if (now - issued > FLOW_TTL_MS) this.#issued.delete(state);
    const state = randomBytes(24).toString('base64url');
    this.#issued.set(state, now);
    return state;
  }

  /** True once for a state issued in the last ten minutes; a replay is false. */
  take(state: string | null): boolean {
    if (state === null) return false;
    const issued = this.#issued.get(state);
    this.#issued.delete(state);
    return issued !== undefined && Date.now() - issued <= FLOW_TTL_MS;
  }
}
