/**
 * Caller templates end to end: a stdio server whose `env` takes values from
 * the caller's headers runs one process per distinct set of values
 * (server-everything's `get-env` shows each call which process it ran in),
 * bounded, reused, reaped when idle; a missing required header is a 400;
 * templates need an API key; and no resolved value reaches a log line or
 * /healthz.
 */
import { expect } from 'chai';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createApp } from '../../lib/index.js';
import { serveApp, type ServedApp } from '../helpers/app-server.js';
import { recordingLogger } from '../helpers/logger.js';
import { EVERYTHING, everythingStdio, startKitchenSink, startModernHttp } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

const KEY = 'caller-templates-key-2468';

/** server-everything with env from the caller: a required token, a team with a default. */
const templated = (extra: Record<string, unknown> = {}) => ({
  mcpServers: {
    e: {
      ...everythingStdio(),
      env: { USER_TOKEN: '{{header.X-User-Token | required}}', TEAM: '{{header.X-Team | default:"public"}}' },
      ...extra,
    },
  },
});

interface EnvSeen {
  USER_TOKEN?: string;
  TEAM?: string;
}

async function envAs(served: ServedApp, token: string | undefined, team?: string): Promise<{ status: number; env?: EnvSeen; body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
  if (token !== undefined) headers['x-user-token'] = token;
  if (team !== undefined) headers['x-team'] = team;
  const res = await fetch(`${served.base}/e/get-env`, { method: 'POST', headers, body: '{}' });
  const body = (await res.json()) as any;
  return { status: res.status, body, ...(res.status === 200 ? { env: body.result as EnvSeen } : {}) };
}

describe('caller templates', function () {
  this.timeout(60_000);

  it('refuses templates without an API key, at load time', () => {
    expect(() => createApp(templated())).to.throw(TypeError, /api-key/i);
  });

  describe('on a stdio server', () => {
    let served: ServedApp;
    const logger = recordingLogger();
    before(async () => {
      served = await serveApp(templated({ maxProcesses: 3, idleTimeout: 1 }), { apiKey: KEY, logger });
    });
    after(() => served?.close());

    it('runs each caller in a process of its own, with its own values', async () => {
      const [alice, bob, anon] = await Promise.all([envAs(served, 'alice-token-123', 'red'), envAs(served, 'bob-token-456'), envAs(served, 'carol-token-789')]);
      expect(alice.env).to.include({ USER_TOKEN: 'alice-token-123', TEAM: 'red' });
      expect(bob.env).to.include({ USER_TOKEN: 'bob-token-456', TEAM: 'public' });
      expect(anon.env).to.include({ USER_TOKEN: 'carol-token-789' });
      expect(served.app.health().servers.e!.users).to.deep.include({ total: 3 });
    });

    it('puts the text the caller sent into env: UTF-8 bytes as UTF-8, other bytes as Latin-1', async () => {
      // fetch sends a header string's code points as bytes, as a client sending UTF-8 would send them.
      const bytes = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
      const utf8 = await envAs(served, 'utf8-token-1', bytes('café ✓'));
      expect(utf8.env).to.include({ TEAM: 'café ✓' });
      const latin1 = await envAs(served, 'latin1-token-1', 'caf\u00e9');
      expect(latin1.env).to.include({ TEAM: 'café' });
    });

    it('answers 400 naming the header when a required one is missing', async () => {
      const res = await envAs(served, undefined);
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('missing_caller_header');
      expect(res.body.error.message).to.match(/X-User-Token/);
    });

    it('keeps twenty concurrent callers apart, never more than maxProcesses at once', async () => {
      let most = 0;
      const watch = setInterval(() => {
        most = Math.max(most, served.app.health().servers.e!.users!.total);
      }, 5);
      try {
        const users = Array.from({ length: 20 }, (_, i) => `user-${i}-token`);
        const seen = await Promise.all(users.map((token) => envAs(served, token)));
        seen.forEach((res, i) => expect(res.env?.USER_TOKEN, `user ${i}: ${JSON.stringify(res.body).slice(0, 200)}`).to.equal(users[i]));
      } finally {
        clearInterval(watch);
      }
      expect(most).to.be.within(1, 3);
    });

    it('stops a process left idle for idleTimeout', async () => {
      await envAs(served, 'idle-user-token');
      await waitFor(async () => (served.app.health().servers.e!.users!.total === 0 ? true : undefined), 'idle processes stopped', 5000);
    });

    it('runs an MCP client\'s calls on its caller\'s own process too, in both eras', async () => {
      for (const mode of ['auto', 'legacy'] as const) {
        const client = new Client({ name: 't', version: '1' }, { versionNegotiation: { mode } } as never);
        await client.connect(new StreamableHTTPClientTransport(new URL(`${served.base}/e/mcp`), { requestInit: { headers: { authorization: `Bearer ${KEY}`, 'x-user-token': `mcp-${mode}-token` } } }));
        try {
          const result = await client.callTool({ name: 'get-env', arguments: {} });
          const env = JSON.parse((result.content as { text: string }[])[0]!.text) as EnvSeen;
          expect(env.USER_TOKEN, mode).to.equal(`mcp-${mode}-token`);
        } finally {
          await client.close();
        }
      }
    });

    it('writes no resolved value into a log line or /healthz', async () => {
      const values = ['alice-token-123', 'bob-token-456', 'carol-token-789', 'user-7-token', 'idle-user-token', 'mcp-auto-token', 'mcp-legacy-token'];
      const logged = JSON.stringify(logger.records);
      const health = JSON.stringify(served.app.health());
      for (const value of values) {
        expect(logged, value).not.to.include(value);
        expect(health, value).not.to.include(value);
      }
    });
  });
});

describe('a stdio server whose templates need a caller\'s values', function () {
  this.timeout(60_000);
  // server-everything behind a check a probe without the caller's token could never pass.
  const guarded = {
    command: process.execPath,
    args: ['-e', `if (!process.env.USER_TOKEN) { console.error('USER_TOKEN is not set'); process.exit(1); }
      process.argv = [process.argv[0], 'everything', 'stdio']; import(${JSON.stringify(`file://${EVERYTHING}`)});`],
    env: { USER_TOKEN: '{{header.X-User-Token | required}}' },
  };
  let served: ServedApp;
  const logger = recordingLogger();
  before(async () => {
    served = await serveApp({ mcpServers: { e: guarded } }, { apiKey: KEY, logger, router: { reconnectDelay: 0.1, reconnectDelayMax: 0.2 } });
  });
  after(() => served?.close());

  it('starts no probe: /healthz says it waits for a first caller, and /readyz is ready', async () => {
    const health = served.app.health();
    expect(health.status).to.equal('ok');
    expect(health.servers.e).to.include({ state: 'waiting-for-caller', connected: false, tools: 0, lastError: null });
    expect(health.servers.e!.users).to.deep.include({ total: 0 });
    expect((await fetch(`${served.base}/readyz`)).status).to.equal(200);
    const doc = await fetch(`${served.base}/e/openapi.json`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(doc.status).to.equal(503);
    expect(((await doc.json()) as any).error.message).to.match(/waits for a first caller/);
    expect(logger.records.filter((l) => l.level === 'warn' || l.level === 'error')).to.deep.equal([]);
  });

  it('lists the tools from the first caller\'s connection, and serves its call and the documents from them', async () => {
    const first = await envAs(served, 'first-caller-token');
    expect(first.status, JSON.stringify(first.body)).to.equal(200);
    expect(first.env).to.include({ USER_TOKEN: 'first-caller-token' });
    const health = served.app.health().servers.e!;
    expect(health).to.include({ state: 'ready', connected: true });
    expect(health.tools).to.be.greaterThan(0);
    const doc = (await (await fetch(`${served.base}/e/openapi.json`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as any;
    expect(Object.keys(doc.paths)).to.include('/get-env');
    expect((await envAs(served, 'second-caller-token')).env).to.include({ USER_TOKEN: 'second-caller-token' });
  });
});

describe('caller templates on remote servers', function () {
  this.timeout(60_000);
  const as = (served: ServedApp, path: string, token: string, body: unknown = {}) =>
    fetch(`${served.base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'x-caller-token': token },
      body: JSON.stringify(body),
    }).then(async (res) => ({ status: res.status, body: (await res.json()) as any }));

  for (const era of ['2025', '2026-07-28'] as const) {
    it(`sends each caller's own header to a ${era} server, on a connection of its own`, async () => {
      const server = era === '2025' ? await startKitchenSink('http') : await startModernHttp();
      let served: ServedApp | undefined;
      try {
        served = await serveApp(
          { mcpServers: { r: { type: 'streamable-http', url: server.url, headers: { 'X-User-Token': '{{header.X-Caller-Token | required}}' } } } },
          { apiKey: KEY },
        );
        const tool = era === '2025' ? '/r/request_headers' : '/r/header_echo';
        const body = era === '2025' ? {} : { region: 'eu' };
        const seen = await Promise.all(['tok-a', 'tok-b', 'tok-a'].map((t) => as(served!, tool, t, body)));
        const tokens = seen.map((r) => (r.body.result.headers as Record<string, string>)['x-user-token']);
        expect(tokens).to.deep.equal(['tok-a', 'tok-b', 'tok-a']);
        expect(served.app.health().servers.r!.users).to.deep.include({ total: 2 });
      } finally {
        await served?.close();
        await server.close();
      }
    });
  }

  it('sends a header that is both forwarded and templated once, as the template has it, even when the template leaves it out', async () => {
    const server = await startKitchenSink('http');
    let served: ServedApp | undefined;
    try {
      served = await serveApp(
        {
          mcpServers: {
            r: {
              type: 'streamable-http',
              url: server.url,
              headers: { 'X-User-Token': '{{header.X-Caller-Token | required}}', 'X-Team': '{{header.X-Caller-Team}}' },
              forwardHeaders: ['X-User-Token', 'X-Team', 'X-Trace'],
            },
          },
        },
        { apiKey: KEY },
      );
      const res = await fetch(`${served.base}/r/request_headers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'x-caller-token': 'tok', 'x-user-token': 'forged', 'x-team': 'forged', 'x-trace': 't-1' },
        body: '{}',
      });
      const seen = ((await res.json()) as any).result.headers as Record<string, string>;
      expect(seen['x-user-token']).to.equal('tok');
      // The template read an absent header and left X-Team out: the caller's own X-Team must not fill the gap.
      expect(seen).not.to.have.property('x-team');
      expect(seen['x-trace']).to.equal('t-1');
    } finally {
      await served?.close();
      await server.close();
    }
  });

  it('drains the old per-user connections when a reload changes a template, and makes new ones', async () => {
    const server = await startKitchenSink('http');
    let served: ServedApp | undefined;
    const config = (prefix: string) => ({
      mcpServers: { r: { type: 'streamable-http', url: server.url, headers: { 'X-User-Token': `${prefix}{{header.X-Caller-Token | required}}` } } },
    });
    try {
      served = await serveApp(config('v1-'), { apiKey: KEY });
      const before = await as(served, '/r/request_headers', 'tok');
      expect(before.body.result.headers['x-user-token']).to.equal('v1-tok');
      const result = await served.app.reload(config('v2-'));
      expect(result.changed).to.deep.equal(['r']);
      const after = await as(served, '/r/request_headers', 'tok');
      expect(after.body.result.headers['x-user-token']).to.equal('v2-tok');
      expect(served.app.health().servers.r!.users).to.deep.include({ total: 1 });
    } finally {
      await served?.close();
      await server.close();
    }
  });
});
