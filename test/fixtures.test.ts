/**
 * Proves the test fixtures themselves with the plain SDK client, before any
 * mcpo code is involved: the kitchen-sink server over stdio, SSE and
 * Streamable HTTP, server-everything over stdio and Streamable HTTP, and the
 * 2026-07-28-only modern fixture over stdio and Streamable HTTP (with the v2
 * client, the only one that speaks that revision).
 */
import { spawn } from 'node:child_process';
import { expect } from 'chai';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { McpError, ToolListChangedNotificationSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import {
  Client as ModernClient,
  ProtocolError,
  StreamableHTTPClientTransport as ModernHttpTransport,
  isInputRequiredResult,
  type Transport as ModernTransport,
} from '@modelcontextprotocol/client';
import { StdioClientTransport as ModernStdioTransport } from '@modelcontextprotocol/client/stdio';
import { z } from 'zod';
import {
  everythingStdio,
  killAllServers,
  kitchenSinkStdio,
  modernStdio,
  startEverything,
  startKitchenSink,
  startModernHttp,
  unrulyStdio,
  type RunningServer,
  type StdioSpec,
} from './helpers/servers.js';
import { waitFor } from './helpers/wait.js';

const LONG_NAME = 'a_very_long_tool_name_'.repeat(4).slice(0, 80);
const KITCHEN_SINK_TOOLS = [
  'echo', 'no_params', 'json_text', 'defs_user', 'legacy_definitions', 'property_ref', 'tree', 'nullable_enum',
  'image', 'audio', 'resource_text', 'resource_blob', 'resource_link', 'multi', 'fails', 'protocol_error',
  'malformed', 'slow', 'cancellations', 'structured', 'add_tool', 'remove_tool', 'exit', 'environment', 'request_headers',
  'trace_echo', 'dotted.name-with-dashes', 'has space', 'slash/name', 'docs', 'openapi.json', 'Upper', 'upper', LONG_NAME,
  'broken_schema',
];

/** tools/list as sent: `broken_schema` breaks the SDK's strict Tool schema on purpose. */
const LenientListTools = z.object({ tools: z.array(z.looseObject({ name: z.string() })), nextCursor: z.string().optional() });

function stdioTransport(spec: StdioSpec): { transport: StdioClientTransport; stderr: () => string } {
  // Piped rather than inherited so server logs do not interleave with the reporter; kept for failure messages.
  const transport = new StdioClientTransport({ command: spec.command, args: spec.args, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return { transport, stderr: () => stderr };
}

async function listAll(client: Client): Promise<{ tools: Tool[]; pages: number }> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await client.request(
      { method: 'tools/list', params: cursor === undefined ? {} : { cursor } },
      LenientListTools,
    );
    tools.push(...(page.tools as Tool[]));
    cursor = page.nextCursor;
    pages++;
    if (pages > 100) throw new Error('tools/list never stopped paginating');
  } while (cursor !== undefined);
  return { tools, pages };
}

function firstText(result: unknown): string {
  const content = (result as { content: Array<{ type: string; text?: string }> }).content;
  expect(content[0]?.type).to.equal('text');
  return content[0]!.text!;
}

describe('test fixtures', function () {
  this.timeout(30_000);

  after(killAllServers);

  for (const kind of ['stdio', 'sse', 'http'] as const) {
    describe(`kitchen-sink over ${kind}`, () => {
      let client: Client;
      let server: RunningServer | undefined;
      let stderr: () => string = () => '';

      before(async () => {
        let transport: Transport;
        if (kind === 'stdio') {
          const stdio = stdioTransport(kitchenSinkStdio());
          transport = stdio.transport;
          stderr = stdio.stderr;
        } else {
          server = await startKitchenSink(kind);
          expect(server.url).to.match(kind === 'sse' ? /^http:\/\/127\.0\.0\.1:\d+\/sse$/ : /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
          transport = kind === 'sse' ? new SSEClientTransport(new URL(server.url)) : new StreamableHTTPClientTransport(new URL(server.url));
        }
        client = new Client({ name: 'fixtures-test', version: '0.0.0' });
        await client.connect(transport).catch((err: unknown) => {
          throw new Error(`could not connect: ${String(err)}\nserver stderr:\n${stderr()}`);
        });
      });

      after(async () => {
        await client?.close();
        await server?.close();
      });

      it('introduces itself', () => {
        expect(client.getServerVersion()).to.deep.include({ name: 'kitchen-sink', version: '1.2.3' });
        expect(client.getInstructions()).to.equal('A fixture server that misbehaves on purpose.');
        expect(client.getServerCapabilities()?.tools?.listChanged).to.equal(true);
      });

      it('lists every tool across several pages', async () => {
        const { tools, pages } = await listAll(client);
        expect(pages).to.be.greaterThan(1);
        expect(tools.map((t) => t.name)).to.have.members(KITCHEN_SINK_TOOLS);
        expect(tools.find((t) => t.name === 'echo')?.title).to.be.a('string');
        expect(tools.find((t) => t.name === 'defs_user')?.inputSchema).to.have.nested.property('$defs.Address.properties.zip.pattern');
        expect(LONG_NAME).to.have.length(80);
      });

      it("serves a schema that the SDK's strict client rejects (why mcpo lists leniently)", async () => {
        let failure: unknown;
        let cursor: string | undefined;
        try {
          do {
            const page = await client.listTools(cursor === undefined ? {} : { cursor });
            cursor = page.nextCursor;
          } while (cursor !== undefined);
        } catch (err) {
          failure = err;
        }
        expect(failure, 'listTools over the page with broken_schema').to.exist;
      });

      it('calls echo', async () => {
        const result = await client.callTool({ name: 'echo', arguments: { message: 'hi', repeat: 3 } });
        expect(firstText(result)).to.equal('hi hi hi');
      });

      it('returns structuredContent from structured', async () => {
        const result = await client.callTool({ name: 'structured', arguments: { a: 1, b: 2 } });
        expect(result.structuredContent).to.deep.equal({ sum: 3 });
        expect(JSON.parse(firstText(result))).to.deep.equal({ sum: 3 });
      });

      it('reports a tool error from fails', async () => {
        const result = await client.callTool({ name: 'fails', arguments: {} });
        expect(result.isError).to.equal(true);
        expect(firstText(result)).to.equal('it failed on purpose');
      });

      it('answers protocol_error with the JSON-RPC code asked for', async () => {
        let failure: unknown;
        await client.callTool({ name: 'protocol_error', arguments: { code: -32602 } }).catch((err: unknown) => (failure = err));
        expect(failure).to.be.instanceOf(McpError);
        expect((failure as McpError).code).to.equal(-32602);
        expect((failure as McpError).message).to.contain('protocol error on purpose');
      });

      it('sends a result the client cannot parse from malformed', async () => {
        let failure: unknown;
        await client.callTool({ name: 'malformed', arguments: {} }).catch((err: unknown) => (failure = err));
        expect(failure).to.be.instanceOf(Error);
        expect(failure).not.to.be.instanceOf(McpError);
      });

      it('stops slow when the call is cancelled, and counts it', async () => {
        const before = JSON.parse(firstText(await client.callTool({ name: 'cancellations', arguments: {} }))) as { cancelled: number };
        const controller = new AbortController();
        const started = Date.now();
        const call = client.callTool({ name: 'slow', arguments: { ms: 10_000 } }, undefined, { signal: controller.signal });
        setTimeout(() => controller.abort('test cancels'), 200);
        let failure: unknown;
        await call.catch((err: unknown) => (failure = err));
        expect(failure, 'the cancelled call rejects').to.exist;
        expect(Date.now() - started).to.be.below(3000);
        const after = await waitFor(async () => {
          const now = JSON.parse(firstText(await client.callTool({ name: 'cancellations', arguments: {} }))) as { cancelled: number };
          return now.cancelled > before.cancelled ? now.cancelled : undefined;
        }, 'the server to count the cancellation');
        expect(after).to.be.at.least(1);
      });

      it('still finishes slow when nobody cancels it', async () => {
        const result = await client.callTool({ name: 'slow', arguments: { ms: 50 } });
        expect(firstText(result)).to.equal('done after 50ms');
      });

      it('announces add_tool and remove_tool with tools/list_changed', async () => {
        let changes = 0;
        client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
          changes++;
        });
        try {
          const added = firstText(await client.callTool({ name: 'add_tool', arguments: {} }));
          expect(added).to.match(/^added_\d+$/);
          await waitFor(async () => (changes >= 1 ? true : undefined), 'tools/list_changed after add_tool');
          expect((await listAll(client)).tools.map((t) => t.name)).to.include(added);
          expect(firstText(await client.callTool({ name: added, arguments: {} }))).to.equal(`added ${added.slice('added_'.length)}`);

          await client.callTool({ name: 'remove_tool', arguments: { name: added } });
          await waitFor(async () => (changes >= 2 ? true : undefined), 'tools/list_changed after remove_tool');
          expect((await listAll(client)).tools.map((t) => t.name)).not.to.include(added);
        } finally {
          client.removeNotificationHandler('notifications/tools/list_changed');
        }
      });
    });
  }

  describe('kitchen-sink process lifetime', () => {
    it('speaks only JSON-RPC on stdout, and exits with code 1 after the exit tool', async () => {
      // Raw stdio rather than the SDK client, which hides the exit code and any stray stdout.
      const spec = kitchenSinkStdio();
      const child = spawn(spec.command, spec.args, { stdio: ['pipe', 'pipe', 'pipe'] });
      try {
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        let stdout = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
        child.stderr.resume();
        const send = (message: object) => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
        send({ id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '0' } } });
        await waitFor(async () => (stdout.includes('"id":1') ? true : undefined), 'the initialize response');
        send({ method: 'notifications/initialized' });
        send({ id: 2, method: 'tools/call', params: { name: 'exit', arguments: {} } });
        expect(await exited).to.equal(1);
        const lines = stdout.split('\n').filter((line) => line.length > 0);
        expect(lines).to.have.length(1);
        expect(JSON.parse(lines[0]!)).to.deep.include({ jsonrpc: '2.0', id: 1 });
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    });

    for (const how of ['stdin closed', 'SIGTERM', 'SIGINT'] as const) {
      it(`exits with code 0 at once over stdio when ${how}`, async () => {
        const spec = kitchenSinkStdio();
        const child = spawn(spec.command, spec.args, { stdio: ['pipe', 'pipe', 'pipe'] });
        try {
          const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
          child.stdout.resume();
          let stderr = '';
          child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
          // Signals sent before the fixture installs its handlers would kill it by default; wait until it answers.
          child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' })}\n`);
          await new Promise((resolve) => child.stdout.once('data', resolve));
          const started = Date.now();
          if (how === 'stdin closed') child.stdin.end();
          else child.kill(how);
          expect(await exited, stderr).to.equal(0);
          expect(Date.now() - started).to.be.below(1500);
        } finally {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        }
      });
    }

    it('stops an HTTP fixture on SIGTERM without needing SIGKILL', async () => {
      const server = await startKitchenSink('http');
      const started = Date.now();
      await server.close();
      expect(Date.now() - started).to.be.below(2000);
      expect(() => process.kill(server.pid, 0)).to.throw();
    });

    it('honours --page-size', async () => {
      const transport = new StdioClientTransport({ ...kitchenSinkStdio(['--page-size', '100']), stderr: 'pipe' });
      const client = new Client({ name: 'fixtures-test', version: '0.0.0' });
      try {
        await client.connect(transport);
        const { tools, pages } = await listAll(client);
        expect(pages).to.equal(1);
        expect(tools).to.have.length(KITCHEN_SINK_TOOLS.length);
      } finally {
        await client.close();
      }
    });
  });

  for (const kind of ['stdio', 'streamableHttp'] as const) {
    describe(`server-everything over ${kind}`, () => {
      let client: Client | undefined;
      let server: RunningServer | undefined;

      afterEach(async () => {
        await client?.close();
        await server?.close();
      });

      it('lists its tools', async () => {
        let transport: Transport;
        if (kind === 'stdio') {
          transport = new StdioClientTransport({ ...everythingStdio(), stderr: 'pipe' });
        } else {
          server = await startEverything(kind);
          transport = new StreamableHTTPClientTransport(new URL(server.url));
        }
        client = new Client({ name: 'fixtures-test', version: '0.0.0' });
        await client.connect(transport);
        const { tools } = await listAll(client);
        expect(tools.length).to.be.greaterThan(0);
        expect(tools.map((t) => t.name)).to.include('echo');
      });
    });
  }

  const MODERN_TOOLS = [
    'echo', 'no_params', 'structured', 'fails', 'count_up', 'slow', 'cancellations', 'add_tool', 'add_prompt', 'remove_tool', 'exit',
    'confirm_action', 'header_echo', 'trace_echo',
  ];
  const LEGACY_INITIALIZE = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '0' } },
  };
  /** The retry of an input_required call (SEP-2322); 2.4.0's CallToolRequest params type does not list these fields yet. */
  type RetryParams = Parameters<ModernClient['callTool']>[0] & { inputResponses: Record<string, unknown>; requestState?: string };
  /** The 2026-07-28 answer to a revision the server does not speak (UnsupportedProtocolVersion). */
  const UNSUPPORTED_VERSION = -32022;

  for (const kind of ['stdio', 'http'] as const) {
    describe(`modern over ${kind}`, () => {
      let client: ModernClient;
      let server: RunningServer | undefined;
      let stderr = '';

      before(async () => {
        let transport: ModernTransport;
        if (kind === 'stdio') {
          const stdio = new ModernStdioTransport({ ...modernStdio(), stderr: 'pipe' });
          stdio.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
          transport = stdio;
        } else {
          server = await startModernHttp();
          expect(server.url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
          transport = new ModernHttpTransport(new URL(server.url));
        }
        // Manual input_required, and the elicitation capability without which the fixture may not ask for input.
        client = new ModernClient(
          { name: 'fixtures-test', version: '0.0.0' },
          { versionNegotiation: { mode: 'auto' }, inputRequired: { autoFulfill: false }, capabilities: { elicitation: { form: {} } } },
        );
        await client.connect(transport).catch((err: unknown) => {
          throw new Error(`could not connect: ${String(err)}\nserver stderr:\n${stderr}`);
        });
      });

      after(async () => {
        await client?.close();
        await server?.close();
      });

      it('is reached in the 2026-07-28 era and introduces itself as modern-fixture', () => {
        expect(client.getNegotiatedProtocolVersion()).to.equal('2026-07-28');
        expect(client.getServerVersion()).to.deep.include({ name: 'modern-fixture', version: '2.0.0' });
        expect(client.getServerCapabilities()?.tools?.listChanged).to.equal(true);
      });

      it('lists its tools, with the x-mcp-header annotation kept', async () => {
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name)).to.have.members(MODERN_TOOLS);
        expect(tools.find((t) => t.name === 'header_echo')?.inputSchema).to.have.nested.property('properties.region.x-mcp-header', 'Region');
        expect(tools.find((t) => t.name === 'structured')?.outputSchema).to.have.nested.property('properties.sum.type', 'number');
      });

      it('calls echo, structured and fails', async () => {
        expect(firstText(await client.callTool({ name: 'echo', arguments: { message: 'hi', repeat: 3 } }))).to.equal('hi hi hi');
        expect((await client.callTool({ name: 'structured', arguments: { a: 1, b: 2 } })).structuredContent).to.deep.equal({ sum: 3 });
        const failed = await client.callTool({ name: 'fails', arguments: {} });
        expect(failed.isError).to.equal(true);
        expect(firstText(failed)).to.equal('it failed on purpose');
      });

      it('answers confirm_action with input_required, and completes on the retry with inputResponses and requestState', async () => {
        const args = { action: 'deploy' };
        const first = await client.callTool({ name: 'confirm_action', arguments: args }, { allowInputRequired: true });
        if (!isInputRequiredResult(first)) throw new Error(`expected input_required, got ${JSON.stringify(first)}`);
        expect(first.inputRequests?.confirm).to.deep.include({ method: 'elicitation/create' });
        expect(first.inputRequests?.confirm?.params).to.deep.include({ message: 'Really deploy?', mode: 'form' });
        expect(first.requestState).to.be.a('string');

        const retry = (action: string, content?: Record<string, unknown>) => {
          const params: RetryParams = {
            name: 'confirm_action',
            arguments: args,
            inputResponses: { confirm: { action, ...(content ? { content } : {}) } },
            requestState: first.requestState,
          };
          return client.callTool(params, { allowInputRequired: true });
        };
        expect(firstText(await retry('accept', { confirm: true }))).to.equal('deploy: accept {"confirm":true}');
        expect(firstText(await retry('decline'))).to.equal('deploy: decline null');
      });

      it('refuses a confirm_action retry whose requestState was tampered with (-32602), or minted for another action (tool error)', async () => {
        const mint = async (action: string) => {
          const first = await client.callTool({ name: 'confirm_action', arguments: { action } }, { allowInputRequired: true });
          if (!isInputRequiredResult(first) || first.requestState === undefined) throw new Error('expected input_required with a requestState');
          return first.requestState;
        };
        const retry = (requestState: string | undefined) => {
          const params: RetryParams = {
            name: 'confirm_action',
            arguments: { action: 'drop' },
            inputResponses: { confirm: { action: 'accept', content: { confirm: true } } },
            ...(requestState === undefined ? {} : { requestState }),
          };
          return client.callTool(params, { allowInputRequired: true });
        };
        const state = await mint('drop');
        const mac = state.slice(state.lastIndexOf('.') + 1);
        const forged = `${state.slice(0, state.lastIndexOf('.'))}.${mac.startsWith('A') ? 'B' : 'A'}${mac.slice(1)}`;
        let failure: unknown;
        await retry(forged).catch((err: unknown) => (failure = err));
        expect(failure).to.be.instanceOf(ProtocolError);
        expect((failure as ProtocolError).code).to.equal(-32602);

        for (const other of [await mint('deploy'), undefined]) {
          const refused = await retry(other);
          expect(refused.isError, `requestState ${other === undefined ? 'left out' : 'for another action'}`).to.equal(true);
          expect(firstText(refused)).to.equal('requestState missing or not for this action');
        }
      });

      it(`reports the request _meta${kind === 'http' ? ' and the MCP headers of the HTTP request' : ''} from header_echo`, async () => {
        const result = await client.callTool({ name: 'header_echo', arguments: { region: 'eu-west-1' } });
        const seen = result.structuredContent as { meta: Record<string, unknown>; headers?: Record<string, string | null> };
        expect(seen.meta).to.deep.include({
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientInfo': { name: 'fixtures-test', version: '0.0.0' },
        });
        if (kind === 'stdio') expect(seen).not.to.have.property('headers');
        else
          expect(seen.headers).to.deep.equal({
            'mcp-param-region': 'eu-west-1',
            'mcp-protocol-version': '2026-07-28',
            'mcp-method': 'tools/call',
            'mcp-name': 'header_echo',
          });
      });

      it('stops slow when the call is cancelled, and counts it', async () => {
        const count = async () => (JSON.parse(firstText(await client.callTool({ name: 'cancellations', arguments: {} }))) as { cancelled: number }).cancelled;
        const before = await count();
        const controller = new AbortController();
        const started = Date.now();
        const call = client.callTool({ name: 'slow', arguments: { ms: 10_000 } }, { signal: controller.signal });
        setTimeout(() => controller.abort('test cancels'), 200);
        let failure: unknown;
        await call.catch((err: unknown) => (failure = err));
        expect(failure, 'the cancelled call rejects').to.exist;
        expect(Date.now() - started).to.be.below(3000);
        await waitFor(async () => ((await count()) > before ? true : undefined), 'the server to count the cancellation');
      });

      it('announces add_tool and remove_tool on a subscriptions/listen stream', async () => {
        let changes = 0;
        client.setNotificationHandler('notifications/tools/list_changed', () => {
          changes++;
        });
        const subscription = await client.listen({ toolsListChanged: true });
        try {
          expect(subscription.honoredFilter).to.deep.include({ toolsListChanged: true });
          const added = firstText(await client.callTool({ name: 'add_tool', arguments: {} }));
          expect(added).to.match(/^added_\d+$/);
          await waitFor(async () => (changes >= 1 ? true : undefined), 'tools/list_changed after add_tool');
          expect((await client.listTools()).tools.map((t) => t.name)).to.include(added);
          expect(firstText(await client.callTool({ name: added, arguments: {} }))).to.equal(`added ${added.slice('added_'.length)}`);

          await client.callTool({ name: 'remove_tool', arguments: { name: added } });
          await waitFor(async () => (changes >= 2 ? true : undefined), 'tools/list_changed after remove_tool');
          expect((await client.listTools()).tools.map((t) => t.name)).not.to.include(added);
        } finally {
          await subscription.close();
          client.removeNotificationHandler('notifications/tools/list_changed');
        }
      });
    });
  }

  describe('modern refusing the 2025 handshake', () => {
    it('answers a raw initialize over stdio with UnsupportedProtocolVersion, naming 2026-07-28', async () => {
      const spec = modernStdio();
      const child = spawn(spec.command, spec.args, { stdio: ['pipe', 'pipe', 'pipe'] });
      try {
        let stdout = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
        child.stderr.resume();
        child.stdin.write(`${JSON.stringify(LEGACY_INITIALIZE)}\n`);
        await waitFor(async () => (stdout.includes('\n') ? true : undefined), 'the answer to initialize');
        const answer = JSON.parse(stdout.split('\n')[0]!) as { id: number; error?: { code: number; data?: { supported?: string[] } } };
        expect(answer.id).to.equal(1);
        expect(answer.error?.code).to.equal(UNSUPPORTED_VERSION);
        expect(answer.error?.data?.supported).to.deep.equal(['2026-07-28']);
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    });

    it('answers a raw initialize over HTTP with 400 and UnsupportedProtocolVersion', async () => {
      const server = await startModernHttp();
      try {
        const res = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: JSON.stringify(LEGACY_INITIALIZE),
        });
        expect(res.status).to.equal(400);
        const answer = (await res.json()) as { id: number; error?: { code: number; data?: { supported?: string[] } } };
        expect(answer.error?.code).to.equal(UNSUPPORTED_VERSION);
        expect(answer.error?.data?.supported).to.deep.equal(['2026-07-28']);
      } finally {
        await server.close();
      }
    });

    it('cannot be reached by a client that only knows the 2025 handshake', async () => {
      const client = new Client({ name: 'fixtures-test', version: '0.0.0' });
      let failure: unknown;
      try {
        await client.connect(new StdioClientTransport({ ...modernStdio(), stderr: 'pipe' })).catch((err: unknown) => (failure = err));
      } finally {
        await client.close();
      }
      expect(failure).to.be.instanceOf(Error);
      expect(String(failure)).to.match(/Unsupported protocol version/);
    });
  });

  describe('unruly, the misbehaving stdio server', () => {
    /** Spawns it bare, to watch the process itself. */
    const spawnUnruly = (flags: string[]) => {
      const spec = unrulyStdio(flags);
      const child = spawn(spec.command, spec.args, { stdio: ['pipe', 'pipe', 'pipe'] });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once('exit', (code, signal) => resolve({ code, signal })),
      );
      return { child, exited };
    };

    it('answers pid, echo and slow, and exits with code 1 mid-call on crash', async () => {
      const transport = new StdioClientTransport({ ...unrulyStdio(['--tag', 't']), stderr: 'pipe' });
      const client = new Client({ name: 'fixtures-test', version: '0.0.0' });
      await client.connect(transport);
      try {
        const pid = await client.callTool({ name: 'pid', arguments: {} });
        expect(JSON.parse((pid.content as { text: string }[])[0]!.text)).to.deep.equal({ pid: transport.pid, tag: 't' });
        const started = Date.now();
        await client.callTool({ name: 'slow', arguments: { ms: 300 } });
        expect(Date.now() - started).to.be.at.least(290);
        const closed = new Promise<void>((resolve) => (client.onclose = resolve));
        const crash = client.callTool({ name: 'crash', arguments: {} }).then(
          () => 'answered',
          (err: unknown) => (err instanceof McpError ? err.message : String(err)),
        );
        await closed;
        expect(await crash).to.match(/Connection closed/);
      } finally {
        await client.close();
      }
    });

    it('exits at once with code 1 under --exit-at-once', async () => {
      const { exited } = spawnUnruly(['--exit-at-once']);
      expect(await exited).to.deep.equal({ code: 1, signal: null });
    });

    it('survives SIGTERM and a closed stdin under --ignore-sigterm, until SIGKILL', async () => {
      const { child, exited } = spawnUnruly(['--ignore-sigterm']);
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      await waitFor(async () => (stderr.includes('ignoring SIGTERM') ? true : undefined), 'the SIGTERM handler', 15_000);
      child.stdin!.end();
      child.kill('SIGTERM');
      await waitFor(async () => (stderr.includes('SIGTERM ignored') ? true : undefined), 'the SIGTERM to be ignored');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(child.exitCode).to.equal(null);
      child.kill('SIGKILL');
      expect((await exited).signal).to.equal('SIGKILL');
    });

    it('writes hundreds of kilobytes a second to stderr under --flood-stderr', async () => {
      const { child, exited } = spawnUnruly(['--flood-stderr']);
      let bytes = 0;
      child.stderr!.on('data', (c: Buffer) => (bytes += c.length));
      await waitFor(async () => (bytes > 0 ? true : undefined), 'the first noise');
      const from = bytes;
      await new Promise((resolve) => setTimeout(resolve, 500));
      child.kill('SIGKILL');
      await exited;
      expect(bytes - from).to.be.greaterThan(200_000);
    });
  });
});
