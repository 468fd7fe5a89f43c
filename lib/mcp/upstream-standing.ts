/**
 * Where one supervised connection (lib/mcp/upstream.ts) stands: its state
 * and since when, the session of the moment, the last error, the restarts,
 * when the next attempt runs, the protocol version negotiated and the stdio
 * child's stderr tail. From these it answers status(), retryAfter() and
 * unavailable(), wakes the calls waiting for a new session when the state
 * changes, and keeps the promise of the first connection. It records and
 * answers; what happens next is decided by the supervisor
 * (lib/mcp/upstream-supervisor.ts).
 */
import { AuthorizationRequiredError, capText, UnavailableError, type McpoError } from '../http/errors.js';
import type { ResolvedSpec } from './spec.js';
import { STDERR_TAIL_CHARS, type Session } from './session.js';
import type { UpstreamState, UpstreamStatus } from './status.js';
import { messageOf } from './transport-errors.js';
import type { UpstreamOptions } from './upstream-options.js';

export class Standing {
  #state: UpstreamState = 'connecting';
  #since = new Date();
  /** The attempt of the moment (connecting, ready or waiting for a person); none between attempts. */
  session: Session | undefined;
  lastError: string | null = null;
  restarts = 0;
  nextAttemptAt = 0;
  protocolVersion: string | null = null;
  #stderr = '';
  readonly #first: Promise<void>;
  #settleFirst: (err?: unknown) => void = () => {};
  /** Called on every state change; calls waiting for a new session listen here. */
  readonly #watchers = new Set<() => void>();

  constructor(
    private readonly spec: ResolvedSpec,
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
  }

  get state(): UpstreamState {
    return this.#state;
  }

  set(state: UpstreamState, error?: unknown): void {
    this.#state = state;
    this.#since = new Date();
    if (error !== undefined) this.lastError = messageOf(error);
    for (const watcher of [...this.#watchers]) watcher();
    this.options.onState?.(state);
  }

  /** Whether `session` is the session of the moment, and ready. */
  current(session: Session): boolean {
    return this.session === session && this.#state === 'ready';
  }

  /** Resolves at the first successful connection; rejects if the first attempt fails (retries go on). */
  ready(): Promise<void> {
    return this.#first;
  }

  /** Settles ready(): resolved without `err`; only the first call counts. */
  settleFirst(err?: unknown): void {
    this.#settleFirst(err);
  }

  /** Keeps the last few KiB of what the stdio child writes to stderr. */
  addStderr(chunk: string): void {
    this.#stderr = (this.#stderr + chunk).slice(-STDERR_TAIL_CHARS);
  }

  /** The connection's status, `tools` being the number it lists now. */
  status(tools: number): UpstreamStatus {
    const pid = this.session?.built.pid();
    return {
      state: this.#state,
      type: this.spec.type,
      tools,
      protocolVersion: this.protocolVersion,
      lastError: this.lastError,
      since: this.#since.toISOString(),
      restarts: this.restarts,
      ...(this.#state === 'backing-off' ? { nextAttempt: new Date(this.nextAttemptAt).toISOString() } : {}),
      ...(this.#state === 'needs-authorization' && this.options.authorization ? { authorize: this.options.authorization.page() } : {}),
      ...(pid !== undefined ? { pid } : {}),
      ...(this.spec.type === 'stdio' ? { stderr: this.#stderr } : {}),
    };
  }

  /** Seconds a caller should wait before trying again, for `Retry-After`. */
  retryAfter(): number {
    if (this.#state !== 'backing-off') return this.options.retryAfter;
    return Math.max(1, Math.ceil((this.nextAttemptAt - Date.now()) / 1000));
  }

  /** A 503 that says why and when to come back (or which page a person must open). */
  unavailable(): McpoError {
    const auth = this.options.authorization;
    if (this.#state === 'needs-authorization' && auth) {
      // One caller's own connection (`perUser`): that caller's sign-in link, not the server's page.
      if (auth.signInRequired) return auth.signInRequired();
      return new AuthorizationRequiredError(`MCP server "${this.options.name}" needs authorization: open ${auth.page()} in a browser`, auth.page());
    }
    if (this.#state === 'waiting-for-caller') {
      return new UnavailableError(`MCP server "${this.options.name}" waits for a first caller: its tools are listed from that caller's own connection`, this.retryAfter(), { state: this.#state });
    }
    const why =
      this.#state === 'closed' ? 'MCP server is closed'
      : this.#state === 'backing-off' ? 'MCP server is not reachable; retrying'
      : 'MCP server is not connected yet';
    // What /healthz says of it, so a caller reads why without access to /healthz: the first line in the message, all of it in `data`.
    const lastError = this.#state === 'closed' || this.lastError === null ? undefined : (this.options.redact ?? String)(this.lastError);
    if (lastError === undefined) return new UnavailableError(why, this.retryAfter(), { state: this.#state });
    return new UnavailableError(`${why}: ${capText(lastError.split('\n')[0]!)}`, this.retryAfter(), { state: this.#state, lastError: capText(lastError) });
  }

  /** Waits for the reconnect under way; a 503 if it fails or outlasts the call's deadline. */
  nextSession(deadline: number): Promise<Session> {
    return new Promise<Session>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#watchers.delete(check);
      };
      const check = (): void => {
        if (this.#state === 'connecting') return;
        done();
        if (this.#state === 'ready' && this.session) resolve(this.session);
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
}
