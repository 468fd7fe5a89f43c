/**
 * Builds the SDK client transport for a resolved server spec: stdio, SSE or
 * Streamable HTTP behind the SDK's one `Transport` interface.
 *
 * It only constructs; connecting, retrying and closing belong to
 * upstream-supervisor.ts.
 * A stdio child's stderr is always piped and handed to `onStderr`, because an
 * unread pipe fills and then blocks the child.
 *
 * Forwarded caller headers (`forwardHeaders`) ride on an AsyncLocalStorage:
 * the SDK offers no per-request headers, but each HTTP request it makes for a
 * call runs in that call's async context, so the transport's `fetch` finds
 * them there. Only servers with a `forwardHeaders` list get that `fetch`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { SSEClientTransport, StreamableHTTPClientTransport, type OAuthClientProvider, type Transport } from '@modelcontextprotocol/client';
import type { ResolvedSpec } from './spec.js';
import type { ChildExit } from './exit-report.js';
import { StdioTransport } from './stdio-transport.js';

export interface TransportHooks {
  /** Receives the stdio child's stderr, chunk by chunk. */
  onStderr?: (chunk: string) => void;
  /** Told of every 401 a remote server answers: the sign that it wants authorization. */
  onUnauthorized?: () => void;
  /** OAuth for a remote server: the SDK's transports run the protocol through it. */
  authProvider?: OAuthClientProvider;
}

export interface BuiltTransport {
  transport: Transport;
  /** The child's process id, for stdio servers once started. */
  pid(): number | undefined;
  /** How the stdio child ended, once it has (known by the time the transport reports its close). */
  exit(): ChildExit | undefined;
}

const forwarded = new AsyncLocalStorage<Readonly<Record<string, string>>>();

/** Runs `send` with headers that the transport's requests for it carry, unless already set. */
export function withForwardedHeaders<T>(headers: Readonly<Record<string, string>>, send: () => T): T {
  return forwarded.run(headers, send);
}

/** fetch, plus the forwarded headers of the call in progress; headers already set (the operator's, the SDK's) win. */
const forwardingFetch: typeof fetch = (input, init) => {
  const extra = forwarded.getStore();
  if (!extra) return fetch(input, init);
  const headers = new Headers(init?.headers);
  for (const [name, value] of Object.entries(extra)) if (!headers.has(name)) headers.set(name, value);
  return fetch(input, { ...init, headers });
};

/** `fetch` as the transport should use it: forwarding the caller's headers where configured, and reporting 401s. */
function transportFetch(spec: ResolvedSpec & { type: 'sse' | 'streamable-http' }, hooks: TransportHooks): typeof fetch | undefined {
  const base = spec.forwardHeaders.length > 0 ? forwardingFetch : undefined;
  if (!hooks.onUnauthorized) return base;
  const inner = base ?? fetch;
  return async (input, init) => {
    const response = await inner(input, init);
    if (response.status === 401) hooks.onUnauthorized?.();
    return response;
  };
}

export function createTransport(spec: ResolvedSpec, hooks: TransportHooks = {}): BuiltTransport {
  switch (spec.type) {
    case 'stdio': {
      // mcpo's own stdio transport: the child gets its own process group (see stdio-transport.ts).
      const transport = new StdioTransport(
        { command: spec.command, args: spec.args, env: spec.env, ...(spec.cwd !== undefined ? { cwd: spec.cwd } : {}) },
        (chunk) => hooks.onStderr?.(chunk),
      );
      return { transport, pid: () => transport.pid, exit: () => transport.exit };
    }
    case 'sse':
      return remote(new SSEClientTransport(spec.url, remoteOptions(spec, hooks)));
    case 'streamable-http':
      return remote(new StreamableHTTPClientTransport(spec.url, remoteOptions(spec, hooks)));
  }
}

/** What both remote transports take: the SDK applies requestInit headers to every request, event streams included. */
function remoteOptions(spec: ResolvedSpec & { type: 'sse' | 'streamable-http' }, hooks: TransportHooks) {
  const fetchFn = transportFetch(spec, hooks);
  return {
    requestInit: { headers: spec.headers },
    ...(fetchFn ? { fetch: fetchFn } : {}),
    ...(hooks.authProvider ? { authProvider: hooks.authProvider } : {}),
  };
}

const remote = (transport: Transport): BuiltTransport => ({ transport, pid: () => undefined, exit: () => undefined });
