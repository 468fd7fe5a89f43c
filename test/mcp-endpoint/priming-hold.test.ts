/**
 * lib/mcp-endpoint/priming-hold.ts: a 2025 session's priming event waits for
 * the next chunk and goes out with it in one write; alone after the hold if
 * nothing comes; before the end if the response ends first; and anything
 * else is written at once. The response's prototype records its writes,
 * beneath the layer holdPriming adds, so what reaches the socket is seen.
 */
import http from 'node:http';
import net from 'node:net';
import { expect } from 'chai';
import { holdPriming, PRIMING_HOLD_MS } from '../../lib/mcp-endpoint/priming-hold.js';

const PRIMING = Buffer.from('id: s1_1\nretry: 2000\ndata: \n\n');
const ANSWER = Buffer.from('event: message\nid: s1_2\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n');

interface Recorded {
  res: http.ServerResponse;
  writes: string[];
  ended: boolean;
}

/** A response whose prototype records what reaches the socket, as an Express response's prototype carries its methods. */
class RecordingResponse extends http.ServerResponse {
  recorded!: Recorded;
  override write(chunk: unknown): boolean {
    this.recorded.writes.push(Buffer.from(chunk as Uint8Array).toString('latin1'));
    return true;
  }
  override end(): this {
    this.recorded.ended = true;
    return this;
  }
}

function response(): Recorded {
  const res = new RecordingResponse(new http.IncomingMessage(new net.Socket()));
  const recorded: Recorded = { res, writes: [], ended: false };
  res.recorded = recorded;
  holdPriming(res);
  return recorded;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('holding a priming event for company', () => {
  it('writes the priming event and the next chunk as one', () => {
    const { res, writes } = response();
    expect(res.write(PRIMING)).to.equal(true);
    expect(writes).to.deep.equal([]);
    res.write(ANSWER);
    expect(writes).to.deep.equal([PRIMING.toString('latin1') + ANSWER.toString('latin1')]);
    res.write(ANSWER);
    expect(writes).to.have.length(2);
  });

  it('writes the priming event alone once the hold is over, and later chunks as they come', async () => {
    const { res, writes } = response();
    res.write(PRIMING);
    await sleep(PRIMING_HOLD_MS * 2 + 30);
    expect(writes).to.deep.equal([PRIMING.toString('latin1')]);
    res.write(ANSWER);
    expect(writes).to.deep.equal([PRIMING.toString('latin1'), ANSWER.toString('latin1')]);
  });

  it('writes the priming event before the end when the response ends first', () => {
    const recorded = response();
    recorded.res.write(PRIMING);
    recorded.res.end();
    expect(recorded.writes).to.deep.equal([PRIMING.toString('latin1')]);
    expect(recorded.ended).to.equal(true);
  });

  it('writes any other first chunk at once', () => {
    const { res, writes } = response();
    res.write(ANSWER);
    expect(writes).to.deep.equal([ANSWER.toString('latin1')]);
  });

  it('leaves alone a response whose write another middleware wrapped, and gives every response of a prototype one layer', () => {
    const wrapped = new RecordingResponse(new http.IncomingMessage(new net.Socket()));
    const writes: string[] = [];
    wrapped.recorded = { res: wrapped, writes, ended: false };
    const own = wrapped.write.bind(wrapped);
    wrapped.write = ((chunk: Uint8Array) => own(chunk)) as typeof wrapped.write;
    const before = Object.getPrototypeOf(wrapped);
    holdPriming(wrapped);
    expect(Object.getPrototypeOf(wrapped)).to.equal(before);
    wrapped.write(PRIMING);
    expect(writes).to.deep.equal([PRIMING.toString('latin1')]);
    const [a, b] = [response().res, response().res];
    expect(Object.getPrototypeOf(a)).to.equal(Object.getPrototypeOf(b));
    expect(Object.getPrototypeOf(Object.getPrototypeOf(a))).to.equal(RecordingResponse.prototype);
  });
});
