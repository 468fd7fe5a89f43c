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
 * the priming event's `retry`. It runs for every message of every session
 * (two per call: the priming event and the answer), so it is a ring of
 * `maxEvents` slots in four arrays, allocating nothing per event but its id:
 * event n sits in slot n % maxEvents, and its id ends in n, so finding an
 * event is reading one slot. Storing and dropping are O(1); a replay walks
 * the slots after the one given.
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

export class MemoryEventStore implements EventStore {
  private readonly options: EventStoreOptions;
  private readonly ids: (EventId | undefined)[];
  private readonly streams: (StreamId | undefined)[];
  private readonly messages: (JSONRPCMessage | undefined)[];
  private readonly stored: Float64Array;
  /** The number of the next event to store, and of the oldest still kept. */
  private next = 0;
  private oldest = 0;

  constructor(options: Partial<EventStoreOptions> = {}) {
    this.options = { ...EVENT_STORE_DEFAULTS, ...options };
    const slots = this.options.maxEvents;
    this.ids = new Array<EventId | undefined>(slots);
    this.streams = new Array<StreamId | undefined>(slots);
    this.messages = new Array<JSONRPCMessage | undefined>(slots);
    this.stored = new Float64Array(slots);
  }

  get size(): number {
    this.prune();
    return this.next - this.oldest;
  }

  // The stream's id is a random UUID for a response stream (the SDK's), so an
  // event id is no easier to guess than the stream; an id is only ever found
  // by the slot it names holding exactly it, so one this store did not give
  // is simply unknown.
  async storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    return this.store(streamId, message);
  }

  /** `storeEvent` without the promise, for a caller that writes the stream itself (lean-session.ts). */
  store(streamId: StreamId, message: JSONRPCMessage): EventId {
    const n = this.next++;
    const slot = n % this.options.maxEvents;
    const id = `${streamId}_${n}`;
    this.ids[slot] = id;
    this.streams[slot] = streamId;
    this.messages[slot] = message;
    this.stored[slot] = this.options.now();
    this.oldest = Math.max(this.oldest, this.next - this.options.maxEvents);
    this.prune();
    return id;
  }

  // Given this, the SDK answers an unknown or expired id with a 400 before it
  // replays, rather than the 500 a throw from replayEventsAfter becomes.
  async getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined> {
    const n = this.find(eventId);
    return n === undefined ? undefined : this.streams[n % this.options.maxEvents];
  }

  async replayEventsAfter(lastEventId: EventId, { send }: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> }): Promise<StreamId> {
    const last = this.find(lastEventId);
    // Only if it expired since getStreamIdForEventId: replaying from a gap would hide the loss, so the SDK's 500 it is.
    if (last === undefined) throw new Error(`Unknown or expired event id: ${lastEventId}`);
    const { maxEvents } = this.options;
    const streamId = this.streams[last % maxEvents]!;
    // Read live: an event stored while an earlier one is being sent is sent too, as the SDK does not yet write to this stream.
    for (let n = last + 1; n < this.next; n++) {
      if (n < this.oldest) throw new Error(`Events after ${lastEventId} were dropped during the replay`);
      const slot = n % maxEvents;
      if (this.streams[slot] === streamId) await send(this.ids[slot]!, this.messages[slot]!);
    }
    return streamId;
  }

  /** The number of the event with this id, if it is still kept. */
  private find(eventId: EventId): number | undefined {
    this.prune();
    const n = Number(eventId.slice(eventId.lastIndexOf('_') + 1));
    if (!Number.isInteger(n) || n < this.oldest || n >= this.next) return undefined;
    return this.ids[n % this.options.maxEvents] === eventId ? n : undefined;
  }

  /** Lets go of the oldest events while they are too old; the count is kept by the ring itself. */
  private prune(): void {
    const { maxEvents, maxAgeMs, now } = this.options;
    const oldestKept = now() - maxAgeMs;
    while (this.oldest < this.next && this.stored[this.oldest % maxEvents]! < oldestKept) {
      const slot = this.oldest++ % maxEvents;
      this.ids[slot] = this.streams[slot] = this.messages[slot] = undefined;
    }
  }
}
