/**
 * A request handler whose target can be swapped atomically. A request binds
 * to the target that was current when it arrived and finishes there, so a
 * swap never drops or splits a request in flight. Used for live tool-list
 * changes here, and by the CLI for hot reload.
 */
import type { RequestHandler } from 'express';

export interface Dispatcher extends RequestHandler {
  /** Makes `next` current for new requests; returns the previous target. */
  swap(next: RequestHandler): RequestHandler;
  current(): RequestHandler;
}

export function createDispatcher(initial: RequestHandler): Dispatcher {
  let target = initial;
  const dispatch: RequestHandler = function dispatch(req, res, next) {
    return target(req, res, next);
  };
  return Object.assign(dispatch, {
    swap(next: RequestHandler): RequestHandler {
      const old = target;
      target = next;
      return old;
    },
    current: () => target,
  });
}
