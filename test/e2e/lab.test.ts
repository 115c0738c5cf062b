/**
 * End to end: `lab serve` + Debian's Chromium (playwright-core) driving the built renderer like a user.
 * Run with `npm run e2e` (builds first, sets LAB_E2E=1). Needs out/renderer, /usr/bin/chromium and
 * ../shared/data/names.txt; skips cleanly when any is missing. Saves a screenshot of each main view to
 * docs/screenshots/.
 *
 *  1. names.txt through the file input → 32,033 words, 182,625 training examples; a bad file shows its error.
 *  2. zero-init for 3,000 steps → the inspector's parameter table marks b2 as the only changed parameter
 *     and the diagnosis names it.
 *  3. bn3-fold briefly → fold wizard (plan, compare with max |Δlogit| ≤ 1e-4) → export → the exported files
 *     reload with logits equal to the trained run's.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../electron/engine/compute/select.js';
import { importLayersModel } from '../../electron/engine/io/layers.js';
import { decodeModelSafetensors } from '../../electron/engine/io/safetensors.js';
import { decodeOnnxModel } from '../../electron/engine/io/onnx.js';
import { maxAbsDiff, randomContexts } from '../../electron/engine/io/verify.js';
import { openRun } from '../../electron/engine/run/openRun.js';
import type { ModelState } from '../../electron/engine/model/params.js';
import { HAS_NAMES, NAMES_TXT } from '../helpers/fixtures.js';
import { E2E_WANTED, openLabInChromium, SHOTS, type LabInChromium } from '../helpers/labBrowser.js';

const ready = E2E_WANTED && HAS_NAMES;

let lab: LabInChromium;
let page: Page;
let dataDir: string;
let pageErrors: string[] = [];

const byTestId = (id: string) => page.getByTestId(id);

async function tab(id: string): Promise<void> {
  await byTestId(`tab-${id}`).click();
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Selects a preset, sets its steps, starts it on the Train view and waits for it to complete. */
async function trainPreset(presetId: string, steps: number, screenshot?: string): Promise<string> {
  await tab('presets');
  await byTestId(`preset-use-${presetId}`).click();
  await byTestId('field-train-steps').fill(String(steps));
  await byTestId('field-train-inspectEvery').fill('500');
  await byTestId('field-train-evalEvery').fill('1000');
  if (screenshot === 'presets') await shot('presets');
  await tab('train');
  await byTestId('train-start').click();
  await expect.poll(async () => (await byTestId('train-status').textContent())?.trim(), { timeout: 240_000, interval: 250 }).toBe('completed');
  return (await byTestId('train-run-id').textContent())!.trim();
}

async function logits(state: ModelState, x: Int32Array, n: number): Promise<Float32Array> {
  const backend = await createBackend(state, 'cpu');
  try {
    return backend.logits(x, n).slice();
  } finally {
    backend.dispose();
  }
}

describe.skipIf(!ready)('Makemore Lab in Chromium through lab serve', () => {
  beforeAll(async () => {
    lab = await openLabInChromium('lab-e2e-');
    ({ page, dataDir, pageErrors } = lab);
  });

  afterAll(async () => {
    await lab?.close();
  });

  it('loads names.txt through the file input: 32,033 words and 182,625 training examples', async () => {
    expect(await byTestId('app-mode').textContent()).toContain('served');
    await byTestId('dataset-file-input').setInputFiles(NAMES_TXT);
    await expect.poll(async () => (await byTestId('dataset-word-count').textContent())?.trim(), { timeout: 30_000 }).toBe('32,033');
    expect((await byTestId('dataset-train-examples').textContent())?.trim()).toBe('182,625');
    expect((await byTestId('dataset-val-examples').textContent())?.trim()).toBe('22,655');
    expect((await byTestId('dataset-test-examples').textContent())?.trim()).toBe('22,866');
    expect((await byTestId('dataset-vocab').textContent())?.replace(/\s+/g, '')).toBe('.abcdefghijklmnopqrstuvwxyz');
    // Every chart offers its data as a table: the word-length chart's rows are the histogram.
    await page.locator('[data-testid="dataset-length-chart-data"] summary').click();
    // The table is built when the disclosure's toggle event arrives, a moment after the click: wait for it.
    await expect.poll(async () => page.locator('[data-testid="dataset-length-chart-data"] tbody tr').count(), { timeout: 10_000 }).toBeGreaterThan(5);
    // Every character is labelled in the table beside the chart: 26 rows, 'a' the most frequent.
    expect(await page.locator('[data-testid="dataset-char-table"] tbody tr').count()).toBe(26);
    expect(await page.locator('[data-testid="dataset-char-table"] tbody tr').first().locator('td').allTextContents()).toEqual(['a', '33,885', '17.28%']);
    await shot('dataset');
  });

  it('shows a bad dataset\'s error in place, with its line', async () => {
    await byTestId('dataset-file-input').setInputFiles({ name: 'bad.txt', mimeType: 'text/plain', buffer: Buffer.from('emma\nolivia\nmr.smith\n') });
    await expect.poll(async () => (await byTestId('dataset-error').textContent()) ?? '', { timeout: 15_000 }).toMatch(/line 3/);
    // The user is told the refused file changed nothing.
    expect((await byTestId('dataset-still-using').textContent())?.replace(/\s+/g, ' ')).toMatch(/still using names\.txt \(32,033 words\)/);
    await shot('dataset-error');
    // The good dataset is loaded again for the runs below.
    await byTestId('dataset-file-input').setInputFiles(NAMES_TXT);
    await expect.poll(async () => (await byTestId('dataset-word-count').textContent())?.trim(), { timeout: 30_000 }).toBe('32,033');
  });

  it('exercise 1: zero-init for 3,000 steps — the inspector names b2 as the only changed parameter', async () => {
    await trainPreset('zero-init', 3000, 'presets');
    // The stall has a visible explanation: the loaded data's unigram entropy, drawn as the floor.
    expect((await byTestId('train-floor').textContent())?.replace(/\s+/g, ' ')).toMatch(/unigram entropy of the training split, 2\.8226/);
    // The loss chart reads out the values under the pointer, and switches between log and linear axes.
    await byTestId('train-loss-chart').scrollIntoViewIfNeeded();
    const chartBox = (await byTestId('train-loss-chart').boundingBox())!;
    await page.mouse.move(chartBox.x + chartBox.width * 0.3, chartBox.y + chartBox.height * 0.5);
    await page.mouse.move(chartBox.x + chartBox.width * 0.5, chartBox.y + chartBox.height * 0.4, { steps: 5 });
    await expect.poll(async () => (await byTestId('train-loss-chart-readout').textContent()) ?? '', { timeout: 5_000 }).toMatch(/step [\d,]+ — loss \d\.\d+, smoothed \d\.\d+/);
    // The same readout from the keyboard: a slider over the steps drawn (Home: the first, End: the last), whose
    // spoken value is the readout.
    const readSlider = page.getByRole('slider', { name: 'read at step' });
    const readStep = async () => Number(/^step ([\d,]+) —/.exec((await byTestId('train-loss-chart-readout').textContent()) ?? '')?.[1].replace(/,/g, '') ?? NaN);
    await readSlider.focus();
    await page.keyboard.press('Home');
    await expect.poll(readStep, { timeout: 5_000 }).toBeLessThan(100);
    await page.keyboard.press('End');
    await expect.poll(readStep, { timeout: 5_000 }).toBeGreaterThanOrEqual(2_900);
    await page.keyboard.press('ArrowLeft');
    await expect.poll(readStep, { timeout: 5_000 }).toBeLessThan(3_000);
    expect(await readSlider.getAttribute('aria-valuetext')).toBe(await byTestId('train-loss-chart-readout').textContent());
    await byTestId('train-loss-chart-log').uncheck();
    await byTestId('train-loss-chart-log').check();
    await shot('train');
    await tab('inspect');
    await expect.poll(async () => byTestId('inspect-param-row-b2').getAttribute('data-changed'), { timeout: 30_000 }).toBe('true');
    for (const name of ['C', 'W1', 'b1', 'W2']) {
      expect(await byTestId(`inspect-param-row-${name}`).getAttribute('data-changed')).toBe('false');
    }
    await expect.poll(async () => (await byTestId('inspect-diagnosis').textContent()) ?? '', { timeout: 30_000 }).toMatch(/b2/);
    const diagnosis = (await byTestId('inspect-diagnosis').textContent()) ?? '';
    expect(diagnosis).toMatch(/only b2/i);
    // The chain tanh(0) = 0 → h = 0 → dW2 = 0 → dh = 0 → only b2, each link with its measured number.
    const links = await page.locator('[data-testid="inspect-chain"] li').allTextContents();
    expect(links.map((l) => l.replace(/\s+/g, ' ').trim())).toEqual([
      'W1 = b1 = 0 — measured: max |W1| = 0, max |b1| = 0',
      'h1 = tanh(0) = 0 — measured: std 0, 100% of values exactly 0',
      'dW2 = h1ᵀ·dlogits = 0 — measured: max |dW2| = 0',
      'dh1 = dlogits·W2ᵀ = 0 (W2 = 0) — measured: max |dh1| = 0',
      'nothing below h1 learns: dC = dW1 = db1 = 0 — measured: max |dC| = 0, max |dW1| = 0, max |db1| = 0',
      expect.stringMatching(/^only b2 learns: the logits ignore the context — measured: max \|db2\| = \S+; changed since init: b2$/),
    ]);
    // Every inspector chart is drawn, even with every value exactly 0 (a histogram of one spike, a ratio line of b2).
    const charts = ['inspect-activation-chart', 'inspect-layer-grad-chart', 'inspect-weight-grad-chart', 'inspect-ratio-chart'];
    for (const id of charts) await expect.poll(async () => page.locator(`[data-testid="${id}"] canvas`).count(), { timeout: 15_000, message: id }).toBeGreaterThan(0);
    await page.waitForTimeout(1000);
    await shot('inspect');
  });

  it('exercise 2: bn3-fold briefly, fold, compare, export — exported files reload with equal logits', async () => {
    // Inspect still shows the zero-init run while this one starts: its update:data chart must still appear
    // (it stayed on "No update:data ratios recorded." when the first snapshot came before the first ratios).
    const runId = await trainPreset('bn3-fold', 1000);
    await tab('inspect');
    await expect.poll(async () => (await byTestId('inspect-run-select').inputValue()), { timeout: 15_000 }).toBe(runId);
    await expect.poll(async () => byTestId('inspect-ratio-chart').isVisible(), { timeout: 30_000 }).toBe(true);
    await tab('fold');
    await byTestId('fold-run-select').selectOption(runId);
    await byTestId('fold-next-plan').click();
    await expect.poll(async () => (await byTestId('fold-plan').textContent()) ?? '', { timeout: 30_000 }).toMatch(/W3/);
    // The diagram of the run's network marks the three BatchNorms and the Linear each folds into.
    await expect.poll(async () => (await byTestId('fold-network').textContent()) ?? '', { timeout: 15_000 }).toMatch(/16,424 trainable parameters/);
    expect(await page.locator('[data-testid="fold-network"] .fold').allTextContents()).toEqual(['folds into W1, b1', 'folds into W2, b2', 'folds into W3, b3']);
    // bn3-fold's first hidden layer: W1 [30×100] (no bias), gamma1, beta1 → W1' [30×100], b1' [100].
    expect((await byTestId('fold-layer-shapes-1').textContent())?.replace(/\s+/g, ' ')).toMatch(/W1 \[30×100\], gamma1 \[100\], beta1 \[100\] = 3,200 parameters.*W1' \[30×100\], b1' \[100\] = 3,100 parameters/);
    await byTestId('fold-next-compare').click();
    await expect.poll(async () => byTestId('fold-comparison').isVisible(), { timeout: 60_000 }).toBe(true);
    const shownDiff = Number((await byTestId('fold-max-diff').textContent())?.trim());
    expect(shownDiff).toBeLessThanOrEqual(1e-4);
    // A verdict, not just a number: ✓ with the tolerance it used.
    expect(await byTestId('fold-verdict').textContent()).toMatch(/✓ .*within \d(\.\d+)?e-[45]/);
    await shot('fold');
    await byTestId('fold-next-export').click();
    await byTestId('fold-export').click();
    await expect.poll(async () => (await byTestId('export-files').textContent()) ?? '', { timeout: 60_000 }).toMatch(/model\.json/);
    await shot('fold-export');

    // What the user got on disk: every format reloads and gives the trained (unfolded) run's logits.
    const folder = path.join(dataDir, 'exports', `${runId}-folded`);
    const run = await openRun(path.join(dataDir, 'runs', runId));
    const x = randomContexts(run.state.vocabSize, run.state.config.blockSize, 512);
    const reference = await logits(run.state, x, 512);
    const layers = await importLayersModel(folder);
    const safetensors = decodeModelSafetensors(new Uint8Array(readFileSync(path.join(folder, 'model.safetensors'))), 'model.safetensors');
    const onnx = decodeOnnxModel(new Uint8Array(readFileSync(path.join(folder, 'model.onnx'))), 'model.onnx');
    for (const state of [layers.state, safetensors.state, onnx.state]) {
      expect(state.config.hidden.every((h) => !h.batchNorm)).toBe(true);
      expect(maxAbsDiff(reference, await logits(state, x, 512))).toBeLessThanOrEqual(1e-4);
    }
  }, 300_000);

  it('samples names from the folded model and lists the runs', async () => {
    await tab('sample');
    const bnRun = (await page.locator('[data-testid="sample-run-select"] option').allTextContents()).find((t) => /bn3-fold/.test(t));
    expect(bnRun).toBeDefined();
    const value = await page.locator('[data-testid="sample-run-select"] option', { hasText: bnRun! }).getAttribute('value');
    await byTestId('sample-run-select').selectOption(value!);
    await byTestId('sample-folded').check();
    await byTestId('sample-count').fill('10');
    await byTestId('sample-generate').click();
    await expect.poll(async () => ((await byTestId('sample-output').textContent()) ?? '').trim().length, { timeout: 30_000 }).toBeGreaterThan(0);
    await shot('sample');
    // A third run, so the overlay has to hold more than two curves.
    const third = await trainPreset('zero-init', 300);
    await tab('runs');
    await expect.poll(async () => page.locator('[data-testid^="run-row-"]').count(), { timeout: 15_000 }).toBe(3);
    const ids = await page.locator('[data-testid^="run-row-"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-testid')!.slice('run-row-'.length)));
    for (const id of ids) await byTestId(`run-compare-${id}`).check();
    for (const id of ids) expect(await byTestId(`run-compare-${id}`).isChecked()).toBe(true); // none silently unticked
    await expect.poll(async () => byTestId('runs-overlay-chart').isVisible(), { timeout: 15_000 }).toBe(true);
    expect(await page.getByRole('heading', { name: '3 runs overlaid' }).count()).toBe(1);
    // Sorting by dev loss, best first: the 300-step zero-init run (highest loss) comes last.
    await byTestId('runs-sort-dev').click();
    const order = await page.locator('[data-testid^="run-row-"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-testid')!.slice('run-row-'.length)));
    expect(order[order.length - 1]).toBe(third);
    await shot('runs');
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
