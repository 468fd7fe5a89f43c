/**
 * One tool call over a supervised connection. The deadline, the cancel
 * signal, the one retry on a new session for a call the server never saw, and
 * the error mapping are requests.ts's, shared with the resource and prompt
 * methods; this module builds `tools/call` and reads its answer.
 *
 * A 2026-07-28 server may answer `input_required` instead of a result; that
 * comes back as a value (`InputRequired`) for the router to hand to its
 * caller. A retry carries the caller's `inputResponses` and the server's
 * `requestState` unchanged; the SDK gives it a new JSON-RPC id.
 *
 * Calls go through `client.request`, not `client.callTool`: the latter checks
 * `structuredContent` against validators built from the SDK's own tool list
 * cache, which mcpo does not fill (tool-list.ts reads pages leniently), and
 * the result is checked by call-result.ts rather than the SDK's schema. The
 * exception is a tool with `x-mcp-header` parameters on a 2026-07-28 HTTP
 * connection: `callTool` with the tool's input schema mirrors them as
 * `Mcp-Param-*` headers (SEP-2243), and is given no output schema to check.
 *
 * Every call asks for progress (the SDK then sends a progress token), and each
 * progress notification restarts the call's timeout: a tool that keeps
 * reporting may run past it, up to `maxTotalMs`. How progress reaches the
 * caller (Server-Sent Events) is the router's business, not this module's.
 */
import { isInputRequiredResult, SdkError, SdkErrorCode, type CallToolResult } from '@modelcontextprotocol/client';
import { CallToolResultCheck } from './call-result.js';
import { request, type CallLink, type RequestLabel, type RequestOptions } from './requests.js';

export type { CallLink } from './requests.js';

export interface CallOptions extends RequestOptions {
  /** The answers to a previous `input_required`, keyed as the server keyed its requests. */
  inputResponses?: Record<string, unknown>;
  /** The server's `requestState` from that `input_required`, echoed exactly. */
  requestState?: string;
  /** Called for each progress notification of the call. */
  onProgress?: (progress: ToolProgress) => void;
  /** The longest the call may take however often it reports progress, in ms; enforced only with `controller`. @default no bound beyond timeoutMs */
  maxTotalMs?: number;
  /** The controller of `signal`: a call that outlives maxTotalMs is cancelled by aborting it. */
  controller?: AbortController;
}

/** One `notifications/progress` of a tool call, as the server sent it. */
export interface ToolProgress {
  progress: number;
  total?: number;
  message?: string;
}

/** A 2026-07-28 server needs input from the caller before it can finish the call (SEP-2322). */
export interface InputRequired {
  kind: 'input_required';
  inputRequests: Record<string, unknown>;
  requestState?: string;
}

export type CallOutcome = { kind: 'result'; result: CallToolResult } | InputRequired;

export function callTool<S>(link: CallLink<S>, name: string, args: Record<string, unknown>, options: CallOptions): Promise<CallOutcome> {
  const progress = progressHandler(options);
  return request(link, () => toolLabel(name), options, (session, timeoutMs) => send(link, session, name, args, timeoutMs, options, progress));
}

const toolLabel = (name: string): RequestLabel => ({ subject: `Tool "${name}"`, during: `the call to "${name}"` });

/** What the SDK is given for progress, and the timer of the bound on the whole call. */
interface ProgressHandler {
  onprogress: (progress: ToolProgress) => void;
  /** Stops the bound's timer, if progress started it; the call is over. */
  settle(): void;
}

/**
 * Progress restarts the SDK's timeout, and the SDK checks `maxTotalTimeout`
 * only when progress arrives and then does not tell the server; so the bound
 * is a timer of our own, which cancels the call upstream through the
 * caller's controller. It starts with the first progress: until then the
 * timeout alone bounds the call, and a call without progress (most of them)
 * costs no timer. The handler is one closure and no promise: every call pays
 * for it, since every call asks for progress.
 */
function progressHandler(options: CallOptions): ProgressHandler {
  const { onProgress, maxTotalMs, controller } = options;
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  return {
    onprogress(progress) {
      if (maxTotalMs !== undefined && controller !== undefined && timer === undefined) {
        const exceeded = new SdkError(SdkErrorCode.RequestTimeout, 'Maximum total timeout exceeded', { maxTotalTimeout: maxTotalMs });
        timer = setTimeout(() => controller.abort(exceeded), Math.max(0, started + maxTotalMs - Date.now()));
      }
      if (onProgress) {
        const { progress: count, total, message } = progress;
        onProgress({ progress: count, ...(total !== undefined ? { total } : {}), ...(message !== undefined ? { message } : {}) });
      }
    },
    settle() {
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}

async function send<S>(link: CallLink<S>, session: S, name: string, args: Record<string, unknown>, timeoutMs: number, options: CallOptions, progress: ProgressHandler): Promise<CallOutcome> {
  const client = link.client(session);
  const params = {
    name,
    arguments: args,
    ...(options.inputResponses !== undefined ? { inputResponses: options.inputResponses } : {}),
    ...(options.requestState !== undefined ? { requestState: options.requestState } : {}),
  };
  const requestOptions = { timeout: timeoutMs, allowInputRequired: true, onprogress: progress.onprogress, resetTimeoutOnProgress: true, signal: options.signal };
  const tool = link.mirrored(session, name);
  let answer;
  try {
    answer = await (tool
      ? client.callTool(params, { ...requestOptions, toolDefinition: { name: tool.name, inputSchema: tool.inputSchema } })
      : client.request({ method: 'tools/call', params }, CallToolResultCheck, requestOptions));
  } finally {
    progress.settle();
  }
  if (isInputRequiredResult(answer)) {
    return {
      kind: 'input_required',
      inputRequests: (answer.inputRequests ?? {}) as Record<string, unknown>,
      ...(answer.requestState !== undefined ? { requestState: answer.requestState } : {}),
    };
  }
  return { kind: 'result', result: answer as CallToolResult };
}
