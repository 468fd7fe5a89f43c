/**
 * Swagger UI for one router, from swagger-ui-dist's static files.
 *
 * The page holds no state of its own: a small static script finds the spec
 * next to wherever the page is served (`<mount>/openapi.json`), so any number
 * of routers in one app each show their own document, and a reverse-proxy
 * prefix just works. It never loads a spec named in the query string, has
 * Swagger's online validator switched off (the layout used shows no badge,
 * but a future one must not send the spec's address out), and shows what
 * servers wrote as text, never as HTML.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { RequestHandler } from 'express';
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
 * Descriptions and titles come from MCP servers, which are not trusted to
 * write HTML into mcpo's origin: Swagger UI's Markdown component (markup
 * allowed, then sanitised) is replaced by one that shows the text as text.
 */
const INIT = `window.addEventListener('load', function () {
  var base = window.location.pathname.replace(/\\/docs\\/?$/, '');
  function plainText(Original, system) {
    return function (props) {
      var text = props.source == null ? '' : String(props.source);
      return system.React.createElement('div', { className: 'markdown', style: { whiteSpace: 'pre-wrap' } }, text);
    };
  }
  window.ui = SwaggerUIBundle({
    url: base + '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    queryConfigEnabled: false,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    plugins: [function () { return { wrapComponents: { Markdown: plainText } }; }],
    layout: 'BaseLayout'
  });
});
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
      serve = () => res.type('js').set('Cache-Control', 'no-cache').send(INIT);
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
