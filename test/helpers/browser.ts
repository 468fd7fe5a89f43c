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
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
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
