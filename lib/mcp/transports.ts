/**
 * Builds the SDK client transport for a resolved server spec: stdio, SSE or
 * Streamable HTTP behind the SDK's one `Transport` interface.
 *
 * It only constructs; connecting, retrying and closing belong to
 * upstream-supervisor.ts.
 * A stdio child's stderr is always piped and handed to `onStderr`, because an
 * unread pipe fills and then blocks the child.
 *
 * What a call carries besides its message rides on an AsyncLocalStorage:
 * the SDK offers no per-request headers, but each message it sends for a
 * call, and each HTTP request that carries it, runs in that call's async
 * context, so the transport finds them there: the caller's forwarded headers
 * (`forwardHeaders`) and the call's trace context, as `traceparent` and
 * `tracestate` headers to a remote server and, on a 2026-07-28 connection,
 * in the request's `_meta` (the keys the SDK names TRACEPARENT_META_KEY and
 * TRACESTATE_META_KEY); and, for a request from an MCP endpoint's client
 * (peer.ts), on a 2026-07-28 connection, that client's capabilities and log
 * level in place of mcpo's own.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  CLIENT_CAPABILITIES_META_KEY,
  LOG_LEVEL_META_KEY,
  SSEClientTransport,
  StreamableHTTPClientTransport,
  TRACEPARENT_META_KEY,
  TRACESTATE_META_KEY,
  type JSONRPCMessage,
  type OAuthClientProvider,
  type Transport,
} from '@modelcontextprotocol/client';
import { formatTraceparent, type TraceContext } from '../telemetry/trace-context.js';
import type { ResolvedSpec } from './spec.js';
import type { ChildExit } from './exit-report.js';
import { StdioTransport } from './stdio-transport.js';
import type { Peer } from './peer.js';

export interface TransportHooks {
  /** Receives the stdio child's stderr, chunk by chunk. */
  onStderr?: (chunk: string) => void;
  /** Told of every 401 a remote server answers: the sign that it wants authorization. */
  onUnauthorized?: () => void;
  /** OAuth for a remote server: the SDK's transports run the protocol through it. */
  authProvider?: OAuthClientProvider;
  /** Whether requests carry the trace context and the peer's envelope in `_meta` (a 2026-07-28 connection). */
  traceInMeta?: () => boolean;
}

export interface BuiltTransport {
  transport: Transport;
  /** The child's process id, for stdio servers once started. */
  pid(): number | undefined;
  /** How the stdio child ended, once it has (known by the time the transport reports its close). */
  exit(): ChildExit | undefined;
}

/** What the call in progress sends along: the caller's forwarded headers, its trace context. */
export interface CallContext {
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly trace?: TraceContext | undefined;
  /** The MCP endpoint's client the call is for (peer.ts). */
  readonly peer?: Peer | undefined;
}

const current = new AsyncLocalStorage<CallContext>();

/** Runs `send` with what the transport's messages and requests for it carry. */
export function withCallContext<T>(context: CallContext, send: () => T): T {
  return current.run(context, send);
}

/** The peer of the call whose async context this is; undefined outside one, or for a REST call. */
export function callPeer(): Peer | undefined {
  return current.getStore()?.peer;
}

/** fetch, plus the forwarded headers and trace context of the call in progress; headers already set (the operator's, the SDK's) win. */
const contextFetch: typeof fetch = (input, init) => {
  const context = current.getStore();
  if (!context) return fetch(input, init);
  const headers = new Headers(init?.headers);
  if (context.headers) for (const [name, value] of Object.entries(context.headers)) if (!headers.has(name)) headers.set(name, value);
  if (context.trace) {
    headers.set('traceparent', formatTraceparent(context.trace));
    if (context.trace.state !== undefined) headers.set('tracestate', context.trace.state);
    else headers.delete('tracestate');
  }
  return fetch(input, { ...init, headers });
};

/** `fetch` as the transport should use it: with the call's headers and trace context, and reporting 401s. */
function transportFetch(hooks: TransportHooks): typeof fetch {
  if (!hooks.onUnauthorized) return contextFetch;
  const inner = contextFetch;
  return async (input, init) => {
    const response = await inner(input, init);
    if (response.status === 401) hooks.onUnauthorized?.();
    return response;
  };
}

/** The call's additions to a 2026-07-28 request's `_meta`: its trace context, and its peer's capabilities and log level. */
function callMeta(context: CallContext): Record<string, unknown> | undefined {
  const { trace, peer } = context;
  if (trace === undefined && peer === undefined) return undefined;
  return {
    ...(trace !== undefined ? { [TRACEPARENT_META_KEY]: formatTraceparent(trace), ...(trace.state !== undefined ? { [TRACESTATE_META_KEY]: trace.state } : {}) } : {}),
    ...(peer !== undefined ? { [CLIENT_CAPABILITIES_META_KEY]: peer.capabilities, ...(peer.logLevel !== undefined ? { [LOG_LEVEL_META_KEY]: peer.logLevel } : {}) } : {}),
  };
}

/** The transport, its requests carrying the call's `_meta` additions while `inMeta` says so. */
function withCallMeta(transport: Transport, inMeta: (() => boolean) | undefined): Transport {
  if (!inMeta) return transport;
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    const context = current.getStore();
    const added = context && 'method' in message && 'id' in message && inMeta() ? callMeta(context) : undefined;
    if (added === undefined) return send(message, options);
    const params = ((message as { params?: unknown }).params ?? {}) as Record<string, unknown>;
    const meta = { ...(params._meta as Record<string, unknown> | undefined), ...added };
    return send({ ...message, params: { ...params, _meta: meta } } as JSONRPCMessage, options);
  };
  return transport;
}

export function createTransport(spec: ResolvedSpec, hooks: TransportHooks = {}): BuiltTransport {
  const built = buildTransport(spec, hooks);
  withCallMeta(built.transport, hooks.traceInMeta);
  return built;
}

function buildTransport(spec: ResolvedSpec, hooks: TransportHooks): BuiltTransport {
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
  return {
    requestInit: { headers: spec.headers },
    fetch: transportFetch(hooks),
    ...(hooks.authProvider ? { authProvider: hooks.authProvider } : {}),
  };
}

const remote = (transport: Transport): BuiltTransport => ({ transport, pid: () => undefined, exit: () => undefined });
