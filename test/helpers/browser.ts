/**
 * Headless Chromium for the browser suites, through playwright-core and the
 * system's Chromium (Debian's /usr/bin/chromium, or $MCPO_CHROMIUM). No
 * browser is ever downloaded: a missing one is an error, never a skip.
 *
 * Also: a page that records its console errors, page errors and CSP
 * violations, and a full-page screenshot of a failed test.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page, type Request, type Response } from 'playwright-core';
import { ROOT } from './mcpo.js';

export const CHROMIUM = process.env.MCPO_CHROMIUM || '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.join(ROOT, 'test', 'artifacts', 'browser');

/** Launches headless Chromium from CHROMIUM, with any extra command-line `args`; throws (so `before` fails) when it is not there. */
export async function launchChromium(args: readonly string[] = []): Promise<Browser> {
  try {
    accessSync(CHROMIUM, constants.X_OK);
  } catch {
    throw new Error(
      `no Chromium at ${CHROMIUM}${process.env.MCPO_CHROMIUM ? ' (from $MCPO_CHROMIUM)' : ''}; ` +
        `the browser tests need one: install Debian's chromium: apt-get install chromium (or point $MCPO_CHROMIUM at a Chromium binary)`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', ...args], headless: true });
}

export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** Console messages of type "error", and uncaught page errors, as text, in order. */
  errors: string[];
  /** The subset of `errors` that report a Content-Security-Policy violation. */
  cspViolations(): string[];
}

const CSP = /Content Security Policy|Content-Security-Policy|securitypolicyviolation/i;

/** A fresh context (options such as httpCredentials) and page, with its errors recorded. */
export async function openPage(browser: Browser, options: BrowserContextOptions = {}): Promise<WatchedPage> {
  const context = await browser.newContext(options);
  // Chromium also logs violations to the console; the event catches any that it would not.
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', function (e) {
      console.error('securitypolicyviolation: ' + e.violatedDirective + ' blocked ' + e.blockedURI + ' (' + e.sourceFile + ':' + e.lineNumber + ')');
    });`,
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const where = msg.location().url;
      errors.push(where ? `${msg.text()} [${where}]` : msg.text());
    }
  });
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  return { context, page, errors, cspViolations: () => errors.filter((e) => CSP.test(e)) };
}

/** "renders every tool" -> "renders-every-tool", for file names. */
export function slug(title: string): string {
  return (
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 100) || 'untitled'
  );
}

/**
 * Saves a full-page screenshot to test/artifacts/browser/<slug of title>.png
 * (<slug>-2.png for a test's second page, and so on) and returns its path.
 */
export async function screenshotOnFailure(page: Page, title: string, index = 0): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${slug(title)}${index > 0 ? `-${index + 1}` : ''}.png`);
  await page.screenshot({ path: file, fullPage: true, timeout: 5_000 });
  return file;
}

/** The operation block whose path is exactly `opPath` (as Swagger UI shows it). */
export function operation(page: Page, opPath: string): Locator {
  return page.locator('#swagger-ui .opblock').filter({ has: page.locator(`.opblock-summary-path[data-path="${opPath}"]`) });
}

/** Expands an operation and presses "Try it out". */
export async function tryItOut(op: Locator): Promise<void> {
  await op.locator('.opblock-summary').first().click();
  await op.locator('button.try-out__btn').click();
  await op.locator('button.execute').waitFor();
}

/** Presses Execute and waits for the `method` request to `urlPath` and for its status to show in the response panel. */
export async function execute(op: Locator, urlPath: string, method: 'GET' | 'POST' = 'POST'): Promise<{ request: Request; response: Response; body: Locator }> {
  const page = op.page();
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === method && new URL(r.url()).pathname === urlPath),
    op.locator('button.execute').click(),
  ]);
  const status = String(response.status());
  const row = op.locator('.live-responses-table tbody tr.response');
  // The row, not the header, and with this call's status (a previous Execute's row may still show).
  await row.locator('td.response-col_status', { hasText: new RegExp(`^\\s*${status}\\s*$`) }).waitFor();
  return { request: response.request(), response, body: row.locator('td.response-col_description .microlight').first() };
}

/** After a test: a screenshot of each page it opened if it failed (named in the output), then every page closed. */
export async function closePages(pages: readonly WatchedPage[], test: Mocha.Test | undefined): Promise<void> {
  if (test?.state === 'failed') {
    for (const [i, w] of pages.entries()) {
      try {
        const file = await screenshotOnFailure(w.page, test.title, i);
        console.error(`    screenshot: ${path.relative(ROOT, file)}`);
      } catch (err) {
        console.error(`    no screenshot: ${(err as Error).message}`);
      }
    }
  }
  await Promise.all(pages.map((w) => w.context.close()));
}
