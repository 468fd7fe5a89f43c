/**
 * The lean path (lib/mcp-endpoint/lean-*.ts) answers a plain 2026-07-28
 * `tools/call`, `tools/list`, `resources/read` or `prompts/get` without the
 * SDK's server. Each request here is sent twice to one app: once plain,
 * which the lean path answers, and once with a client info the lean path
 * does not recognise (a `websiteUrl`, which changes nothing in the answer),
 * so the SDK's path answers it. The two answers must be the same: status,
 * content type and JSON body, for results of every shape the fixtures make,
 * errors of mcpo's and of the upstreams', and questions (`input_required`),
 * on the aggregate endpoint and on each server's.
 */
import { expect } from 'chai';
import { leanTally } from '../../lib/mcp-endpoint/lean-answers.js';
import { serveApp, type ServedApp } from '../helpers/app-server.js';
import { everythingStdio, kitchenSinkStdio, modernStdio } from '../helpers/servers.js';

const VERSION = '2026-07-28';
const PLAIN_CLIENT = { name: 'lean-test', version: '1.0.0' };
const OTHER_CLIENT = { ...PLAIN_CLIENT, websiteUrl: 'https://client.example' };

interface Answer {
  status: number;
  type: string | null;
  body: unknown;
}

async function post(url: string, method: string, params: Record<string, unknown>, name: string | undefined, client: object, capabilities: object): Promise<Answer> {
  const meta = { 'io.modelcontextprotocol/protocolVersion': VERSION, 'io.modelcontextprotocol/clientInfo': client, 'io.modelcontextprotocol/clientCapabilities': capabilities };
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': VERSION,
      'mcp-method': method,
      ...(name !== undefined ? { 'mcp-name': name } : {}),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 41, method, params: { ...params, _meta: meta } }),
  });
  return { status: response.status, type: response.headers.get('content-type'), body: await response.json() };
}

/** The answer of each path to one request, and which way the lean path ended. */
async function both(url: string, method: string, params: Record<string, unknown>, capabilities: object = {}): Promise<{ lean: Answer; sdk: Answer; took: 'direct' | 'replayed' }> {
  const name = (params.name ?? params.uri) as string | undefined;
  const before = { ...leanTally };
  const lean = await post(url, method, params, name, PLAIN_CLIENT, capabilities);
  const took = leanTally.direct > before.direct ? 'direct' : 'replayed';
  expect(leanTally.direct + leanTally.replayed, `${method} ${name ?? ''}: the lean path took it`).to.equal(before.direct + before.replayed + 1);
  const sdk = await post(url, method, params, name, OTHER_CLIENT, capabilities);
  expect(leanTally.direct + leanTally.replayed, `${method} ${name ?? ''}: the SDK's path took it`).to.equal(before.direct + before.replayed + 1);
  return { lean, sdk, took };
}

describe('the lean path of the MCP endpoint (2026-07-28)', function () {
  this.timeout(60_000);
  let served: ServedApp;
  before(async () => {
    served = await serveApp({ mcpServers: { kitchen: kitchenSinkStdio(), modern: modernStdio(), everything: everythingStdio() } });
  });
  after(() => served?.close());

  const same = async (path: string, method: string, params: Record<string, unknown>, took: 'direct' | 'replayed', capabilities?: object) => {
    const answers = await both(`${served.base}${path}`, method, params, capabilities);
    // A request state is minted afresh for each answer: that it is there is what can be compared.
    for (const answer of [answers.lean, answers.sdk]) {
      const result = (answer.body as { result?: { requestState?: unknown } }).result;
      if (typeof result?.requestState === 'string') result.requestState = 'minted';
    }
    expect(answers.lean, `${path} ${method} ${JSON.stringify(params)}`).to.deep.equal(answers.sdk);
    expect(answers.took, `${path} ${method} ${JSON.stringify(params)}`).to.equal(took);
    return answers.lean;
  };

  it('lists tools as the SDK does, on the aggregate endpoint and on each server', async () => {
    for (const path of ['/mcp', '/kitchen/mcp', '/modern/mcp', '/everything/mcp']) {
      const answer = await same(path, 'tools/list', {}, 'direct');
      expect((answer.body as { result: { tools: unknown[] } }).result.tools).to.not.be.empty;
    }
    await same('/mcp', 'tools/list', { cursor: 'anything' }, 'direct');
  });

  it('answers tool results of every shape as the SDK does', async () => {
    const calls: [string, string, Record<string, unknown>?][] = [
      ['/kitchen/mcp', 'no_params'],
      ['/kitchen/mcp', 'echo', { message: 'hi', repeat: 2 }],
      ['/kitchen/mcp', 'json_text'],
      ['/kitchen/mcp', 'image'],
      ['/kitchen/mcp', 'audio'],
      ['/kitchen/mcp', 'resource_text'],
      ['/kitchen/mcp', 'resource_blob'],
      ['/kitchen/mcp', 'resource_link'],
      ['/kitchen/mcp', 'multi'],
      ['/kitchen/mcp', 'fails'],
      ['/kitchen/mcp', 'structured', { a: 1, b: 2 }],
      ['/kitchen/mcp', 'environment'],
      ['/modern/mcp', 'echo', { message: 'hi' }],
      ['/modern/mcp', 'structured', { a: 1, b: 2 }],
      ['/modern/mcp', 'fails'],
      ['/mcp', 'kitchen_no_params'],
      ['/mcp', 'modern_echo', { message: 'hi' }],
      ['/mcp', 'everything_echo', { message: 'hi' }],
    ];
    for (const [path, name, args] of calls) await same(path, 'tools/call', { name, ...(args ? { arguments: args } : {}) }, 'direct');
  });

  it("hands errors to the SDK's path, which answers them as if it had made the call", async () => {
    await same('/kitchen/mcp', 'tools/call', { name: 'nope' }, 'replayed');
    await same('/kitchen/mcp', 'tools/call', { name: 'echo', arguments: { message: '' } }, 'replayed');
    await same('/kitchen/mcp', 'tools/call', { name: 'protocol_error' }, 'replayed');
    await same('/kitchen/mcp', 'tools/call', { name: 'malformed' }, 'replayed');
    await same('/mcp', 'tools/call', { name: 'modern_nope' }, 'replayed');
    await same('/modern/mcp', 'resources/read', { uri: 'test://static/nothing-here' }, 'replayed');
    await same('/modern/mcp', 'prompts/get', { name: 'no-such-prompt' }, 'replayed');
  });

  it("hands an upstream's questions to the SDK's path, with and without the client's capability", async () => {
    const asked = await same('/modern/mcp', 'tools/call', { name: 'confirm_action', arguments: { action: 'deploy' } }, 'replayed', { elicitation: { form: {} } });
    expect(JSON.stringify(asked.body)).to.include('input_required');
    await same('/modern/mcp', 'tools/call', { name: 'confirm_action', arguments: { action: 'deploy' } }, 'replayed', {});
  });

  it('reads resources and gets prompts as the SDK does', async () => {
    await same('/modern/mcp', 'resources/read', { uri: 'test://static/text' }, 'direct');
    await same('/modern/mcp', 'resources/read', { uri: 'test://static/blob' }, 'direct');
    await same('/mcp', 'resources/read', { uri: 'test://static/text' }, 'direct');
    await same('/modern/mcp', 'prompts/get', { name: 'describe', arguments: { topic: 'owls' } }, 'direct');
    await same('/mcp', 'prompts/get', { name: 'modern_describe', arguments: { topic: 'owls' } }, 'direct');
    await same('/everything/mcp', 'prompts/get', { name: 'simple-prompt' }, 'direct');
  });
});

/** A 2025 session's answer as a client reads it: the status, headers, and each event's type, data and `retry`, without the ids (a stream's own). */
interface StreamAnswer {
  status: number;
  headers: Record<string, string | null>;
  events: { event?: string; retry?: string; data: unknown }[];
}

async function sessionPost(url: string, session: Record<string, string>, method: string, params: Record<string, unknown> | undefined): Promise<StreamAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...session },
    body: JSON.stringify({ jsonrpc: '2.0', id: 'c-7', method, ...(params ? { params } : {}) }),
  });
  const headers = Object.fromEntries(['content-type', 'cache-control', 'mcp-session-id', 'x-accel-buffering'].map((name) => [name, response.headers.get(name)]));
  const text = await response.text();
  const events = text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const fields = Object.fromEntries(block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]));
      expect(fields.id, `every event has an id: ${block}`).to.be.a('string').and.not.equal('');
      return { ...(fields.event ? { event: fields.event } : {}), ...(fields.retry ? { retry: fields.retry } : {}), data: fields.data ? JSON.parse(fields.data) : '' };
    });
  return { status: response.status, headers, events };
}

async function openSession(url: string): Promise<Record<string, string>> {
  const init = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: PLAIN_CLIENT } }),
  });
  await init.text();
  const session = { 'mcp-session-id': init.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-11-25' };
  await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...session }, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();
  return session;
}

describe('the lean path of the MCP endpoint (a 2025 session)', function () {
  this.timeout(60_000);
  let served: ServedApp;
  before(async () => {
    served = await serveApp({ mcpServers: { kitchen: kitchenSinkStdio(), modern: modernStdio(), everything: everythingStdio() } });
  });
  after(() => served?.close());

  /** Each request sent plain (the lean path) and with a `_meta` the lean path leaves to the SDK, on one session. */
  const same = async (path: string, method: string, params: Record<string, unknown> | undefined, took: 'direct' | 'replayed') => {
    const url = `${served.base}${path}`;
    const session = await openSession(url);
    const before = { ...leanTally };
    const lean = await sessionPost(url, session, method, params);
    expect(leanTally, `${path} ${method}: the lean path took it`).to.deep.equal({ ...before, [took]: before[took] + 1 });
    const sdk = await sessionPost(url, session, method, { ...params, _meta: { 'lean-test/by': 'sdk' } });
    expect(leanTally.direct + leanTally.replayed, `${path} ${method}: the SDK's path took it`).to.equal(before.direct + before.replayed + 1);
    expect(lean, `${path} ${method} ${JSON.stringify(params)}`).to.deep.equal(sdk);
    return lean;
  };

  it('lists tools and answers tool results of every shape as the SDK does, each on a stream of two events', async () => {
    const listed = await same('/mcp', 'tools/list', undefined, 'direct');
    expect(listed.events.map((e) => e.retry ?? e.event)).to.deep.equal(['2000', 'message']);
    await same('/kitchen/mcp', 'tools/list', {}, 'direct');
    for (const [path, name, args] of [
      ['/kitchen/mcp', 'no_params'],
      ['/kitchen/mcp', 'echo', { message: 'hi', repeat: 2 }],
      ['/kitchen/mcp', 'image'],
      ['/kitchen/mcp', 'resource_blob'],
      ['/kitchen/mcp', 'resource_link'],
      ['/kitchen/mcp', 'multi'],
      ['/kitchen/mcp', 'fails'],
      ['/kitchen/mcp', 'structured', { a: 1, b: 2 }],
      ['/modern/mcp', 'echo', { message: 'hi' }],
      ['/modern/mcp', 'structured', { a: 1, b: 2 }],
      ['/mcp', 'everything_echo', { message: 'hi' }],
    ] as const) {
      await same(path, 'tools/call', { name, ...(args ? { arguments: args } : {}) }, 'direct');
    }
  });

  it('reads resources and gets prompts as the SDK does', async () => {
    await same('/modern/mcp', 'resources/read', { uri: 'test://static/text' }, 'direct');
    await same('/mcp', 'resources/read', { uri: 'test://static/blob' }, 'direct');
    await same('/modern/mcp', 'prompts/get', { name: 'describe', arguments: { topic: 'owls' } }, 'direct');
    await same('/everything/mcp', 'prompts/get', { name: 'simple-prompt' }, 'direct');
  });

  it('keeps both events in the session\'s store, so a client resumes from the priming event as from any other', async () => {
    const url = `${served.base}/kitchen/mcp`;
    const session = await openSession(url);
    const before = leanTally.direct;
    const posted = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...session },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'no_params' } }),
    });
    const primingId = /^id: (.+)$/m.exec(await posted.text())?.[1];
    expect(leanTally.direct).to.equal(before + 1);
    expect(primingId).to.be.a('string');
    const stop = new AbortController();
    const resumed = await fetch(url, { headers: { accept: 'text/event-stream', 'last-event-id': primingId!, ...session }, signal: stop.signal });
    expect(resumed.status).to.equal(200);
    const reader = resumed.body!.getReader();
    let got = '';
    while (!got.includes('\n\n')) {
      const { value, done } = await reader.read();
      if (done) break;
      got += new TextDecoder().decode(value);
    }
    stop.abort();
    expect(got).to.include('event: message').and.include('"text":"pong"').and.include('"id":9');
  });

  it("hands errors, and calls that take longer than the priming hold, to the SDK's path", async () => {
    await same('/kitchen/mcp', 'tools/call', { name: 'nope' }, 'replayed');
    await same('/kitchen/mcp', 'tools/call', { name: 'echo', arguments: { message: '' } }, 'replayed');
    await same('/kitchen/mcp', 'tools/call', { name: 'protocol_error' }, 'replayed');
    await same('/modern/mcp', 'prompts/get', { name: 'no-such-prompt' }, 'replayed');
    await same('/kitchen/mcp', 'tools/call', { name: 'slow', arguments: { ms: 200 } }, 'replayed');
  });
});
