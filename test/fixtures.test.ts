/**
 * Proves the test fixtures themselves with the plain SDK client, before any
 * mcpo code is involved: the kitchen-sink server over stdio, SSE and
 * Streamable HTTP, and server-everything over stdio and Streamable HTTP.
 */
import { spawn } from 'node:child_process';
import { expect } from 'chai';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { McpError, ToolListChangedNotificationSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import {
  everythingStdio,
  killAllServers,
  kitchenSinkStdio,
  startEverything,
  startKitchenSink,
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
  'dotted.name-with-dashes', 'has space', 'slash/name', 'docs', 'openapi.json', 'Upper', 'upper', LONG_NAME,
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
