/**
 * Draining before shutdown: every response the app serves is counted
 * (lib/app/in-flight.ts) by the `countInFlight` middleware, and `drain()`
 * marks the app as draining and waits for the count to reach zero, or for
 * the grace time to run out. What `/healthz` says while draining is
 * lib/app/health.ts's; closing the servers is the caller's.
 */
import type { RequestHandler, Response } from 'express';
import { InFlight } from './in-flight.js';

export class Drain {
  #draining = false;
  readonly #inFlight = new InFlight();

  get draining(): boolean {
    return this.#draining;
  }

  /** Counts `res` until it closes. */
  track(res: Response): void {
    // While draining, keep-alive sockets are closed after their response so the server can stop.
    if (this.#draining) res.set('Connection', 'close');
    this.#inFlight.track(res);
  }

  /** Resolves true when no request is in flight any more, or false when `graceMs` ran out first. */
  drain(graceMs: number): Promise<boolean> {
    this.#draining = true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), graceMs);
      timer.unref();
      this.#inFlight.whenIdle(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}

export function countInFlight(drain: Drain): RequestHandler {
  return function countInFlight(_req, res, next) {
    drain.track(res);
    next();
  };
}
