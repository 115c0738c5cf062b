/**
 * End to end: the Sweep view in Chromium through `lab serve` (same setup as lab.test.ts). names.txt through
 * the file input, then a 2×2 sweep of zero-init (learning rate 0.1, 0.05 × batch size 16, 32; 200 steps) picked
 * through the field picker, run to the end; the table's rows (values, status, losses) are checked against each
 * run folder's run.json, the best (lowest dev loss) row first and highlighted, the heatmap has 4 cells with the
 * same numbers, and the saved sweep reopens after a page reload.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_NAMES, NAMES_TXT } from '../helpers/fixtures.js';
import { E2E_WANTED, openLabInChromium, SHOTS, type LabInChromium } from '../helpers/labBrowser.js';

const ready = E2E_WANTED && HAS_NAMES;

let lab: LabInChromium;
let page: Page;
let dataDir: string;
let pageErrors: string[] = [];

const byTestId = (id: string) => page.getByTestId(id);
const LR = 'train.learningRate.initial';
const BATCH = 'train.batchSize';

interface RowText {
  runId: string;
  values: string[];
  status: string;
  train: string;
  dev: string;
  best: string | null;
}

async function tableRows(): Promise<RowText[]> {
  const rows = page.locator('[data-testid="sweep-row"]');
  const out: RowText[] = [];
  for (let k = 0; k < (await rows.count()); k++) {
    const row = rows.nth(k);
    out.push({
      runId: (await row.getAttribute('data-run-id'))!,
      values: (await row.getByTestId('sweep-value').allTextContents()).map((t) => t.trim()),
      status: (await row.getByTestId('sweep-status').textContent())!.replace('(best)', '').trim(),
      train: (await row.getByTestId('sweep-train').textContent())!.trim(),
      dev: (await row.getByTestId('sweep-dev').textContent())!.trim(),
      best: await row.getAttribute('data-best'),
    });
  }
  return out;
}

function runJson(runId: string): { status: string; config: { train: { learningRate: { initial: number }; batchSize: number; steps: number } }; result: { loss: { train: number; val: number } } } {
  return JSON.parse(readFileSync(path.join(dataDir, 'runs', runId, 'run.json'), 'utf8'));
}

describe.skipIf(!ready)('the Sweep view in Chromium through lab serve', () => {
  beforeAll(async () => {
    lab = await openLabInChromium('lab-e2e-sweep-');
    ({ page, dataDir, pageErrors } = lab);
  });

  afterAll(async () => {
    await lab?.close();
  });

  it('plans a 2×2 grid from fields picked in the configuration', async () => {
    await byTestId('dataset-file-input').setInputFiles(NAMES_TXT);
    await expect.poll(async () => (await byTestId('dataset-word-count').textContent())?.trim(), { timeout: 30_000 }).toBe('32,033');
    await byTestId('tab-sweep').click();
    await byTestId('sweep-preset').selectOption('zero-init');
    await byTestId('sweep-field').selectOption(LR);
    await byTestId('sweep-field-add').click();
    await byTestId('sweep-values-0').fill('0.1, 0.05');
    await byTestId('sweep-field').selectOption(BATCH);
    await byTestId('sweep-field-add').click();
    await byTestId('sweep-values-1').fill('16,32');
    await byTestId('sweep-steps').fill('200');
    expect((await byTestId('sweep-grid-size').textContent())?.trim()).toBe('4');
    // No run of zero-init has finished yet: no speed to estimate from.
    expect(await byTestId('sweep-estimate').textContent()).toMatch(/^unknown/);
    // Two fields at most: the picker is gone.
    expect(await byTestId('sweep-field').count()).toBe(0);
    // A bad value is refused in place, naming the field, before anything starts.
    await byTestId('sweep-values-1').fill('16, x');
    expect(await byTestId('sweep-plan').textContent()).toContain(`${BATCH}: 'x' is not a number`);
    expect(await byTestId('sweep-start').isDisabled()).toBe(true);
    await byTestId('sweep-values-1').fill('16,32');
  });

  it('runs the grid; the table and heatmap match the run folders, best dev loss first', async () => {
    await byTestId('sweep-start').click();
    await expect
      .poll(async () => (await tableRows()).map((r) => r.status).join(','), { timeout: 300_000, interval: 500 })
      .toBe('completed,completed,completed,completed');
    await expect.poll(async () => (await tableRows()).every((r) => r.dev !== '—'), { timeout: 30_000 }).toBe(true);
    const rows = await tableRows();
    const seen = new Set<string>();
    for (const r of rows) {
      const record = runJson(r.runId);
      expect(record.status).toBe('completed');
      expect(record.config.train.steps).toBe(200);
      expect(r.values).toEqual([String(record.config.train.learningRate.initial), String(record.config.train.batchSize)]);
      expect(r.train).toBe(record.result.loss.train.toFixed(4));
      expect(r.dev).toBe(record.result.loss.val.toFixed(4));
      seen.add(r.values.join('|'));
    }
    expect([...seen].sort()).toEqual(['0.05|16', '0.05|32', '0.1|16', '0.1|32']);
    // Sorted by dev loss, the first one highlighted as best.
    const devs = rows.map((r) => runJson(r.runId).result.loss.val);
    expect(devs).toEqual([...devs].sort((a, b) => a - b));
    expect(rows.map((r) => r.best)).toEqual(['true', 'false', 'false', 'false']);

    // The heatmap: 4 cells, each the dev loss of its grid point.
    const cells = page.locator('[data-testid="sweep-heatmap"] [data-testid="heatmap-cell"]');
    expect(await cells.count()).toBe(4);
    const byValues = new Map(rows.map((r) => [r.values.join('|'), r.dev]));
    const cellTexts = (await cells.allTextContents()).map((t) => t.trim());
    // Rows are the learning rates (0.1, 0.05), columns the batch sizes (16, 32).
    expect(cellTexts).toEqual([byValues.get('0.1|16'), byValues.get('0.1|32'), byValues.get('0.05|16'), byValues.get('0.05|32')]);
    expect(await cells.first().getAttribute('aria-label')).toContain(`${LR} 0.1, ${BATCH} 16: dev loss`);
    // The form's estimate now uses the speed measured on these runs (no reload needed).
    await expect.poll(async () => (await byTestId('sweep-estimate').textContent()) ?? '', { timeout: 10_000 }).toMatch(/measured \d+ steps\/s/);
    // Every curve is overlaid.
    await byTestId('sweep-chart').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'sweep.png'), fullPage: true });
  }, 360_000);

  it('reopens the saved sweep after a reload, and the estimate now uses the measured speed', async () => {
    const before = await tableRows();
    await page.reload();
    await byTestId('app-mode').waitFor({ timeout: 20_000 });
    await byTestId('tab-sweep').click();
    await byTestId('sweep-open').first().click();
    await expect.poll(async () => (await tableRows()).length, { timeout: 20_000 }).toBe(4);
    expect(await tableRows()).toEqual(before);
    await byTestId('sweep-preset').selectOption('zero-init');
    await byTestId('sweep-field').selectOption(LR);
    await byTestId('sweep-field-add').click();
    await byTestId('sweep-values-0').fill('0.1');
    await expect.poll(async () => (await byTestId('sweep-estimate').textContent()) ?? '', { timeout: 10_000 }).toMatch(/measured \d+ steps\/s/);
    expect(pageErrors).toEqual([]);
  });
});
