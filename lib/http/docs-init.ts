/**
 * The script every docs page runs (served as `docs/init.js`, a file of its
 * own because the CSP allows no inline script): it starts Swagger UI on the
 * document next to the page and titles the tab after it.
 *
 * Titles and descriptions come from MCP servers, which are not trusted to
 * write HTML into mcpo's origin, so Swagger UI's Markdown component (markup
 * allowed, then sanitised) is replaced by one that shows the text as text.
 * The one exception is the aggregated document's list of servers: a link of
 * the exact form `[name](./name/docs)`, `name` a server name as config.ts
 * allows it, becomes a React `a` element. Its href is rebuilt from that name,
 * never copied from the text, and a server name cannot hold a scheme, a
 * slash, a query or a `%`, so the link can only lead to a sibling docs page
 * on the same origin, and says which. Everything else, other links
 * (`javascript:`, absolute, differently worded) included, stays text.
 * Nothing here ever sets innerHTML.
 */

/** Plain ES5 in a raw string: the browser runs it as written, nothing is compiled or interpolated. */
export const DOCS_INIT = String.raw`window.addEventListener('load', function () {
  var base = window.location.pathname.replace(/\/docs\/?$/, '');
  var LINK = /\[([A-Za-z0-9_.~-]{1,128})\]\(\.\/([A-Za-z0-9_.~-]{1,128})\/docs\)/g;
  function withLinks(h, text) {
    var parts = [];
    var last = 0;
    var m;
    LINK.lastIndex = 0;
    while ((m = LINK.exec(text)) !== null) {
      if (m[1] !== m[2] || m[2] === '.' || m[2] === '..') continue;
      parts.push(text.slice(last, m.index), h('a', { key: m.index, href: './' + m[2] + '/docs' }, m[2]));
      last = LINK.lastIndex;
    }
    parts.push(text.slice(last));
    return parts;
  }
  function plainText(Original, system) {
    return function (props) {
      var text = props.source == null ? '' : String(props.source);
      var h = system.React.createElement;
      return h('div', { className: 'markdown', style: { whiteSpace: 'pre-wrap' } }, withLinks(h, text));
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
    layout: 'BaseLayout',
    onComplete: function () {
      var title = window.ui.specSelectors.specJson().getIn(['info', 'title']);
      if (typeof title === 'string' && title.trim() !== '') document.title = title + ' \u2014 docs';
    }
  });
});
`;
