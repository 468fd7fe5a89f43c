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
import express, { type Router } from 'express';

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

/** Routes `/docs` and `/docs/<asset>`, relative to where the router is mounted. */
export function docsRouter(): Router {
  const router = express.Router({ caseSensitive: true, strict: true });
  router.get('/docs', function docsPage(_req, res) {
    res.type('html').set('Cache-Control', 'no-cache').send(PAGE);
  });
  // Relative asset links resolve against the page's URL; with a trailing slash they would miss.
  router.get('/docs/', function docsSlash(_req, res) {
    res.redirect(301, '../docs');
  });
  router.get('/docs/init.js', function docsInit(_req, res) {
    res.type('js').set('Cache-Control', 'no-cache').send(INIT);
  });
  router.get('/docs/:asset', function docsAsset(req, res, next) {
    const asset = req.params.asset;
    if (!ASSETS.has(asset)) return next();
    res.sendFile(asset, { root: DIST, maxAge: '1d' });
  });
  return router;
}
