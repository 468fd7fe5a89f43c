/**
 * One MCP connection: its client and transport, its state, its tool list.
 *
 * It connects in the background, follows `tools/list` through every page,
 * re-lists when the server says the list changed, and turns a tool call into
 * a JSON-RPC request with a deadline and a cancel signal. It knows nothing of
 * HTTP; the router maps what it throws with errors.ts.
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
import { TimeoutError, UnavailableError, UpstreamError } from './errors.js';
import type { Logger } from './log.js';
import type { ResolvedSpec, TransportType } from './spec.js';
import { createTransport, type BuiltTransport } from './transports.js';
import { VERSION } from './version.js';

export type UpstreamState = 'connecting' | 'ready' | 'failed' | 'closed';

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
  pid?: number;
  /** The last few KiB the stdio child wrote to stderr. */
  stderr?: string;
}

export interface UpstreamOptions {
  logger: Logger;
  connectTimeoutMs: number;
  retryAfter: number;
  /** Called with the full tool list after connecting and after every change. */
  onTools: (tools: Tool[], meta: ServerMeta) => void;
}

export interface CallOptions {
  timeoutMs: number;
  signal?: AbortSignal;
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

export class Upstream {
  #state: UpstreamState = 'connecting';
  #since = new Date();
  #lastError: string | null = null;
  #tools: Tool[] = [];
  #stderr = '';
  #client: Client | undefined;
  #built: BuiltTransport | undefined;
  #ready: Promise<void>;
  #refreshing: Promise<void> | undefined;
  #refreshAgain = false;

  constructor(
    readonly spec: ResolvedSpec,
    private readonly options: UpstreamOptions,
  ) {
    this.#ready = this.#connect();
    // ready() is optional for callers; a failure is already recorded in status().
    this.#ready.catch(() => {});
  }

  ready(): Promise<void> {
    return this.#ready;
  }

  status(): UpstreamStatus {
    const pid = this.#built?.pid();
    return {
      state: this.#state,
      type: this.spec.type,
      tools: this.#tools.length,
      lastError: this.#lastError,
      since: this.#since.toISOString(),
      ...(pid !== undefined ? { pid } : {}),
      ...(this.spec.type === 'stdio' ? { stderr: this.#stderr } : {}),
    };
  }

  #setState(state: UpstreamState, error?: unknown): void {
    this.#state = state;
    this.#since = new Date();
    if (error !== undefined) this.#lastError = error instanceof Error ? error.message : String(error);
  }

  async #connect(): Promise<void> {
    const client = new Client(CLIENT_INFO, { capabilities: {} });
    const built = createTransport(this.spec, {
      onStderr: (chunk) => {
        this.#stderr = (this.#stderr + chunk).slice(-STDERR_TAIL_CHARS);
        this.options.logger.debug('server stderr', { chunk });
      },
    });
    this.#client = client;
    this.#built = built;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      void this.refreshTools();
    });
    client.onclose = () => {
      // While connecting, the failure is reported by the catch below, with its real cause.
      if (this.#state !== 'ready') return;
      this.#setState('failed', 'connection closed');
      this.options.logger.warn('MCP connection closed', { type: this.spec.type });
    };
    try {
      await client.connect(built.transport, { timeout: this.options.connectTimeoutMs });
      if (this.#isClosed()) return;
      const tools = await this.#listAll(client);
      if (this.#isClosed()) return;
      this.#tools = tools;
      this.#setState('ready');
      this.options.onTools(tools, this.#meta(client));
    } catch (err) {
      if (this.#state !== 'closed') {
        this.#setState('failed', err);
        this.options.logger.warn('could not connect to MCP server', { type: this.spec.type, error: this.#lastError });
        await client.close().catch(() => {});
      }
      throw err;
    }
  }

  /** A read that TypeScript cannot narrow away: close() may run during any await. */
  #isClosed(): boolean {
    return this.#state === 'closed';
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
  refreshTools(): Promise<void> {
    if (this.#refreshing) {
      this.#refreshAgain = true;
      return this.#refreshing;
    }
    const run = async (): Promise<void> => {
      do {
        this.#refreshAgain = false;
        const client = this.#client;
        if (!client || this.#state !== 'ready') return;
        try {
          const tools = await this.#listAll(client);
          if (this.#state !== 'ready') return;
          this.#tools = tools;
          this.options.onTools(tools, this.#meta(client));
        } catch (err) {
          this.options.logger.warn('could not re-list tools; keeping the previous list', {
            error: err instanceof Error ? err.message : String(err),
          });
        }
      } while (this.#refreshAgain);
    };
    this.#refreshing = run().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  /** Calls a tool; throws McpoError or McpError, never a raw transport error. */
  async call(name: string, args: Record<string, unknown>, options: CallOptions): Promise<CallToolResult> {
    const client = this.#client;
    if (!client || this.#state !== 'ready') {
      throw new UnavailableError(
        this.#state === 'closed' ? 'MCP server is closed' : 'MCP server is not connected yet',
        this.options.retryAfter,
        { state: this.#state },
      );
    }
    try {
      return await client.request({ method: 'tools/call', params: { name, arguments: args } }, CallToolResultSchema, {
        timeout: options.timeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (err) {
      if (err instanceof McpError) {
        if (err.code === -32001) throw new TimeoutError(`Tool "${name}" did not answer within ${options.timeoutMs} ms`, { timeoutMs: options.timeoutMs });
        throw err;
      }
      if (err instanceof Error && err.message === 'Not connected') {
        throw new UnavailableError('MCP server is not connected', this.options.retryAfter);
      }
      // A result the SDK could not parse: the server broke the protocol.
      throw new UpstreamError(`Tool "${name}" returned a malformed result`, 'malformed_result');
    }
  }

  /** Ends the connection and any child process (stdin closed, then SIGTERM, then SIGKILL). */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#setState('closed');
    await this.#client?.close().catch(() => {});
  }
}
