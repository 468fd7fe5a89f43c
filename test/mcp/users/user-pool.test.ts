import { expect } from 'chai';
import { UserPool, type Pooled } from '../../../lib/mcp/users/user-pool.js';

/** A connection that is ready at once (or fails), and records that it was closed. */
class Conn implements Pooled {
  closed = false;
  constructor(readonly key: string, private readonly fails = false) {}
  ready(): Promise<void> {
    return this.fails ? Promise.reject(new Error(`cannot connect ${this.key}`)) : Promise.resolve();
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

function pool(max: number, idleMs = 60_000, failing = new Set<string>()) {
  const made: Conn[] = [];
  const stopped: [string, string][] = [];
  const make = (key: string) => () => {
    const c = new Conn(key, failing.has(key));
    made.push(c);
    return c;
  };
  const inner = new UserPool<Conn>({
    idleMs,
    max,
    retryAfter: 2,
    onStopped: (key, why) => stopped.push([key, why]),
  });
  const p = { acquire: (key: string, deadline: number) => inner.acquire(key, deadline, make(key)), counts: () => inner.counts(), close: () => inner.close() };
  return { p, made, stopped };
}

const soon = () => Date.now() + 1000;

describe('UserPool', () => {
  it('makes one connection per key and lends it to that key only', async () => {
    const { p, made } = pool(4);
    const a1 = await p.acquire('a', soon());
    const a2 = await p.acquire('a', soon());
    const b = await p.acquire('b', soon());
    expect(a1.connection).to.equal(a2.connection);
    expect(b.connection).to.not.equal(a1.connection);
    expect(made.map((c) => c.key)).to.deep.equal(['a', 'b']);
    expect(p.counts()).to.deep.include({ total: 2, busy: 2, idle: 0 });
    a1.release();
    a2.release();
    a2.release(); // a second release of one lease changes nothing
    expect(p.counts()).to.deep.include({ total: 2, busy: 1, idle: 1 });
    b.release();
    await p.close();
    expect(made.every((c) => c.closed)).to.equal(true);
  });

  it('stops the least recently used idle connection to make room', async () => {
    const { p, made, stopped } = pool(2);
    (await p.acquire('a', soon())).release();
    await new Promise((r) => setTimeout(r, 5));
    (await p.acquire('b', soon())).release();
    (await p.acquire('c', soon())).release();
    expect(stopped).to.deep.equal([['a', 'evicted']]);
    expect(made.find((c) => c.key === 'a')!.closed).to.equal(true);
    expect(p.counts().total).to.equal(2);
    await p.close();
  });

  it('makes a call wait while every connection is busy, and lends the slot when one is given back', async () => {
    const { p } = pool(1);
    const a = await p.acquire('a', soon());
    const waiting = p.acquire('b', soon());
    await new Promise((r) => setTimeout(r, 20));
    expect(p.counts().waiting).to.equal(1);
    a.release();
    const b = await waiting;
    expect((b.connection as Conn).key).to.equal('b');
    expect(p.counts()).to.deep.include({ total: 1, waiting: 0 });
    b.release();
    await p.close();
  });

  it('answers 503 with Retry-After when no slot frees up before the deadline', async () => {
    const { p } = pool(1);
    const a = await p.acquire('a', soon());
    const started = Date.now();
    const err = await p.acquire('b', Date.now() + 150).then(() => undefined, (e: unknown) => e);
    expect(Date.now() - started).to.be.within(100, 600);
    expect(err).to.include({ status: 503, code: 'unavailable' });
    expect((err as { headers: Record<string, string> }).headers['Retry-After']).to.equal('2');
    expect(p.counts().waiting).to.equal(0);
    a.release();
    await p.close();
  });

  it('stops a connection left idle for idleMs', async () => {
    const { p, made, stopped } = pool(4, 50);
    (await p.acquire('a', soon())).release();
    await new Promise((r) => setTimeout(r, 120));
    expect(stopped).to.deep.equal([['a', 'idle']]);
    expect(made[0]!.closed).to.equal(true);
    expect(p.counts().total).to.equal(0);
    // A new call for the key makes a new connection.
    (await p.acquire('a', soon())).release();
    expect(made).to.have.length(2);
    await p.close();
  });

  it('counts idleMs from the last use, and never stops a connection that is lent', async () => {
    // Wide margins (idleMs 400): a busy machine delays timers by tens of milliseconds.
    const { p, made, stopped } = pool(4, 400);
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    (await p.acquire('a', soon())).release();
    await wait(300);
    (await p.acquire('a', soon())).release();
    await wait(250); // 550 ms after the first use, 250 after the last
    expect(stopped).to.deep.equal([]);
    const lent = await p.acquire('a', soon());
    await wait(600); // lent all along, so never idle
    expect(stopped).to.deep.equal([]);
    lent.release();
    await wait(600);
    expect(stopped).to.deep.equal([['a', 'idle']]);
    expect(made).to.have.length(1);
    expect(made[0]!.closed).to.equal(true);
    await p.close();
  });

  it('gives the slot back when the connection cannot be made ready', async () => {
    const { p } = pool(1, 60_000, new Set(['bad']));
    const err = await p.acquire('bad', soon()).then(() => undefined, (e: unknown) => e);
    expect(String(err)).to.match(/cannot connect bad/);
    expect(p.counts()).to.deep.include({ busy: 0 });
    (await p.acquire('good', soon())).release();
    await p.close();
  });
});
