/**
 * The memory 2025-era sessions' SSE streams are resumed from
 * (lib/mcp-endpoint/event-store.ts): a replay sends, in order, the events of
 * the same stream after the id given and nothing of other streams; the store
 * keeps at most `maxEvents`, none older than `maxAgeMs`; and an id it does
 * not hold is unknown, as the SDK expects.
 */
import { expect } from 'chai';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { MemoryEventStore } from '../../lib/mcp-endpoint/event-store.js';

const note = (n: number): JSONRPCMessage => ({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: n } });

/** What a replay after `id` sends: each event's id and its message's number. */
async function replay(store: MemoryEventStore, id: string): Promise<{ stream: string; sent: [string, unknown][] }> {
  const sent: [string, unknown][] = [];
  const stream = await store.replayEventsAfter(id, {
    send: async (eventId, message) => void sent.push([eventId, (message as unknown as { params: { data: unknown } }).params.data]),
  });
  return { stream, sent };
}

describe('the event store of 2025-era sessions', () => {
  it('replays, in order, the events of the same stream after the id given, and none of another stream', async () => {
    const store = new MemoryEventStore();
    const a0 = await store.storeEvent('a', note(0));
    const b0 = await store.storeEvent('b', note(100));
    const a1 = await store.storeEvent('a', note(1));
    await store.storeEvent('b', note(101));
    const a2 = await store.storeEvent('a', note(2));

    expect(await replay(store, a0)).to.deep.equal({ stream: 'a', sent: [[a1, 1], [a2, 2]] });
    expect(await replay(store, a1)).to.deep.equal({ stream: 'a', sent: [[a2, 2]] });
    expect(await replay(store, a2)).to.deep.equal({ stream: 'a', sent: [] });
    expect((await replay(store, b0)).sent.map(([, n]) => n)).to.deep.equal([101]);
    expect(await store.getStreamIdForEventId(a1)).to.equal('a');
    expect(await store.getStreamIdForEventId(b0)).to.equal('b');
  });

  it('gives every event an id of its own', async () => {
    const store = new MemoryEventStore();
    const ids = await Promise.all([1, 2, 3].map((n) => store.storeEvent('s', note(n))));
    expect(new Set(ids).size).to.equal(3);
  });

  it('sends an event stored while the replay is under way', async () => {
    const store = new MemoryEventStore();
    const first = await store.storeEvent('a', note(0));
    await store.storeEvent('a', note(1));
    let late: string | undefined;
    const sent: string[] = [];
    await store.replayEventsAfter(first, {
      send: async (id) => {
        sent.push(id);
        late ??= await store.storeEvent('a', note(2));
      },
    });
    expect(sent).to.have.length(2);
    expect(sent[1]).to.equal(late);
  });

  it('keeps at most maxEvents, dropping the oldest first', async () => {
    const store = new MemoryEventStore({ maxEvents: 3 });
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) ids.push(await store.storeEvent(n % 2 === 0 ? 'a' : 'b', note(n)));
    expect(store.size).to.equal(3);
    expect(await store.getStreamIdForEventId(ids[0]!)).to.equal(undefined);
    expect(await store.getStreamIdForEventId(ids[1]!)).to.equal(undefined);
    expect(await store.getStreamIdForEventId(ids[2]!)).to.equal('a');
    expect((await replay(store, ids[2]!)).sent.map(([, n]) => n)).to.deep.equal([4]);
  });

  it('drops events older than maxAgeMs, on storing and on looking up', async () => {
    let now = 1_000;
    const store = new MemoryEventStore({ maxAgeMs: 100, now: () => now });
    const old = await store.storeEvent('a', note(0));
    now += 60;
    const newer = await store.storeEvent('a', note(1));
    now += 50; // `old` is 110 ms old, `newer` 50
    expect(await store.getStreamIdForEventId(old)).to.equal(undefined);
    expect(await store.getStreamIdForEventId(newer)).to.equal('a');
    expect(store.size).to.equal(1);
    now += 51;
    expect(await store.getStreamIdForEventId(newer)).to.equal(undefined);
    expect(store.size).to.equal(0);
  });

  it('knows no id it did not give or has dropped: no stream for it, and a replay that throws', async () => {
    const store = new MemoryEventStore({ maxEvents: 1 });
    const dropped = await store.storeEvent('a', note(0));
    await store.storeEvent('a', note(1));
    for (const id of ['nonsense', 'a_7', dropped]) {
      expect(await store.getStreamIdForEventId(id), id).to.equal(undefined);
      const sent: string[] = [];
      let thrown: unknown;
      await store.replayEventsAfter(id, { send: async (eventId) => void sent.push(eventId) }).catch((e: unknown) => (thrown = e));
      expect(thrown, id).to.be.instanceOf(Error);
      expect(sent, id).to.deep.equal([]);
    }
  });

  it('fails a replay whose next events were dropped while it sent, rather than skip them', async () => {
    const store = new MemoryEventStore({ maxEvents: 2 });
    const first = await store.storeEvent('a', note(0));
    await store.storeEvent('a', note(1));
    const sent: string[] = [];
    let thrown: unknown;
    await store
      .replayEventsAfter(first, {
        send: async (id) => {
          sent.push(id);
          for (let n = 2; n < 5; n++) await store.storeEvent('a', note(n));
        },
      })
      .catch((e: unknown) => (thrown = e));
    expect(sent).to.have.length(1);
    expect(thrown).to.be.instanceOf(Error);
  });
});
