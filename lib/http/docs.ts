/**
 * Swagger UI for one router, from swagger-ui-dist's static files.
 *
 * The page holds no state of its own: a small static script finds the spec
 * next to wherever the page is served (`<mount>/openapi.json`), so any number
 * of routers in one app each show their own document, and a reverse-proxy
 * prefix just works. It never loads a spec named in the query string, has
 * Swagger's online validator switched off (the layout used shows no badge,
 * but a future one must not send the spec's address out), and shows what
 * servers wrote as text, never as HTML (docs-init.ts).
 *
 * Also the way in for a browser: the root of a mount redirects to its docs.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { RequestHandler } from 'express';
import { DOCS_INIT } from './docs-init.js';
import { decodeSegment } from './path-segment.js';

const require = createRequire(import.meta.url);
const DIST = path.dirname(require.resolve('swagger-ui-dist/package.json'));
/** Only what the page needs; the package's own index.html would load the petstore demo. */
const ASSETS = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png', 'favicon-16x16.png']);

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API docs</title>
<link rel="stylesheet" href="docs/swagger-ui.css">
<link rel="icon" type="image/png" href="docs/favicon-32x32.png" sizes="32x32">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/init.js"></script>
</body>
</html>
`;

/**
 * Serves `/docs` and `/docs/<asset>`, relative to where it is mounted.
 * One function rather than a Router of four routes: every tool call passes
 * by here on its way to the tools, and each route would cost it a path match.
 */
export function docsPages(): RequestHandler {
  return function docs(req, res, next) {
    const path = req.path;
    if (!path.startsWith('/docs')) return next();
    let serve: (() => void) | undefined;
    if (path === '/docs') {
      serve = () => res.type('html').set('Cache-Control', 'no-cache').send(PAGE);
    } else if (path === '/docs/') {
      // Relative asset links resolve against the page's URL; with a trailing slash they would miss.
      serve = () => res.redirect(301, '../docs');
    } else if (path === '/docs/init.js') {
      serve = () => res.type('js').set('Cache-Control', 'no-cache').send(DOCS_INIT);
    } else if (path.charCodeAt(5) === 47 /* '/' */) {
      const asset = decodeSegment(path.slice(6));
      if (ASSETS.has(asset)) serve = () => res.sendFile(asset, { root: DIST, maxAge: '1d' });
    }
    if (!serve) return next();
    if (req.method === 'GET' || req.method === 'HEAD') return serve();
    if (req.method === 'OPTIONS') return void res.set('Allow', 'GET, HEAD').status(204).end();
    next();
  };
}

/**
 * `GET`/`HEAD` of the mount's root answer 302 to the docs page, so a browser
 * pointed at mcpo lands on them; every other method falls through (to a JSON
 * 404). The location is relative to the URL the browser asked for (`/` and
 * `/api/` → `docs`, `/api` → `api/docs`), so it holds behind a proxy that
 * strips a path in front, with or without `--root-path`. 302, not 301: a
 * permanent redirect is cached by the browser for good, and what answers at
 * this address may change with the next config or version.
 */
export function rootToDocs(): RequestHandler {
  return function rootToDocs(req, res, next) {
    // The method first: a tool call (POST) skips parsing the path.
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.path !== '/') return next();
    const asked = req.originalUrl.split('?', 1)[0]!;
    const last = asked.slice(asked.lastIndexOf('/') + 1);
    // A colon in a relative reference's first segment would read as a scheme; "./" keeps it a path.
    res.redirect(302, last === '' ? 'docs' : `${last.includes(':') ? './' : ''}${last}/docs`);
  };
}
