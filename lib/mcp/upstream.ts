/**
 * One supervised MCP connection: its state machine, its client and
 * transport, its tool list.
 *
 *   connecting ──▶ ready ──(process exit, dropped stream, expired session)──┐
 *       ▲  │                                                                  │
 *       │  └──(failed)──▶ backing-off ◀─────────────────────────────────────┘
 *       └──────(timer: exponential backoff with jitter)──┘      any ──▶ closed
 *
 * Every attempt opens a fresh client and transport (a new child process, a
 * new session) and lists the tools again (tool-list.ts), so a server that
 * changed while it was away is served as it is now; it re-lists when the
 * server says the list changed; likewise the resources and prompts the
 * router asked to keep (catalog.ts). Calls go through tool-call.ts, and resource
 * and prompt requests through requests.ts, over the session of the moment.
 * Each attempt is a session (session.ts); a stdio child that exits or cannot
 * be run is described there, naming the server and quoting its stderr.
 * It knows nothing of HTTP; the router maps what it throws with
 * http/errors.ts.
 */
import type { Client, ServerCapabilities, Tool } from '@modelcontextprotocol/client';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { coalesced } from '../common/coalesce.js';
import { AuthorizationRequiredError, BadRequestError, NotFoundError, UnavailableError } from '../http/errors.js';
import type { Logger } from '../common/log.js';
import type { ResolvedSpec } from './spec.js';
import { serverMeta, type ServerMeta, type UpstreamState, type UpstreamStatus } from './status.js';
import { callTool, type CallOptions, type CallOutcome } from './tool-call.js';
import { request, type CallLink, type RequestLabel, type RequestOptions } from './requests.js';
import { closeSession, diedOfProbe, endReason, listenForChanges, openSession, STDERR_TAIL_CHARS, type Session } from './session.js';
import { messageOf } from './transport-errors.js';
import { listTools } from './tool-list.js';
import type { UpstreamAuthorization } from './oauth/authorization.js';
import { AuthorizationFlow } from './oauth/authorization-flow.js';
import { listCatalog, type Catalog, type CatalogFeature } from './catalog.js';

export type { ServerMeta, UpstreamState, UpstreamStatus } from './status.js';



export interface UpstreamOptions {
  /** The server's name in error messages ("MCP server "memory" exited …"). */
  name: string;
  logger: Logger;
  connectTimeoutMs: number;
  retryAfter: number;
  /** Delays between attempts to reach a server that failed or went away. */
  backoff: BackoffOptions;
  /** Called with the full tool list after connecting and after every change. */
  onTools: (tools: Tool[], meta: ServerMeta) => void;
  /** The features whose lists are kept (catalog.ts), for the documents. @default none */
  catalog?: readonly CatalogFeature[];
  /** Called with the catalog after connecting (before onTools) and after every change of it. */
  onCatalog?: (catalog: Catalog) => void;
  /** Features whose list changes are reported through onListChanged, kept or not (the MCP endpoint passes them on). @default none */
  watch?: readonly CatalogFeature[];
  /** The server said the list of `feature` changed (for a feature in `watch`). */
  onListChanged?: (feature: CatalogFeature) => void;
  /** Called on every change of state (connected, lost, closed…). */
  onState?: (state: UpstreamState) => void;
  /** OAuth for a remote server (authorization.ts); absent for stdio. */
  authorization?: UpstreamAuthorization;
}

export type { CallOptions, CallOutcome, InputRequired } from './tool-call.js';
export type { RequestLabel, RequestOptions } from './requests.js';

/** The server features beside tools that the router serves, as named in the server's capabilities. */
export type Feature = 'resources' | 'prompts' | 'completions';

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
  /** The authorization page was logged for the flow now waiting. */
  #announced = false;
  /** OAuth flows, for a remote server (authorization-flow.ts). */
  readonly #flow: AuthorizationFlow | undefined;
  #protocolVersion: string | null = null;
  /** A stdio server that died of the era probe: later attempts go straight to `initialize`. */
  #legacyOnly = false;
  #first: Promise<void>;
  #settleFirst: (err?: unknown) => void = () => {};
  /** Called on every state change; calls waiting for a new session listen here. */
  #watchers = new Set<() => void>();
  /** What a tool call needs of this connection (tool-call.ts). */
  readonly #link: CallLink<Session>;

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
    this.#link = {
      type: spec.type,
      session: () => (this.#state === 'ready' ? this.#session : undefined),
      client: (session) => session.client,
      mirrored: (session, tool) => session.mirrored.get(tool),
      lost: (session, reason, now) => this.#lost(session, reason, now),
      unauthorized: (session) =>
        this.#flow !== undefined && this.#session === session && this.#state === 'ready' && this.#flow.refusedDuringCall(session),
      next: (deadline) => this.#nextSession(deadline),
      unavailable: () => this.unavailable(),
    };
    this.#flow = options.authorization && new AuthorizationFlow(options.authorization, {
      state: () => this.#state,
      session: () => this.#session,
      park: (err, startedFlow) => this.#waitForPerson(err, startedFlow),
      lost: (session, reason, now) => this.#lost(session, reason, now),
      reconnect: () => this.#reconnect(),
      lastError: () => this.#lastError,
      personArrived: () => (this.#announced = true),
    });
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
      protocolVersion: this.#protocolVersion,
      lastError: this.#lastError,
      since: this.#since.toISOString(),
      restarts: this.#restarts,
      ...(this.#state === 'backing-off' ? { nextAttempt: new Date(this.#nextAttemptAt).toISOString() } : {}),
      ...(this.#state === 'needs-authorization' && this.options.authorization ? { authorize: this.options.authorization.page() } : {}),
      ...(pid !== undefined ? { pid } : {}),
      ...(this.spec.type === 'stdio' ? { stderr: this.#stderr } : {}),
    };
  }

  /** Seconds a caller should wait before trying again, for `Retry-After`. */
  retryAfter(): number {
    if (this.#state !== 'backing-off') return this.options.retryAfter;
    return Math.max(1, Math.ceil((this.#nextAttemptAt - Date.now()) / 1000));
  }

  /** A 503 that says why and when to come back (or which page a person must open). */
  unavailable(): UnavailableError | AuthorizationRequiredError {
    const auth = this.options.authorization;
    if (this.#state === 'needs-authorization' && auth) {
      return new AuthorizationRequiredError(`MCP server "${this.options.name}" needs authorization: open ${auth.page()} in a browser`, auth.page());
    }
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
    this.options.onState?.(state);
  }

  #open(): Session {
    const session: Session = openSession(this.spec, this.options.name, {
      onStderr: (chunk) => {
        this.#stderr = (this.#stderr + chunk).slice(-STDERR_TAIL_CHARS);
        this.options.logger.debug('server stderr', { chunk });
      },
      onToolsChanged: () => {
        if (this.#session === session) void this.refreshTools();
      },
      onCatalogChanged: (feature) => {
        if (this.#session !== session) return;
        if (this.options.watch?.includes(feature)) this.options.onListChanged?.(feature);
        void this.refreshCatalog();
      },
      onClosed: (reason) => this.#lost(session, reason),
      onBroken: (reason, now) => this.#lost(session, reason, now),
      onTransportError: (message) => this.options.logger.debug('transport error', { error: message }),
      onElicitationDeclined: () =>
        this.options.logger.warn('declined an elicitation request from a 2025-era server: mcpo answers input requests only in the 2026-07-28 era', {}),
    }, this.options.authorization?.provider);
    return session;
  }

  async #connect(): Promise<void> {
    const session = this.#open();
    this.#session = session;
    this.#setState('connecting');
    try {
      await this.options.authorization?.provider.load();
      await session.client.connect(session.built.transport, {
        timeout: this.options.connectTimeoutMs,
        ...(this.#legacyOnly ? { prior: { kind: 'legacy' as const } } : {}),
      });
      if (this.#session !== session) return;
      await this.#list(session);
      if (this.#session !== session) return;
      const catalog = await this.#listCatalog(session);
      if (this.#session !== session) return;
      await listenForChanges(session, this.#listenedFeatures, {
        current: () => this.#session === session && this.#state === 'ready',
        reopened: () => {
          void this.refreshTools();
          void this.refreshCatalog();
        },
        gone: (reason) => this.#lost(session, reason),
      });
      if (this.#session !== session) return;
      this.#protocolVersion = session.client.getNegotiatedProtocolVersion() ?? null;
      this.#readyAt = Date.now();
      this.#announced = false;
      this.#setState('ready');
      if (this.#restarts > 0) this.options.logger.info('MCP server connected again', { restarts: this.#restarts });
      else this.options.logger.debug('MCP server connected', { protocolVersion: this.#protocolVersion });
      this.options.onCatalog?.(catalog);
      this.options.onTools(this.#tools, serverMeta(session.client));
      this.#settleFirst();
    } catch (err) {
      // Closed, or replaced, while connecting: whoever did that owns the state now.
      if (this.#session !== session) return;
      if (!this.#legacyOnly && diedOfProbe(this.spec, err)) {
        this.options.logger.info('the MCP server ended the connection at the era probe; speaking the 2025 protocol to it', {});
        this.#legacyOnly = true;
        this.#session = undefined;
        void closeSession(session);
        void this.#connect();
        return;
      }
      if (this.#flow) {
        const wall = this.#flow.atWall(session, err);
        if (wall.waiting) return;
        err = wall.error;
      }
      // "Connection closed" says nothing; a child that exited or never ran is described instead.
      const ended = endReason(this.spec, this.options.name, session, false, err);
      const error = ended === undefined ? err : new Error(ended, { cause: err });
      this.#settleFirst(error);
      this.#retry(session, error);
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

  /**
   * The server wants a person to authorize mcpo. No retry is scheduled: the
   * session stays, for its transport to finish the exchange when the person
   * comes back through the callback. The page is logged once per flow.
   */
  #waitForPerson(err: unknown, startedFlow: boolean): void {
    const page = this.options.authorization?.page() ?? '';
    this.#setState('needs-authorization');
    const error = this.unavailable();
    this.#lastError = startedFlow ? error.message : `${error.message} (${messageOf(err)})`;
    this.#settleFirst(error);
    if (!this.#announced) {
      this.#announced = true;
      this.options.logger.warn('MCP server needs authorization: open this page in a browser', { page, reason: messageOf(err) });
    }
  }

  /** Drops the session of the moment and connects afresh; resolves when that attempt has ended. */
  async #reconnect(): Promise<void> {
    clearTimeout(this.#timer);
    const previous = this.#session;
    this.#session = undefined;
    if (previous) void closeSession(previous);
    this.#restarts++;
    await this.#connect();
  }

  /** The authorize page (oauth-routes.ts): the URL to send the person to, or 'connected'. */
  authorize(redirectUrl: string): Promise<URL | 'connected'> {
    if (!this.#flow || this.#state === 'closed') return Promise.reject(this.unavailable());
    return this.#flow.authorize(redirectUrl);
  }

  /** The callback (oauth-routes.ts): the state the connection is in afterwards. */
  completeAuthorization(params: URLSearchParams): Promise<UpstreamState> {
    if (!this.#flow) return Promise.reject(new BadRequestError('This server does not use OAuth', undefined, 'no_pending_authorization'));
    return this.#flow.complete(params);
  }

  /** Ends `session` and schedules the next attempt. */
  #retry(session: Session, err: unknown, now = false): void {
    this.#session = undefined;
    void closeSession(session);
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
    log(this.spec.type === 'stdio' ? 'MCP server did not start; retrying' : 'could not reach MCP server; retrying', {
      type: this.spec.type,
      error: message,
      retryInMs: delay,
    });
    this.#setState('backing-off', err);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#restarts++;
      void this.#connect();
    }, delay);
    // A pending retry must not keep a process alive that has nothing else to do.
    this.#timer.unref();
  }

  /**
   * Re-lists the tools. Notifications that arrive during a refresh are folded
   * into one more refresh after it, so the last list always wins.
   */
  readonly refreshTools = coalesced(async () => {
    const session = this.#session;
    if (!session || this.#state !== 'ready') return;
    try {
      await this.#list(session);
      if (this.#session !== session || this.#state !== 'ready') return;
      this.options.onTools(this.#tools, serverMeta(session.client));
    } catch (err) {
      this.options.logger.warn('could not re-list tools; keeping the previous list', { error: messageOf(err) });
    }
  });

  get #catalogFeatures(): readonly CatalogFeature[] {
    return this.options.catalog ?? [];
  }

  /** The features whose changes the listen stream of a 2026-07-28 server asks for: those kept and those watched. */
  get #listenedFeatures(): readonly CatalogFeature[] {
    const { catalog = [], watch = [] } = this.options;
    return watch.length === 0 ? catalog : [...new Set([...catalog, ...watch])];
  }

  /** What the server of the current session declared it offers; undefined while there is none. */
  capabilities(): ServerCapabilities | undefined {
    return this.#session?.client.getServerCapabilities();
  }

  #listCatalog(session: Session): Promise<Catalog> {
    if (this.#catalogFeatures.length === 0) return Promise.resolve({});
    return listCatalog(session.client, this.#catalogFeatures, this.options.connectTimeoutMs, this.options.logger);
  }

  /** Re-lists the catalog after the server said a list changed; folded like refreshTools. */
  readonly refreshCatalog = coalesced(async () => {
    const session = this.#session;
    if (!session || this.#state !== 'ready' || this.#catalogFeatures.length === 0) return;
    const catalog = await this.#listCatalog(session);
    if (this.#session === session && this.#state === 'ready') this.options.onCatalog?.(catalog);
  });

  /** Lists the tools over `session` and keeps them, unless the session was replaced meanwhile. */
  async #list(session: Session): Promise<void> {
    const headerRules = this.spec.type === 'streamable-http' && session.client.getProtocolEra() === 'modern';
    const { tools, mirrored } = await listTools(session.client, this.options.connectTimeoutMs, this.options.logger, headerRules);
    if (this.#session !== session) return;
    this.#tools = tools;
    session.mirrored = mirrored;
  }

  /** Calls a tool; throws McpoError or ProtocolError, never a raw transport error. */
  call(name: string, args: Record<string, unknown>, options: CallOptions): Promise<CallOutcome> {
    const called = callTool(this.#link, name, args, options);
    const flow = this.#flow;
    // Only a server behind OAuth counts the calls it answered; a stdio call pays no extra promise.
    return flow
      ? called.then((outcome) => {
          flow.answered();
          return outcome;
        })
      : called;
  }

  /**
   * Sends a resource or prompt request (resources.ts, prompts.ts) as tool
   * calls are sent (requests.ts); a 404 without asking when the server of
   * this session does not offer `feature`.
   */
  async request<T>(feature: Feature, label: RequestLabel, options: RequestOptions, send: (client: Client, timeoutMs: number) => Promise<T>): Promise<T> {
    const result = await request(this.#link, () => label, options, (session, timeoutMs) => {
      if (!session.client.getServerCapabilities()?.[feature]) {
        throw new NotFoundError(`MCP server "${this.options.name}" does not offer ${feature}`, `no_${feature}`);
      }
      return send(session.client, timeoutMs);
    });
    this.#flow?.answered();
    return result;
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

  /** Ends the connection and any child process (stdin closed, then SIGTERM, then SIGKILL). */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    clearTimeout(this.#timer);
    const session = this.#session;
    this.#session = undefined;
    this.#setState('closed');
    this.#settleFirst(new Error('closed before it connected'));
    if (session) await closeSession(session);
  }
}
