/**
 * One supervised MCP connection: its state machine, its client and
 * transport, its tool list, and the calls over it.
 *
 *   connecting ──▶ ready ──(process exit, dropped stream, expired session)──┐
 *       ▲  │                                                                  │
 *       │  └──(failed)──▶ backing-off ◀─────────────────────────────────────┘
 *       └──────(timer: exponential backoff with jitter)──┘      any ──▶ closed
 *
 * Every attempt opens a fresh client and transport (a new child process, a
 * new session) and lists the tools again (lib/mcp/tool-list.ts), so a server
 * that changed while it was away is served as it is now; it re-lists when
 * the server says the list changed; likewise the resources and prompts the
 * router asked to keep (lib/mcp/catalog.ts). Each attempt is a session
 * (lib/mcp/session.ts); a stdio child that exits or cannot be run is
 * described there, naming the server and quoting its stderr.
 *
 * This class composes the parts: its options (lib/mcp/upstream-options.ts),
 * where it stands (lib/mcp/upstream-standing.ts), the lists it keeps
 * (lib/mcp/upstream-lists.ts) and the supervisor that drives the machine
 * above (lib/mcp/upstream-supervisor.ts). It sends the calls itself, over
 * the session of the moment: tools through lib/mcp/tool-call.ts, resource
 * and prompt requests through lib/mcp/requests.ts. It knows nothing of
 * HTTP; the router maps what it throws with lib/http/errors.ts. A remote
 * server's work runs where the SDK's console output reaches this
 * connection's log (lib/mcp/sdk-console.ts).
 */
import type { Client, ServerCapabilities } from '@modelcontextprotocol/client';
import { BadRequestError, NotFoundError, type McpoError } from '../http/errors.js';
import type { ResolvedSpec } from './spec.js';
import type { UpstreamState, UpstreamStatus } from './status.js';
import { callTool, type CallOptions, type CallOutcome } from './tool-call.js';
import { request, type CallLink, type RequestLabel, type RequestOptions } from './requests.js';
import { sdkScope, type SdkScope } from './sdk-console.js';
import type { Session } from './session.js';
import type { AuthorizationFlow, AuthorizeOutcome } from './oauth/authorization-flow.js';
import type { Feature, UpstreamOptions } from './upstream-options.js';
import { Standing } from './upstream-standing.js';
import { UpstreamLists } from './upstream-lists.js';
import { Supervisor } from './upstream-supervisor.js';
import { ResourceSubscriptions, subscribeOn } from './subscriptions.js';

export type { ServerMeta, UpstreamState, UpstreamStatus } from './status.js';
export type { CallOptions, CallOutcome, InputRequired } from './tool-call.js';
export type { RequestLabel, RequestOptions } from './requests.js';
export type { Feature, UpstreamOptions } from './upstream-options.js';

export class Upstream {
  readonly #at: Standing;
  readonly #lists: UpstreamLists;
  readonly #supervisor: Supervisor;
  /** OAuth flows, for a remote server (authorization-flow.ts). */
  readonly #flow: AuthorizationFlow | undefined;
  /** Where the SDK's console output goes; undefined for stdio, where the SDK writes none for mcpo. */
  readonly #sdk: SdkScope | undefined;
  /** What a tool call needs of this connection (tool-call.ts). */
  readonly #link: CallLink<Session>;
  /**
   * Re-lists the tools. Notifications that arrive during a refresh are folded
   * into one more refresh after it, so the last list always wins.
   */
  readonly refreshTools: () => Promise<void>;
  /** Re-lists the catalog after the server said a list changed; folded like refreshTools. */
  readonly refreshCatalog: () => Promise<void>;
  /** In standby: what the caller's connection that listed the tools said it offers. */
  #adopted: ServerCapabilities | undefined;
  /** The resources MCP endpoint clients subscribed to, asked of the server once each (subscriptions.ts). */
  readonly #subscriptions: ResourceSubscriptions;

  constructor(
    readonly spec: ResolvedSpec,
    private readonly options: UpstreamOptions,
  ) {
    const provider = options.authorization?.provider;
    this.#sdk = spec.type === 'stdio' ? undefined : sdkScope(options.logger, () => provider?.secrets() ?? []);
    const at = (this.#at = new Standing(spec, options));
    this.#lists = new UpstreamLists(spec, options, at);
    this.refreshTools = this.#lists.refreshTools;
    this.refreshCatalog = this.#lists.refreshCatalog;
    const supervisor = (this.#supervisor = new Supervisor(spec, options, at, this.#lists));
    const flow = (this.#flow = supervisor.flow);
    this.#link = {
      type: spec.type,
      session: () => (at.state === 'ready' ? at.session : undefined),
      client: (session) => session.client,
      mirrored: (session, tool) => session.mirrored.get(tool),
      lost: (session, reason, now) => supervisor.lost(session, reason, now),
      unauthorized: (session) => flow !== undefined && at.current(session) && flow.refusedDuringCall(session),
      next: (deadline) => at.nextSession(deadline),
      unavailable: () => at.unavailable(),
    };
    const label = { subject: 'resources/subscribe', during: 'resources/subscribe' };
    this.#subscriptions = new ResourceSubscriptions(
      (uri) => this.request('resources', label, { timeoutMs: options.connectTimeoutMs }, (client, timeoutMs) => subscribeOn(client, uri, timeoutMs)),
      options.logger,
    );
    supervisor.hooks = { resourceUpdated: (uri) => this.#subscriptions.updated(uri), ready: () => this.#subscriptions.renew() };
    if (options.standby) {
      at.set('waiting-for-caller');
      at.settleFirst();
    } else this.#scoped(() => supervisor.start());
  }

  /** Runs `work` where the SDK's console output reaches this server's log (sdk-console.ts); a stdio server's, as it is. */
  #scoped<T>(work: () => T): T {
    return this.#sdk ? this.#sdk(work) : work();
  }

  /**
   * In standby: a caller's own connection `lister` has listed the tools (and
   * handed them on through its own hooks); this connection now stands for
   * the server as `ready`, offering what `lister` offers.
   */
  adopt(lister: Upstream | ServerCapabilities): void {
    if (!this.options.standby || this.#at.state === 'closed') return;
    // Or what a caller's connection offered when it listed the tools kept in the state store (router/personal.ts).
    this.#adopted = lister instanceof Upstream ? lister.capabilities() : lister;
    if (this.#at.state !== 'ready') this.#at.set('ready');
  }

  /** Resolves at the first successful connection; rejects if the first attempt fails (retries go on). */
  ready(): Promise<void> {
    return this.#at.ready();
  }

  status(): UpstreamStatus {
    return this.#at.status(this.#lists.tools.length);
  }

  /** The state alone, without building the whole status (the per-user pool reads it on every call). */
  get state(): UpstreamState {
    return this.#at.state;
  }

  /** The protocol version of the current or last connection, without building the whole status (a call's span reads it). */
  protocolVersion(): string | null {
    return this.#at.protocolVersion;
  }

  /** Seconds a caller should wait before trying again, for `Retry-After`. */
  retryAfter(): number {
    return this.#at.retryAfter();
  }

  /** A 503 that says why and when to come back (or which page a person must open). */
  unavailable(): McpoError {
    return this.#at.unavailable();
  }

  /** The authorize page (router/oauth-pages.ts): the URL to send the person to, 'connected' or 'authorized'; `reauthorize` signs in again beside working tokens. */
  authorize(redirectUrl: string, reauthorize = false): Promise<AuthorizeOutcome> {
    if (!this.#flow || this.#at.state === 'closed') return Promise.reject(this.unavailable());
    const flow = this.#flow;
    return this.#scoped(() => flow.authorize(redirectUrl, reauthorize));
  }

  /** The callback (router/oauth-pages.ts): the state the connection is in afterwards. */
  completeAuthorization(params: URLSearchParams): Promise<UpstreamState> {
    if (!this.#flow) return Promise.reject(new BadRequestError('This server does not use OAuth', undefined, 'no_pending_authorization'));
    const flow = this.#flow;
    return this.#scoped(() => flow.complete(params));
  }

  /** What the server of the current session declared it offers; undefined while there is none. */
  capabilities(): ServerCapabilities | undefined {
    return this.#at.session?.client.getServerCapabilities() ?? this.#adopted;
  }

  /** Calls a tool; throws McpoError or ProtocolError, never a raw transport error. */
  call(name: string, args: Record<string, unknown>, options: CallOptions): Promise<CallOutcome> {
    const called = this.#scoped(() => callTool(this.#link, name, args, options));
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
  async request<T>(feature: Feature | 'logging', label: RequestLabel, options: RequestOptions, send: (client: Client, timeoutMs: number) => Promise<T>): Promise<T> {
    const result = await this.#scoped(() =>
      request(this.#link, () => label, options, (session, timeoutMs) => {
        if (!session.client.getServerCapabilities()?.[feature]) {
          throw new NotFoundError(`MCP server "${this.options.name}" does not offer ${feature}`, `no_${feature}`);
        }
        return send(session.client, timeoutMs);
      }),
    );
    this.#flow?.answered();
    return result;
  }

  /** Calls `listener` whenever the server says the resource at `uri` changed, until the returned function is called. */
  subscribe(uri: string, listener: () => void): Promise<() => void> {
    return this.#subscriptions.add(uri, listener);
  }

  /** Ends the connection and any child process (stdin closed, then SIGTERM, then SIGKILL). */
  close(): Promise<void> {
    return this.#supervisor.close();
  }
}
