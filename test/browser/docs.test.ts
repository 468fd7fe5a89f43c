/**
 * The Swagger UI at /docs, end to end in headless Chromium (playwright-core
 * and the system's Chromium, never a downloaded one) against the real `mcpo`
 * command: the root URL leads to the docs, every tool shows, "Authorize" and
 * "Try it out" work, a config's root docs show every server and link to each
 * one's own docs (and a hostile server's markup and links stay text), each
 * tab is titled after its document, and the page works behind --strict-auth.
 *
 * Every test also fails on a Content-Security-Policy violation or an
 * unexpected console error. A failed test leaves a full-page screenshot in
 * test/artifacts/browser/.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { closePages, execute, launchChromium, openPage, operation, tryItOut, type WatchedPage } from '../helpers/browser.js';
import { startMcpo, untilConnected, type McpoProcess } from '../helpers/mcpo.js';
import { hostileStdio, kitchenSinkStdio, timeStdio } from '../helpers/servers.js';

const KEY = 'browser-test-key-2468';
const SINK = kitchenSinkStdio();
/** What a 401 from a "Try it out" call logs in Chromium's console; expected where a test provokes one. */
const FAILED_401 = /Failed to load resource: the server responded with a status of 401/;

interface Doc {
  info: { title: string };
  paths: Record<string, Record<string, unknown>>;
}

async function fetchDocument(url: string, headers: Record<string, string> = {}): Promise<Doc> {
  const res = await fetch(url, { headers });
  expect(res.status, url).to.equal(200);
  return (await res.json()) as Doc;
}

/** Waits until the init script has titled the tab after the loaded document, and returns the title. */
async function tabTitle(page: Page): Promise<string> {
  // A function, not a string: the page's CSP forbids eval, which a string predicate would need.
  await page.waitForFunction(() => (globalThis as unknown as { document: { title: string } }).document.title !== 'API docs');
  return page.title();
}

/** Traces markup would leave had the page rendered any as HTML; all zero (and null) when it stayed text. */
const HTML_TRACES = `({
  pwned: window.__pwned ?? null,
  handlers: document.querySelectorAll('[onerror], [onload], [onclick]').length,
  scripts: [...document.scripts].filter((s) => (s.textContent || '').includes('__pwned')).length,
  images: document.querySelectorAll('img[src="x"]').length,
  offsite: [...document.querySelectorAll('a[href]')].filter((a) => !a.href.startsWith(location.origin + '/')).map((a) => a.getAttribute('href')),
})`;

/** Starts mcpo and waits until /healthz (public in every mode) shows every server connected. */
async function start(args: string[]): Promise<McpoProcess> {
  const p = await startMcpo(args);
  try {
    await untilConnected(p.url);
  } catch (err) {
    await p.stop();
    throw err;
  }
  return p;
}

/** Opens `url` in a fresh watched page and waits for Swagger UI's first operation. */
async function openLoaded(open: () => Promise<WatchedPage>, url: string): Promise<WatchedPage> {
  const w = await open();
  await w.page.goto(url);
  await w.page.locator('#swagger-ui .opblock').first().waitFor();
  return w;
}

/** "POST /echo" for every operation in a document, sorted. */
async function documentedOperations(url: string, headers: Record<string, string> = {}): Promise<string[]> {
  const doc = await fetchDocument(url, headers);
  const ops: string[] = [];
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const method of Object.keys(item)) {
      if (['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'].includes(method)) ops.push(`${method.toUpperCase()} ${p}`);
    }
  }
  return ops.sort();
}

/** "POST /echo" for every operation block Swagger UI rendered, sorted; waits for the first one. */
async function renderedOperations(page: Page): Promise<string[]> {
  const blocks = page.locator('#swagger-ui .opblock');
  await blocks.first().waitFor();
  const ops = await blocks.evaluateAll((els) =>
    els.map((el) => {
      const method = el.querySelector('.opblock-summary-method')?.textContent ?? '?';
      const p = el.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? '?';
      return `${method.trim().toUpperCase()} ${p}`;
    }),
  );
  return ops.sort();
}

describe('Swagger UI in a browser', function () {
  this.timeout(30_000);
  let browser: Browser | undefined;
  let dir: string;
  /** --api-key, one server (the kitchen sink) at the root. */
  let keyed: McpoProcess;
  /** --config with three servers (one hostile), no key. */
  let config: McpoProcess;
  /** --api-key with --strict-auth. */
  let strict: McpoProcess;
  const processes: McpoProcess[] = [];
  /** Pages opened by the current test; screenshotted if it fails, closed after it. */
  let opened: WatchedPage[] = [];

  const open = async (options: BrowserContextOptions = {}): Promise<WatchedPage> => {
    const w = await openPage(browser!, options);
    opened.push(w);
    return w;
  };

  /** No CSP violation ever; no other console error except those `allowed`. */
  const expectCleanConsole = (w: WatchedPage, allowed: RegExp[] = []): void => {
    expect(w.cspViolations(), 'Content-Security-Policy violations').to.deep.equal([]);
    expect(w.errors.filter((e) => !allowed.some((a) => a.test(e))), 'console errors').to.deep.equal([]);
  };

  before(async function () {
    this.timeout(40_000);
    dir = mkdtempSync(path.join(os.tmpdir(), 'mcpo-browser-'));
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ mcpServers: { sink: SINK, time: timeStdio(), hostile: hostileStdio() } }, null, 2));
    const sink = ['--', SINK.command, ...SINK.args];
    // allSettled: whatever did start is stopped in after() even when something else failed.
    const results = await Promise.allSettled([
      launchChromium(),
      start(['--port', '0', '--api-key', KEY, ...sink]),
      start(['--port', '0', '--config', file]),
      start(['--port', '0', '--api-key', KEY, '--strict-auth', ...sink]),
    ]);
    const [b, k, c, s] = results;
    if (b.status === 'fulfilled') browser = b.value;
    for (const r of [k, c, s]) if (r.status === 'fulfilled') processes.push(r.value);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    keyed = (k as PromiseFulfilledResult<McpoProcess>).value;
    config = (c as PromiseFulfilledResult<McpoProcess>).value;
    strict = (s as PromiseFulfilledResult<McpoProcess>).value;
  });

  afterEach(async function () {
    const pages = opened;
    opened = [];
    await closePages(pages, this.currentTest);
  });

  after(async function () {
    this.timeout(20_000);
    await browser?.close();
    await Promise.all(processes.map((p) => p.stop('SIGTERM')));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('renders every tool of the document at /docs', async () => {
    const w = await open();
    const nav = await w.page.goto(`${keyed.url}/docs`);
    expect(nav?.status()).to.equal(200);
    const documented = await documentedOperations(`${keyed.url}/openapi.json`);
    expect(documented).to.include.members(['POST /echo', 'POST /no_params']);
    const rendered = await renderedOperations(w.page);
    expect(rendered).to.have.length(documented.length);
    expect(rendered).to.deep.equal(documented);
    expect(await w.page.locator('#swagger-ui .info .title').textContent()).to.be.a('string').and.not.be.empty;
    expectCleanConsole(w);
  });

  it('answers 401 before "Authorize" and 200 after the key is entered', async () => {
    const w = await open();
    const { page } = w;
    await page.goto(`${keyed.url}/docs`);
    const echo = operation(page, '/echo');
    await tryItOut(echo);
    await echo.locator('textarea.body-param__text').fill(JSON.stringify({ message: 'knock knock' }));

    const before = await execute(echo, '/echo');
    expect(before.response.status()).to.equal(401);
    expect(await before.request.headerValue('authorization')).to.equal(null);

    await page.locator('.auth-wrapper button.authorize').click();
    const modal = page.locator('.dialog-ux .modal-ux');
    await modal.locator('#auth-bearer-value').fill(KEY);
    await modal.locator('button.auth.authorize').click();
    // Once authorized, the dialog offers "Logout" instead of "Authorize".
    await modal.locator('button.auth', { hasText: 'Logout' }).waitFor();
    await modal.locator('button.btn-done').click();
    await modal.waitFor({ state: 'detached' });

    const after = await execute(echo, '/echo');
    expect(after.response.status()).to.equal(200);
    expect(await after.request.headerValue('authorization')).to.equal(`Bearer ${KEY}`);
    expect(await after.body.textContent()).to.include('knock knock');
    expectCleanConsole(w, [FAILED_401]);
    // The one 401 above, and nothing else.
    expect(w.errors.filter((e) => FAILED_401.test(e))).to.have.length(1);
  });

  it('shows the MCP server\'s real result after "Try it out" and "Execute"', async () => {
    const w = await open();
    const { page } = w;
    // The per-server docs of a config: the page finds its document next to itself.
    await page.goto(`${config.url}/sink/docs`);
    const echo = operation(page, '/echo');
    await tryItOut(echo);
    const message = `hello-${randomUUID()}`;
    await echo.locator('textarea.body-param__text').fill(JSON.stringify({ message, repeat: 2 }));
    const { response, body } = await execute(echo, '/sink/echo');
    expect(response.status()).to.equal(200);
    // The kitchen sink joins the repeats with a space: only the server could have made this.
    expect(await body.textContent()).to.include(`${message} ${message}`);
    expect(await echo.locator('.live-responses-table tbody tr.response td.response-col_status').textContent()).to.match(/^\s*200\s*$/);
    expectCleanConsole(w);
  });

  it('groups a server’s tools under its name, and a first "Execute" with the prefilled body succeeds', async () => {
    const w = await open();
    const { page } = w;
    await page.goto(`${config.url}/time/docs`);
    const now = operation(page, '/get_current_time');
    await now.waitFor();
    const tags = await page.locator('#swagger-ui .opblock-tag').evaluateAll((els) => els.map((el) => el.getAttribute('data-tag')));
    expect(tags).to.deep.equal(['time']);
    await tryItOut(now);
    // Left as Swagger UI prefilled it: the example the document carries, not {"timezone": "string"}.
    expect(JSON.parse(await now.locator('textarea.body-param__text').inputValue())).to.deep.equal({ timezone: 'UTC' });
    const { response, body } = await execute(now, '/time/get_current_time');
    expect(response.status()).to.equal(200);
    expect(await body.textContent()).to.include('"utc_offset"');
    expectCleanConsole(w);
  });

  it('shows the tools of every server of a config in the root /docs', async () => {
    const w = await open();
    await w.page.goto(`${config.url}/docs`);
    const documented = await documentedOperations(`${config.url}/openapi.json`);
    const rendered = await renderedOperations(w.page);
    expect(rendered).to.deep.equal(documented);
    expect(rendered).to.include.members(['POST /sink/echo', 'POST /sink/no_params', 'POST /time/get_current_time', 'POST /time/convert_time', 'POST /hostile/injection']);
    expect(rendered.every((op) => /^POST \/(sink|time|hostile)\//.test(op)), rendered.join(', ')).to.equal(true);
    expectCleanConsole(w);
  });

  it('lands on the docs, with the document loaded, when the root URL is opened', async () => {
    for (const p of [keyed, config]) {
      const w = await open();
      const nav = await w.page.goto(`${p.url}/`);
      expect(nav?.status()).to.equal(200);
      expect(new URL(w.page.url()).pathname).to.equal('/docs');
      expect(await renderedOperations(w.page)).to.deep.equal(await documentedOperations(`${p.url}/openapi.json`));
      expectCleanConsole(w);
    }
  });

  it('links each server of a config to its own docs from the root /docs, and a click opens them', async () => {
    const w = await openLoaded(open, `${config.url}/docs`);
    const { page } = w;
    const links = page.locator('#swagger-ui .info .markdown a');
    const found = await links.evaluateAll((els) => els.map((a) => [a.textContent, a.getAttribute('href')]));
    expect(found).to.deep.equal([
      ['sink', './sink/docs'],
      ['time', './time/docs'],
      ['hostile', './hostile/docs'],
    ]);

    await Promise.all([page.waitForURL(`${config.url}/time/docs`), links.filter({ hasText: /^time$/ }).click()]);
    const time = await fetchDocument(`${config.url}/time/openapi.json`);
    expect(await renderedOperations(page)).to.deep.equal(await documentedOperations(`${config.url}/time/openapi.json`));
    expect(await tabTitle(page)).to.equal(`${time.info.title} — docs`);
    expectCleanConsole(w);
  });

  it('shows a hostile server\'s title in the root /docs as text, its links included', async () => {
    const w = await openLoaded(open, `${config.url}/docs`);
    const { page } = w;
    const description = await page.locator('#swagger-ui .info .markdown').first().textContent();
    // The line of the server list the hostile server wrote itself, shown as it wrote it.
    expect(description).to.include('hostile — Hostile <img src=x onerror="window.__pwned=1"><script>');
    for (const link of ['[hostile](javascript:window.__pwned=3)', '[hostile](https://evil.example/hostile/docs)', '[time](./hostile/docs)', '[..](./../docs)']) {
      expect(description).to.include(link);
    }
    // The hostile server's tag, which shows its title too, is open with its operations.
    await operation(page, '/hostile/injection').waitFor();
    expect(await page.locator('#swagger-ui .opblock-tag[data-tag="hostile"]').textContent()).to.include('Hostile <img src=x');
    expect(await page.evaluate(HTML_TRACES)).to.deep.equal({ pwned: null, handlers: 0, scripts: 0, images: 0, offsite: [] });
    expect(await page.locator('#swagger-ui .markdown a').count(), 'links: the three server links only').to.equal(3);
    expectCleanConsole(w);
  });

  it('titles each docs tab after its document: the server for one server, mcpo for a config', async () => {
    const w = await open();
    const { page } = w;
    await page.goto(`${keyed.url}/docs`);
    const sink = await fetchDocument(`${keyed.url}/openapi.json`);
    expect(sink.info.title).to.be.a('string').and.not.equal('');
    expect(await tabTitle(page)).to.equal(`${sink.info.title} — docs`);
    await page.goto(`${config.url}/docs`);
    expect(await tabTitle(page)).to.equal('mcpo — docs');
    // A server's title is set as text: the tab shows the markup, and nothing ran.
    await page.goto(`${config.url}/hostile/docs`);
    expect(await tabTitle(page)).to.match(/^Hostile <img src=x onerror="window.__pwned=1"><script>.* — docs$/);
    expect(await page.evaluate(HTML_TRACES)).to.deep.include({ pwned: null, scripts: 0, images: 0 });
    expectCleanConsole(w);
  });

  it('works under --strict-auth with the key as the Basic password, and answers 401 without it', async () => {
    const challenge = await fetch(`${strict.url}/docs`);
    expect(challenge.status).to.equal(401);
    const offered = challenge.headers.get('www-authenticate');
    expect(offered).to.match(/Basic/);
    // Offered Basic and holding no credentials, Chromium refuses the page (a person would get a login prompt).
    const anonymous = await open();
    const denied = await anonymous.page.goto(`${strict.url}/docs`).catch((err: Error) => err);
    expect(denied instanceof Error ? denied.message : `status ${denied?.status()}`).to.match(/ERR_INVALID_AUTH_CREDENTIALS|status 401/);

    // As a person at a browser would: the browser sends Basic only once a challenge offers it.
    const w = await open({ httpCredentials: { username: 'anyone', password: KEY } });
    const { page } = w;
    const nav = await page.goto(`${strict.url}/docs`);
    expect(
      nav?.status(),
      `Chromium did not log in with Basic; the challenge was: WWW-Authenticate: ${offered} ` +
        '(Chromium reads one challenge per WWW-Authenticate line and cannot answer a Bearer one)',
    ).to.equal(200);
    const documented = await documentedOperations(`${strict.url}/openapi.json`, { authorization: `Bearer ${KEY}` });
    expect(await renderedOperations(page)).to.deep.equal(documented);
    // The root URL asks for the same key and then leads to the same page.
    const fromRoot = await page.goto(`${strict.url}/`);
    expect(fromRoot?.status()).to.equal(200);
    expect(new URL(page.url()).pathname).to.equal('/docs');
    expect(await renderedOperations(page)).to.deep.equal(documented);

    const noParams = operation(page, '/no_params');
    await tryItOut(noParams);
    const { response, body } = await execute(noParams, '/no_params');
    expect(response.status()).to.equal(200);
    expect(await body.textContent()).to.include('pong');
    expectCleanConsole(w);
  });
});
