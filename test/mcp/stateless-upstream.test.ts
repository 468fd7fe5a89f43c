/**
 * A 2025-era Streamable HTTP server that keeps no sessions and serves only
 * POST (as the conformance suite's authorization servers do) answers the
 * client's GET stream with a 404. Without a session id that is a missing
 * route, not a session gone: mcpo keeps the one connection it has, and its
 * calls are answered, however the GET and the first call race.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { serveApp, type ServedApp } from '../helpers/app-server.js';

const GET_DELAY_MS = 300;

/** A stateless POST-only server on 127.0.0.1, counting the handshakes it answered. */
async function statelessServer(): Promise<{ url: string; initializes: () => number; gets: () => number; close(): Promise<void> }> {
  let initializes = 0;
  let gets = 0;
  const server = http.createServer(async (req, res) => {
    if (req.method !== 'POST') {
      gets++;
      // Late, as on a loaded machine: the 404 comes after mcpo has counted the connection as up.
      return void setTimeout(() => res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found'), GET_DELAY_MS);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { method?: string };
    if (body.method === 'initialize') initializes++;
    const mcp = new Server({ name: 'stateless', version: '1.0.0' }, { capabilities: { tools: {} } });
    mcp.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: [{ name: 'echo', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }] }));
    mcp.setRequestHandler(CallToolRequestSchema, async (request) => ({ content: [{ type: 'text', text: String(request.params.arguments?.text ?? '') }] }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => void transport.close());
    await mcp.connect(transport);
    await transport.handleRequest(req, res, body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    initializes: () => initializes,
    gets: () => gets,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('a stateless 2025-era Streamable HTTP server with no GET stream', function () {
  this.timeout(20_000);
  let upstream: Awaited<ReturnType<typeof statelessServer>>;
  let served: ServedApp;
  before(async () => {
    upstream = await statelessServer();
    served = await serveApp({ mcpServers: { plain: { type: 'streamable-http', url: upstream.url } } });
  });
  after(async () => {
    await served?.close();
    await upstream?.close();
  });

  it('keeps its one connection through the GET stream\'s 404, and answers calls on it', async () => {
    // The GET goes out once the handshake is done; give its 404 time to come back.
    const deadline = Date.now() + 2_000;
    while (upstream.gets() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(upstream.gets(), 'the GET stream was tried').to.be.at.least(1);
    await new Promise((r) => setTimeout(r, GET_DELAY_MS + 300));
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${served.base}/plain/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: `hi ${i}` }) });
      expect(res.status, await res.clone().text()).to.equal(200);
    }
    expect(served.app.health().servers.plain?.connected).to.equal(true);
    expect(upstream.initializes(), 'handshakes: a reconnect would make another').to.equal(1);
  });
});
