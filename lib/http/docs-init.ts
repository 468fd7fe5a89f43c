/**
 * The script every docs page runs (served as `docs/init.js`, a file of its
 * own because the CSP allows no inline script): it starts Swagger UI on the
 * document next to the page.
 *
 * Titles and descriptions come from MCP servers, which are not trusted to
 * write HTML into mcpo's origin, so Swagger UI's Markdown component (markup
 * allowed, then sanitised) is replaced by one that shows the text as text.
 */

/** Plain ES5 in a raw string: the browser runs it as written, nothing is compiled or interpolated. */
export const DOCS_INIT = String.raw`window.addEventListener('load', function () {
  var base = window.location.pathname.replace(/\/docs\/?$/, '');
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
