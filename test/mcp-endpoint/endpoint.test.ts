/**
 * mcpo as an MCP server: the app's aggregate endpoint `<prefix>/mcp` and
 * each server's `<prefix>/<name>/mcp`, in front of server-everything (2025
 * era) and the modern fixture (2026-07-28) over stdio, reached by real
 * clients of both eras: the v2 client negotiating (2026-07-28) and in legacy
 * mode (a 2025 session), and the v1 SDK client. The conformance suite's
 * server scenarios run in test/conformance/fixture-server.test.ts.
 */
import http from 'node:http';
import { expect } from 'chai';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { serveApp, type ServedApp } from '../helpers/app-server.js';
import { recordingLogger } from '../helpers/logger.js';
import { everythingStdio, modernStdio } from '../helpers/servers.js';

const KEY = 'endpoint-test-key-1357';


/** server-everything (2025 era) and the modern fixture (2026-07-28) over stdio, in one app. */
const serve = (apiKey?: string): Promise<ServedApp> =>
  serveApp({ mcpServers: { everything: everythingStdio(), modern: modernStdio() } }, apiKey ? { apiKey } : {});

type Mode = 'auto' | 'legacy';

async function connect(url: string, mode: Mode, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'endpoint-test', version: '1.0.0' }, {
    versionNegotiation: { mode },
    capabilities: { elicitation: { form: {} } },
  } as never);
  client.setRequestHandler('elicitation/create', () => ({ action: 'accept', content: { confirm: true } }) as never);
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

const textOf = (result: unknown): string => ((result as { content: { text?: string }[] }).content[0]?.text ?? '');

describe('the MCP endpoints', function () {
  this.timeout(60_000);
  let served: ServedApp;
  before(async () => {
    served = await serve();
  });
  after(() => served?.close());

  for (const mode of ['auto', 'legacy'] as const) {
    describe(`with the v2 client in ${mode} mode`, () => {
      it('serves every server at /mcp, tools and prompts prefixed with the server name', async () => {
        const client = await connect(`${served.base}/mcp`, mode);
        try {
          expect(client.getNegotiatedProtocolVersion()).to.equal(mode === 'auto' ? '2026-07-28' : '2025-11-25');
          const names = (await client.listTools()).tools.map((t) => t.name);
          expect(names).to.include.members(['everything_echo', 'modern_echo', 'modern_count_up']);
          expect(names.every((n) => n.startsWith('everything_') || n.startsWith('modern_'))).to.equal(true);
          expect(textOf(await client.callTool({ name: 'everything_echo', arguments: { message: 'hi' } }))).to.equal('Echo: hi');
          expect(textOf(await client.callTool({ name: 'modern_echo', arguments: { message: 'hi' } }))).to.equal('hi');
          const prompts = (await client.listPrompts()).prompts.map((p) => p.name);
          expect(prompts).to.include.members(['everything_simple-prompt', 'modern_describe']);
          // Resources keep their URIs; a read goes to the server that lists the URI.
          const uris = (await client.listResources()).resources.map((r) => r.uri);
          expect(uris).to.include('test://static/text');
          const read = await client.readResource({ uri: 'test://static/text' });
          expect(read.contents[0]).to.include({ text: '# Hello\n' });
          const rendered = await client.getPrompt({ name: 'everything_args-prompt', arguments: { city: 'Paris' } });
          expect(JSON.stringify(rendered.messages)).to.include('Paris');
        } finally {
          await client.close();
        }
      });

      it('serves one server at /<name>/mcp under its own names, with isError and progress passed on', async () => {
        const client = await connect(`${served.base}/modern/mcp`, mode);
        try {
          const names = (await client.listTools()).tools.map((t) => t.name);
          expect(names).to.include.members(['echo', 'count_up', 'fails']);
          const failed = await client.callTool({ name: 'fails', arguments: {} });
          expect(failed.isError).to.equal(true);
          const progress: unknown[] = [];
          const counted = await client.callTool({ name: 'count_up', arguments: { steps: 3, ms: 100 } }, { onprogress: (p: unknown) => progress.push(p) } as never);
          expect(textOf(counted)).to.equal('counted to 3');
          expect(progress.length).to.be.at.least(2);
        } finally {
          await client.close();
        }
      });
    });
  }

  it('passes a 2026-07-28 server\'s input_required to the client, and its answer back', async () => {
    const client = await connect(`${served.base}/modern/mcp`, 'auto');
    try {
      const result = await client.callTool({ name: 'confirm_action', arguments: { action: 'deploy' } });
      expect(textOf(result)).to.equal('deploy: accept {"confirm":true}');
    } finally {
      await client.close();
    }
  });

  it('serves the v1 SDK client (2025 era) on both endpoints', async () => {
    for (const [path, tool] of [['/mcp', 'everything_echo'], ['/everything/mcp', 'echo']] as const) {
      const client = new V1Client({ name: 'v1', version: '1.0.0' });
      await client.connect(new V1Transport(new URL(`${served.base}${path}`)));
      try {
        const result = await client.callTool({ name: tool, arguments: { message: 'v1' } });
        expect(textOf(result), path).to.equal('Echo: v1');
      } finally {
        await client.close();
      }
    }
  });

  it('answers 404 to a 2025-era session it does not hold, saying when another replica opened it', async () => {
    const ask = async (sessionId: string) => {
      const res = await fetch(`${served.base}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      return { status: res.status, message: ((await res.json()) as { error: { message: string } }).error.message };
    };
    // An id of this process's form that it never issued (or issued and ended): start again.
    const client = new V1Client({ name: 'v1', version: '1.0.0' });
    const transport = new V1Transport(new URL(`${served.base}/mcp`));
    await client.connect(transport);
    const own = transport.sessionId!;
    await transport.terminateSession();
    await client.close();
    const ended = await ask(own);
    expect(ended.status).to.equal(404);
    expect(ended.message).to.match(/it ended, or this mcpo was restarted/);
    // Another replica's tag (each process draws its own): route sticky.
    const tag = own.slice(0, 11) === 'rffffffffff' ? 'reeeeeeeeee' : 'rffffffffff';
    const elsewhere = await ask(`${tag}.${own.slice(12)}`);
    expect(elsewhere.status).to.equal(404);
    expect(elsewhere.message).to.match(/opened on another mcpo replica \(r[0-9a-f]{10}\).*sticky on Mcp-Session-Id/);
  });
});

describe('the aggregate MCP endpoint with two servers that share names and URIs', function () {
  this.timeout(60_000);
  let served: ServedApp;
  const logger = recordingLogger();
  before(async () => {
    served = await serveApp(
      { mcpServers: { one: modernStdio(), two: { ...modernStdio(), disabledTools: ['fails'], tools: { echo: { name: 'say' } } } } },
      { mcpSeparator: '__', logger },
    );
  });
  after(() => served?.close());

  it('joins names with the separator, applies each server\'s tool rules, and serves a shared URI once, from the first server', async () => {
    const client = await connect(`${served.base}/mcp`, 'auto');
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).to.include.members(['one__echo', 'one__fails', 'two__say']);
      expect(names).to.not.include.members(['two__fails', 'two__echo']);
      expect(textOf(await client.callTool({ name: 'two__say', arguments: { message: 'renamed' } }))).to.equal('renamed');
      const uris = (await client.listResources()).resources.map((r) => r.uri);
      expect(uris.filter((u) => u === 'test://static/text')).to.have.length(1);
      expect(logger.records.some((r) => r.level === 'error' && /two servers list one resource URI/.test(r.message))).to.equal(true);
      expect((await client.listPrompts()).prompts.map((p) => p.name)).to.include.members(['one__describe', 'two__describe']);
    } finally {
      await client.close();
    }
  });
});

describe('the MCP endpoints behind an API key', function () {
  this.timeout(60_000);
  let served: ServedApp;
  before(async () => {
    served = await serve(KEY);
  });
  after(() => served?.close());

  it('answers 401 without the key and serves with it as a Bearer token', async () => {
    const refused = await fetch(`${served.base}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
    });
    expect(refused.status).to.equal(401);
    const client = await connect(`${served.base}/everything/mcp`, 'auto', { authorization: `Bearer ${KEY}` });
    try {
      expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'k' } }))).to.equal('Echo: k');
    } finally {
      await client.close();
    }
  });

  it('refuses a Host that is not a loopback name (DNS rebinding)', async () => {
    const res = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${served.base}/mcp`);
      const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { host: 'evil.example', authorization: `Bearer ${KEY}`, 'content-type': 'application/json' } }, (r) => {
        r.resume();
        resolve(r.statusCode!);
      });
      req.on('error', reject);
      req.end('{}');
    });
    expect(res).to.equal(403);
  });
});
