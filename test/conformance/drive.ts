/**
 * What both conformance drivers (driver.ts, auth-driver.ts) share: their log
 * line, the deadline under the suite's own per-client timeout, a loopback
 * HTTP server opened before the app (so the app may be told its address),
 * and the run that logs how it ended and closes everything either way.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Under the suite's own per-client timeout, so the driver closes mcpo itself. */
const DEADLINE_MS = 25_000;

export function log(line: string): void {
  process.stderr.write(`[driver] ${line}\n`);
}

/** Ends the process with code 3 when the driver runs out of time. */
export function armDeadline(): void {
  setTimeout(() => {
    log(`out of time after ${DEADLINE_MS} ms`);
    process.exit(3);
  }, DEADLINE_MS).unref();
}

export interface Loopback {
  server: Server;
  baseUrl: string;
  /** Hands the server's requests to the app, once it exists. */
  serve(app: RequestListener): void;
}

export async function openLoopback(): Promise<Loopback> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await new Promise((resolve, reject) => server.once('listening', resolve).once('error', reject));
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, serve: (app) => server.on('request', app) };
}

/** Runs the scenario's part: 0 when it went through, 1 when it failed (logged); the server and app are closed either way. */
export async function drive(loopback: Loopback, work: () => Promise<void>, closeApp: () => Promise<void> | undefined): Promise<number> {
  try {
    await work();
    log('done');
    return 0;
  } catch (err) {
    log(`failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    loopback.server.closeAllConnections();
    await new Promise((resolve) => loopback.server.close(resolve));
    await closeApp();
  }
}
