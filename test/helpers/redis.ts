/**
 * Runs a real `redis-server` for a test, on a free port and in a fresh
 * directory, with an append-only file synced on every write as in
 * production, so that what Redis acknowledged survives a stop, a start and
 * even a SIGKILL. Every server started here is killed when the run ends,
 * whatever the tests did.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createClient, type RedisClientType } from 'redis';
import { silentLogger, type Logger } from '../../lib/common/log.js';
import { AuthRecords } from '../../lib/state/auth-records.js';
import { redisStore } from '../../lib/state/redis-store.js';
import type { Sealer } from '../../lib/state/sealed.js';
import type { StateStore } from '../../lib/state/state-store.js';
import { waitFor } from './wait.js';

const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';
const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface RedisServer {
  /** `redis://[:password@]127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Where Redis keeps its files; kept across stop/start. */
  readonly dir: string;
  /** Stops Redis gracefully (SIGTERM) and waits for it; `start` brings the same data back on the same port. */
  stop(): Promise<void>;
  /** Starts Redis again on the same port and directory, once it accepts connections. */
  start(): Promise<void>;
  /** An abrupt outage: SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
  /** Stops Redis and removes its directory. */
  close(): Promise<void>;
  /** Every key and its value (non-string values as `<type>`), read through a client of its own. */
  dump(): Promise<Record<string, string>>;
  /** Deletes every key, so the next test starts with an empty Redis. */
  flush(): Promise<void>;
}

/** A port the OS just called free. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Spawns redis-server and resolves once it says it accepts connections. */
function launch(args: string[]): Promise<ChildProcess> {
  const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`redis-server ${why}; output:\n${output}`));
    };
    const timer = setTimeout(() => fail(`was not ready within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    const onData = (chunk: string) => {
      output = (output + chunk).slice(-20_000);
      if (/Ready to accept connections/.test(output)) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(child);
      }
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output = (output + chunk).slice(-20_000)));
    child.once('error', (error) => fail(`could not start (${error.message}); install it, e.g. apt-get install redis-server`));
    child.once('exit', (code, signal) => fail(`exited with ${code ?? signal} before it was ready`));
  });
}

/** Runs `work` on a client of its own, closed afterwards. */
async function withClient<T>(url: string, work: (client: RedisClientType) => Promise<T>): Promise<T> {
  const client = createClient({ url, socket: { reconnectStrategy: false } }) as unknown as RedisClientType;
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    client.destroy();
  }
}

async function dumpAll(url: string): Promise<Record<string, string>> {
  return withClient(url, async (client) => {
    const all: Record<string, string> = {};
    for await (const page of client.scanIterator({ COUNT: 500 })) {
      for (const key of page) {
        const type = await client.type(key);
        all[key] = type === 'string' ? ((await client.get(key)) ?? '') : `<${type}>`;
      }
    }
    return all;
  });
}

export async function startRedis(options: { password?: string } = {}): Promise<RedisServer> {
  const { password } = options;
  const port = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mcpo-redis-'));
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--appendonly', 'yes',
    '--appendfsync', 'always',
    ...(password === undefined ? ['--protected-mode', 'no'] : ['--requirepass', password]),
  ];
  let child: ChildProcess | undefined = await launch(args);
  const auth = password === undefined ? '' : `:${encodeURIComponent(password)}@`;
  const url = `redis://${auth}127.0.0.1:${port}`;

  const end = async (signal: NodeJS.Signals): Promise<void> => {
    const current = child;
    child = undefined;
    if (!current) return;
    current.kill(signal);
    const timer = setTimeout(() => current.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited(current);
    clearTimeout(timer);
  };
  return {
    url,
    port,
    dir,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
    async start() {
      if (child) throw new Error('redis-server is already running');
      child = await launch(args);
    },
    async close() {
      await end('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
    dump: () => dumpAll(url),
    flush: () => withClient(url, async (client) => void (await client.flushAll())),
  };
}

/** A Redis store on `url` (its own connection, as a replica has), once it is connected. */
export async function connectedStore(url: string, logger: Logger = silentLogger, keyPrefix?: string): Promise<StateStore> {
  const store = redisStore(url, { logger, ...(keyPrefix === undefined ? {} : { keyPrefix }) });
  await waitFor(async () => store.connected() || undefined, 'the store to connect');
  return store;
}

/**
 * One redis-server for the enclosing suite (mocha hooks registered here):
 * `replica()` is AuthRecords over a store of its own, as each mcpo replica
 * has; after each test the stores are closed and Redis is emptied.
 */
export function redisReplicas(sealer: () => Sealer): { replica(): Promise<AuthRecords>; server(): RedisServer } {
  let redis: RedisServer | undefined;
  let stores: StateStore[] = [];
  before(async () => {
    redis = await startRedis();
  });
  after(() => redis?.close());
  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
    stores = [];
    await redis?.flush();
  });
  return {
    async replica() {
      const store = await connectedStore(redis!.url);
      stores.push(store);
      return new AuthRecords(store, sealer());
    },
    server: () => redis!,
  };
}
