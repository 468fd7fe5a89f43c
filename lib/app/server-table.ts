/**
 * The table of mounted servers, and reloads that replace it.
 *
 * The table is replaced whole, never edited, so a request that read it on
 * arrival finishes with the router it found. A reload builds the next table
 * from a new list of entries: unchanged servers keep their router and process,
 * added ones are mounted at once, changed ones are swapped in once their new
 * router is ready, and the routers left behind are closed when their last
 * call in flight has finished. Reloads queue up and never overlap. It knows
 * nothing of HTTP routes; lib/app/prefix-routes.ts serves what the table holds.
 */
import type { Logger } from '../common/log.js';
import type { McpoRouter } from '../router/mcpo-router.js';
import { diffServers, isEmptyDiff } from './config-diff.js';
import type { ServerEntry } from './server-entry.js';
import { InFlight } from './in-flight.js';

export interface Mounted {
  entry: ServerEntry;
  router: McpoRouter;
  /** Its path below the prefix, e.g. `/time`. */
  path: string;
  /** Requests this router is serving; after a reload it is closed only once they are done. */
  inFlight: InFlight;
}

export interface ReloadResult {
  /** False when nothing changed (or every change failed to start); the generation then stays. */
  applied: boolean;
  generation: number;
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: string[];
  /** Changed servers whose new router could not start; their old one keeps serving. */
  failed: { name: string; error: string }[];
}

export interface ServerTableOptions {
  /** Builds a router for an entry; it starts connecting at once. */
  mount: (entry: ServerEntry) => McpoRouter;
  logger: Logger;
  /** Masks secrets in the error text of a server that failed to start. */
  redact: (text: string) => string;
}

export class ServerTable {
  #current: ReadonlyMap<string, Mounted>;
  /** Routers being started by a reload, or waiting for their last call before they close. */
  readonly #detached = new Set<McpoRouter>();
  #closed = false;
  #generation = 1;
  #lastReload: string | null = null;
  #failures: ReloadResult['failed'] = [];
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    entries: readonly ServerEntry[],
    private readonly options: ServerTableOptions,
  ) {
    this.#current = new Map(entries.map((entry) => [entry.name, this.#mount(entry)]));
  }

  /** The table of this moment; read it once per request. */
  get current(): ReadonlyMap<string, Mounted> {
    return this.#current;
  }
  /** 1 at start; one more for every applied reload. */
  get generation(): number {
    return this.#generation;
  }
  get lastReload(): string | null {
    return this.#lastReload;
  }
  /** True once close() was called; a reload then throws. */
  get closed(): boolean {
    return this.#closed;
  }
  /** Changed servers the last reload could not start. */
  get failures(): ReloadResult['failed'] {
    return this.#failures;
  }

  #mount(entry: ServerEntry): Mounted {
    return { entry, router: this.options.mount(entry), path: `/${encodeURIComponent(entry.name)}`, inFlight: new InFlight() };
  }

  /** Closes a router that left the table once its calls in flight are done. */
  #retire(m: Mounted): void {
    this.#detached.add(m.router);
    m.inFlight.whenIdle(() => void m.router.close().finally(() => this.#detached.delete(m.router)));
  }

  /** Applies a new list of servers after any reload under way. */
  reload(servers: readonly ServerEntry[]): Promise<ReloadResult> {
    const run = this.#queue.then(() => this.#apply(servers));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #apply(servers: readonly ServerEntry[]): Promise<ReloadResult> {
    if (this.#closed) throw new Error('the app is closed');
    const diff = diffServers([...this.#current.values()].map((m) => m.entry), servers);
    const names = {
      added: diff.added.map((e) => e.name),
      changed: diff.changed.map((e) => e.name),
      removed: diff.removed,
      unchanged: diff.unchanged.map((e) => e.name),
    };
    if (isEmptyDiff(diff)) {
      // The running servers are what the file says: an earlier failed change is moot.
      this.#failures = [];
      return { applied: false, generation: this.#generation, ...names, failed: [] };
    }

    // Added servers are mounted now, removed ones leave now (new requests get 404).
    const added = new Map(diff.added.map((entry) => [entry.name, this.#mount(entry)]));
    const order = (pick: (name: string) => Mounted | undefined): Map<string, Mounted> =>
      new Map(servers.flatMap((e) => {
        const m = pick(e.name);
        return m ? [[e.name, m] as const] : [];
      }));
    const before = this.#current;
    this.#current = order((name) => added.get(name) ?? before.get(name));
    for (const name of diff.removed) this.#retire(before.get(name)!);

    // Changed servers: the new router takes over only once it is ready.
    const fresh = diff.changed.map((entry) => this.#mount(entry));
    for (const m of fresh) this.#detached.add(m.router);
    const outcomes = await Promise.allSettled(fresh.map((m) => m.router.ready()));
    const swapped = new Map<string, Mounted>();
    const failed: ReloadResult['failed'] = [];
    fresh.forEach((m, i) => {
      this.#detached.delete(m.router);
      const outcome = outcomes[i]!;
      if (outcome.status === 'fulfilled' && !this.#closed) {
        swapped.set(m.entry.name, m);
        return;
      }
      const error = outcome.status === 'rejected'
        ? this.options.redact(outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason))
        : 'the app closed';
      failed.push({ name: m.entry.name, error });
      this.options.logger.warn('the changed server could not start; the previous one keeps serving', { server: m.entry.name, error });
      void m.router.close();
    });
    const current = this.#current;
    this.#current = order((name) => swapped.get(name) ?? current.get(name));
    for (const name of swapped.keys()) {
      const old = current.get(name);
      if (old) this.#retire(old);
    }

    this.#failures = failed;
    // Only changed servers that all failed to start: nothing was applied, and the generation stays.
    const applied = added.size + diff.removed.length + swapped.size > 0;
    if (applied) {
      this.#generation++;
      this.#lastReload = new Date().toISOString();
      this.options.logger.info('config reloaded', {
        generation: this.#generation,
        added: names.added.join(',') || undefined,
        changed: [...swapped.keys()].join(',') || undefined,
        removed: names.removed.join(',') || undefined,
        failed: failed.map((f) => f.name).join(',') || undefined,
      });
    }
    return { applied, generation: this.#generation, ...names, failed };
  }

  /** Resolves once every server has connected or failed; never rejects. */
  async ready(): Promise<void> {
    await Promise.allSettled([...this.#current.values()].map(({ router }) => router.ready()));
  }

  /** Closes every router, those a reload left behind included. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...[...this.#current.values()].map((m) => m.router), ...this.#detached].map((router) => router.close()));
  }
}
