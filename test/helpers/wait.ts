/** Polls until `probe` gives a value, for things that happen "soon" (a notification, a child's exit). */
export async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The error `promise` rejects with (mcpo's errors carry `status`, `code`, …); a promise that resolves fails the test. */
export async function rejection(promise: Promise<unknown>): Promise<Error & { status?: number; code?: string; description?: string }> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}
