/**
 * A source that answers its first call with how a call already ended, or
 * with the call itself while it runs: the lean paths (lean-path.ts,
 * lean-session.ts) made the call, and the SDK's path is to answer what came
 * of it (an error, the upstream's questions, a call that took longer than
 * the lean path waits) by its own rules, without sending the call upstream
 * a second time. Every later call, and everything else, goes to the source
 * itself. The lean path hands the ending over in the request's `authInfo`
 * (`handOver`), which is how it reaches the proxy server's handler
 * (proxy-server.ts, `sourceFor`).
 */
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { Peer } from '../mcp/peer.js';
import type { McpSource } from './source.js';

/** The handler's side of a call handed over running: its cancel signal and its client. */
export interface Joiner {
  signal: AbortSignal;
  peer?: Peer | undefined;
}

/** How a call ended: its value or what it threw; or, for a call still running, its promise and how the handler joins it. */
export type Settled = { value: unknown } | { error: unknown } | { pending: Promise<unknown>; join(joiner: Joiner): void };

type Carrier = { auth?: AuthInfo };

/** Hands `settled` to the SDK's path with the request: `req.auth` must be set (http-endpoint.ts, withRequestContext). */
export function handOver(req: object, settled: Settled): void {
  ((req as Carrier).auth!.extra as { settled?: Settled }).settled = settled;
}

const settledOf = (authInfo: AuthInfo | undefined): Settled | undefined => (authInfo?.extra as { settled?: Settled } | undefined)?.settled;

/** The source a handler asks: one that answers from a handed-over ending first, when the request brought one. */
export function sourceFor(source: McpSource, authInfo: AuthInfo | undefined): McpSource {
  const settled = settledOf(authInfo);
  return settled ? replayedSource(source, settled) : source;
}

function replayedSource(source: McpSource, settled: Settled): McpSource {
  let replayed = false;
  const first = <T>(joiner: Joiner, otherwise: () => Promise<T>): Promise<T> => {
    if (replayed) return otherwise();
    replayed = true;
    if ('pending' in settled) {
      settled.join(joiner);
      return settled.pending as Promise<T>;
    }
    return 'error' in settled ? Promise.reject(settled.error) : Promise.resolve(settled.value as T);
  };
  return {
    ...source,
    callTool: (name, args, options) => first(options, () => source.callTool(name, args, options)),
    request: (method, params, signal, from) => first({ signal, peer: from.peer }, () => source.request(method, params, signal, from)),
  };
}
