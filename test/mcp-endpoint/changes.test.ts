/**
 * List changes through mcpo's MCP endpoints: an upstream's own change
 * (the modern fixture's add_tool) reaches clients of both eras (a 2025
 * session's stream, a 2026-07-28 `subscriptions/listen`), and a reload
 * changes the aggregate endpoint with `list_changed` sent, while a 2025
 * session on a removed server's endpoint ends with a clean 404.
 */
import { expect } from 'chai';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { everythingStdio, modernStdio } from '../helpers/servers.js';
import { serveApp, type ServedApp } from '../helpers/app-server.js';
import { waitFor } from '../helpers/wait.js';


/** A v1 (2025-era) client that counts tools/list_changed notifications. */
async function legacyClient(url: string): Promise<{ client: V1Client; transport: V1Transport; changes: () => number }> {
  const client = new V1Client({ name: 'v1', version: '1.0.0' }, { capabilities: { elicitation: {} } });
  let changes = 0;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    changes++;
  });
  const transport = new V1Transport(new URL(url));
  await client.connect(transport);
  return { client, transport, changes: () => changes };
}

describe('list changes through the MCP endpoints', function () {
  this.timeout(60_000);

  describe('an upstream that adds a tool', () => {
    let served: ServedApp;
    before(async () => {
      served = await serveApp({ mcpServers: { modern: modernStdio() } });
    });
    after(() => served?.close());

    it('tells a 2025 session and a 2026-07-28 listener, and lists the new tool', async () => {
      const legacy = await legacyClient(`${served.base}/modern/mcp`);
      const modern = new Client({ name: 'v2', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } } as never);
      let modernChanges = 0;
      modern.setNotificationHandler('notifications/tools/list_changed', () => {
        modernChanges++;
      });
      await modern.connect(new StreamableHTTPClientTransport(new URL(`${served.base}/mcp`)));
      const subscription = await modern.listen({ toolsListChanged: true });
      try {
        const added = await legacy.client.callTool({ name: 'add_tool', arguments: {} });
        const name = (added.content as { text: string }[])[0]!.text;
        await waitFor(async () => (legacy.changes() > 0 && modernChanges > 0 ? true : undefined), 'list_changed on both');
        await waitFor(async () => ((await legacy.client.listTools()).tools.some((t) => t.name === name) ? true : undefined), 'the new tool on the server endpoint');
        expect((await modern.listTools()).tools.map((t) => t.name)).to.include(`modern_${name}`);
      } finally {
        await subscription.close();
        await modern.close();
        await legacy.client.close();
      }
    });

    it('asks a 2025-era client the questions of a 2026-07-28 server as elicitation requests', async () => {
      const legacy = await legacyClient(`${served.base}/modern/mcp`);
      const asked: string[] = [];
      legacy.client.setRequestHandler(ElicitRequestSchema, (request) => {
        asked.push(request.params.message);
        return { action: 'accept', content: { confirm: true } };
      });
      try {
        const result = await legacy.client.callTool({ name: 'confirm_action', arguments: { action: 'deploy' } });
        expect(asked).to.deep.equal(['Really deploy?']);
        expect((result.content as { text: string }[])[0]!.text).to.equal('deploy: accept {"confirm":true}');
      } finally {
        await legacy.client.close();
      }
    });
  });

  describe('a server that goes away and comes back', () => {
    let served: ServedApp;
    before(async () => {
      served = await serveApp({ mcpServers: { everything: everythingStdio(), modern: modernStdio() } });
    });
    after(() => served?.close());

    it('is absent from the aggregate while it is down, and back with a list_changed', async () => {
      const aggregate = await legacyClient(`${served.base}/mcp`);
      try {
        const modernTools = async () => (await aggregate.client.listTools()).tools.filter((t) => t.name.startsWith('modern_')).length;
        expect(await modernTools()).to.be.above(0);
        // The modern fixture's `exit` never answers: its process exits, and mcpo starts it again after a backoff.
        void aggregate.client.callTool({ name: 'modern_exit', arguments: {} }).catch(() => {});
        await waitFor(async () => ((await modernTools()) === 0 ? true : undefined), 'the modern tools gone');
        const before = aggregate.changes();
        await waitFor(async () => ((await modernTools()) > 0 ? true : undefined), 'the modern tools back', 15_000);
        expect(aggregate.changes()).to.be.above(before);
        expect(served.app.health().servers.modern!.restarts).to.be.at.least(1);
      } finally {
        await aggregate.client.close();
      }
    });
  });

  describe('a reload', () => {
    let served: ServedApp;
    before(async () => {
      served = await serveApp({ mcpServers: { everything: everythingStdio(), modern: modernStdio() } });
    });
    after(() => served?.close());

    it('changes the aggregate endpoint and says so, and ends a removed server\'s sessions with a 404', async () => {
      const aggregate = await legacyClient(`${served.base}/mcp`);
      const removed = await legacyClient(`${served.base}/modern/mcp`);
      const sessionId = removed.transport.sessionId!;
      try {
        expect((await aggregate.client.listTools()).tools.some((t) => t.name.startsWith('modern_'))).to.equal(true);
        const result = await served.app.reload({ mcpServers: { everything: everythingStdio() } });
        expect(result.removed).to.deep.equal(['modern']);
        await waitFor(async () => (aggregate.changes() > 0 ? true : undefined), 'list_changed on the aggregate');
        const names = (await aggregate.client.listTools()).tools.map((t) => t.name);
        expect(names.some((n) => n.startsWith('modern_'))).to.equal(false);
        expect(names).to.include('everything_echo');
        const res = await fetch(`${served.base}/modern/mcp`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
        });
        expect(res.status).to.equal(404);
      } finally {
        await aggregate.client.close();
        await removed.client.close().catch(() => {});
      }
    });
  });
});
