/**
 * An existing Express app that adds mcpo to itself: two MCP servers mounted
 * under their own paths, behind the app's own bearer-token middleware, with
 * two of mcpo's app-wide checks borrowed for the whole app.
 *
 *   npm run build && npx tsx examples/embed.ts
 *   curl -H 'Authorization: Bearer change-me' -H 'Content-Type: application/json' \
 *        -d '{"timezone":"Asia/Tokyo"}' http://127.0.0.1:8000/time/get_current_time
 *   open http://127.0.0.1:8000/time/docs
 *
 * test/examples.test.ts runs this file, so it cannot drift from the README.
 */
import { timingSafeEqual } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler } from 'express';
import { consoleLogger, hostCheck, jsonErrorHandler, mcpoRouter, requestId, type McpoRouter } from 'mcpo';

/**
 * Your app's own auth; mcpo leaves auth to the app it is mounted in. Here the
 * docs and documents (GET) are public and tool calls (POST) need the token.
 */
function requireToken(token: string): RequestHandler {
  const expected = Buffer.from(`Bearer ${token}`);
  return function checkToken(req, res, next) {
    if (req.method === 'GET') return next();
    const given = Buffer.from(req.get('authorization') ?? '');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return next();
    res.status(401).set('WWW-Authenticate', 'Bearer').json({ ok: false, error: { message: 'Unauthorized', code: 'unauthorized' } });
  };
}

export function createExampleApp(token: string): { app: express.Express; routers: McpoRouter[] } {
  const time = mcpoRouter({
    command: process.execPath,
    // The example server is TypeScript; tsx runs it. A real server is usually a plain command.
    args: ['--import', import.meta.resolve('tsx'), fileURLToPath(new URL('./servers/time.ts', import.meta.url))],
  });
  const everything = mcpoRouter({
    command: process.execPath,
    args: [fileURLToPath(import.meta.resolve('@modelcontextprotocol/server-everything/dist/index.js')), 'stdio'],
  });

  const app = express();
  // It listens on loopback (below): answer only loopback Host names, so no web page can reach it by DNS rebinding.
  app.use(hostCheck());
  // One X-Request-Id per request, which mcpo's error bodies repeat.
  app.use(requestId());
  app.get('/', (_req, res) => {
    res.json({ hello: 'this is your app', tools: ['/time/docs', '/everything/docs'] });
  });
  app.use('/time', requireToken(token), time);
  app.use('/everything', requireToken(token), everything);
  // hostCheck's 403 (and anything else thrown) as mcpo's JSON error body, never Express's HTML page.
  app.use(jsonErrorHandler(consoleLogger));
  return { app, routers: [time, everything] };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { app, routers } = createExampleApp(process.env.EXAMPLE_TOKEN ?? 'change-me');
  const port = Number(process.env.PORT ?? 8000);
  const stop = async (code: number) => {
    server.close();
    await Promise.all(routers.map((r) => r.close()));
    process.exit(code);
  };
  // Express 5 hands a listen error (EADDRINUSE: the port is taken) to this callback, not to an 'error' event.
  const server = app.listen(port, '127.0.0.1', (error) => {
    if (!error) return console.log(`listening on http://127.0.0.1:${port}`);
    console.error(`cannot listen on 127.0.0.1:${port}: ${error.message}`);
    void stop(1);
  });
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
}
