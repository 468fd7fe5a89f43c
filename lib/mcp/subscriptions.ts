/**
 * Resource subscriptions on one supervised connection, shared by every MCP
 * endpoint client that subscribes: the server is asked once per URI, on the
 * first subscriber, and released on the last, whoever they are. A 2025-era
 * server gets `resources/subscribe` and `resources/unsubscribe`; a
 * 2026-07-28 one a `subscriptions/listen` stream per URI, closed with it.
 * Either way its `notifications/resources/updated` reach every subscriber of
 * that URI. A new session (a restarted server, an expired HTTP session)
 * starts with no subscriptions, so the ones held are asked for again on it.
 */
import type { Client, McpSubscription } from '@modelcontextprotocol/client';
import type { Logger } from '../common/log.js';
import { messageOf } from './transport-errors.js';

/** Subscribes `uri` on the session of the moment; the returned close ends it there. */
export type Subscribe = (uri: string) => Promise<() => void>;

interface Held {
  listeners: Set<() => void>;
  /** Ends the server-side subscription; undefined until it is made (or when it failed on a new session). */
  end?: () => void;
  /** The subscription being made, which the first subscribers wait for. */
  pending?: Promise<void>;
}

export class ResourceSubscriptions {
  readonly #held = new Map<string, Held>();

  constructor(
    private readonly subscribe: Subscribe,
    private readonly logger: Logger,
  ) {}

  /** Calls `listener` whenever the server says `uri` changed; the returned function unsubscribes. */
  async add(uri: string, listener: () => void): Promise<() => void> {
    let held = this.#held.get(uri);
    if (!held) {
      const made: Held = { listeners: new Set() };
      this.#held.set(uri, (held = made));
      made.pending = this.subscribe(uri).then(
        (end) => {
          made.end = end;
          made.pending = undefined;
          // Everyone left while it was being made.
          if (this.#held.get(uri) !== made) end();
        },
        (err: unknown) => {
          if (this.#held.get(uri) === made) this.#held.delete(uri);
          throw err;
        },
      );
    }
    const entry = held;
    entry.listeners.add(listener);
    try {
      await entry.pending;
    } catch (err) {
      entry.listeners.delete(listener);
      throw err;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      entry.listeners.delete(listener);
      if (entry.listeners.size > 0 || this.#held.get(uri) !== entry) return;
      this.#held.delete(uri);
      entry.end?.();
    };
  }

  /** The server said `uri` changed. */
  updated(uri: string): void {
    for (const listener of this.#held.get(uri)?.listeners ?? []) listener();
  }

  /** A new session: every URI held is subscribed again on it (the old session's subscriptions died with it). */
  renew(): void {
    for (const [uri, held] of this.#held) {
      if (held.pending) continue;
      held.end = undefined;
      this.subscribe(uri).then(
        (end) => {
          if (this.#held.get(uri) === held) held.end = end;
          else end();
        },
        (err: unknown) => this.logger.warn('could not subscribe to a resource again on the new connection', { uri, error: messageOf(err) }),
      );
    }
  }
}

/** The server-side subscription to `uri` over `client`, in the era it speaks; resolves once the server accepted it. */
export async function subscribeOn(client: Client, uri: string, timeoutMs: number): Promise<() => void> {
  if (client.getProtocolEra() === 'modern') {
    const subscription: McpSubscription = await client.listen({ resourceSubscriptions: [uri] }, { timeout: timeoutMs });
    return () => void subscription.close().catch(() => {});
  }
  await client.request({ method: 'resources/subscribe', params: { uri } }, { timeout: timeoutMs });
  return () => void client.request({ method: 'resources/unsubscribe', params: { uri } }, { timeout: timeoutMs }).catch(() => {});
}
