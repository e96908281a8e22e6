import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { absent } from './services.js';

/** Debian's chromium (`.ci/run` installs it with apt-get when missing); DINO_TEST_CHROMIUM names another binary. */
const CHROMIUM = process.env.DINO_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Where browser tests leave their screenshots (gitignored). */
export const TEST_OUTPUT = fileURLToPath(new URL('../../test-output/', import.meta.url));

/** A headless Chromium, or undefined (a loud skip; a failure under CI=true) when there is none. */
export async function launchChromium(): Promise<Browser | undefined> {
  if (!existsSync(CHROMIUM)) return absent('Browser', `${CHROMIUM} is missing (apt-get install chromium, or set DINO_TEST_CHROMIUM)`);
  mkdirSync(TEST_OUTPUT, { recursive: true });
  // The tests run as root in CI containers, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

/** A page that notes every URL it asks for (documents, scripts, fetches, WebSockets) and every uncaught error. */
export interface WatchedPage {
  page: Page;
  urls: string[];
  errors: string[];
}

export async function watchedPage(context: BrowserContext): Promise<WatchedPage> {
  const page = await context.newPage();
  const watched: WatchedPage = { page, urls: [], errors: [] };
  page.on('request', (request) => watched.urls.push(request.url()));
  page.on('websocket', (socket) => watched.urls.push(socket.url()));
  page.on('pageerror', (error) => watched.errors.push(error.message));
  return watched;
}

/**
 * Bytes transferred for a page's first load: every response's headers and (encoded, as sent) body, as Chromium's
 * network events count them.
 */
export async function pageWeight(page: Page, url: string): Promise<{ bytes: number; requests: number; files: string[] }> {
  const responses: Array<Promise<number>> = [];
  const files: string[] = [];
  page.on('requestfinished', (request) => {
    files.push(new URL(request.url()).pathname);
    responses.push(request.sizes().then((sizes) => sizes.responseHeadersSize + sizes.responseBodySize));
  });
  await page.goto(url, { waitUntil: 'networkidle' });
  const sizes = await Promise.all(responses);
  return { bytes: sizes.reduce((a, b) => a + b, 0), requests: sizes.length, files };
}
