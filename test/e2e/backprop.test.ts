/**
 * End to end: the Backprop view in Chromium through `lab serve` (its own server and data folder). Checks
 * `backprop-ninja` at initialisation: every row ✓ (approx), the same rows in the same order as
 * `lab backprop --preset backprop-ninja --json`, and a row opened with the keyboard shows its values side by side.
 * Run with LAB_E2E=1 after `npx electron-vite build`; skipped otherwise.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../electron/serve/index.js';
import { REPO_ROOT } from '../helpers/fixtures.js';

const RENDERER = path.join(REPO_ROOT, 'out/renderer');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Screenshots go to test-output/ (ignored), like lab.test.ts's.
const SHOTS = path.resolve(REPO_ROOT, process.env.LAB_SCREENSHOTS ?? 'test-output/screenshots');
const wanted = !!process.env.LAB_E2E;
if (wanted && !existsSync(path.join(RENDERER, 'index.html'))) throw new Error(`LAB_E2E is set but ${RENDERER} is not built`);
if (wanted && !existsSync(CHROMIUM)) throw new Error(`LAB_E2E is set but there is no Chromium at ${CHROMIUM} (apt-get install chromium)`);

let server: RunningServer;
let browser: Browser;
let page: Page;
let dataDir: string;
const pageErrors: string[] = [];

interface CliRow {
  name: string;
  approx: boolean;
  exact: boolean;
}

/** What the CLI prints for the same preset (its `--json` last line). */
async function cliRows(): Promise<CliRow[]> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'electron/cli/main.ts', 'backprop', '--preset', 'backprop-ninja', '--json'], {
    cwd: REPO_ROOT,
    timeout: 120_000,
  });
  return (JSON.parse(stdout.trim().split('\n').at(-1)!) as { tensors: CliRow[] }).tensors;
}

describe.skipIf(!wanted)('the Backprop view in Chromium through lab serve', () => {
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lab-e2e-backprop-'));
    server = await startServer({ port: 0, dataDir, rendererDir: RENDERER, log: () => {} });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(server.url);
    await page.getByTestId('app-mode').waitFor({ timeout: 20_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('backprop-ninja at initialisation: every row ✓, the rows of `lab backprop --json`, a row opens its values', async () => {
    const expected = cliRows();
    await page.getByTestId('tab-backprop').click();
    // The default subject is the lecture's preset at initialisation.
    expect(await page.getByTestId('backprop-preset-select').inputValue()).toBe('backprop-ninja');
    await page.getByTestId('backprop-check').click();
    const summary = page.getByTestId('backprop-summary');
    await summary.waitFor({ timeout: 120_000 });

    const rows = page.getByTestId('backprop-row');
    const cli = await expected;
    expect(await rows.count()).toBe(cli.length);
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-name')))).toEqual(cli.map((t) => t.name));
    const approx = await page.getByTestId('backprop-approx').allTextContents();
    expect(approx).toEqual(cli.map(() => '✓'));
    expect(await page.getByTestId('backprop-exact').allTextContents()).toEqual(cli.map((t) => (t.exact ? '✓' : '✗')));
    const fused = cli.filter((t) => t.name.endsWith('(fused)')).length;
    const n = cli.length - fused;
    expect(await summary.textContent()).toBe(`${n} of ${n} tensors match autodiff (approx); ${fused} of ${fused} fused shortcuts match the step-by-step result.`);
    // A mini histogram per row.
    expect(await page.locator('[data-testid="backprop-row"] svg[role="img"]').count()).toBe(cli.length);

    // Open dlogits with the keyboard: its first 64 values beside autodiff's.
    const logits = page.locator('[data-testid="backprop-row"][data-name="logits"] [data-testid="backprop-open"]');
    await logits.focus();
    await page.keyboard.press('Enter');
    const values = page.getByTestId('backprop-values');
    await values.waitFor();
    expect(await values.locator('h3').textContent()).toBe('dlogits: hand-written beside autodiff');
    expect(await page.getByTestId('backprop-value-row').count()).toBe(64);
    const first = await page.getByTestId('backprop-value-row').first().locator('td').allTextContents();
    // Hand-written and autodiff agree to float32 precision (8 significant digits shown).
    expect(Math.abs(Number(first[1]) - Number(first[2]))).toBeLessThan(1e-6);
    expect(Number(first[1])).not.toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'backprop.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
