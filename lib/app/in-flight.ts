/**
 * Counts responses that are still open, and calls back when the count falls
 * to zero: the app uses one to drain before shutdown, and one per server to
 * close a router a reload left behind only after its last call.
 */
import type { ServerResponse } from 'node:http';

export class InFlight {
  #count = 0;
  #idle: (() => void)[] = [];

  get count(): number {
    return this.#count;
  }

  /** Counts `res` until it closes (finished, or the client went away). */
  track(res: ServerResponse): void {
    this.#count++;
    res.once('close', () => {
      if (--this.#count === 0) for (const done of this.#idle.splice(0)) done();
    });
  }

  /** Calls `done` now if nothing is in flight, else when the last response closes. */
  whenIdle(done: () => void): void {
    if (this.#count === 0) done();
    else this.#idle.push(done);
  }
}
