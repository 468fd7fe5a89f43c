/**
 * Resources, prompts and progress from the docs page, end to end in headless
 * Chromium against the real `mcpo` command serving server-everything with
 * `"documents": ["tools", "resources", "prompts"]`: Swagger UI shows the
 * resources and prompts tags, reads a resource and renders a prompt through
 * "Try it out" (and shows the 422 of a prompt missing its required
 * argument), and a `fetch` from the page reads a tool call's progress as
 * Server-Sent Events while they arrive.
 *
 * Like docs.test.ts, every test also fails on a Content-Security-Policy
 * violation or an unexpected console error, and a failed test leaves a
 * full-page screenshot in test/artifacts/browser/.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { closePages, execute, launchChromium, openPage, operation, tryItOut, type WatchedPage } from '../helpers/browser.js';
import { ROOT, startMcpo, untilConnected, type McpoProcess } from '../helpers/mcpo.js';

const SERVER = 'everything';
/** A static document server-everything lists at GET /resources; its text is this file. */
const RESOURCE = 'demo://resource/static/document/architecture.md';
const RESOURCE_FILE = path.join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/docs/architecture.md');
/** What a 422 from a "Try it out" call logs in Chromium's console; expected where a test provokes one. */
const FAILED_422 = /Failed to load resource: the server responded with a status of 422/;

/** One Server-Sent Event as the page parsed it, with when (ms after the request) its chunk arrived. */
interface PageEvent {
  event: string;
  data: unknown;
  at: number;
}

interface PageStream {
  status: number;
  contentType: string | null;
  events: PageEvent[];
}

/**
 * Runs in the page: POSTs `body` to `url` asking for an event stream, reads
 * the body chunk by chunk and parses the events (one `event:` and one
 * `data:` line each, as mcpo writes them). A plain function, not a string:
 * the page's CSP forbids eval.
 */
async function streamInPage({ url, body }: { url: string; body: unknown }): Promise<PageStream> {
  const started = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify(body),
  });
  const events: PageEvent[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { done, value } = await reader.read();
    buffered += decoder.decode(value, { stream: !done });
    const at = performance.now() - started;
    const blocks = buffered.split(/\r?\n\r?\n/);
    buffered = blocks.pop() ?? '';
    for (const block of blocks) {
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) events.push({ event, data: JSON.parse(data.join('\n')) as unknown, at });
    }
    if (done) break;
  }
  return { status: res.status, contentType: res.headers.get('content-type'), events };
}

describe('resources, prompts and progress from the docs page in a browser', function () {
  this.timeout(30_000);
  let browser: Browser | undefined;
  let dir: string;
  let mcpo: McpoProcess | undefined;
  /** Pages opened by the current test; screenshotted if it fails, closed after it. */
  let opened: WatchedPage[] = [];

  /** Opens the server's docs in a fresh watched page and waits for Swagger UI's first operation. */
  const openDocs = async (): Promise<WatchedPage> => {
    const w = await openPage(browser!);
    opened.push(w);
    const nav = await w.page.goto(`${mcpo!.url}/${SERVER}/docs`);
    expect(nav?.status()).to.equal(200);
    await w.page.locator('#swagger-ui .opblock').first().waitFor();
    return w;
  };

  /** No CSP violation ever; no other console error except those `allowed`. */
  const expectCleanConsole = (w: WatchedPage, allowed: RegExp[] = []): void => {
    expect(w.cspViolations(), 'Content-Security-Policy violations').to.deep.equal([]);
    expect(w.errors.filter((e) => !allowed.some((a) => a.test(e))), 'console errors').to.deep.equal([]);
  };

  before(async function () {
    this.timeout(40_000);
    dir = mkdtempSync(path.join(os.tmpdir(), 'mcpo-browser-features-'));
    const file = path.join(dir, 'config.json');
    const everything = { command: 'node_modules/.bin/mcp-server-everything', args: ['stdio'], documents: ['tools', 'resources', 'prompts'] };
    writeFileSync(file, JSON.stringify({ mcpServers: { [SERVER]: everything } }, null, 2));
    // allSettled: whatever did start is stopped in after() even when the other failed.
    const [b, m] = await Promise.allSettled([launchChromium(), startMcpo(['--port', '0', '--config', file])]);
    if (b.status === 'fulfilled') browser = b.value;
    if (m.status === 'fulfilled') mcpo = m.value;
    if (b.status === 'rejected') throw b.reason;
    if (m.status === 'rejected') throw m.reason;
    await untilConnected(mcpo!.url);
  });

  afterEach(async function () {
    const pages = opened;
    opened = [];
    await closePages(pages, this.currentTest);
  });

  after(async function () {
    this.timeout(20_000);
    await browser?.close();
    await mcpo?.stop('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the resources and prompts tags beside the tools', async () => {
    const w = await openDocs();
    const tags = await w.page.locator('#swagger-ui .opblock-tag').evaluateAll((els) => els.map((el) => el.getAttribute('data-tag')));
    expect(tags).to.deep.equal([SERVER, 'resources', 'prompts']);
    for (const op of ['/resources', '/resources/templates', '/resources/read', '/prompts', '/prompts/args-prompt']) {
      expect(await operation(w.page, op).count(), op).to.equal(1);
    }
    expectCleanConsole(w);
  });

  it('reads a listed resource through "Try it out" and shows its text', async () => {
    const listed = (await (await fetch(`${mcpo!.url}/${SERVER}/resources`)).json()) as { resources: Array<{ uri: string }> };
    expect(listed.resources.map((r) => r.uri)).to.include(RESOURCE);
    // The first heading of the file the server reads from: only the server could have sent it.
    const heading = readFileSync(RESOURCE_FILE, 'utf8').split('\n').find((line) => line.startsWith('#'))!;
    expect(heading).to.be.a('string').and.have.length.above(3);

    const w = await openDocs();
    const read = operation(w.page, '/resources/read');
    expect(await read.count(), 'GET /resources/read in the docs').to.equal(1);
    await tryItOut(read);
    await read.locator('tr[data-param-name="uri"] input').fill(RESOURCE);
    const { response, body } = await execute(read, `/${SERVER}/resources/read`, 'GET');
    expect(response.status()).to.equal(200);
    expect(new URL(response.url()).searchParams.get('uri')).to.equal(RESOURCE);
    expect(await response.headerValue('content-type')).to.match(/^text\/markdown/);
    expect(await body.textContent()).to.include(heading);
    expectCleanConsole(w);
  });

  it('renders a prompt from the JSON body of "Try it out", and shows the 422 when its required argument is left out', async () => {
    const w = await openDocs();
    const prompt = operation(w.page, '/prompts/args-prompt');
    expect(await prompt.count(), 'POST /prompts/args-prompt in the docs').to.equal(1);
    await tryItOut(prompt);
    const editor = prompt.locator('textarea.body-param__text');
    const city = `Springfield-${randomUUID().slice(0, 8)}`;
    await editor.fill(JSON.stringify({ city, state: 'Oregon' }));
    const rendered = await execute(prompt, `/${SERVER}/prompts/args-prompt`, 'POST');
    expect(rendered.response.status()).to.equal(200);
    expect(await rendered.body.textContent()).to.include(`What's weather in ${city}, Oregon?`);

    await editor.fill(JSON.stringify({ state: 'Oregon' }));
    const refused = await execute(prompt, `/${SERVER}/prompts/args-prompt`, 'POST');
    expect(refused.response.status()).to.equal(422);
    const shown = await refused.body.textContent();
    expect(shown).to.include('invalid_arguments');
    expect(shown).to.include('\\"city\\" is required');
    expectCleanConsole(w, [FAILED_422]);
    // The one 422 above, and nothing else.
    expect(w.errors.filter((e) => FAILED_422.test(e))).to.have.length(1);
  });

  it('streams a tool call\'s progress to a fetch from the docs page, then its result', async () => {
    const w = await openDocs();
    const steps = 3;
    const streamed = await w.page.evaluate(streamInPage, {
      url: `/${SERVER}/trigger-long-running-operation`,
      body: { duration: 1.5, steps },
    });
    expect(streamed.status).to.equal(200);
    expect(streamed.contentType).to.match(/^text\/event-stream/);
    const result = streamed.events.at(-1)!;
    const progress = streamed.events.slice(0, -1);
    expect(result.event).to.equal('result');
    expect(result.data).to.deep.equal({ ok: true, result: `Long running operation completed. Duration: 1.5 seconds, Steps: ${steps}.` });
    // The SDK may drop the last step's notification when it arrives with the result (see test/router/progress.test.ts).
    expect(progress.length).to.be.within(1, steps);
    for (const e of progress) {
      expect(e.event).to.equal('progress');
      expect(e.data).to.have.property('progress').that.is.a('number');
      expect(e.data).to.have.property('total', steps);
    }
    // Read as they came, not all at the end: the first step is 0.5 s before the last.
    expect(result.at - progress[0]!.at, 'ms between the first progress event and the result').to.be.above(300);
    expectCleanConsole(w);
  });
});
