/**
 * The port: an HTTP or HTTPS server (the TLS files read with
 * bin/startup-error.ts) around the app, listening on --host and --port, the
 * URL it ended up at, and why it could not listen in a user's words. The
 * app sets the server's limits on slow clients, and answers requests too
 * malformed or too slow to reach express (lib/http/server-limits.ts); the
 * refusals Node would make bare are answered by lib/http/node-refusals.ts.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { answerConnect, answerExpectation, hostRequired } from '../lib/http/node-refusals.js';
import type { McpoApp } from '../lib/app/app.js';
import type { CliOptions } from './cli-options.js';
import { readText } from './startup-error.js';

export function listen(app: McpoApp, options: CliOptions): Promise<http.Server> {
  const listener = hostRequired(app);
  const server = options.tls
    ? https.createServer({ cert: readText(options.tls.certFile, '--ssl-certfile'), key: readText(options.tls.keyFile, '--ssl-keyfile'), requireHostHeader: false }, listener)
    : http.createServer({ requireHostHeader: false }, listener);
  app.limitServer(server);
  // Node 20 keeps only the first ~1000 header lines and drops the rest unread; with every line kept,
  // hostRequired's count of their size refuses what Node 20's parser lets past its 16 KiB (431).
  server.maxHeadersCount = 0;
  server.on('checkExpectation', answerExpectation);
  server.on('connect', answerConnect);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

export function baseUrl(server: http.Server, options: CliOptions): string {
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return `${options.tls ? 'https' : 'http'}://${host}:${port}`;
}

/** Why listen() failed, for "cannot listen on HOST:PORT: <why>". */
export function listenErrorReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code === 'EADDRINUSE' ? 'the address is in use' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EADDRNOTAVAIL' ? 'no such address on this machine' : e.message;
}
