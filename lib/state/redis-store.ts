/**
 * The state store on Redis, for several replicas that share their state
 * (the interface is state/state-store.ts). Keys live under one prefix, so
 * mcpo can share a Redis with other programs and `keys`/`deletePrefix` never
 * touch what is not its own.
 *
 * Redis may come and go: the store connects in the background and
 * reconnects forever, and while it is away every call fails at once with
 * `StateStoreUnavailableError` (a 503 with Retry-After) rather than waiting
 * for a connection that may not come back in time. It logs the outage once
 * when it starts and once when it ends, never per retry, and never the URL's
 * password. It does not seal values, and knows nothing of what they mean.
 */
import { randomBytes } from 'node:crypto';
import type { RedisClientType } from 'redis';
import type { Logger } from '../common/log.js';
import { StateStoreUnavailableError, type SetOptions, type StateStore, type StoreLock } from './state-store.js';

export interface RedisStoreOptions {
  logger: Logger;
  /** Put before every key, so mcpo's keys stay apart from others' in a shared Redis; default `mcpo:`. */
  keyPrefix?: string;
}

const URL_FORM = 'redis://[user:password@]host:port[/db] (or rediss:// for TLS)';
/** The longest wait between two connection attempts: Redis is used again within seconds of answering. */
const MAX_RETRY_MS = 2000;
const CONNECT_TIMEOUT_MS = 2000;
const SCAN_COUNT = 500;
/** How long `close` lets commands in flight finish before it cuts the connection. */
const CLOSE_GRACE_MS = 2000;
/** Deletes the lock only while it still holds this holder's token: an expired lock may be someone else's by now. */
const RELEASE_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * `url` as a URL once it has the form the store accepts. The messages never
 * quote the URL, since it may hold a password.
 */
export function parseRedisUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`The Redis URL is not a URL; write it as ${URL_FORM}`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new TypeError(`The Redis URL starts with ${parsed.protocol}//; write it as ${URL_FORM}`);
  }
  if (parsed.hostname === '') throw new TypeError(`The Redis URL names no host; write it as ${URL_FORM}`);
  if (!/^(\/\d*)?$/.test(parsed.pathname)) {
    throw new TypeError(`The Redis URL's path must be a database number such as /0; write it as ${URL_FORM}`);
  }
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new TypeError(`The Redis URL may not have a ?query or #fragment; write it as ${URL_FORM}`);
  }
  return parsed;
}

/** The URL as it may be logged: scheme, host, port and database, no credentials. */
function safeUrlOf(url: URL): string {
  const db = url.pathname.length > 1 ? url.pathname.slice(1) : '0';
  return `${url.protocol}//${url.hostname}:${url.port || '6379'}/${db}`;
}

/** A SCAN pattern that matches `text` literally, followed by anything. */
function prefixPattern(text: string): string {
  return `${text.replace(/[*?[\]\\]/g, '\\$&')}*`;
}

function checkTtl(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new TypeError(`ttlMs must be a positive number of milliseconds, got ${ttlMs}`);
  return Math.ceil(ttlMs);
}

/**
 * Tracks whether Redis answers and reports the changes: one log line and one
 * call of each listener per change, however many retries fail in between.
 */
function connectionWatch(logger: Logger, safeUrl: string, scrub: (text: string) => string) {
  let state: 'starting' | 'up' | 'down' = 'starting';
  const listeners: Array<(connected: boolean) => void> = [];
  const tell = (connected: boolean): void => {
    for (const listener of listeners) {
      try {
        listener(connected);
      } catch (error) {
        logger.error('state store connection listener failed', { error: scrub(String(error)) });
      }
    }
  };
  return {
    listeners,
    isUp: () => state === 'up',
    up(): void {
      if (state === 'up') return;
      state = 'up';
      logger.info('state store connected', { url: safeUrl });
      tell(true);
    },
    down(reason: unknown): void {
      if (state === 'down') return;
      state = 'down';
      const text = reason instanceof Error ? reason.message || reason.name : String(reason);
      logger.warn('state store unavailable', { url: safeUrl, reason: scrub(text) });
      tell(false);
    },
  };
}

type Client = RedisClientType;
type Watch = ReturnType<typeof connectionWatch>;
type Run = <T>(command: (client: Client) => Promise<T>) => Promise<T>;
type Commands = Omit<StateStore, 'type' | 'connected' | 'onConnection' | 'close'>;

/** A client that connects in the background, retrying forever, ups and downs told to `watch`; loaded here, so only a store on Redis pays for the library. */
async function openClient(url: URL, watch: Watch, closing: () => boolean): Promise<Client> {
  const { createClient } = await import('redis');
  const client = createClient({
    url: url.href,
    // Fail fast instead of queueing: a caller would rather answer 503 now than hang until Redis returns.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      // Never gives up (a number, never false): the store must come back by itself whenever Redis does.
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 10) + Math.floor(Math.random() * 100), MAX_RETRY_MS),
    },
  });
  // Without a listener an 'error' event would crash the process; every retry emits one.
  client.on('error', (error: unknown) => {
    if (!closing() && !client.isReady) watch.down(error);
  });
  client.on('reconnecting', () => {
    if (!closing()) watch.down('reconnecting');
  });
  client.on('ready', () => {
    if (!closing()) watch.up();
  });
  // connect() settles only once ready (or closed); the listeners above report on the way.
  client.connect().catch(() => {});
  return client as unknown as Client;
}

/** The store's operations, every key under `keyPrefix`, every call through `run` (which hands it the client). */
function commandsOn(keyPrefix: string, run: Run): Commands {
  const k = (key: string): string => keyPrefix + key;
  async function* pages(client: Client, prefix: string): AsyncGenerator<string[]> {
    for await (const page of client.scanIterator({ MATCH: prefixPattern(k(prefix)), COUNT: SCAN_COUNT })) {
      if (page.length > 0) yield page;
    }
  }
  return {
    get: async (key) => (await run((client) => client.get(k(key)))) ?? undefined,
    async set(key, value, options: SetOptions = {}) {
      const ttl = options.ttlMs === undefined ? undefined : checkTtl(options.ttlMs);
      const reply = await run((client) =>
        client.set(k(key), value, {
          ...(ttl === undefined ? {} : { expiration: { type: 'PX' as const, value: ttl } }),
          ...(options.ifAbsent ? { condition: 'NX' as const } : {}),
        }),
      );
      return reply !== null;
    },
    async delete(key) {
      await run((client) => client.del(k(key)));
    },
    take: async (key) => (await run((client) => client.getDel(k(key)))) ?? undefined,
    async keys(prefix) {
      // SCAN may return a key twice when the table grows during the walk.
      const found = new Set<string>();
      await run(async (client) => {
        for await (const page of pages(client, prefix)) for (const key of page) found.add(key.slice(keyPrefix.length));
      });
      return [...found];
    },
    deletePrefix: (prefix) =>
      run(async (client) => {
        let deleted = 0;
        // One DEL per page keeps each command small; SCAN tolerates deletions behind its cursor.
        for await (const page of pages(client, prefix)) deleted += await client.del(page);
        return deleted;
      }),
    async lock(key, ttlMs) {
      const ttl = checkTtl(ttlMs);
      const token = randomBytes(16).toString('base64url');
      const reply = await run((client) => client.set(k(key), token, { expiration: { type: 'PX', value: ttl }, condition: 'NX' }));
      if (reply === null) return undefined;
      const lock: StoreLock = {
        async release() {
          // An unreachable Redis is no failure here: the lock expires by itself after ttlMs.
          await run((client) => client.eval(RELEASE_SCRIPT, { keys: [k(key)], arguments: [token] })).catch(() => {});
        },
      };
      return lock;
    },
  };
}

/** Closes politely when connected, never waiting on a Redis that stopped answering (or a client never loaded). */
async function shutdown(opening: Promise<Client>): Promise<void> {
  const client = await opening.catch(() => undefined);
  if (!client) return;
  if (!client.isReady) {
    client.destroy(); // also ends the reconnect loop
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CLOSE_GRACE_MS)));
  const closed = client.close().then(() => true, () => false);
  if (!(await Promise.race([closed, grace]))) client.destroy();
  clearTimeout(timer);
}

export function redisStore(url: string, options: RedisStoreOptions): StateStore {
  const parsed = parseRedisUrl(url);
  const { logger } = options;
  const safeUrl = safeUrlOf(parsed);
  const secrets = [parsed.password, decodeURIComponent(parsed.password)].filter((s) => s.length > 0);
  // A socket error should not quote the password, but a log line is no place to find out.
  const scrub = (text: string): string => secrets.reduce((t, s) => t.split(s).join('***'), text);
  const watch = connectionWatch(logger, safeUrl, scrub);
  let closing: Promise<void> | undefined;
  let client: Client | undefined;
  const opening = openClient(parsed, watch, () => closing !== undefined).then((opened) => (client = opened));
  opening.catch((error: unknown) => watch.down(error));

  /** Any failure of the client becomes the one error callers know: never a raw client error. */
  async function run<T>(command: (client: Client) => Promise<T>): Promise<T> {
    if (closing || !client?.isReady) throw new StateStoreUnavailableError();
    try {
      return await command(client);
    } catch (error) {
      // A reply error is Redis refusing (OOM, READONLY, …), not an outage: worth a line of its own.
      if (error instanceof Error && error.constructor.name === 'ErrorReply') logger.error('state store command failed', { url: safeUrl, reason: scrub(error.message) });
      throw new StateStoreUnavailableError();
    }
  }
  return {
    type: 'redis',
    connected: () => !closing && watch.isUp() && client?.isReady === true,
    ...commandsOn(options.keyPrefix ?? 'mcpo:', run),
    redisClient: () => opening,
    onConnection(listener) {
      watch.listeners.push(listener);
    },
    close() {
      closing ??= shutdown(opening);
      return closing;
    },
  };
}
