/**
 * What an MCP endpoint serves, whatever stands behind it: one router's
 * upstream (router-source.ts) or every server of the app at once
 * (aggregate-source.ts). proxy-server.ts answers MCP requests from a source;
 * it never sees an Upstream.
 *
 * Results pass through as the upstream sent them (content, `isError`,
 * `structuredContent`, `_meta`); only names are the source's business.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ServerCapabilities, Tool } from '@modelcontextprotocol/client';
import type { Caller } from '../auth/caller.js';
import type { Peer } from '../mcp/peer.js';
import type { CallOutcome, ToolProgress } from '../mcp/tool-call.js';
import type { TraceContext } from '../telemetry/trace-context.js';

/** A tool as the endpoint lists it: its served name and description, the upstream's schema. */
export interface SourceTool {
  /** The name clients list and call. */
  readonly name: string;
  readonly tool: Tool;
  readonly description?: string;
}

export interface SourceCallOptions {
  signal: AbortSignal;
  /** The HTTP headers of the request that carried the call (a caller's own connection is chosen by them). */
  headers?: IncomingHttpHeaders;
  /** Forwards the upstream's progress to the endpoint's client, when it asked for progress. */
  onProgress?: (progress: ToolProgress) => void;
  inputResponses?: Record<string, unknown>;
  requestState?: string;
  /** The request's verified caller: caller templates read it, and a tool their access lists hide is unknown to them. */
  caller?: Caller;
  /** The HTTP request's trace context: the call's span is its child. */
  trace?: TraceContext;
  /** The HTTP request's id, for the audit line. */
  requestId?: string;
  /** The endpoint's client: the upstream is asked as it, and what it sends about the call goes to it (mcp/peer.ts). */
  peer?: Peer;
}

/** Who a pass-through request is for, and the HTTP request it came in. */
export interface RequestFrom {
  /** The HTTP headers of the request (a caller's own connection is chosen by them). */
  headers?: IncomingHttpHeaders | undefined;
  /** A server whose access does not admit this caller lists nothing to them and knows none of their URIs or names. */
  caller?: Caller | undefined;
  trace?: TraceContext | undefined;
  requestId?: string | undefined;
  /** The endpoint's client (mcp/peer.ts). */
  peer?: Peer | undefined;
}

/** The request methods passed through as they are, apart from names and URIs the source maps. */
export type PassThroughMethod =
  | 'resources/list'
  | 'resources/templates/list'
  | 'resources/read'
  | 'prompts/list'
  | 'prompts/get'
  | 'completion/complete'
  | 'logging/setLevel';

/** A list that changed, to pass on as `notifications/<kind>/list_changed`. */
export type ListKind = 'tools' | 'resources' | 'prompts';

export interface McpSource {
  /** Connected and listed: an aggregate leaves out a source that is not. */
  available(): boolean;
  /** The tools of the moment; given a caller, only those the caller may call (without one, those open to every caller). */
  tools(caller?: Caller): readonly SourceTool[];
  /** One tool of `tools(caller)` by its served name, without building the list. */
  tool(name: string, caller?: Caller): SourceTool | undefined;
  /** What the endpoint declares: tools always; resources, prompts and completions where behind it they are offered. */
  capabilities(): ServerCapabilities;
  /** Calls a listed tool by its served name; an unknown name is a ProtocolError. */
  callTool(name: string, args: Record<string, unknown>, options: SourceCallOptions): Promise<CallOutcome>;
  /** Sends a resource, prompt or completion request behind the endpoint and answers its result. */
  request(method: PassThroughMethod, params: Record<string, unknown>, signal: AbortSignal, from: RequestFrom): Promise<Record<string, unknown>>;
  /** Calls `listener` whenever the resource at `uri` changes, until the returned function is called; rejects as `resources/read` of an unknown URI would. */
  subscribe(uri: string, listener: () => void, from: RequestFrom): Promise<() => void>;
  /** Calls `listener` when a list changes; returns the unsubscribe. */
  onListChanged(listener: (kind: ListKind) => void): () => void;
}

/** A set of listeners for list changes; sources hold one each. */
export function listChangeListeners(): { add(listener: (kind: ListKind) => void): () => void; emit(kind: ListKind): void } {
  const listeners = new Set<(kind: ListKind) => void>();
  return {
    add(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    emit(kind) {
      for (const listener of listeners) listener(kind);
    },
  };
}
