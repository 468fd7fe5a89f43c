/**
 * A source that answers its first call with how a call already ended: the
 * lean path (lean-answers.ts) made the call, and the SDK's path is to answer
 * what came of it (an error, the upstream's questions) by its own rules,
 * without sending the call upstream a second time. Every later call, and
 * everything else, goes to the source itself.
 */
import type { Settled } from './lean-answers.js';
import type { McpSource } from './source.js';

export function replayedSource(source: McpSource, settled: Settled): McpSource {
  let replayed = false;
  const first = <T>(otherwise: () => Promise<T>): Promise<T> => {
    if (replayed) return otherwise();
    replayed = true;
    return 'error' in settled ? Promise.reject(settled.error) : Promise.resolve(settled.value as T);
  };
  return {
    ...source,
    callTool: (name, args, options) => first(() => source.callTool(name, args, options)),
    request: (method, params, signal, from) => first(() => source.request(method, params, signal, from)),
  };
}
