/**
 * The person at the browser, for the auth conformance driver: reads mcpo's
 * `/healthz`, opens a server's `authorizeUrl` and follows the redirects by
 * hand (to the suite's authorization server, which approves at once, and
 * back to mcpo's callback), carrying mcpo's cookies as a browser would.
 *
 * It only does what a person can do: load URLs and read what comes back. It
 * never talks to the authorization server on mcpo's behalf, and it does not
 * judge the outcome; the driver's auth plans do.
 */

/** What `/healthz` says of one server (the part the driver reads). */
export interface ServerHealth {
  connected: boolean;
  state: string;
  lastError: string | null;
  since: string;
  /** While `state` is `needs-authorization`: where a person starts the flow. */
  authorizeUrl?: string;
}

/** The last page the browser landed on, after the redirects. */
export interface Landing {
  url: string;
  status: number;
  /** Every URL loaded, in order, the first (mcpo's authorize) included. */
  hops: string[];
  /** When the last URL was requested (epoch ms): what mcpo does about it happens after. */
  at: number;
}

/** Enough to see an endless redirect loop as one. */
const MAX_HOPS = 10;
const POLL_MS = 50;

export class Person {
  /** mcpo's cookies (name → value), the only site whose cookies matter here. */
  readonly #cookies = new Map<string, string>();
  #authorizations = 0;

  constructor(
    readonly baseUrl: string,
    readonly serverName: string,
    readonly log: (line: string) => void,
  ) {}

  /** How many times this person has opened an authorize URL. */
  get authorizations(): number {
    return this.#authorizations;
  }

  async health(): Promise<ServerHealth> {
    const res = await fetch(`${this.baseUrl}/healthz`);
    const body = (await res.json()) as { servers?: Record<string, ServerHealth> };
    const server = body.servers?.[this.serverName];
    if (!server) throw new Error(`/healthz has no server "${this.serverName}": ${JSON.stringify(body)}`);
    return server;
  }

  /**
   * Waits until the server has settled: ready, backing off, closed, or
   * asking for authorization in a state entered at or after `since` (epoch
   * ms), so the ask that was already showing before a callback does not count
   * as a new one.
   */
  async settled(since: number, timeoutMs: number): Promise<ServerHealth> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const health = await this.health();
      const fresh = Date.parse(health.since) >= since;
      if (health.state !== 'connecting' && (health.state !== 'needs-authorization' || fresh)) return health;
      if (Date.now() > deadline) {
        throw new Error(`server still ${health.state} after ${timeoutMs} ms (since ${health.since}): ${health.lastError}`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /** Opens `authorizeUrl` and follows every redirect, logging each hop; returns where it stopped. */
  async authorize(authorizeUrl: string): Promise<Landing> {
    this.#authorizations += 1;
    const hops: string[] = [];
    let url = new URL(authorizeUrl, this.baseUrl).href;
    for (;;) {
      hops.push(url);
      const at = Date.now();
      const res = await fetch(url, { redirect: 'manual', headers: this.#cookieHeader(url) });
      this.#keepCookies(url, res);
      const location = res.headers.get('location');
      const text = location ? '' : (await res.text()).replace(/\s+/g, ' ').slice(0, 200);
      this.log(`GET ${url} -> ${res.status}${location ? ` ${location}` : ` ${text}`}`);
      if (res.status < 300 || res.status > 399 || !location) return { url, status: res.status, hops, at };
      if (hops.length >= MAX_HOPS) throw new Error(`more than ${MAX_HOPS} redirects from ${authorizeUrl}`);
      url = new URL(location, url).href;
    }
  }

  /** True when `url` is on mcpo (where its callback lives), not on the authorization server. */
  isMcpo(url: string): boolean {
    return new URL(url).origin === new URL(this.baseUrl).origin;
  }

  #cookieHeader(url: string): Record<string, string> {
    if (!this.isMcpo(url) || this.#cookies.size === 0) return {};
    return { Cookie: [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ') };
  }

  #keepCookies(url: string, res: Response): void {
    if (!this.isMcpo(url)) return;
    for (const cookie of res.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const eq = pair.indexOf('=');
      if (eq > 0) this.#cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }
}
