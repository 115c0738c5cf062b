/**
 * End to end: naming runs and writing notes in the Runs view, in Debian's Chromium through `lab serve`. Two short
 * runs on the built-in names; one is renamed from the keyboard (Enter saves, Escape cancels, focus comes back),
 * a name over 100 characters is refused in place with one line, a multi-line note is saved with Ctrl+Enter; a
 * second tab sees the new name without reloading (`runs.changed`); after a reload the name and note are still
 * there, the table sorts by name, the overlay's legend (its data table and accessible name) and the pickers use the
 * name, and the run's detail in Train shows the note. Run with LAB_E2E=1 after `npx electron-vite build`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E_WANTED, openLabInChromium, type LabInChromium } from '../helpers/labBrowser.js';

let lab: LabInChromium;
let page: Page;
const byTestId = (id: string, p: Page = page) => p.getByTestId(id);
const text = async (id: string, p: Page = page) => ((await byTestId(id, p).textContent()) ?? '').trim();

async function trainPreset(presetId: string, steps: number): Promise<string> {
  await byTestId('tab-presets').click();
  await byTestId(`preset-use-${presetId}`).click();
  await byTestId('field-train-steps').fill(String(steps));
  await byTestId('tab-train').click();
  await byTestId('train-start').click();
  await expect.poll(() => text('train-status'), { timeout: 240_000, interval: 250 }).toBe('completed');
  return text('train-run-id');
}

const NAME = 'Zero init <b>baseline</b> & co';
const NOTE = 'Only b2 learns here.\n  Second line, indented — kept.\n\nA paragraph after a blank line.';

describe.skipIf(!E2E_WANTED)('naming runs and writing notes in Chromium through lab serve', () => {
  beforeAll(async () => {
    lab = await openLabInChromium('lab-e2e-label-');
    page = lab.page;
  });

  afterAll(async () => {
    await lab?.close();
  });

  it('renames a run and adds a note; both survive a reload and show in the table, legend, pickers and detail', async () => {
    await byTestId('dataset-builtin').click();
    await expect.poll(() => text('dataset-word-count'), { timeout: 30_000 }).not.toBe('');
    const first = await trainPreset('zero-init', 200);
    const second = await trainPreset('kaiming', 200);

    // A second tab, open before the rename, follows it through `runs.changed`.
    const other = await lab.browser.newPage();
    await other.goto(lab.server.url);
    await byTestId('tab-runs', other).click();
    await expect.poll(() => text(`run-name-${first}`, other), { timeout: 15_000 }).toBe(first);

    await byTestId('tab-runs').click();
    // Unnamed runs are called by their id, as the table always showed them.
    expect(await text(`run-name-${first}`)).toBe(first);

    // Keyboard only: the Rename button's accessible name carries the run; Escape cancels and gives focus back.
    const rename = page.getByRole('button', { name: `Rename run ${first}` });
    await rename.focus();
    await page.keyboard.press('Enter');
    const input = page.getByRole('textbox', { name: `New name for run ${first}` });
    await expect.poll(() => input.evaluate(isFocused)).toBe(true);
    await page.keyboard.type('discarded');
    await page.keyboard.press('Escape');
    expect(await text(`run-name-${first}`)).toBe(first);
    await expect.poll(() => rename.evaluate(isFocused)).toBe(true);

    // Too long: refused in place, one line naming the field; nothing saved.
    await page.keyboard.press('Enter');
    await input.fill('x'.repeat(101));
    await page.keyboard.press('Enter');
    await expect.poll(() => text(`run-label-error-${first}`)).toBe('name: must be 1–100 characters after trimming spaces (got 101)');
    expect(existsLabel(first)).toBe(false);

    // Enter saves.
    await input.fill(NAME);
    await page.keyboard.press('Enter');
    await expect.poll(() => text(`run-name-${first}`)).toBe(NAME);
    await expect.poll(() => page.getByRole('button', { name: `Rename run ${NAME}` }).evaluate(isFocused)).toBe(true);
    await expect.poll(() => text(`run-name-${first}`, other), { timeout: 15_000 }).toBe(NAME);

    // The note: a textarea named after the run; Ctrl+Enter saves.
    await page.getByRole('button', { name: `Add a note to run ${NAME}` }).click();
    await page.getByRole('textbox', { name: `Note for run ${NAME}` }).fill(NOTE);
    await page.keyboard.press('Control+Enter');
    await expect.poll(async () => byTestId(`run-note-text-${first}`).innerText()).toBe(NOTE);

    // What the server stored, beside run.json.
    const label = JSON.parse(readFileSync(path.join(lab.dataDir, 'runs', first, 'label.json'), 'utf8'));
    expect(label).toMatchObject({ name: NAME, note: NOTE });

    // After a reload: both still there.
    await page.reload();
    await byTestId('app-mode').waitFor({ timeout: 20_000 });
    await byTestId('tab-runs').click();
    await expect.poll(() => text(`run-name-${first}`), { timeout: 15_000 }).toBe(NAME);
    expect(await byTestId(`run-note-text-${first}`).innerText()).toBe(NOTE);
    expect(await text(`run-name-${second}`)).toBe(second);

    // Sorted by name: the id of the unnamed run ("2026…") sorts before "Zero …".
    await byTestId('runs-sort-name').click();
    const order = await page.locator('[data-testid^="run-name-"]').allTextContents();
    expect(order.map((t) => t.trim())).toEqual([second, NAME]);

    // The overlay names its curves by run name: the legend's labels (its data table) and the chart's accessible name.
    await byTestId(`run-compare-${first}`).check();
    await byTestId(`run-compare-${second}`).check();
    const chart = page.getByRole('img', { name: `Loss curves of ${NAME}, ${second}` });
    await expect.poll(() => chart.count(), { timeout: 15_000 }).toBe(1);
    await page.locator('[data-testid="runs-overlay-chart-data"] summary').click();
    // The table is built when the disclosure's toggle event arrives, a moment after the click: wait for it.
    await page.locator('[data-testid="runs-overlay-chart-data"] tbody tr').first().waitFor({ timeout: 10_000 });
    const runsInTable = new Set((await page.locator('[data-testid="runs-overlay-chart-data"] tbody tr td:first-child').allTextContents()).map((t) => t.trim()));
    expect([...runsInTable]).toEqual([NAME, second]);
    // Renaming a run that is already overlaid renames its curves at once.
    await page.getByRole('button', { name: `Rename run ${second}` }).click();
    await page.getByRole('textbox', { name: `New name for run ${second}` }).fill('kaiming, 200 steps');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('img', { name: `Loss curves of ${NAME}, kaiming, 200 steps` }).count(), { timeout: 15_000 }).toBe(1);

    // Pickers (Inspect) list the run by its name.
    await byTestId('tab-inspect').click();
    const options = await page.locator('[data-testid="inspect-run-select"] option').allTextContents();
    expect(options.some((o) => o.startsWith(`${NAME} — zero-init`))).toBe(true);

    // The run's detail (Train, after Open) shows the name and the note.
    await byTestId('tab-runs').click();
    await byTestId(`run-open-${first}`).click();
    await expect.poll(() => text('train-run-name')).toBe(NAME);
    expect(await byTestId('train-run-note').textContent()).toBe(`Note: ${NOTE}`);
    expect(await page.getByRole('img', { name: `Loss curve of run ${NAME}: log10 loss per step, smoothed line, train and dev evaluations` }).count()).toBe(1);
    expect(lab.pageErrors).toEqual([]);
    await other.close();
  }, 600_000);
});

/** Runs in the page: whether the element has the keyboard focus. */
const isFocused = (el: { ownerDocument: { activeElement: unknown } }) => el.ownerDocument.activeElement === el;

function existsLabel(runId: string): boolean {
  try {
    readFileSync(path.join(lab.dataDir, 'runs', runId, 'label.json'));
    return true;
  } catch {
    return false;
  }
}
