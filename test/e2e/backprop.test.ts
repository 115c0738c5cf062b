/**
 * End to end: the Backprop view in Chromium through `lab serve` (its own server and data folder). Checks
 * `backprop-ninja` at initialisation: every row ✓ (approx), the same rows in the same order as
 * `lab backprop --preset backprop-ninja --json`, and a row opened with the keyboard shows its values side by side.
 * Run with LAB_E2E=1 after `npx electron-vite build`; skipped otherwise.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/fixtures.js';
import { E2E_WANTED, openLabInChromium, SHOTS, type LabInChromium } from '../helpers/labBrowser.js';


let lab: LabInChromium;
let page: Page;
let pageErrors: string[] = [];

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

describe.skipIf(!E2E_WANTED)('the Backprop view in Chromium through lab serve', () => {
  beforeAll(async () => {
    lab = await openLabInChromium('lab-e2e-backprop-');
    ({ page, pageErrors } = lab);
  });

  afterAll(async () => {
    await lab?.close();
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
