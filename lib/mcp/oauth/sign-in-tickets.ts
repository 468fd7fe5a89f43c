/**
 * The tickets in a `perUser` server's sign-in links: a person opens the link
 * in a browser, which sends no credential, so the link itself says whose
 * sign-in it starts. A ticket names the server and the caller (by the key
 * of state/auth-records.ts, never their id in clear), is signed with a key
 * every replica shares through the store, lapses after ten minutes and is
 * good once (its use is recorded in the store, so a replay on another
 * replica is refused too).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { BadRequestError, ForbiddenError } from '../../http/errors.js';
import { serverKey, type AuthRecords, type ServerRef } from '../../state/auth-records.js';

/** How long a sign-in link may wait before it is opened. */
export const TICKET_TTL_MS = 10 * 60_000;

interface Claims {
  /** The server's key. */
  s: string;
  /** The caller's key. */
  c: string;
  /** When it lapses, ms since the epoch. */
  e: number;
  /** Its id, for the once-only check. */
  n: string;
}

const refused = (why: string) => new BadRequestError(`This sign-in link ${why}; call the tool again for a new one`, undefined, 'invalid_ticket');

export class SignInTickets {
  /** The signing key, once read from the store: minting then needs no round trip. */
  #key: Buffer | undefined;

  constructor(
    private readonly records: AuthRecords,
    private readonly ref: ServerRef,
  ) {}

  /** Reads the signing key, so that `mintNow` can be called. */
  async ready(): Promise<void> {
    this.#key ??= await this.records.secret('sign-in-tickets');
  }

  /** A ticket for `caller` to sign in to this server. */
  async mint(caller: string): Promise<string> {
    await this.ready();
    return this.mintNow(caller);
  }

  /** As `mint`, once `ready()` has resolved. */
  mintNow(caller: string): string {
    const claims: Claims = { s: serverKey(this.ref), c: caller, e: Date.now() + TICKET_TTL_MS, n: randomBytes(12).toString('base64url') };
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${payload}.${this.#mac(payload)}`;
  }

  /**
   * The caller a ticket names, the first time it is shown within its ten
   * minutes; a 400 `invalid_ticket` otherwise. `shownBy`, the caller whose
   * credentials came with it, must be that caller (403 `ticket_not_yours`),
   * and such a refusal leaves the ticket unused for its owner.
   */
  async redeem(ticket: string, shownBy?: string): Promise<string> {
    const [payload, mac, extra] = ticket.split('.');
    if (payload === undefined || mac === undefined || extra !== undefined) throw refused('is not one mcpo made');
    await this.ready();
    const expected = Buffer.from(this.#mac(payload));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw refused('is not one mcpo made');
    let claims: Partial<Claims>;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<Claims>;
    } catch {
      throw refused('is not one mcpo made');
    }
    if (claims.s !== serverKey(this.ref) || typeof claims.c !== 'string' || typeof claims.n !== 'string' || typeof claims.e !== 'number') throw refused('is for another server');
    const left = claims.e - Date.now();
    if (left <= 0) throw refused('has expired');
    if (shownBy !== undefined && shownBy !== claims.c) throw new ForbiddenError('This sign-in link was made for another caller', 'ticket_not_yours');
    if (!(await this.records.useTicket(claims.n, left))) throw refused('was used already');
    return claims.c;
  }

  #mac(payload: string): string {
    if (!this.#key) throw new Error('SignInTickets: ready() first');
    return createHmac('sha256', this.#key).update(`mcpo sign-in ticket.${payload}`).digest('base64url');
  }
}
