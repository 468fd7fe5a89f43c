/**
 * The port: an HTTP or HTTPS server (the TLS files read with
 * bin/startup-error.ts) listening on --host and --port, with the app behind
 * it once the app is made, the URL it ended up at, and why it could not
 * listen in a user's words. The server's limits on slow clients, and the
 * answers to requests too malformed or too slow to reach express, are
 * lib/http/server-limits.ts's; the refusals Node would make bare are
 * answered by lib/http/node-refusals.ts.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { errorBody, McpoError } from '../lib/http/errors.js';
import { answerConnect, answerExpectation, hostRequired } from '../lib/http/node-refusals.js';
import { sendJson } from '../lib/http/send-json.js';
import { applyServerLimits } from '../lib/http/server-limits.js';
import type { Logger } from '../lib/common/log.js';
import type { McpoApp } from '../lib/app/app.js';
import type { CliOptions } from './cli-options.js';
import { readText } from './startup-error.js';

/** The port, open: `serve` puts the app behind it once the app is made. */
export interface Listening {
  server: http.Server;
  serve(app: McpoApp): void;
}

/**
 * Until the app is in place every request is told to come back, as the app
 * tells a request for a server still connecting (503 with Retry-After; its
 * code is `starting`, `/healthz` included, where the app's report follows). The
 * port opens first because making the app means loading Express, the MCP
 * SDK and zod, most of a second on a small machine, and a supervisor or a
 * load balancer probing the port should find it open at once.
 */
function starting(_req: http.IncomingMessage, res: http.ServerResponse): void {
  // A code of its own, so a client (or a test) tells "the process is starting" from "a server is connecting".
  const err = new McpoError('mcpo is starting; try again in a moment', 503, 'starting', undefined, { 'Retry-After': '1' });
  for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value as string);
  sendJson(res, errorBody(err), err.status);
}

export function listen(options: CliOptions, logger: Logger): Promise<Listening> {
  let listener: http.RequestListener = hostRequired(starting);
  const dispatch: http.RequestListener = (req, res) => listener(req, res);
  const server = options.tls
    ? https.createServer({ cert: readText(options.tls.certFile, '--ssl-certfile'), key: readText(options.tls.keyFile, '--ssl-keyfile'), requireHostHeader: false }, dispatch)
    : http.createServer({ requireHostHeader: false }, dispatch);
  // Node 20 keeps only the first ~1000 header lines and drops the rest unread; with every line kept,
  // hostRequired's count of their size refuses what Node 20's parser lets past its 16 KiB (431).
  server.maxHeadersCount = 0;
  // The app's limits on slow clients (AppOptions.headersTimeout, requestTimeout), set as the app's limitServer sets them: Node reads them when it starts listening.
  applyServerLimits(server, { headersTimeout: options.headersTimeout, requestTimeout: options.requestTimeout, logger });
  server.on('checkExpectation', answerExpectation);
  server.on('connect', answerConnect);
  const serve = (app: McpoApp): void => {
    listener = hostRequired(app);
  };
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve({ server, serve });
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
