/**
 * The 2025-era sessions of one MCP endpoint. A client's `initialize` opens
 * one: a server instance and a Streamable HTTP transport of its own, kept
 * here under its `Mcp-Session-Id` until the client deletes it or the
 * endpoint closes. List changes are sent on each session's stream.
 *
 * Sessions live in this process's memory, so a deployment of several
 * replicas must route a session's requests to the replica that opened it
 * (sticky on `Mcp-Session-Id`). Each id starts with this replica's tag, so
 * a replica handed another's session answers a 404 that says so: the spec's
 * "session not found", after which a client starts a new session.
 */
import { createHash, randomUUID } from 'node:crypto';
import os from 'node:os';
import { WebStandardStreamableHTTPServerTransport, type Server } from '@modelcontextprotocol/server';
import type { Logger } from '../common/log.js';
import type { ListKind } from './source.js';

/** This process's tag: stable for its life, different in every replica and after every restart. */
export const REPLICA = `r${createHash('sha256').update(`${os.hostname()}:${process.pid}:${Date.now()}:${randomUUID()}`).digest('hex').slice(0, 10)}`;

export interface LegacySessionsOptions {
  maxBodyBytes: number;
  logger: Logger;
}

interface Open {
  server: Server;
  transport: WebStandardStreamableHTTPServerTransport;
}

export function legacySessions(factory: () => Server, options: LegacySessionsOptions) {
  const open = new Map<string, Open>();

  const notFound = (id: string): Response => {
    const elsewhere = !id.startsWith(`${REPLICA}.`) && /^r[0-9a-f]{10}\./.test(id);
    const message = elsewhere
      ? `Session not found: it was opened on another mcpo replica (${id.slice(0, 11)}), and this is ${REPLICA}. Route a session's requests to one replica (sticky on Mcp-Session-Id), or use a 2026-07-28 client, which needs no session.`
      : 'Session not found: it ended, or this mcpo was restarted. Start a new session with initialize.';
    return Response.json({ jsonrpc: '2.0', id: null, error: { code: -32001, message } }, { status: 404 });
  };

  async function start(request: Request, parsedBody: unknown): Promise<Response> {
    const server = factory();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => `${REPLICA}.${randomUUID()}`,
      onsessioninitialized: (id) => {
        open.set(id, { server, transport });
        options.logger.debug('MCP session opened', { sessions: open.size });
      },
      onsessionclosed: (id) => {
        open.delete(id);
      },
      maxRequestBodySize: options.maxBodyBytes,
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) open.delete(transport.sessionId);
    };
    await server.connect(transport);
    const response = await transport.handleRequest(request, parsedBody === undefined ? undefined : { parsedBody });
    // Anything but an accepted initialize leaves no session: nothing holds this instance.
    if (transport.sessionId === undefined || !open.has(transport.sessionId)) void server.close();
    return response;
  }

  return {
    /** `parsedBody`: the POST body, already read (http-endpoint.ts), or undefined to let the transport read it. */
    fetch(request: Request, parsedBody?: unknown): Promise<Response> {
      const id = request.headers.get('mcp-session-id');
      if (id === null) return start(request, parsedBody);
      const session = open.get(id);
      return session ? session.transport.handleRequest(request, parsedBody === undefined ? undefined : { parsedBody }) : Promise.resolve(notFound(id));
    },
    listChanged(kind: ListKind): void {
      for (const { server } of open.values()) {
        const sent = kind === 'tools' ? server.sendToolListChanged() : kind === 'prompts' ? server.sendPromptListChanged() : server.sendResourceListChanged();
        void sent.catch(() => {});
      }
    },
    size: (): number => open.size,
    async close(): Promise<void> {
      const all = [...open.values()];
      open.clear();
      await Promise.allSettled(all.map(({ server }) => server.close()));
    },
  };
}
