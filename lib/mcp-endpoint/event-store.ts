/**
 * The memory a 2025-era session's SSE streams are resumed from. Given an
 * event store, the SDK's Streamable HTTP transport gives every event an id
 * and opens each response stream with a priming event, so a client whose
 * stream broke (a proxy's timeout, a network change) can come back with
 * `Last-Event-ID` and be sent what it missed instead of losing the answer to
 * its call.
 *
 * Every SSE message of every session passes through `storeEvent`, and
 * nothing ever tells a store that an event was delivered, so it is bounded
 * twice: by count (the oldest dropped first) and by age. A resumption is
 * worth something for seconds, rarely minutes: a client reconnects after
 * the priming event's `retry`. Storing and dropping are O(1); a replay walks
 * the few events kept. It runs for every message of every session, so it
 * allocates as little as it can: one entry per event, in one Map.
 */
import type { EventId, EventStore, JSONRPCMessage, StreamId } from '@modelcontextprotocol/server';

export interface EventStoreOptions {
  /** The most events kept; past it the oldest is dropped. */
  maxEvents: number;
  /** Events older than this are dropped, delivered or not. */
  maxAgeMs: number;
  /** The clock, for tests. */
  now: () => number;
}

/**
 * Per store, and mcpo keeps one per session (up to `maxSessions` of them), so
 * the count is modest: a few hundred events cover many calls in flight with
 * their progress, and a minute covers any client that reconnects at all.
 */
export const EVENT_STORE_DEFAULTS: EventStoreOptions = { maxEvents: 200, maxAgeMs: 60_000, now: Date.now };

interface Stored {
  streamId: StreamId;
  message: JSONRPCMessage;
  at: number;
}

export class MemoryEventStore implements EventStore {
  private readonly options: EventStoreOptions;
  /** Every event, oldest first: a Map keeps insertion order, so the front is the next to go. */
  private readonly events = new Map<EventId, Stored>();
  private seq = 0;

  constructor(options: Partial<EventStoreOptions> = {}) {
    this.options = { ...EVENT_STORE_DEFAULTS, ...options };
  }

  get size(): number {
    return this.events.size;
  }

  // The stream's id is a random UUID for a response stream (the SDK's), so an
  // event id is no easier to guess than the stream; the stream is found by
  // lookup, never by parsing, so an id this store did not give is simply unknown.
  async storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    const id = `${streamId}_${++this.seq}`;
    this.events.set(id, { streamId, message, at: this.options.now() });
    this.prune();
    return id;
  }

  // Given this, the SDK answers an unknown or expired id with a 400 before it
  // replays, rather than the 500 a throw from replayEventsAfter becomes.
  async getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined> {
    this.prune();
    return this.events.get(eventId)?.streamId;
  }

  async replayEventsAfter(lastEventId: EventId, { send }: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> }): Promise<StreamId> {
    this.prune();
    const last = this.events.get(lastEventId);
    // Only if it expired since getStreamIdForEventId: replaying from a gap would hide the loss, so the SDK's 500 it is.
    if (!last) throw new Error(`Unknown or expired event id: ${lastEventId}`);
    let after = false;
    // The Map is iterated live: an event stored while an earlier one is being sent is sent too, as the SDK does not yet write to this stream.
    for (const [id, event] of this.events) {
      if (after && event.streamId === last.streamId) await send(id, event.message);
      else if (id === lastEventId) after = true;
    }
    return last.streamId;
  }

  /** Drops from the front while there are too many or the oldest is too old; the front is always the oldest. */
  private prune(): void {
    const { maxEvents, maxAgeMs, now } = this.options;
    const oldestKept = now() - maxAgeMs;
    for (const [id, event] of this.events) {
      if (this.events.size <= maxEvents && event.at >= oldestKept) return;
      this.events.delete(id);
    }
  }
}
