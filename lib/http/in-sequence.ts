/**
 * Middleware run one after another as one Express layer. Every layer Express
 * runs costs its router a path match, a `next` and a `parseurl`, a few
 * microseconds each; the app-wide middleware (lib/app/app-middleware.ts) runs
 * before every request, so running its pieces as one layer takes that off
 * every call. An error, passed to any piece's `next`, ends the sequence and
 * goes on to Express's error handling, as from separate layers.
 */
import type { RequestHandler } from 'express';

export function inSequence(handlers: readonly RequestHandler[]): RequestHandler {
  if (handlers.length === 1) return handlers[0]!;
  return function inSequence(req, res, next) {
    let at = 0;
    const step = (err?: unknown): void => {
      if (err !== undefined) return next(err);
      const handler = handlers[at++];
      if (!handler) return next();
      // A handler that throws is the same failure as one that passes an error: Express's own layers treat it so.
      try {
        void handler(req, res, step);
      } catch (thrown) {
        next(thrown);
      }
    };
    step();
  };
}
