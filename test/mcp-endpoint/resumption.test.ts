/**
 * Resumable SSE for 2025-era sessions on mcpo's MCP endpoint: a response
 * stream opens with a priming event that has an id and a `retry`, and a GET
 * with the session's id and `Last-Event-ID` is sent the events after that
 * id, whether the stream was read to its end or broke halfway through the
 * call. Spoken with plain fetch, as a 2025-11-25 client speaks it.
 */
import http from 'node:http';
import { expect } from 'chai';
import { serveApp, type ServedApp } from '../helpers/app-server.js';
import { modernStdio } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

const ERA = '2025-11-25';
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

interface SseEvent {
  id?: string;
  retry?: string;
  data: string;
}

/** The events of an SSE body's text, each field as it came. */
function parseEvents(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '' && !block.split('\n').every((line) => line.startsWith(':')))
    .map((block) => {
      const event: SseEvent = { data: '' };
      for (const line of block.split('\n')) {
        const [field, value] = [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).replace(/^ /, '')];
        if (field === 'id' || field === 'retry') event[field] = value;
        else if (field === 'data') event.data += value;
      }
      return event;
    });
}

/** What each event carries, for comparing: its id and its JSON-RPC message's method, or the result's text. */
const summary = (events: SseEvent[]): [string | undefined, string][] =>
  events.map((e) => {
    const message = JSON.parse(e.data) as { method?: string; params?: { progress?: number }; result?: { content: { text: string }[] } };
    return [e.id, message.method ? `${message.method} ${message.params?.progress}` : message.result!.content[0]!.text];
  });

async function openSession(url: string): Promise<string> {
  const init = await fetch(url, {
    method: 'POST',
    headers: HEADERS,
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: ERA, capabilities: {}, clientInfo: { name: 'resumption-test', version: '1' } } }),
  });
  expect(init.status, await init.clone().text()).to.equal(200);
  await init.text();
  const session = init.headers.get('mcp-session-id')!;
  expect((await post(url, session, { jsonrpc: '2.0', method: 'notifications/initialized' })).status).to.equal(202);
  return session;
}

function post(url: string, session: string, message: object, signal?: AbortSignal): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { ...HEADERS, 'mcp-session-id': session, 'mcp-protocol-version': ERA }, body: JSON.stringify(message), signal });
}

/** count_up with a progress token: on its stream, a progress notification per step, then the result. */
const countUp = (id: number, steps: number, ms: number) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'count_up', arguments: { steps, ms }, _meta: { progressToken: `p${id}` } },
});

/** The GET a reconnecting client sends. */
function resume(url: string, session: string, lastEventId: string): Promise<Response> {
  return fetch(url, {
    headers: { accept: 'text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': ERA, 'last-event-id': lastEventId },
    signal: AbortSignal.timeout(10_000),
  });
}

describe('resumable SSE streams of 2025-era sessions', function () {
  this.timeout(30_000);
  let served: ServedApp;
  let url: string;
  before(async () => {
    served = await serveApp({ mcpServers: { modern: modernStdio() } });
    url = `${served.base}/modern/mcp`;
  });
  after(() => served?.close());

  it('opens a tools/call stream with a priming event that has an id and a retry, and replays the events after it to a GET with Last-Event-ID', async () => {
    const session = await openSession(url);
    const res = await post(url, session, countUp(2, 3, 10));
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/event-stream/);
    const text = await res.text();
    expect(text, 'the first event').to.match(/^id: \S+\nretry: \d+\ndata: \n\n/);
    const [priming, ...rest] = parseEvents(text);
    expect(Number(priming!.retry)).to.be.within(1000, 3000);
    expect(priming!.data).to.equal('');
    const sent = summary(rest);
    // The last progress may lose its race with the answer (mcpo relays progress without waiting), so only the first two are sure.
    expect(sent.map(([, what]) => what).slice(0, 2)).to.deep.equal(['notifications/progress 1', 'notifications/progress 2']);
    expect(sent.at(-1)![1]).to.equal('counted to 3');
    expect(sent.every(([id]) => id !== undefined && id !== priming!.id)).to.equal(true);

    const again = await resume(url, session, priming!.id!);
    expect(again.status).to.equal(200);
    expect(again.headers.get('content-type')).to.match(/^text\/event-stream/);
    expect(summary(parseEvents(await again.text()))).to.deep.equal(sent);

    const fromSecond = await resume(url, session, sent[1]![0]!);
    expect(summary(parseEvents(await fromSecond.text()))).to.deep.equal(sent.slice(2));
  });

  it('sends the priming event and a quick answer as one chunk, through the app\'s whole middleware chain', async () => {
    const session = await openSession(url);
    // Node's client hands over a chunked body one HTTP chunk at a time, so two writes would come as two.
    const chunks = await new Promise<string[]>((resolve, reject) => {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' });
      const req = http.request(url, { method: 'POST', headers: { ...HEADERS, 'mcp-session-id': session, 'mcp-protocol-version': ERA } }, (res) => {
        const got: string[] = [];
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => got.push(chunk));
        res.on('end', () => resolve(got));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(chunks[0], 'the first chunk').to.match(/^id: \S+\nretry: \d+\ndata: \n\n/);
    expect(chunks[0], 'the first chunk').to.include('"tools"');
    expect(chunks).to.have.length(1);
  });

  it('sends a client whose stream broke after the priming event what it missed, the answer included', async () => {
    const session = await openSession(url);
    const broken = new AbortController();
    const res = await post(url, session, countUp(3, 3, 200), broken.signal);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let head = '';
    while (!head.includes('\n\n')) head += (await reader.read()).value ?? '';
    const [priming] = parseEvents(head);
    expect(priming!.id).to.be.a('string');
    broken.abort();

    // The server learns of the break a moment later; until then the stream is still its, and a GET for it a 409.
    const again = await waitFor(async () => {
      const r = await resume(url, session, priming!.id!);
      if (r.status === 409) return void (await r.text());
      return r;
    }, 'the broken stream to be let go');
    expect(again.status).to.equal(200);
    const events = summary(parseEvents(await again.text()));
    // All came after the break: the first step is 200 ms after the priming event.
    expect(events.map(([, what]) => what).slice(0, 2)).to.deep.equal(['notifications/progress 1', 'notifications/progress 2']);
    expect(events.at(-1)![1]).to.equal('counted to 3');
  });

  it('answers a Last-Event-ID it does not know with a 400, not a stream', async () => {
    const session = await openSession(url);
    const res = await resume(url, session, 'no-such-event_1');
    expect(res.status).to.equal(400);
    expect(await res.text()).to.match(/event ID/i);
  });
});
