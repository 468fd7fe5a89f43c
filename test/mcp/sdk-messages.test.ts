/**
 * The SDK's words that mcpo reads. Where the SDK throws a plain Error (or an
 * SdkError whose code alone does not say enough), lib/mcp/transport-errors.ts
 * and lib/mcp/session.ts recognise it by its message; each such message is
 * made here by the real SDK, against a server that misbehaves on purpose, and
 * fed to the function that reads it. An SDK upgrade that rewords one fails
 * here, instead of quietly turning a resend into a 502 or a dead session into
 * a live one.
 */
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, SSEClientTransport, SdkError, SdkErrorCode, SseError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { diedOfProbe } from '../../lib/mcp/session.js';
import { resolveSpec } from '../../lib/mcp/spec.js';
import { createTransport } from '../../lib/mcp/transports.js';
import { endsSession, httpStatusOf, isTransportFailure, messageOf, notDelivered } from '../../lib/mcp/transport-errors.js';

const PING = { jsonrpc: '2.0' as const, id: 1, method: 'ping' };

/** A server that answers each request with `handle`; closed after each test. */
async function serve(handle: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The errors a transport reports on its own, until `until` says enough. */
function collect(transport: { onerror?: (err: Error) => void }, until: (errors: Error[]) => boolean): Promise<Error[]> {
  const errors: Error[] = [];
  return new Promise((resolve) => {
    transport.onerror = (err) => {
      errors.push(err);
      if (until(errors)) resolve(errors);
    };
  });
}

describe('the SDK messages mcpo relies on', () => {
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('SSE: "Error POSTing to endpoint (HTTP <status>)" carries the status a refused message was sent to', async () => {
    server = await serve((req, res) => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('event: endpoint\ndata: /messages?sessionId=gone\n\n');
      } else res.writeHead(404).end('unknown session');
    });
    const transport = new SSEClientTransport(new URL(`${server.url}/sse`));
    try {
      await transport.start();
      const err = await transport.send(PING).then(() => undefined, (e: unknown) => e);
      expect((err as Error).message).to.match(/^Error POSTing to endpoint \(HTTP 404\)/);
      expect(httpStatusOf(err)).to.equal(404);
      expect(notDelivered(err, 'sse')).to.equal(true);
    } finally {
      await transport.close();
    }
  });

  it('SSE: an event stream that closes is an SseError with no message, which ends the session and is worded', async () => {
    server = await serve((req, res) => {
      if (req.method !== 'GET') return void res.writeHead(202).end();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: endpoint\ndata: /messages\n\n', () => setImmediate(() => res.end()));
    });
    const transport = new SSEClientTransport(new URL(`${server.url}/sse`));
    try {
      const reported = collect(transport, () => true);
      await transport.start();
      const [err] = await reported;
      expect(err).to.be.instanceOf(SseError);
      expect(endsSession(err, 'sse')).to.equal(true);
      expect(messageOf(err)).to.equal('SSE error: the event stream closed');
    } finally {
      await transport.close();
    }
  });

  it('Streamable HTTP: a dropped response stream, a failed reconnection and giving up are each recognised', async () => {
    server = await serve((req, res) => {
      if (req.method === 'POST') {
        // An event with an id makes the stream resumable; then the connection drops before the response.
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('id: 1\ndata: \n\n', () => setImmediate(() => res.socket?.destroy()));
      } else res.writeHead(500).end('no');
    });
    const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
      reconnectionOptions: { maxRetries: 1, initialReconnectionDelay: 10, maxReconnectionDelay: 10, reconnectionDelayGrowFactor: 1 },
    });
    try {
      const reported = collect(transport, (errors) => errors.some((e) => e.message.startsWith('Maximum')));
      await transport.start();
      await transport.send(PING);
      const errors = await reported;
      const find = (start: string) => errors.find((e) => e.message.startsWith(start));
      for (const start of ['SSE stream disconnected', 'Failed to reconnect SSE stream', 'Maximum reconnection attempts (1) exceeded']) {
        const err = find(start);
        expect(err, `${start} among ${errors.map((e) => e.message).join(' | ')}`).to.be.instanceOf(Error);
        expect(endsSession(err, 'streamable-http'), start).to.equal(true);
      }
      expect(isTransportFailure(find('SSE stream disconnected'))).to.equal(true);
    } finally {
      await transport.close();
    }
  });

  it('stdio: a server that closes at the era probe fails negotiation with words diedOfProbe reads', async function () {
    const spec = resolveSpec({ command: process.execPath, args: ['-e', "process.stdin.once('data', () => process.exit(0))"] });
    const client = new Client({ name: 'test', version: '1' }, { versionNegotiation: { mode: 'auto' } });
    const { transport } = createTransport(spec);
    try {
      const err = await client.connect(transport).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(SdkError);
      expect((err as SdkError).code).to.equal(SdkErrorCode.EraNegotiationFailed);
      expect(diedOfProbe(spec, err), messageOf(err)).to.equal(true);
    } finally {
      await client.close();
      await transport.close();
    }
  });

  it('a 2025-era server\'s error text starts with the "MCP error <code>: " that mcpo strips', () => {
    // The v1 SDK, which such servers are written with, puts its code into the message it sends.
    expect(new McpError(ErrorCode.InvalidParams, 'bad').message).to.equal('MCP error -32602: bad');
  });
});
