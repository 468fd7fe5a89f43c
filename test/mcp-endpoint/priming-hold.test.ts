/**
 * lib/mcp-endpoint/priming-hold.ts: a 2025 session's priming event waits for
 * the next chunk and goes out with it in one write; alone after the hold if
 * nothing comes; before the end if the response ends first; and anything
 * else is written at once. The response's own write is replaced by a
 * recorder before holdPriming wraps it, so what reaches the socket is seen.
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

function response(): Recorded {
  const res = new http.ServerResponse(new http.IncomingMessage(new net.Socket()));
  const recorded: Recorded = { res, writes: [], ended: false };
  res.write = ((chunk: Uint8Array) => {
    recorded.writes.push(Buffer.from(chunk).toString('latin1'));
    return true;
  }) as typeof res.write;
  res.end = (() => {
    recorded.ended = true;
    return res;
  }) as typeof res.end;
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
});
