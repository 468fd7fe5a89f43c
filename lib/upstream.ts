/**
 * One supervised MCP connection: its state machine, its client and transport,
 * its tool list.
 *
 *   connecting ──▶ ready ──(process exit, dropped stream, expired session)──┐
 *       ▲  │                                                                  │
 *       │  └──(failed)──▶ backing-off ◀─────────────────────────────────────┘
 *       └──────(timer: exponential backoff with jitter)──┘      any ──▶ closed
 *
 * Every attempt opens a fresh client and transport (a new child process, a
 * new session) and lists the tools again, so a server that changed while it
 * was away is served as it is now. It follows `tools/list` through every
 * page, re-lists when the server says the list changed, and turns a tool call
 * into a JSON-RPC request with a deadline and a cancel signal. It knows
 * nothing of HTTP; the router maps what it throws with errors.ts.
 *
 * A call is never sent twice if the server may have seen it. Only a call the
 * server certainly refused (an expired session, a refused connection) is sent
 * once more, on the new session.
 *
 * Tool calls go through `client.request` rather than `client.callTool`: the
 * latter validates `structuredContent` with validators it caches from the last
 * `tools/list` page only, and reports a server's bad output as the caller's
 * invalid params.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { z } from 'zod';
import {
  CallToolResultSchema,
  McpError,
  ToolListChangedNotificationSchema,
  type CallToolResult,
  type Implementation,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { coalesced } from './coalesce.js';
import { TimeoutError, UnavailableError, UpstreamError } from './errors.js';
import type { Logger } from './log.js';
import type { ResolvedSpec, TransportType } from './spec.js';
import { endsSession, httpStatusOf, isTransportFailure, messageOf, notDelivered } from './transport-errors.js';
import { createTransport, withForwardedHeaders, type BuiltTransport } from './transports.js';
import { VERSION } from './version.js';

export type UpstreamState = 'connecting' | 'ready' | 'backing-off' | 'closed';

/** What the server said about itself during initialization. */
export interface ServerMeta {
  serverInfo: Implementation;
  instructions?: string;
}

export interface UpstreamStatus {
  state: UpstreamState;
  type: TransportType;
  /** Number of tools currently listed. */
  tools: number;
  lastError: string | null;
  /** When the state last changed (ISO time). */
  since: string;
  /** Connection attempts after the first: restarts of a child, new sessions. */
  restarts: number;
  /** While backing off: when the next attempt starts (ISO time). */
  nextAttempt?: string;
  pid?: number;
  /** The last few KiB the stdio child wrote to stderr. */
  stderr?: string;
}

export interface UpstreamOptions {
  logger: Logger;
  connectTimeoutMs: number;
  retryAfter: number;
  /** Delays between attempts to reach a server that failed or went away. */
  backoff: BackoffOptions;
  /** Called with the full tool list after connecting and after every change. */
  onTools: (tools: Tool[], meta: ServerMeta) => void;
}

export interface CallOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Caller headers to put on the HTTP requests of this call (remote servers with `forwardHeaders`). */
  headers?: Readonly<Record<string, string>>;
}

const CLIENT_INFO: Implementation = { name: 'mcpo', version: VERSION };

/**
 * tools/list as servers really send it. The SDK's own schema rejects the whole
 * page when one property schema is `true` or one tool lacks `type: 'object'`;
 * mcpo takes each tool on its own and lets schema.ts degrade what it must.
 */
const LenientListToolsResult = z.looseObject({
  tools: z.array(z.unknown()),
  nextCursor: z.string().optional(),
});

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

/** A tool from the wire with only the fields mcpo reads, each of the right type; undefined without a name. */
function toTool(raw: unknown): Tool | undefined {
  const r = record(raw);
  const name = text(r?.name);
  if (!r || !name) return undefined;
  const title = text(r.title);
  const description = text(r.description);
  const annotations = record(r.annotations);
  return {
    name,
    ...(title !== undefined ? { title } : {}),
    ...(description !== undefined ? { description } : {}),
    // Not checked here: schema.ts reads any shape and degrades what it cannot use.
    inputSchema: (r.inputSchema ?? { type: 'object' }) as Tool['inputSchema'],
    ...(r.outputSchema !== undefined ? { outputSchema: r.outputSchema as Tool['outputSchema'] } : {}),
    ...(annotations ? { annotations: annotations as Tool['annotations'] } : {}),
  };
}
const STDERR_TAIL_CHARS = 8192;
/** A server that pages forever (or repeats a cursor) must not hang the router. */
const MAX_LIST_PAGES = 1000;

/** One attempt's client and transport; replaced whole on every reconnect. */
interface Session {
  client: Client;
  built: BuiltTransport;
}

export class Upstream {
  #state: UpstreamState = 'connecting';
  #since = new Date();
  #lastError: string | null = null;
  #restarts = 0;
  /** Failed attempts in a row; the backoff grows with it. */
  #failures = 0;
  #readyAt = 0;
  #nextAttemptAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #session: Session | undefined;
  #tools: Tool[] = [];
  #stderr = '';
  #first: Promise<void>;
  #settleFirst: (err?: unknown) => void = () => {};
  /** Called on every state change; calls waiting for a new session listen here. */
  #watchers = new Set<() => void>();

  constructor(
    readonly spec: ResolvedSpec,
    private readonly options: UpstreamOptions,
  ) {
    this.#first = new Promise<void>((resolve, reject) => {
      this.#settleFirst = (err) => {
        this.#settleFirst = () => {};
        if (err === undefined) resolve();
        else reject(err instanceof Error ? err : new Error(String(err)));
      };
    });
    // ready() is optional for callers; a failure is already recorded in status().
    this.#first.catch(() => {});
    void this.#connect();
  }

  /** Resolves at the first successful connection; rejects if the first attempt fails (retries go on). */
  ready(): Promise<void> {
    return this.#first;
  }

  status(): UpstreamStatus {
    const pid = this.#session?.built.pid();
    return {
      state: this.#state,
      type: this.spec.type,
      tools: this.#tools.length,
      lastError: this.#lastError,
      since: this.#since.toISOString(),
      restarts: this.#restarts,
      ...(this.#state === 'backing-off' ? { nextAttempt: new Date(this.#nextAttemptAt).toISOString() } : {}),
      ...(pid !== undefined ? { pid } : {}),
      ...(this.spec.type === 'stdio' ? { stderr: this.#stderr } : {}),
    };
  }

  /** Seconds a caller should wait before trying again, for `Retry-After`. */
  retryAfter(): number {
    if (this.#state !== 'backing-off') return this.options.retryAfter;
    return Math.max(1, Math.ceil((this.#nextAttemptAt - Date.now()) / 1000));
  }

  /** A 503 that says why and when to come back. */
  unavailable(): UnavailableError {
    const why =
      this.#state === 'closed' ? 'MCP server is closed'
      : this.#state === 'backing-off' ? 'MCP server is not reachable; retrying'
      : 'MCP server is not connected yet';
    return new UnavailableError(why, this.retryAfter(), { state: this.#state });
  }

  #setState(state: UpstreamState, error?: unknown): void {
    this.#state = state;
    this.#since = new Date();
    if (error !== undefined) this.#lastError = messageOf(error);
    for (const watcher of [...this.#watchers]) watcher();
  }

  #open(): Session {
    const client = new Client(CLIENT_INFO, { capabilities: {} });
    const built = createTransport(this.spec, {
      onStderr: (chunk) => {
        // A bounded tail: a chatty child costs at most this much memory.
        this.#stderr = (this.#stderr + chunk).slice(-STDERR_TAIL_CHARS);
        this.options.logger.debug('server stderr', { chunk });
      },
    });
    const session: Session = { client, built };
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      if (this.#session === session) void this.refreshTools();
    });
    client.onclose = () => this.#lost(session, this.spec.type === 'stdio' ? 'the server process exited' : 'the connection closed');
    client.onerror = (err) => {
      if (!endsSession(err, this.spec.type)) return this.options.logger.debug('transport error', { error: messageOf(err) });
      // A failed send is reported here first, then thrown to its call; wait a turn, so that call can
      // see the real error (and retry on a new session) before the old session is closed under it.
      setImmediate(() => this.#lost(session, messageOf(err), httpStatusOf(err) === 404));
    };
    return session;
  }

  async #connect(): Promise<void> {
    const session = this.#open();
    this.#session = session;
    this.#setState('connecting');
    try {
      await session.client.connect(session.built.transport, { timeout: this.options.connectTimeoutMs });
      if (this.#session !== session) return;
      const tools = await this.#listAll(session.client);
      if (this.#session !== session) return;
      this.#tools = tools;
      this.#readyAt = Date.now();
      this.#setState('ready');
      if (this.#restarts > 0) this.options.logger.info('MCP server connected again', { restarts: this.#restarts });
      this.options.onTools(tools, this.#meta(session.client));
      this.#settleFirst();
    } catch (err) {
      // Closed, or replaced, while connecting: whoever did that owns the state now.
      if (this.#session !== session) return;
      this.#settleFirst(err);
      this.#retry(session, err);
    }
  }

  /**
   * A ready session died: its calls in flight fail now (the SDK rejects them
   * as the client closes), and a new session is started. `now` skips the
   * backoff, for a server that is up but forgot our session.
   */
  #lost(session: Session, reason: string, now = false): void {
    if (this.#session !== session || this.#state !== 'ready') return;
    this.options.logger.warn('MCP connection lost; reconnecting', { type: this.spec.type, reason });
    // A connection that held for a while starts the backoff over.
    if (Date.now() - this.#readyAt > this.options.backoff.maxMs) this.#failures = 0;
    this.#retry(session, new Error(reason), now);
  }

  /** Ends `session` and schedules the next attempt. */
  #retry(session: Session, err: unknown, now = false): void {
    this.#session = undefined;
    void session.client.close().catch(() => {});
    const message = messageOf(err);
    if (now) {
      this.#lastError = message;
      this.#restarts++;
      void this.#connect();
      return;
    }
    const delay = backoffDelay(this.#failures++, this.options.backoff);
    this.#nextAttemptAt = Date.now() + delay;
    // The same failure again and again is logged once at warn, then at debug.
    const log = message === this.#lastError ? this.options.logger.debug : this.options.logger.warn;
    log('could not reach MCP server; retrying', { type: this.spec.type, error: message, retryInMs: delay });
    this.#setState('backing-off', err);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#restarts++;
      void this.#connect();
    }, delay);
    // A pending retry must not keep a process alive that has nothing else to do.
    this.#timer.unref();
  }

  #meta(client: Client): ServerMeta {
    const instructions = client.getInstructions();
    return {
      serverInfo: client.getServerVersion() ?? { name: 'mcp-server', version: '0.0.0' },
      ...(instructions ? { instructions } : {}),
    };
  }

  async #listAll(client: Client): Promise<Tool[]> {
    const tools: Tool[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const result = await client.request(
        { method: 'tools/list', params: cursor === undefined ? {} : { cursor } },
        LenientListToolsResult,
        { timeout: this.options.connectTimeoutMs },
      );
      for (const raw of result.tools) {
        const tool = toTool(raw);
        if (tool) tools.push(tool);
        else this.options.logger.warn('skipped a listed tool without a name', {});
      }
      cursor = result.nextCursor;
      if (cursor === undefined || cursor === '') return tools;
      if (seen.has(cursor)) break;
      seen.add(cursor);
    }
    this.options.logger.warn('tools/list kept paging; using the tools received so far', { count: tools.length });
    return tools;
  }

  /**
   * Re-lists the tools. Notifications that arrive during a refresh are folded
   * into one more refresh after it, so the last list always wins.
   */
  readonly refreshTools = coalesced(async () => {
    const session = this.#session;
    if (!session || this.#state !== 'ready') return;
    try {
      const tools = await this.#listAll(session.client);
      if (this.#session !== session || this.#state !== 'ready') return;
      this.#tools = tools;
      this.options.onTools(tools, this.#meta(session.client));
    } catch (err) {
      this.options.logger.warn('could not re-list tools; keeping the previous list', { error: messageOf(err) });
    }
  });

  /** Calls a tool; throws McpoError or McpError, never a raw transport error. */
  async call(name: string, args: Record<string, unknown>, options: CallOptions): Promise<CallToolResult> {
    const deadline = Date.now() + options.timeoutMs;
    const session = this.#session;
    if (!session || this.#state !== 'ready') throw this.unavailable();
    try {
      return await this.#request(session, name, args, options.timeoutMs, options);
    } catch (err) {
      if (options.signal?.aborted || !notDelivered(err, this.spec.type)) throw this.#callError(session, name, err, options);
      // The server never saw this call: start a new session and send it once more.
      this.#lost(session, messageOf(err), true);
      const next = await this.#nextSession(deadline);
      try {
        return await this.#request(next, name, args, Math.max(1, deadline - Date.now()), options);
      } catch (again) {
        throw this.#callError(next, name, again, options);
      }
    }
  }

  #request(session: Session, name: string, args: Record<string, unknown>, timeoutMs: number, options: CallOptions): Promise<CallToolResult> {
    const send = () =>
      session.client.request({ method: 'tools/call', params: { name, arguments: args } }, CallToolResultSchema, {
        timeout: timeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    return options.headers ? withForwardedHeaders(options.headers, send) : send();
  }

  /** Waits for the reconnect under way; a 503 if it fails or outlasts the call's deadline. */
  #nextSession(deadline: number): Promise<Session> {
    return new Promise<Session>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#watchers.delete(check);
      };
      const check = (): void => {
        if (this.#state === 'connecting') return;
        done();
        if (this.#state === 'ready' && this.#session) resolve(this.#session);
        else reject(this.unavailable());
      };
      const timer = setTimeout(() => {
        done();
        reject(this.unavailable());
      }, Math.max(0, deadline - Date.now()));
      this.#watchers.add(check);
      check();
    });
  }

  /** A failed call → the error the router maps; a broken transport also starts a new session. */
  #callError(session: Session, name: string, err: unknown, options: CallOptions): unknown {
    if (options.signal?.aborted) return err;
    if (err instanceof McpError) {
      if (err.code === -32001) return new TimeoutError(`Tool "${name}" did not answer within ${options.timeoutMs} ms`, { timeoutMs: options.timeoutMs });
      return err;
    }
    if (notDelivered(err, this.spec.type) || (err instanceof Error && err.message === 'Not connected')) return this.unavailable();
    if (isTransportFailure(err)) {
      // The request may have reached the server; it is not sent again. The session is suspect: start over.
      this.#lost(session, messageOf(err));
      return new UpstreamError(`The connection to the MCP server failed during the call to "${name}"`, 'connection_failed');
    }
    // Anything else is the SDK's schema check of the result (a zod error): the server broke the protocol.
    return new UpstreamError(`Tool "${name}" returned a malformed result`, 'malformed_result');
  }

  /** Ends the connection and any child process (stdin closed, then SIGTERM, then SIGKILL). */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    clearTimeout(this.#timer);
    const session = this.#session;
    this.#session = undefined;
    this.#setState('closed');
    this.#settleFirst(new Error('closed before it connected'));
    await session?.client.close().catch(() => {});
  }
}
