/**
 * Resource subscriptions through mcpo's endpoint, in both client eras: a
 * 2025 session's `resources/subscribe` and a 2026-07-28 client's
 * `subscriptions/listen` naming the URI, on one upstream (server-everything,
 * 2025 era, over stdio), which is asked once for the URI and whose
 * `notifications/resources/updated` reaches both. server-everything sends an
 * update for every subscribed URI as soon as its `toggle-subscriber-updates`
 * tool is called (and every 5 s after, until called again).
 */
import { expect } from 'chai';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { serveApp, type ServedApp } from '../helpers/app-server.js';
import { everythingStdio } from '../helpers/servers.js';

async function connect(url: string, mode: 'auto' | 'legacy'): Promise<{ client: Client; updated: string[] }> {
  const updated: string[] = [];
  const client = new Client({ name: 'subscriptions-test', version: '1.0.0' }, { versionNegotiation: { mode } } as never);
  client.setNotificationHandler('notifications/resources/updated', (n) => void updated.push(n.params.uri));
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return { client, updated };
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('resource subscriptions through the MCP endpoint', function () {
  this.timeout(60_000);
  let served: ServedApp;
  before(async () => {
    served = await serveApp({ mcpServers: { everything: everythingStdio() } });
  });
  after(() => served?.close());

  for (const path of ['/everything/mcp', '/mcp']) {
    it(`passes a 2025 session's subscription and a 2026-07-28 listen to the upstream, and its updates to both (${path})`, async () => {
      const legacy = await connect(`${served.base}${path}`, 'legacy');
      const modern = await connect(`${served.base}${path}`, 'auto');
      try {
        expect(legacy.client.getServerCapabilities()?.resources?.subscribe).to.equal(true);
        expect(modern.client.getServerCapabilities()?.resources?.subscribe).to.equal(true);
        const uri = (await legacy.client.listResources()).resources[0]!.uri;
        await legacy.client.subscribeResource({ uri });
        const listening = await modern.client.listen({ resourceSubscriptions: [uri] });
        // The listen's upstream subscription is made beside the stream: give it a moment before the update.
        await new Promise((resolve) => setTimeout(resolve, 300));
        const toggle = `${path === '/mcp' ? 'everything_' : ''}toggle-subscriber-updates`;
        await legacy.client.callTool({ name: toggle, arguments: {} });
        try {
          await until(() => legacy.updated.includes(uri) && modern.updated.includes(uri), 8000, `updates of ${uri} on both clients`);
        } finally {
          await legacy.client.callTool({ name: toggle, arguments: {} });
        }
        await legacy.client.unsubscribeResource({ uri });
        await listening.close();
      } finally {
        await Promise.all([legacy.client.close(), modern.client.close()]);
      }
    });
  }
});
