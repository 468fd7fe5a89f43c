/**
 * When a 2025-era session (legacy-sessions.ts) last did something, and the
 * one timer per endpoint that closes the sessions that did nothing for too
 * long. A session is active while a request on it is in flight or a stream
 * it opened (its GET stream, a POST's events) is open; its idle time counts
 * from the end of the last of them. What to close, and how, is the
 * sessions' business; this module only counts and ticks.
 */

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
 * Answers `request` with `answer()`, counting it on `activity` until its
 * response is sent: at once for a body-less answer, else when the body ends
 * or the client goes away (the request's signal aborts). A body is passed
 * on through a reader that notices its end; that is the whole cost.
 */
export async function counted(activity: Activity, request: Request, answer: () => Promise<Response>): Promise<Response> {
  activity.active++;
  let open = true;
  const done = (): void => {
    if (!open) return;
    open = false;
    activity.active--;
    activity.idleSince = performance.now();
    request.signal.removeEventListener('abort', done);
  };
  // A client gone while its stream waits for the next event is noticed here, not by the writer, which waits for that event.
  request.signal.addEventListener('abort', done, { once: true });
  let response: Response;
  try {
    response = await answer();
  } catch (err) {
    done();
    throw err;
  }
  if (response.body === null) {
    done();
    return response;
  }
  return new Response(watched(response.body, done), { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** `body` as it is, calling `done` once it ends, fails or is cancelled. */
function watched(body: ReadableStream<Uint8Array>, done: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await reader.read();
        if (next.done) {
          done();
          controller.close();
        } else controller.enqueue(next.value);
      } catch (err) {
        done();
        controller.error(err);
      }
    },
    cancel(reason) {
      done();
      return reader.cancel(reason);
    },
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
