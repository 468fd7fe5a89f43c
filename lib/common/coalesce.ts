/**
 * `coalesced(task)`: a task that must see the latest state but never run
 * twice at once (re-listing tools after notifications, re-reading a config
 * file after saves). A call during a run does not start another; it asks for
 * exactly one more run after the current one, however many calls there were,
 * and gets the promise of the whole series.
 */
export function coalesced(task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let again = false;
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await task();
      } while (again);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };
}
