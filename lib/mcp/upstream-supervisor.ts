/**
 * The supervision of one MCP connection (lib/mcp/upstream.ts, which draws
 * its state machine): each attempt opens a session (lib/mcp/session.ts),
 * connects it, has its lists loaded (lib/mcp/upstream-lists.ts) and counts
 * it ready; a session that fails or is lost is ended and the next attempt
 * is scheduled with backoff (lib/mcp/backoff.ts), or started at once for a
 * server that forgot our session; a server that wants a person waits in
 * `needs-authorization` while its OAuth flows run
 * (lib/mcp/oauth/authorization-flow.ts); close ends it all. Every
 * transition is recorded where the connection stands
 * (lib/mcp/upstream-standing.ts).
 * It sends no calls; upstream.ts does, over the session of the moment.
 */
import { backoffDelay } from './backoff.js';
import type { ResolvedSpec } from './spec.js';
import { closeSession, diedOfProbe, endReason, openSession, silenceReason, type Session } from './session.js';
import { messageOf } from './transport-errors.js';
import { AuthorizationFlow } from './oauth/authorization-flow.js';
import type { UpstreamOptions } from './upstream-options.js';
import type { Standing } from './upstream-standing.js';
import type { UpstreamLists } from './upstream-lists.js';

/** How often a connection waiting for a sign-in looks in a shared store for tokens another replica got. */
const SHARED_TOKENS_POLL_MS = 2_000;

export class Supervisor {
  #timer: NodeJS.Timeout | undefined;
  /** While waiting for a person with a shared store: the look for tokens another replica stored. */
  #watching: NodeJS.Timeout | undefined;
  /** Failed attempts in a row; the backoff grows with it. */
  #failures = 0;
  #readyAt = 0;
  /** The authorization page was logged for the flow now waiting. */
  #announced = false;
  /**
   * A stdio server that died at the era probe is taken for a 2025-era one:
   * later attempts go straight to `initialize` (`assumed`). It is said so
   * only once one connects (`confirmed`): a server that crashes at start
   * dies at the probe too, and the log should speak of its crash.
   */
  #legacy: 'no' | 'assumed' | 'confirmed' = 'no';
  /** OAuth flows, for a remote server (authorization-flow.ts). */
  readonly flow: AuthorizationFlow | undefined;
  /** Told of a changed subscribed resource, and of each session that became ready (the owner's subscriptions). */
  hooks = { resourceUpdated: (_uri: string): void => {}, ready: (): void => {} };

  constructor(
    private readonly spec: ResolvedSpec,
    private readonly options: UpstreamOptions,
    private readonly at: Standing,
    private readonly lists: UpstreamLists,
  ) {
    // Only a remote server is authorized.
    const url = spec.type === 'stdio' ? undefined : spec.url;
    this.flow = options.authorization && url && new AuthorizationFlow(options.authorization, {
      state: () => at.state,
      session: () => at.session,
      park: (err, startedFlow) => this.#waitForPerson(err, startedFlow),
      lost: (session, reason, now) => this.lost(session, reason, now),
      reconnect: () => this.#reconnect(),
      lastError: () => at.lastError,
      personArrived: () => (this.#announced = true),
      serverUrl: () => url,
    });
  }

  /** Starts the first attempt. */
  start(): void {
    void this.#connect();
  }

  #open(): Session {
    const { at, lists, options } = this;
    const session: Session = openSession(this.spec, options.name, {
      onStderr: (chunk) => {
        at.addStderr(chunk);
        options.logger.debug('server stderr', { chunk });
      },
      onToolsChanged: () => lists.toolsChanged(session),
      onCatalogChanged: (feature) => lists.catalogChanged(session, feature),
      onResourceUpdated: (uri) => this.hooks.resourceUpdated(uri),
      onClosed: (reason) => this.lost(session, reason),
      onBroken: (reason, now) => this.lost(session, reason, now),
      onTransportError: (message) => options.logger.debug('transport error', { error: message }),
      onElicitationDeclined: () =>
        options.logger.warn('declined an elicitation request from a 2025-era server: mcpo answers input requests only in the 2026-07-28 era', {}),
    }, options.authorization?.provider);
    return session;
  }

  async #connect(): Promise<void> {
    const { at, options } = this;
    const session = this.#open();
    at.session = session;
    at.set('connecting');
    try {
      await options.authorization?.provider.load();
      await session.client.connect(session.built.transport, {
        timeout: options.connectTimeoutMs,
        ...(this.#legacy !== 'no' ? { prior: { kind: 'legacy' as const } } : {}),
      });
      if (at.session !== session) return;
      const catalog = await this.lists.load(session, (reason) => this.lost(session, reason));
      if (catalog === undefined) return;
      if (this.#legacy === 'assumed') {
        this.#legacy = 'confirmed';
        options.logger.info('the MCP server ended the connection at the era probe; speaking the 2025 protocol to it', {});
      }
      at.protocolVersion = session.client.getNegotiatedProtocolVersion() ?? null;
      this.#readyAt = Date.now();
      this.#announced = false;
      at.set('ready');
      this.hooks.ready();
      if (at.restarts > 0) options.logger.info('MCP server connected again', { restarts: at.restarts });
      else options.logger.debug('MCP server connected', { protocolVersion: at.protocolVersion });
      this.lists.report(session, catalog);
      at.settleFirst();
    } catch (err) {
      // Closed, or replaced, while connecting: whoever did that owns the state now.
      if (at.session !== session) return;
      if (this.#legacy === 'no' && diedOfProbe(this.spec, err)) {
        options.logger.debug('the MCP server ended the connection at the era probe; trying the 2025 protocol', {});
        this.#legacy = 'assumed';
        at.session = undefined;
        void closeSession(session);
        void this.#connect();
        return;
      }
      if (this.flow) {
        const wall = this.flow.atWall(session, err);
        if (wall.waiting) return;
        err = wall.error;
      }
      // "Connection closed" and "Request timed out" say nothing; a child that exited, never ran or never answered is described instead.
      const ended = endReason(this.spec, options.name, session, false, err) ?? silenceReason(this.spec, options.name, session, err, options.connectTimeoutMs);
      const error = ended === undefined ? err : new Error(ended, { cause: err });
      at.settleFirst(error);
      this.#retry(session, error);
    }
  }

  /**
   * A ready session died: its calls in flight fail now (the SDK rejects them
   * as the client closes), and a new session is started. `now` skips the
   * backoff, for a server that is up but forgot our session.
   */
  lost(session: Session, reason: string, now = false): void {
    if (!this.at.current(session)) return;
    this.options.logger.warn('MCP connection lost; reconnecting', { type: this.spec.type, reason });
    // A connection that held for a while starts the backoff over.
    if (Date.now() - this.#readyAt > this.options.backoff.maxMs) this.#failures = 0;
    this.#retry(session, new Error(reason), now);
  }

  /**
   * The server wants a person to authorize mcpo. No retry is scheduled: the
   * session stays, for its transport to finish the exchange when the person
   * comes back through the callback. The page is logged once per flow.
   */
  #waitForPerson(err: unknown, startedFlow: boolean): void {
    const page = this.options.authorization?.page() ?? '';
    this.at.set('needs-authorization');
    const error = this.at.unavailable();
    this.at.lastError = startedFlow ? error.message : `${error.message} (${messageOf(err)})`;
    this.at.settleFirst(error);
    if (!this.#announced) {
      this.#announced = true;
      this.options.logger.warn('MCP server needs authorization: open this page in a browser', { page, reason: messageOf(err) });
    }
    this.#watchSharedTokens();
  }

  /**
   * With a state store other replicas share, the sign-in may finish on
   * another replica: this one looks for the tokens it stored now and then,
   * and connects with them once they are there.
   */
  #watchSharedTokens(): void {
    const auth = this.options.authorization;
    if (!auth?.provider.shared || auth.signInRequired || this.#watching) return;
    this.#watching = setInterval(() => {
      if (this.at.state !== 'needs-authorization') {
        clearInterval(this.#watching);
        this.#watching = undefined;
        return;
      }
      void auth.provider.hasStoredTokens().then((held) => {
        if (held && this.at.state === 'needs-authorization') void this.#reconnect();
      });
    }, SHARED_TOKENS_POLL_MS);
    this.#watching.unref();
  }

  /** Drops the session of the moment and connects afresh; resolves when that attempt has ended. */
  async #reconnect(): Promise<void> {
    clearTimeout(this.#timer);
    const previous = this.at.session;
    this.at.session = undefined;
    if (previous) void closeSession(previous);
    this.at.restarts++;
    await this.#connect();
  }

  /** Ends `session` and schedules the next attempt. */
  #retry(session: Session, err: unknown, now = false): void {
    const { at, options } = this;
    at.session = undefined;
    void closeSession(session);
    const message = messageOf(err);
    if (now) {
      at.lastError = message;
      at.restarts++;
      void this.#connect();
      return;
    }
    const delay = backoffDelay(this.#failures++, options.backoff);
    at.nextAttemptAt = Date.now() + delay;
    // The same failure again and again is logged once at warn, then at debug.
    const log = message === at.lastError ? options.logger.debug : options.logger.warn;
    log(this.spec.type === 'stdio' ? 'MCP server did not start; retrying' : 'could not reach MCP server; retrying', {
      type: this.spec.type,
      error: message,
      retryInMs: delay,
    });
    at.set('backing-off', err);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      at.restarts++;
      void this.#connect();
    }, delay);
    // A pending retry must not keep a process alive that has nothing else to do.
    this.#timer.unref();
  }

  /** Ends the connection and any child process (stdin closed, then SIGTERM, then SIGKILL). */
  async close(): Promise<void> {
    const { at } = this;
    if (at.state === 'closed') return;
    clearTimeout(this.#timer);
    clearInterval(this.#watching);
    const session = at.session;
    at.session = undefined;
    at.set('closed');
    at.settleFirst(new Error('closed before it connected'));
    if (session) await closeSession(session);
  }
}
