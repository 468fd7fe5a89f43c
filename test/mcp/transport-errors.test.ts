/**
 * lib/mcp/transport-errors.ts against the errors the SDK's transports and fetch
 * really produce: which calls may be sent again, which errors are the
 * connection's fault, which end a session.
 */
import { expect } from 'chai';
import { Client, SdkErrorCode, SdkHttpError, SseError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { z } from 'zod';
import { endsSession, httpStatusOf, isTransportFailure, messageOf, notDelivered } from '../../lib/mcp/transport-errors.js';
import { freePort } from '../helpers/servers.js';

/** What undici's fetch throws when nothing listens on a port that was free a moment ago. */
async function refusedError(): Promise<unknown> {
  try {
    await fetch(`http://127.0.0.1:${await freePort()}/mcp`);
  } catch (err) {
    return err;
  }
  throw new Error('fetch unexpectedly succeeded');
}
const networkError = (code: string) => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(code), { code }) });
const ssePostError = (status: number) => new Error(`Error POSTing to endpoint (HTTP ${status}): unknown session`);
const zodError = (): unknown => z.object({ content: z.array(z.unknown()) }).safeParse({ content: 'not an array' }).error;
/** What the v2 Streamable HTTP transport throws for a POST or GET the server refused. */
const httpError = (status: number, message = 'Error POSTing to endpoint: x') =>
  new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, message, { status, statusText: '' });

describe('transport errors', () => {
  it('reads the HTTP status from a Streamable HTTP error and from an SSE POST error', () => {
    expect(httpStatusOf(httpError(404, 'Error POSTing to endpoint: unknown session'))).to.equal(404);
    expect(httpStatusOf(ssePostError(400))).to.equal(400);
    expect(httpStatusOf(new Error('something else'))).to.equal(undefined);
  });

  describe('notDelivered: may the call be sent once more?', () => {
    it('yes for an expired Streamable HTTP session (404)', () => {
      expect(notDelivered(httpError(404), 'streamable-http')).to.equal(true);
    });

    it('no for a 404 from a 2026-07-28 server, which keeps no sessions to expire', () => {
      expect(notDelivered(httpError(404), 'streamable-http', 'modern')).to.equal(false);
    });

    it('no for other Streamable HTTP statuses, which may come after the server took the call', () => {
      for (const status of [400, 500, 502, 503]) expect(notDelivered(httpError(status), 'streamable-http'), String(status)).to.equal(false);
    });

    it('yes for an SSE message endpoint that refuses with any 4xx, no for a 5xx', () => {
      expect(notDelivered(ssePostError(404), 'sse')).to.equal(true);
      expect(notDelivered(ssePostError(400), 'sse')).to.equal(true);
      expect(notDelivered(ssePostError(500), 'sse')).to.equal(false);
    });

    it('yes when nothing listens (a real ECONNREFUSED from fetch), no for a connection reset', async () => {
      const refused = await refusedError();
      expect(notDelivered(refused, 'streamable-http')).to.equal(true);
      expect(notDelivered(networkError('ECONNRESET'), 'streamable-http')).to.equal(false);
    });

    it('no for a protocol-level failure such as a malformed result', () => {
      expect(notDelivered(zodError(), 'stdio')).to.equal(false);
    });
  });

  describe('isTransportFailure: the connection, not the message', () => {
    it('is true for HTTP errors, SSE errors, dropped streams and network errors', async () => {
      expect(isTransportFailure(httpError(500))).to.equal(true);
      expect(isTransportFailure(ssePostError(502))).to.equal(true);
      expect(isTransportFailure(new SseError(undefined, 'terminated', undefined as never))).to.equal(true);
      expect(isTransportFailure(new Error('SSE stream disconnected: TypeError: terminated'))).to.equal(true);
      expect(isTransportFailure(networkError('ECONNRESET'))).to.equal(true);
      expect(isTransportFailure(networkError('UND_ERR_SOCKET'))).to.equal(true);
      expect(isTransportFailure(await refusedError())).to.equal(true);
    });

    it('is false for the SDK rejecting a result (a $ZodError) and for anything unknown', () => {
      expect(isTransportFailure(zodError())).to.equal(false);
      expect(isTransportFailure(new Error('something odd'))).to.equal(false);
      expect(isTransportFailure('a string')).to.equal(false);
    });
  });

  describe('endsSession: errors reported on their own', () => {
    it('ends an SSE session on any event-stream error', () => {
      expect(endsSession(new SseError(undefined, 'terminated', undefined as never), 'sse')).to.equal(true);
      expect(endsSession(ssePostError(500), 'sse')).to.equal(false);
    });

    it('ends a Streamable HTTP session on a 404, a dropped stream or the SDK giving up reconnecting', () => {
      expect(endsSession(httpError(404, 'Failed to open SSE stream: Not Found'), 'streamable-http')).to.equal(true);
      expect(endsSession(new Error('SSE stream disconnected: TypeError: terminated'), 'streamable-http')).to.equal(true);
      expect(endsSession(new Error('Maximum reconnection attempts (2) exceeded.'), 'streamable-http')).to.equal(true);
      expect(endsSession(httpError(500), 'streamable-http')).to.equal(false);
    });

    it('not on a 404 from a stateless server (no session id): its GET stream has no route, and its POSTs still work', () => {
      expect(endsSession(httpError(404, 'Failed to open SSE stream: Not Found'), 'streamable-http', 'legacy', false)).to.equal(false);
      expect(endsSession(new Error('SSE stream disconnected: TypeError: terminated'), 'streamable-http', 'legacy', false)).to.equal(true);
    });

    it('never for a 2026-07-28 Streamable HTTP connection: a dropped stream ends one request, a 404 no session', () => {
      expect(endsSession(httpError(404, 'Failed to open SSE stream: Not Found'), 'streamable-http', 'modern')).to.equal(false);
      expect(endsSession(new Error('SSE stream disconnected: TypeError: terminated'), 'streamable-http', 'modern')).to.equal(false);
    });

    it('never for stdio, whose session ends with its process', () => {
      expect(endsSession(new Error('SSE stream disconnected'), 'stdio')).to.equal(false);
    });
  });

  describe('messageOf names where the network failed', () => {
    /** What the real SDK client throws when its first request cannot reach `url`. */
    async function connectError(url: string): Promise<unknown> {
      const client = new Client({ name: 'test', version: '1' }, { versionNegotiation: { mode: 'auto' } });
      try {
        await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      } catch (err) {
        return err;
      } finally {
        await client.close();
      }
      throw new Error(`connected to ${url}`);
    }

    it('quotes the refused address and port, not only "fetch failed"', async () => {
      const port = await freePort();
      expect(messageOf(await connectError(`http://127.0.0.1:${port}/mcp`))).to.match(new RegExp(`fetch failed \\(ECONNREFUSED 127\\.0\\.0\\.1:${port}\\)$`));
    });

    it('quotes the host name that does not resolve', async () => {
      expect(messageOf(await connectError('http://no-such-host.invalid/mcp'))).to.match(/\(ENOTFOUND no-such-host\.invalid\)$/);
    });
  });

  it('words an SSE stream that closed without a message', () => {
    expect(messageOf(new SseError(undefined, undefined as never, undefined as never))).to.equal('SSE error: the event stream closed');
    expect(messageOf('plain')).to.equal('plain');
  });
});
