/**
 * `createApp` on a real loopback port, set up as the command sets it on a
 * loopback bind (`allowedHosts: []`, so only loopback Host names are
 * answered), for tests whose clients need a URL: MCP clients, browsers,
 * load balancers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, silentLogger, type AppConfig, type AppOptions, type McpoApp } from '../../lib/index.js';

export interface ServedApp {
  app: McpoApp;
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  base: string;
  close(): Promise<void>;
}

/** Starts the app, waits until every server is ready, and listens; the app is closed if that fails. */
export async function serveApp(config: AppConfig, options: AppOptions = {}): Promise<ServedApp> {
  const app = createApp(config, { logger: silentLogger, allowedHosts: [], ...options });
  const server = http.createServer(app);
  try {
    await app.ready();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  } catch (err) {
    await app.close();
    throw err;
  }
  return {
    app,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await app.close();
    },
  };
}

/**
 * Opens the socket first and then makes the app, so the app can be given its
 * own address (as `publicUrl`, for OAuth redirects); `port` 0 picks one.
 */
export async function serveAtOwnAddress(makeApp: (base: string) => McpoApp, port = 0): Promise<ServedApp> {
  const server = http.createServer();
  server.listen(port, '127.0.0.1');
  await new Promise((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const app = makeApp(base);
  server.on('request', app);
  return {
    app,
    base,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await app.close();
    },
  };
}
