/**
 * What OAuth to upstream servers keeps in the state store (state/state-store.ts),
 * and under which keys:
 *
 * - `client:<server>`: the registered client, the discovery state and what
 *   was learnt of a pre-registered client; one per server, shared by its callers;
 * - `tokens:<server>:-` (the server's own) or `tokens:<server>:u:<caller>`
 *   (one caller's, for `perUser`), each with a lock beside it for refreshes;
 * - `tools:<server>`: the tool list a caller's connection last listed, so a
 *   replica or a restart knows the tools before its own first caller;
 * - `flow:<state>`: a sign-in in progress (its PKCE verifier, whose it is),
 *   ten minutes and once; `ticket:<id>`: a ticket's use; `secret:<name>`:
 *   keys the replicas share (the tickets' signing key).
 *
 * `<server>` is a hash of the server's name and one of its name and URL, so
 * a server whose URL changes starts afresh, and `<caller>` a hash of the
 * caller's identity: the store never holds a user id in clear. Records that
 * hold secrets are sealed (state/sealed.ts) when `MCPO_STATE_KEY` is set.
 * It knows nothing of OAuth itself: mcp/oauth/provider.ts decides what to keep.
 */
import { createHash, randomBytes } from 'node:crypto';
import { isRecord } from '../common/is-record.js';
import { readLegacyAuth, removeLegacyAuth } from './legacy-files.js';
import type { Sealer } from './sealed.js';
import type { StateStore, StoreLock } from './state-store.js';

export interface ServerRef {
  readonly name: string;
  readonly url: string;
}

/** The client part of a server's OAuth state. */
export interface ClientRecord {
  clientInformation?: Record<string, unknown>;
  discoveryState?: Record<string, unknown>;
  preRegistered?: Record<string, unknown>;
}

/** A sign-in started and not yet called back. */
export interface FlowRecord {
  /** The server's key (serverKey), so a callback for another server is refused. */
  server: string;
  /** The caller's key, for a per-user sign-in; absent for the server's own. */
  caller?: string;
  verifier: string;
  redirectUrl: string;
}

const hash = (text: string, length: number): string => createHash('sha256').update(text).digest('hex').slice(0, length);

const CLIENT_KEYS = ['clientInformation', 'discoveryState', 'preRegistered'] as const;

/** The key of a server: by name (so all of a name's URLs can be forgotten at once), then by name and URL. */
export const serverKey = (ref: ServerRef): string => `${hash(ref.name, 16)}:${hash(`${ref.name}\0${ref.url}`, 16)}`;

/** The key of a verified caller: a hash of how they were verified and who they are. */
export const callerKey = (via: string, id: string): string => hash(`${via}\0${id}`, 32);

const tokensKey = (ref: ServerRef, caller: string | undefined): string => `tokens:${serverKey(ref)}:${caller === undefined ? '-' : `u:${caller}`}`;

/** How long a sign-in may take, from the authorize page to the callback. */
const FLOW_TTL_MS = 10 * 60_000;

export class AuthRecords {
  readonly #legacy = new Map<string, Promise<void>>();

  constructor(
    readonly store: StateStore,
    private readonly sealer: Sealer,
    /** The directory of a file store, where earlier versions' files may wait to be read. */
    private readonly legacyDir?: string,
  ) {}

  /** Several processes may share the store: a value held in memory may be stale. */
  get shared(): boolean {
    return this.store.type === 'redis';
  }

  async client(ref: ServerRef): Promise<ClientRecord> {
    await this.#adoptLegacy(ref);
    const record = await this.#read(`client:${serverKey(ref)}`);
    const client: ClientRecord = {};
    for (const key of CLIENT_KEYS) if (isRecord(record?.[key])) client[key] = record[key];
    return client;
  }

  async saveClient(ref: ServerRef, client: ClientRecord): Promise<void> {
    await this.#write(`client:${serverKey(ref)}`, client);
  }

  /** The server's own tokens (`caller` undefined) or one caller's. */
  async tokens(ref: ServerRef, caller?: string): Promise<Record<string, unknown> | undefined> {
    if (caller === undefined) await this.#adoptLegacy(ref);
    return this.#read(tokensKey(ref, caller));
  }

  async saveTokens(ref: ServerRef, caller: string | undefined, tokens: Record<string, unknown> | undefined): Promise<void> {
    const key = tokensKey(ref, caller);
    if (tokens === undefined) await this.store.delete(key);
    else await this.#write(key, tokens);
  }

  /** The lock that lets one process at a time refresh these tokens. */
  lockTokens(ref: ServerRef, caller: string | undefined, ttlMs: number): Promise<StoreLock | undefined> {
    return this.store.lock(`lock:${tokensKey(ref, caller)}`, ttlMs);
  }

  /** Whether some process holds that lock now. */
  async lockHeld(ref: ServerRef, caller: string | undefined): Promise<boolean> {
    return (await this.store.get(`lock:${tokensKey(ref, caller)}`)) !== undefined;
  }

  /** How many callers hold tokens for the server (never who). */
  async countCallers(ref: ServerRef): Promise<number> {
    return (await this.store.keys(`tokens:${serverKey(ref)}:u:`)).length;
  }

  /** Forgets every token, caller and client kept for the server `name`, at every URL; answers how many records went. */
  async forgetServer(name: string): Promise<number> {
    if (this.legacyDir !== undefined) await removeLegacyAuth(this.legacyDir, name);
    const byName = hash(name, 16);
    const counts = await Promise.all(['tokens', 'client', 'tools'].map((kind) => this.store.deletePrefix(`${kind}:${byName}:`)));
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Forgets the tokens of every caller of the server `name` (and its own), at every URL; answers how many. */
  forgetTokens(name: string): Promise<number> {
    return this.store.deletePrefix(`tokens:${hash(name, 16)}:`);
  }

  async tools(ref: ServerRef): Promise<Record<string, unknown> | undefined> {
    return this.#read(`tools:${serverKey(ref)}`, false);
  }

  async saveTools(ref: ServerRef, tools: Record<string, unknown>): Promise<void> {
    await this.store.set(`tools:${serverKey(ref)}`, JSON.stringify(tools));
  }

  async putFlow(state: string, flow: FlowRecord): Promise<void> {
    await this.store.set(`flow:${hash(state, 40)}`, this.sealer.seal(JSON.stringify(flow)), { ttlMs: FLOW_TTL_MS });
  }

  /** The flow `state` names, once. */
  async takeFlow(state: string): Promise<FlowRecord | undefined> {
    const stored = await this.store.take(`flow:${hash(state, 40)}`);
    const flow = stored === undefined ? undefined : parse(this.sealer.open(stored));
    return flow && typeof flow.server === 'string' && typeof flow.verifier === 'string' && typeof flow.redirectUrl === 'string' ? (flow as unknown as FlowRecord) : undefined;
  }

  /** True the first time a ticket is used, false for a replay. */
  useTicket(id: string, ttlMs: number): Promise<boolean> {
    return this.store.set(`ticket:${hash(id, 40)}`, '1', { ttlMs: Math.max(1, ttlMs), ifAbsent: true });
  }

  /** A random 32-byte key every process sharing the store agrees on, made by whichever asks first. */
  async secret(name: string): Promise<Buffer> {
    const key = `secret:${name}`;
    const made = this.sealer.seal(randomBytes(32).toString('base64url'));
    await this.store.set(key, made, { ifAbsent: true });
    const kept = await this.store.get(key);
    const opened = kept === undefined ? undefined : this.sealer.open(kept);
    // Sealed with a key no longer given: replace it (tickets in flight then fail, and are issued anew).
    if (opened === undefined) {
      await this.store.set(key, made);
      return Buffer.from(this.sealer.open(made)!, 'base64url');
    }
    return Buffer.from(opened, 'base64url');
  }

  async #read(key: string, sealed = true): Promise<Record<string, unknown> | undefined> {
    const stored = await this.store.get(key);
    if (stored === undefined) return undefined;
    return parse(sealed ? this.sealer.open(stored) : stored);
  }

  async #write(key: string, value: object): Promise<void> {
    await this.store.set(key, this.sealer.seal(JSON.stringify(value)));
  }

  /** An earlier version's file for this server, moved into the store the first time the server is read. */
  #adoptLegacy(ref: ServerRef): Promise<void> {
    if (this.legacyDir === undefined) return Promise.resolve();
    const id = serverKey(ref);
    let adopted = this.#legacy.get(id);
    if (!adopted) {
      const dir = this.legacyDir;
      adopted = (async () => {
        const old = await readLegacyAuth(dir, ref.name, ref.url);
        if (!old) return;
        const client: ClientRecord = {};
        for (const key of CLIENT_KEYS) if (isRecord(old.auth[key])) client[key] = old.auth[key];
        await this.saveClient(ref, client);
        if (isRecord(old.auth.tokens)) await this.saveTokens(ref, undefined, old.auth.tokens);
        // Only once the store holds it: a crash before this reads the old file again.
        await old.remove();
      })();
      this.#legacy.set(id, adopted);
      // A failed move is tried again at the next read.
      adopted.catch(() => this.#legacy.delete(id));
    }
    return adopted;
  }
}

function parse(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
