/**
 * What the MCP SDK writes to the console, sent to the logger of the server
 * whose work wrote it. The SDK has no logger option: it calls `console.warn`
 * (an `invalid_grant` during a token refresh, a failed refresh, a tool
 * excluded from `tools/list` for a bad `x-mcp-header`) and `console.debug`.
 * So the console is wrapped, once, the first time a scope opens, and an
 * AsyncLocalStorage carries the server's logger through mcpo's own calls into
 * the SDK (`sdkScope`). A line is routed only when it is written inside such a
 * scope and by the SDK's code; anything else (the embedding app's own output,
 * the SDK used by that app outside mcpo) reaches the console untouched.
 *
 * The logger a scope carries is the server's: in the command that is
 * app/secrets.ts's `serverLogger`, which names the server and redacts the
 * config's secrets. The scope masks, before that, the secrets the server's
 * OAuth provider holds at the moment (mcp/oauth/provider.ts), which no config
 * names: an authorization server's error the SDK quotes may echo a token.
 *
 * Only remote servers open scopes (upstream.ts): every console call the SDK
 * can make on mcpo's behalf is about OAuth or Streamable HTTP, and an
 * AsyncLocalStorage in use costs every promise of the process a little, which
 * a process with only stdio servers does not pay.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { format } from 'node:util';
import type { Logger } from '../common/log.js';
import { createRedactor } from '../common/redact.js';

/** Whose log a line goes to, and what it must not show. */
interface Scope {
  logger: Logger;
  secrets: () => Iterable<string>;
}

const scope = new AsyncLocalStorage<Scope>();

/** console method → mcpo level. */
const LEVELS = { debug: 'debug', info: 'info', log: 'info', warn: 'warn', error: 'error' } as const;
type ConsoleMethod = keyof typeof LEVELS;

const SDK_CODE = /[\\/]@modelcontextprotocol[\\/]/;
let installed = false;

/** True when the frame that called `wrapper` is the SDK's. Costs a stack capture, so only a line inside a scope pays it. */
function calledFromSdk(wrapper: (...args: unknown[]) => void): boolean {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 1;
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, wrapper);
  Error.stackTraceLimit = limit;
  return SDK_CODE.test(holder.stack ?? '');
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const method of Object.keys(LEVELS) as ConsoleMethod[]) {
    const original = console[method];
    const routed = function (...args: unknown[]): void {
      const store = scope.getStore();
      if (store === undefined || !calledFromSdk(routed)) return original.apply(console, args);
      const line = createRedactor(store.secrets())(format(...args));
      // Outside the scope, so a logger that itself writes to the console is not routed back to itself.
      scope.exit(() => store.logger[LEVELS[method]](line));
    };
    console[method] = routed;
  }
}

/** Runs work so that the SDK's console output goes to one server's log; made once per connection. */
export type SdkScope = <T>(work: () => T) => T;

/** A scope for `logger`, masking what `secrets` returns when a line is written; it follows every callback and promise the work starts. */
export function sdkScope(logger: Logger, secrets: () => Iterable<string> = () => []): SdkScope {
  const store: Scope = { logger, secrets };
  return (work) => {
    install();
    return scope.run(store, work);
  };
}
