/**
 * The sign-ins a provider (provider.ts) has started and not yet seen called
 * back: each `state` is stored with its PKCE verifier and whose sign-in it is
 * (state/auth-records.ts), good once and for ten minutes, so the callback is
 * checked against a forged or replayed redirect (RFC 6749 §10.12) and may
 * land on any replica sharing the store.
 */
import { randomBytes } from 'node:crypto';
import { serverKey, type AuthRecords, type ServerRef } from '../../state/auth-records.js';

export class PendingFlows {
  /** The `state` of the flow the SDK is starting, until its verifier is stored beside it. */
  #starting: string | undefined;

  constructor(
    private readonly records: AuthRecords,
    private readonly ref: ServerRef,
    private readonly caller: string | undefined,
  ) {}

  /** A new `state`, for the flow the SDK is starting. */
  issue(): string {
    this.#starting = randomBytes(24).toString('base64url');
    return this.#starting;
  }

  /** The SDK has the flow's verifier: stored beside its `state`. */
  async started(verifier: string, redirectUrl: string | undefined): Promise<void> {
    const state = this.#starting;
    this.#starting = undefined;
    if (state === undefined || redirectUrl === undefined) return;
    const caller = this.caller;
    await this.records.putFlow(state, { server: serverKey(this.ref), ...(caller !== undefined ? { caller } : {}), verifier, redirectUrl });
  }

  /** The verifier of the flow `state` names, once, if this server and caller started it; undefined for a replay or a forgery. */
  async take(state: string | null): Promise<string | undefined> {
    if (state === null) return undefined;
    const flow = await this.records.takeFlow(state);
    return flow && flow.server === serverKey(this.ref) && flow.caller === this.caller ? flow.verifier : undefined;
  }
}
