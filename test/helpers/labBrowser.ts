/**
 * What every end-to-end suite needs: the built UI served by a real `lab serve` on a fresh data folder, and a page
 * of Debian's Chromium (playwright-core) on it. `npm test` builds the UI and sets LAB_E2E=1: then a missing build
 * or browser is a failure, not a skip; a bare `npx vitest run` skips the suites (`E2E_WANTED` is false).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../electron/serve/index.js';
import { REPO_ROOT } from './fixtures.js';

export const RENDERER = path.join(REPO_ROOT, 'out/renderer');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots go to test-output/ (ignored) on every run; `npm run screenshots` refreshes the README's copies. */
export const SHOTS = path.resolve(REPO_ROOT, process.env.LAB_SCREENSHOTS ?? 'test-output/screenshots');
export const E2E_WANTED = !!process.env.LAB_E2E;
if (E2E_WANTED && !existsSync(path.join(RENDERER, 'index.html'))) throw new Error(`LAB_E2E is set but ${RENDERER} is not built`);
if (E2E_WANTED && !existsSync(CHROMIUM)) throw new Error(`LAB_E2E is set but there is no Chromium at ${CHROMIUM} (apt-get install chromium)`);

export interface LabInChromium {
  server: RunningServer;
  browser: Browser;
  page: Page;
  dataDir: string;
  /** Uncaught errors of the page, for the suites to assert there were none. */
  pageErrors: string[];
  close(): Promise<void>;
}

/** Serves the lab on a new data folder (`prefix` names it) and opens it in Chromium, ready (the app header shown). */
export async function openLabInChromium(prefix: string, pageOptions: BrowserContextOptions = {}): Promise<LabInChromium> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const server = await startServer({ port: 0, dataDir, rendererDir: RENDERER, log: () => {} });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: 'light', ...pageOptions });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(server.url);
  await page.getByTestId('app-mode').waitFor({ timeout: 20_000 });
  return {
    server,
    browser,
    page,
    dataDir,
    pageErrors,
    async close() {
      await browser.close();
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
