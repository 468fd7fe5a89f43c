/**
 * What one supervised connection (lib/mcp/upstream.ts) keeps of its
 * server's lists: the tools (lib/mcp/tool-list.ts) and the resources and
 * prompts the router asked to keep (lib/mcp/catalog.ts). They are listed
 * over every new session before it counts as ready, listened to for changes
 * (lib/mcp/session.ts), and listed again when the server says a list
 * changed; each new list goes out through onCatalog and onTools. Which
 * session is current it reads from where the connection stands
 * (lib/mcp/upstream-standing.ts); it never starts or ends one.
 */
import type { Tool } from '@modelcontextprotocol/client';
import { coalesced } from '../common/coalesce.js';
import type { ResolvedSpec } from './spec.js';
import { serverMeta } from './status.js';
import { listenForChanges, type Session } from './session.js';
import { messageOf } from './transport-errors.js';
import { listTools } from './tool-list.js';
import { listCatalog, type Catalog, type CatalogFeature } from './catalog.js';
import type { UpstreamOptions } from './upstream-options.js';
import type { Standing } from './upstream-standing.js';

export class UpstreamLists {
  #tools: Tool[] = [];

  constructor(
    private readonly spec: ResolvedSpec,
    private readonly options: UpstreamOptions,
    private readonly at: Standing,
  ) {}

  /** The tools listed over the last session that listed them. */
  get tools(): Tool[] {
    return this.#tools;
  }

  /**
   * Lists the tools and the catalog over a new `session`, and listens for
   * their changes (`gone` when that stream ends the session); undefined when
   * the session was replaced meanwhile.
   */
  async load(session: Session, gone: (reason: string) => void): Promise<Catalog | undefined> {
    await this.#list(session);
    if (this.at.session !== session) return undefined;
    const catalog = await this.#listCatalog(session);
    if (this.at.session !== session) return undefined;
    await listenForChanges(session, this.#listenedFeatures, {
      current: () => this.at.current(session),
      reopened: () => {
        void this.refreshTools();
        void this.refreshCatalog();
      },
      gone,
    });
    return this.at.session === session ? catalog : undefined;
  }

  /** Hands the lists of a session just ready to the router: the catalog first, then the tools. */
  report(session: Session, catalog: Catalog): void {
    this.options.onCatalog?.(catalog);
    this.options.onTools(this.#tools, serverMeta(session.client));
  }

  /** The server said on `session` that its tool list changed. */
  toolsChanged(session: Session): void {
    if (this.at.session === session) void this.refreshTools();
  }

  /** The server said on `session` that the list of `feature` changed. */
  catalogChanged(session: Session, feature: CatalogFeature): void {
    if (this.at.session !== session) return;
    if (this.options.watch?.includes(feature)) this.options.onListChanged?.(feature);
    void this.refreshCatalog();
  }

  /**
   * Re-lists the tools. Notifications that arrive during a refresh are folded
   * into one more refresh after it, so the last list always wins.
   */
  readonly refreshTools = coalesced(async () => {
    const session = this.at.session;
    if (!session || this.at.state !== 'ready') return;
    try {
      await this.#list(session);
      if (!this.at.current(session)) return;
      this.options.onTools(this.#tools, serverMeta(session.client));
    } catch (err) {
      this.options.logger.warn('could not re-list tools; keeping the previous list', { error: messageOf(err) });
    }
  });

  /** Re-lists the catalog after the server said a list changed; folded like refreshTools. */
  readonly refreshCatalog = coalesced(async () => {
    const session = this.at.session;
    if (!session || this.at.state !== 'ready' || this.#catalogFeatures.length === 0) return;
    const catalog = await this.#listCatalog(session);
    if (this.at.current(session)) this.options.onCatalog?.(catalog);
  });

  get #catalogFeatures(): readonly CatalogFeature[] {
    return this.options.catalog ?? [];
  }

  /** The features whose changes the listen stream of a 2026-07-28 server asks for: those kept and those watched. */
  get #listenedFeatures(): readonly CatalogFeature[] {
    const { catalog = [], watch = [] } = this.options;
    return watch.length === 0 ? catalog : [...new Set([...catalog, ...watch])];
  }

  #listCatalog(session: Session): Promise<Catalog> {
    if (this.#catalogFeatures.length === 0) return Promise.resolve({});
    return listCatalog(session.client, this.#catalogFeatures, this.options.connectTimeoutMs, this.options.logger);
  }

  /** Lists the tools over `session` and keeps them, unless the session was replaced meanwhile. */
  async #list(session: Session): Promise<void> {
    const headerRules = this.spec.type === 'streamable-http' && session.client.getProtocolEra() === 'modern';
    const { tools, mirrored } = await listTools(session.client, this.options.connectTimeoutMs, this.options.logger, headerRules);
    if (this.at.session !== session) return;
    this.#tools = tools;
    session.mirrored = mirrored;
  }
}
