/**
 * AbortControllers for tool calls, reused. Creating one costs Node 20 about
 * 6 µs (its signal is an EventTarget whose prototype is set after the fact),
 * some 2% of a whole tool call through mcpo; every call needs one, because
 * the SDK cancels a request only through a signal.
 *
 * A controller goes back to the pool only unaborted and only when nothing
 * can abort it any more: the caller gives it back after the call has
 * settled (the SDK has removed its listener by then) and after removing its
 * own hang-up listener. An aborted controller is simply dropped.
 */
const pool: AbortController[] = [];
const MAX_POOLED = 256;

export function takeController(): AbortController {
  return pool.pop() ?? new AbortController();
}

/** Returns a controller that no one holds or listens to any more. */
export function giveBack(controller: AbortController): void {
  if (!controller.signal.aborted && pool.length < MAX_POOLED) pool.push(controller);
}
