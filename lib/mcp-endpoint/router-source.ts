/**
 * One router's upstream as an MCP source: the tools the router serves (its
 * tool rules applied, so a disabled tool is neither listed nor callable here
 * either, and to each caller those their access lists open), calls through
 * the same supervised connection and deadlines as `POST /<tool>`, and
 * resources, prompts and completions passed through to a caller the
 * server's access admits. To one it does not, lists are empty and every
 * name and URI is unknown: the answers a server gives for what it does not
 * have.
 */
import { ProtocolError, ProtocolErrorCode, ResourceNotFoundError, type ServerCapabilities, type StandardSchemaV1 } from '@modelcontextprotocol/client';
import type { IncomingHttpHeaders } from 'node:http';
import type { Caller } from '../auth/caller.js';
import { giveBack, takeController } from '../http/abort-pool.js';
import type { Upstream } from '../mcp/upstream.js';
import type { Lease } from '../mcp/users/user-pool.js';
import type { CallOutcome } from '../mcp/tool-call.js';
import { eraOf } from '../telemetry/metrics.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import type { TraceContext } from '../telemetry/trace-context.js';
import { observedCall, outcomeStatus } from './observed-calls.js';
import { listChangeListeners, type ListKind, type McpSource, type PassThroughMethod, type RequestFrom, type SourceCallOptions, type SourceTool } from './source.js';

export interface RouterSourceOptions {
  /** The tools the router serves at this moment, those `caller` may call. */
  tools(caller?: Caller): readonly SourceTool[];
  /** One of them by its served name (a lookup the router keeps with the list, not a search per call); undefined for a tool `caller` may not call. */
  tool(name: string, caller?: Caller): SourceTool | undefined;
  /** Whether the server's access admits `caller` to its resources, prompts and completions. @default everyone */
  admits?(caller?: Caller): boolean;
  /** A call's timeout, as `toolTimeout`. */
  timeoutMs: number;
  /** A call that keeps reporting progress ends after this, as `maxTotalTimeout`. */
  maxTotalMs: number;
  /** The connection a request runs on, given its HTTP headers and verified caller: the caller's own under caller templates. */
  connect(headers: IncomingHttpHeaders, timeoutMs: number, caller?: Caller): Promise<Lease<Upstream>>;
  /** The server's name in metrics, spans and audit lines. */
  server: string;
  telemetry: Telemetry;
}

/** A router's source, and the hook its owner calls when a list changed. */
export interface RouterSource extends McpSource {
  changed(kind: ListKind): void;
}

/** Any JSON object passes: the result goes on to the endpoint's client as the server sent it. */
const AnyResult: StandardSchemaV1<unknown, Record<string, unknown>> = {
  '~standard': {
    version: 1,
    vendor: 'mcpo',
    validate: (value) =>
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? { value: value as Record<string, unknown> }
        : { issues: [{ message: 'the result is not an object' }] },
  },
};

const FEATURE: Record<PassThroughMethod, 'resources' | 'prompts' | 'completions' | 'logging'> = {
  'resources/list': 'resources',
  'resources/templates/list': 'resources',
  'resources/read': 'resources',
  'prompts/list': 'prompts',
  'prompts/get': 'prompts',
  'completion/complete': 'completions',
  'logging/setLevel': 'logging',
};

/** The methods on which a 2026-07-28 server may answer `input_required`, passed back to the endpoint's client. */
const ASKING = new Set<PassThroughMethod>(['prompts/get', 'resources/read']);

export function routerSource(upstream: Upstream, options: RouterSourceOptions): RouterSource {
  const listeners = listChangeListeners();
  /** Calls a tool found in the table, on the caller's connection, within the router's bounds. */
  function callServed(served: NonNullable<ReturnType<RouterSourceOptions['tool']>>, args: Record<string, unknown>, call: SourceCallOptions, trace: TraceContext): Promise<CallOutcome> {
    // The bound on the whole call cancels through a controller of its own, which the client's cancel also aborts.
    const controller = takeController();
    const forward = (): void => controller.abort(call.signal.reason);
    call.signal.addEventListener('abort', forward, { once: true });
    return options
      .connect(call.headers ?? {}, options.timeoutMs, call.caller)
      .then((lease) => lease.connection.call(served.tool.name, args, {
        timeoutMs: options.timeoutMs,
        maxTotalMs: Math.max(options.maxTotalMs, options.timeoutMs),
        signal: controller.signal,
        controller,
        trace,
        ...(call.peer ? { peer: call.peer } : {}),
        ...(call.onProgress ? { onProgress: call.onProgress } : {}),
        ...(call.inputResponses !== undefined ? { inputResponses: call.inputResponses } : {}),
        ...(call.requestState !== undefined ? { requestState: call.requestState } : {}),
      }).finally(lease.release))
      .finally(() => {
        call.signal.removeEventListener('abort', forward);
        // The call has settled and the client's cancel no longer reaches it: nothing can abort the controller now.
        giveBack(controller);
      });
  }
  const era = (): string | undefined => eraOf(upstream.protocolVersion());
  /** A served tool's call, as a span and a report with the status a REST caller would have got. */
  const observed = (served: NonNullable<ReturnType<RouterSourceOptions['tool']>>, args: Record<string, unknown>, call: SourceCallOptions): Promise<CallOutcome> =>
    observedCall(options.telemetry, { server: options.server, kind: 'tool', name: served.tool.name, era: era() }, call, outcomeStatus, (trace) => callServed(served, args, call, trace));
  /** A resource, prompt, completion or log level request sent on the caller's connection as it came. */
  async function passOn(method: PassThroughMethod, params: Record<string, unknown>, signal: AbortSignal, from: RequestFrom, trace: TraceContext | undefined): Promise<Record<string, unknown>> {
    const label = { subject: method, during: method };
    const lease = await options.connect(from.headers ?? {}, options.timeoutMs, from.caller);
    try {
      // A 2026-07-28 server has no logging/setLevel: the level goes with each request of the client that set it (mcp/peer.ts).
      if (method === 'logging/setLevel' && eraOf(lease.connection.protocolVersion()) === 'modern') return {};
      const sent = { timeoutMs: options.timeoutMs, signal, ...(trace ? { trace } : {}), ...(from.peer ? { peer: from.peer } : {}) };
      return await lease.connection.request(FEATURE[method], label, sent, (client, timeoutMs) =>
        client.request({ method, params } as never, AnyResult, { timeout: timeoutMs, signal, ...(ASKING.has(method) ? { allowInputRequired: true } : {}) }),
      );
    } finally {
      lease.release();
    }
  }
  return {
    available: () => upstream.status().state === 'ready',
    tools: options.tools,
    tool: options.tool,
    capabilities: () => declared(upstream.capabilities() ?? {}),
    callTool(name, args, call: SourceCallOptions): Promise<CallOutcome> {
      const served = options.tool(name, call.caller);
      if (served) return observed(served, args, call);
      if (upstream.status().state !== 'waiting-for-caller') return Promise.reject(new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${name}`));
      // Tools not listed yet, because only a caller's own connection can list them: this caller's connection
      // lists them (or answers why it cannot: per-caller sign-in sends them to sign in), then the tool is looked up again.
      return options.connect(call.headers ?? {}, options.timeoutMs, call.caller).then((lease) => {
        lease.release();
        const listed = options.tool(name, call.caller);
        if (!listed) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${name}`);
        return observed(listed, args, call);
      });
    },
    request(method, params, signal, from) {
      if (options.admits && !options.admits(from.caller)) return Promise.resolve().then(() => hidden(method, params));
      const kind = method === 'resources/read' ? 'resource' : method === 'prompts/get' ? 'prompt' : undefined;
      if (!kind) return passOn(method, params, signal, from, from.trace);
      const name = String(kind === 'resource' ? params.uri : params.name).slice(0, 512);
      return observedCall(options.telemetry, { server: options.server, kind, name, era: era() }, { ...from, signal }, () => 200, (trace) => passOn(method, params, signal, from, trace));
    },
    subscribe: (uri, listener, from) => subscribeFor(options, uri, listener, from),
    onListChanged: listeners.add,
    changed: listeners.emit,
  };
}

/** What the endpoint declares for what the upstream offers: it passes on list changes, subscriptions and log lines. */
function declared(offered: ServerCapabilities): ServerCapabilities {
  return {
    tools: { listChanged: true },
    ...(offered.resources ? { resources: { listChanged: true, ...(offered.resources.subscribe ? { subscribe: true } : {}) } } : {}),
    ...(offered.logging ? { logging: {} } : {}),
    ...(offered.prompts ? { prompts: { listChanged: true } } : {}),
    ...(offered.completions ? { completions: {} } : {}),
  };
}

/** A subscription on the caller's connection, held while they are subscribed: under caller templates it is theirs alone. */
async function subscribeFor(options: RouterSourceOptions, uri: string, listener: () => void, from: RequestFrom): Promise<() => void> {
  if (options.admits && !options.admits(from.caller)) throw new ResourceNotFoundError(uri);
  const lease = await options.connect(from.headers ?? {}, options.timeoutMs, from.caller);
  try {
    const end = await lease.connection.subscribe(uri, listener);
    return () => {
      end();
      lease.release();
    };
  } catch (err) {
    lease.release();
    throw err;
  }
}

/** What a server answers for what it does not have: the answer to a caller its access does not admit. */
function hidden(method: PassThroughMethod, params: Record<string, unknown>): Record<string, unknown> {
  switch (method) {
    case 'resources/list':
      return { resources: [] };
    case 'resources/templates/list':
      return { resourceTemplates: [] };
    case 'prompts/list':
      return { prompts: [] };
    case 'resources/read':
      throw new ResourceNotFoundError(String(params.uri));
    case 'prompts/get':
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown prompt: ${String(params.name)}`);
    case 'completion/complete':
      return { completion: { values: [] } };
    case 'logging/setLevel':
      return {};
  }
}
