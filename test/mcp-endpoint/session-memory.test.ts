/**
 * Abandoned 2025-era sessions cost no memory for good: a few thousand are
 * opened with `initialize` and left, as crashed clients and scripts leave
 * them; once they idle out, the heap (after a forced GC) is back within 10%
 * of where it started. In-process, with the GC exposed through V8's flags.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { expect } from 'chai';
import { serveApp, type ServedApp } from '../helpers/app-server.js';
import { modernStdio } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** The heap in use after full collections, once nothing more is freed. */
async function settledHeap(): Promise<number> {
  let last = Infinity;
  for (let i = 0; i < 10; i++) {
    await new Promise((r) => setImmediate(r));
    gc();
    const used = process.memoryUsage().heapUsed;
    if (used >= last * 0.99) return used;
    last = used;
  }
  return last;
}

const INIT = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'abandoned', version: '1' } } });

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/**
 * Opens sessions, `parallel` at a time, until `max` or `ms` is reached, and
 * abandons them, or ends each with DELETE if `end`; how many.
 */
async function openSessions(url: string, max: number, ms: number, end = false, parallel = 16): Promise<number> {
  const until = Date.now() + ms;
  let opened = 0;
  const worker = async (): Promise<void> => {
    while (opened < max && Date.now() < until) {
      opened++;
      const res = await fetch(url, { method: 'POST', headers: HEADERS, body: INIT });
      await res.text();
      expect(res.status).to.equal(200);
      if (!end) continue;
      const headers = { 'mcp-session-id': res.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-11-25' };
      expect((await fetch(url, { method: 'DELETE', headers })).status).to.equal(200);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return opened;
}

describe('memory of abandoned 2025-era sessions', function () {
  this.timeout(30_000);
  let served: ServedApp;
  before(async () => {
    // Longer than the sessions take to open, so that all are open at once before they idle out.
    served = await serveApp({ mcpServers: { modern: modernStdio() } }, { router: { sessionIdleTimeout: 5 } });
  });
  after(() => served?.close());

  it('is given back once they idle out: the heap returns within 10% of the start', async () => {
    const url = `${served.base}/modern/mcp`;
    const open = (): number => served.app.health().servers.modern!.mcpSessions!;
    // A first round, ended by its client, warms what stays anyway (compiled code, the client's connections).
    await openSessions(url, 200, 2000, true);
    expect(open()).to.equal(0);
    const start = await settledHeap();

    const count = await openSessions(url, 3000, 3500);
    expect(count).to.be.at.least(500);
    const peak = await settledHeap();
    const held = open();
    // The test sees what it measures: the sessions held memory while open.
    expect(held, 'sessions still open at the peak').to.be.above(count / 2);
    expect(peak - start, `${held} sessions open`).to.be.above(held * 5000);

    await waitFor(async () => (open() === 0 ? true : undefined), 'the abandoned sessions closed', 10_000);
    const end = await settledHeap();
    const mb = (n: number): string => (n / 1e6).toFixed(1);
    expect(end, `heap ${mb(start)} MB at the start, ${mb(peak)} MB with ${held} sessions open, ${mb(end)} MB after`).to.be.at.most(start * 1.1);
  });
});
