/**
 * End to end: the Sweep view in Chromium through `lab serve` (same setup as lab.test.ts). names.txt through
 * the file input, then a 2×2 sweep of zero-init (learning rate 0.1, 0.05 × batch size 16, 32; 200 steps) picked
 * through the field picker, run to the end; the table's rows (values, status, losses) are checked against each
 * run folder's run.json, the best (lowest dev loss) row first and highlighted, the heatmap has 4 cells with the
 * same numbers, and the saved sweep reopens after a page reload — from the Sweep view's list and from the Runs view.
 * Then a deep-tanh-gain sweep (steps 300 / 4,000,000 × gain 0.5, 1, 3): the per-layer tables match each run
 * folder's final snapshot and update:data ratios; reopened after a reload while it trains, every curve starts at
 * step 0; "Stop sweep" (pressed from the keyboard) stops the training and queued runs and keeps the finished ones.
 */
import { existsSync, readFileSync } from 'node:fs';
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

/** A table row as the page sees it (the node type-check has no DOM library). */
type CellRow = { querySelectorAll(selector: string): ArrayLike<{ textContent: string | null }> };

/** The last inspector snapshot in a run folder, read straight from snapshots.jsonl. */
function finalSnapshot(runId: string): { step: number; activations: { saturatedPct: number; std: number }[] } {
  const lines = readFileSync(path.join(dataDir, 'runs', runId, 'snapshots.jsonl'), 'utf8').trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

/** Mean of W{layer}'s update:data ratios over the run's last 100 recorded steps, from metrics.jsonl by hand. */
function recentRatio(runId: string, layer: number): number {
  const rows: number[] = [];
  for (const line of readFileSync(path.join(dataDir, 'runs', runId, 'metrics.jsonl'), 'utf8').trim().split('\n')) {
    const m = JSON.parse(line);
    if (m.kind !== 'ratios') continue;
    const j = m.params.indexOf(`W${layer}`);
    for (const r of m.ratios) rows.push(r[j]);
  }
  const last = rows.slice(-100);
  return last.reduce((a, b) => a + b, 0) / last.length;
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

  it('the Runs view lists the saved sweep and opens it in the Sweep view with the same table', async () => {
    const before = await tableRows();
    await page.reload();
    await byTestId('app-mode').waitFor({ timeout: 20_000 });
    await byTestId('tab-runs').click();
    const row = page.locator('[data-testid="runs-sweep"]');
    await expect.poll(async () => row.count(), { timeout: 20_000 }).toBe(1);
    expect((await row.getByTestId('runs-sweep-size').textContent())?.trim()).toBe('4');
    expect((await row.getByTestId('runs-sweep-status').textContent())?.trim()).toBe('completed');
    expect(await row.textContent()).toContain(`${LR} 0.1, 0.05 × ${BATCH} 16, 32`);
    await row.getByTestId('runs-sweep-open').click();
    expect(await byTestId('tab-sweep').getAttribute('aria-selected')).toBe('true');
    await expect.poll(async () => (await tableRows()).length, { timeout: 20_000 }).toBe(4);
    await expect.poll(async () => JSON.stringify(await tableRows()), { timeout: 20_000 }).toBe(JSON.stringify(before));
    expect((await byTestId('sweep-status-all').textContent())?.trim()).toBe('completed');
    await byTestId('sweep-chart').waitFor();
    expect(pageErrors).toEqual([]);
  });

  it('deep-tanh-gain: per-layer summaries match the run folders; reopened while training every curve starts at 0; Stop sweep keeps the finished runs', async () => {
    const GAIN = 'model.hidden.*.weightInit.gain';
    await page.reload();
    await byTestId('app-mode').waitFor({ timeout: 20_000 });
    await byTestId('dataset-file-input').setInputFiles(NAMES_TXT);
    await expect.poll(async () => (await byTestId('dataset-word-count').textContent())?.trim(), { timeout: 30_000 }).toBe('32,033');
    await byTestId('tab-sweep').click();
    await byTestId('sweep-preset').selectOption('deep-tanh-gain');
    await byTestId('sweep-field').selectOption('train.steps');
    await byTestId('sweep-field-add').click();
    await byTestId('sweep-values-0').fill('300, 4000000');
    await byTestId('sweep-field').selectOption(GAIN);
    await byTestId('sweep-field-add').click();
    await byTestId('sweep-values-1').fill('0.5, 1, 3');
    expect((await byTestId('sweep-grid-size').textContent())?.trim()).toBe('6');
    await byTestId('sweep-start').click();
    // The three 300-step runs finish; two long ones train (with history on disk), the last waits for a worker.
    const statusOf = async () => new Map((await tableRows()).map((r) => [r.values.join('|'), r]));
    await expect
      .poll(async () => Promise.all(['300|0.5', '300|1', '300|3'].map(async (k) => (await statusOf()).get(k)?.status)).then((s) => s.join(',')), {
        timeout: 300_000,
        interval: 500,
      })
      .toBe('completed,completed,completed');
    const running = async () => [...(await statusOf()).values()].filter((r) => r.status === 'running');
    const trained = (runId: string) => {
      const file = path.join(dataDir, 'runs', runId, 'metrics.jsonl');
      return existsSync(file) && readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('"kind":"loss"')).length >= 3;
    };
    await expect.poll(async () => (await running()).filter((r) => trained(r.runId)).length, { timeout: 120_000, interval: 500 }).toBeGreaterThanOrEqual(1);
    const live = (await running()).filter((r) => trained(r.runId));

    // Reload while it trains, and reopen it from the Runs view.
    await page.reload();
    await byTestId('app-mode').waitFor({ timeout: 20_000 });
    await byTestId('tab-runs').click();
    const sweepRow = page.locator('[data-testid="runs-sweep"]').first();
    await expect.poll(async () => (await sweepRow.getByTestId('runs-sweep-status').textContent())?.trim(), { timeout: 20_000 }).toBe('running');
    expect((await sweepRow.getByTestId('runs-sweep-size').textContent())?.trim()).toBe('6');
    await sweepRow.getByTestId('runs-sweep-open').click();
    await expect.poll(async () => (await tableRows()).length, { timeout: 20_000 }).toBe(6);
    // Every curve of a run that was training starts at step 0 (its stored history), not where the page came back.
    await byTestId('sweep-chart-data').locator('summary').click();
    const firstStep = async (label: string) => {
      const cells = await page.locator('[data-testid="sweep-chart-data"] tbody tr').evaluateAll((trs) =>
        trs.map((tr) => Array.from((tr as unknown as CellRow).querySelectorAll('td'), (td) => td.textContent?.trim() ?? '')),
      );
      const steps = cells.filter((c) => c[0] === label && c[2] !== '—').map((c) => Number(c[1].split('–')[0]));
      return steps.length ? Math.min(...steps) : null;
    };
    for (const r of live) expect(await firstStep(r.values.join(' · ')), r.values.join(' · ')).toBe(0);

    // Stop sweep, from the keyboard.
    const stop = page.getByRole('button', { name: 'Stop sweep' });
    await stop.focus();
    await page.keyboard.press('Enter');
    try {
      await expect.poll(async () => (await byTestId('sweep-status-all').textContent())?.trim(), { timeout: 120_000, interval: 500 }).toBe('stopped');
    } catch (e) {
      // What the page and the run folders say, so a failure here can be told apart: a run still training, or a page
      // that missed the end.
      const page_ = [...(await statusOf()).entries()].map(([k, r]) => `${k}=${r.status}`).join(' ');
      const disk = [...(await statusOf()).values()]
        .map((r) => {
          const file = path.join(dataDir, 'runs', r.runId, 'run.json');
          return `${r.runId}=${existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).status : 'none'}`;
        })
        .join(' ');
      throw new Error(`sweep not stopped; page rows: ${page_}; run.json: ${disk}; ${(e as Error).message}`);
    }
    expect(await byTestId('sweep-stop').count()).toBe(0);
    const rows = await statusOf();
    for (const [key, r] of rows) {
      const record = JSON.parse(readFileSync(path.join(dataDir, 'runs', r.runId, 'run.json'), 'utf8'));
      if (key.startsWith('300|')) {
        expect([r.status, record.status, record.result.steps]).toEqual(['completed', 'completed', 300]);
      } else {
        expect([r.status, record.status]).toEqual(['stopped', 'stopped']);
        // One that trained stopped early; one still waiting for a worker never started (no result, no metrics).
        if (record.result) expect(record.result.steps).toBeLessThan(4_000_000);
        else expect(existsSync(path.join(dataDir, 'runs', r.runId, 'metrics.jsonl'))).toBe(false);
      }
    }

    // The per-layer tables: each run's final snapshot (tanh saturation %, std) and W{l}'s last-100-step update:data.
    const section = byTestId('sweep-layers');
    await expect.poll(async () => section.locator('[data-testid="sweep-layers-saturation"] tbody tr').count(), { timeout: 20_000 }).toBe(6);
    const cellValues = async (metric: string, runId: string) =>
      (await section.locator(`[data-testid="sweep-layers-${metric}"] tr[data-run-id="${runId}"] [data-testid="layer-cell"]`).evaluateAll((tds) =>
        tds.map((td) => ({ value: td.getAttribute('data-value'), text: td.textContent?.trim() })),
      ));
    for (const key of ['300|0.5', '300|1', '300|3']) {
      const runId = rows.get(key)!.runId;
      const snapshot = finalSnapshot(runId);
      expect(snapshot.step).toBe(299);
      const sat = await cellValues('saturation', runId);
      const std = await cellValues('std', runId);
      const upd = await cellValues('updateRatioLog10', runId);
      expect(sat).toHaveLength(5);
      snapshot.activations.forEach((a, k) => {
        expect(Number(sat[k].value)).toBe(a.saturatedPct);
        expect(sat[k].text).toBe(a.saturatedPct.toFixed(1));
        expect(Number(std[k].value)).toBe(a.std);
        expect(std[k].text).toBe(a.std.toFixed(3));
        expect(Number(upd[k].value)).toBeCloseTo(recentRatio(runId, k + 1), 10);
      });
    }
    // The lecture's story in the numbers: gain 3 saturates every layer far more than gain 0.5.
    const satAt = async (key: string) => (await cellValues('saturation', rows.get(key)!.runId)).map((c) => Number(c.value));
    const [low, high] = [await satAt('300|0.5'), await satAt('300|3')];
    for (let k = 0; k < 5; k++) expect(high[k]).toBeGreaterThan(low[k] + 10);
    expect(await byTestId('sweep-layers-chart').getAttribute('aria-label')).toContain('tanh saturation %');
    await page.screenshot({ path: path.join(SHOTS, 'sweep-layers.png'), fullPage: true });

    // In Runs, only a run with a saved model offers "Export & download": one stopped before it started has none.
    await byTestId('tab-runs').click();
    for (const [, r] of rows) {
      const record = JSON.parse(readFileSync(path.join(dataDir, 'runs', r.runId, 'run.json'), 'utf8'));
      await byTestId(`run-open-${r.runId}`).waitFor({ timeout: 20_000 });
      expect(await byTestId(`run-export-${r.runId}`).count(), r.runId).toBe(record.result ? 1 : 0);
    }
    expect(pageErrors).toEqual([]);
  }, 600_000);
});
