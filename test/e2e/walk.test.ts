/**
 * End to end: what a first-time user's walk through the UI (keyboard only, 800 px wide, dark theme) found, in
 * Debian's Chromium through `lab serve`, on the built-in names:
 * - a space in the vocabulary shows as ␠;
 * - a view's button that switches tabs ("Use and train") moves focus to the panel shown (it stayed in the hidden one);
 * - a file dropped outside the drop zone is refused (the browser would open it in place of the lab);
 * - the hidden file input is not a Tab stop (it showed no focus ring; the Open button does the same);
 * - saving a preset under a title that names an existing one says it replaced it, not "saved";
 * - deleting a preset or a run asks first, and focus moves into the question and back (the Delete button that
 *   had focus disappears; focus fell back to the page);
 * - a paused run shows no speed and no ETA (the last report's "3591 steps/s, ETA 1 s" stayed while paused);
 * - a stopped run shows no ETA;
 * - a run picker that leaves every run out says "no suitable run yet", not "no runs yet";
 * - an empty sampled name says so instead of a blank numbered line; an out-of-range count says why Generate is off;
 * - a heatmap cell without a dev loss shows its "—" in the theme's text colour (it was dark on dark);
 * - Stop sweep, pressed from the keyboard, leaves focus on the sweep's heading (the button disappears);
 * and no console error or warning, no uncaught page error on the way. Run with LAB_E2E=1 after `npx electron-vite build`.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E_WANTED, openLabInChromium, type LabInChromium } from '../helpers/labBrowser.js';

let lab: LabInChromium;
let page: Page;
const consoleProblems: string[] = [];
const byTestId = (id: string) => page.getByTestId(id);
const text = async (id: string) => ((await byTestId(id).textContent()) ?? '').trim();
/** The focused element's test id (else its id, else its tag name: BODY when focus fell back to the page). */
const focusedTestId = () =>
  page.locator('body').evaluate((body: { ownerDocument: { activeElement: { tagName: string; getAttribute(n: string): string | null } | null } }) => {
    const el = body.ownerDocument.activeElement;
    return el?.getAttribute('data-testid') ?? (el?.getAttribute('id') || el?.tagName) ?? null;
  });

describe.skipIf(!E2E_WANTED)("a first-time user's walk, keyboard only, 800 px wide, dark theme", () => {
  beforeAll(async () => {
    lab = await openLabInChromium('lab-e2e-walk-', { viewport: { width: 800, height: 900 }, colorScheme: 'dark' });
    page = lab.page;
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') consoleProblems.push(`${m.type()}: ${m.text()}`);
    });
  });

  afterAll(async () => {
    await lab?.close();
  });

  it('a space in the vocabulary shows as ␠ (it was an invisible gap in the list)', async () => {
    const words = ['the quick fox', 'jumps over', 'the lazy dog', 'and so on', 'for ever', 'and ever', 'more'];
    await byTestId('dataset-file-input').setInputFiles({ name: 'phrases.txt', mimeType: 'text/plain', buffer: Buffer.from(words.join('\n')) });
    await expect.poll(() => text('dataset-word-count'), { timeout: 30_000 }).toBe('7');
    expect(await text('dataset-vocab')).toBe('. ␠ a c d e f g h i j k l m n o p q r s t u v x y z');
  });

  it('a file dropped outside the drop zone is refused, so the browser does not open it in place of the lab', async () => {
    // Whether the page cancels the drop decides whether the browser navigates to the file (a synthetic event
    // cannot trigger that navigation, so the test reads the cancellation the browser would act on).
    const cancelled = await page.locator('header').evaluate((header: { ownerDocument: unknown; dispatchEvent(e: unknown): boolean }) => {
      const w = (header.ownerDocument as { defaultView: Record<string, new (...a: unknown[]) => unknown> }).defaultView;
      const data = new w.DataTransfer() as { items: { add(f: unknown): void } };
      data.items.add(new w.File(['emma\n'], 'names.txt', { type: 'text/plain' }));
      const drops = ['dragover', 'drop'].map((type) => new w.DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }) as { defaultPrevented: boolean });
      return drops.map((e) => (header.dispatchEvent(e), e.defaultPrevented));
    });
    expect(cancelled).toEqual([true, true]);
    expect(await text('dataset-word-count')).toBe('7'); // still the phrases loaded above
  });

  it('Tab goes from Open dataset… to Use built-in names, and Enter there loads them', async () => {
    await byTestId('dataset-open').focus();
    await page.keyboard.press('Tab');
    expect(await focusedTestId()).toBe('dataset-builtin');
    await page.keyboard.press('Enter');
    await expect.poll(() => text('dataset-word-count'), { timeout: 30_000 }).not.toBe('');
  });

  it('saving over an existing preset says so; deleting one asks first and keeps focus in the question', async () => {
    await byTestId('tab-presets').click();
    await byTestId('preset-use-zero-init').click();
    await byTestId('field-train-steps').fill('300');
    await byTestId('preset-save-title').fill('My zero');
    await byTestId('preset-save').click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'preset' }).textContent()).toBe('Saved as preset "my-zero".');
    await byTestId('preset-save').click();
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'preset' }).textContent())
      .toBe('Replaced your preset "my-zero" with this configuration.');

    const remove = page.getByRole('button', { name: 'Delete preset My zero' });
    await remove.focus();
    await page.keyboard.press('Enter');
    await expect.poll(focusedTestId).toBe('preset-delete-my-zero-cancel');
    expect(await byTestId('preset-my-zero').count()).toBe(1);
    await page.keyboard.press('Escape');
    await expect.poll(focusedTestId).toBe('preset-delete-my-zero');
    expect(await byTestId('preset-my-zero').count()).toBe(1);
    await page.keyboard.press('Enter');
    await page.keyboard.press('Shift+Tab');
    expect(await focusedTestId()).toBe('preset-delete-my-zero-confirm');
    await page.keyboard.press('Enter');
    await expect.poll(() => byTestId('preset-my-zero').count()).toBe(0);
  });

  it('"Use and train" from the keyboard moves focus to the Train panel, and Tab goes on inside it', async () => {
    await page.getByRole('button', { name: 'Use Exercise 1: all-zero weights and go to Train' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(focusedTestId).toBe('panel-train');
    await page.keyboard.press('Tab');
    expect(await page.locator('#panel-train').evaluate((p: { contains(n: unknown): boolean; ownerDocument: { activeElement: unknown } }) => p.contains(p.ownerDocument.activeElement))).toBe(true);
    expect(await focusedTestId()).not.toBe('panel-train');
  });

  it('a paused run shows no steps/s and no ETA; resumed, they are back; stopped, its run deletes after a question', async () => {
    await byTestId('tab-presets').click();
    await byTestId('preset-use-bn3-fold').click();
    await byTestId('field-train-steps').fill('200000');
    await byTestId('tab-train').click();
    await byTestId('train-start').click();
    await expect.poll(async () => Number((await text('train-step')).replace(/,/g, '')), { timeout: 120_000, interval: 250 }).toBeGreaterThan(100);
    expect(await byTestId('train-speed').count()).toBe(1);
    await byTestId('train-pause').click();
    await expect.poll(() => text('train-status'), { timeout: 30_000 }).toBe('paused');
    expect(await text('train-eta')).toBe('— (paused)');
    expect(await byTestId('train-speed').count()).toBe(0);
    await byTestId('train-resume').click();
    await expect.poll(() => byTestId('train-speed').count(), { timeout: 30_000 }).toBe(1);
    expect(await text('train-eta')).toMatch(/\d/);
    await byTestId('train-stop').click();
    await expect.poll(() => text('train-status'), { timeout: 60_000 }).toBe('stopped');
    // Stopped, nothing is left to wait for: no ETA (the last report's "1 min 38 s" stayed).
    expect(await byTestId('train-eta').count()).toBe(0);
    const runId = await text('train-run-id');


    await byTestId('tab-runs').click();
    const remove = byTestId(`run-delete-${runId}`);
    await remove.focus();
    await page.keyboard.press('Enter');
    await expect.poll(focusedTestId).toBe(`run-delete-${runId}-cancel`);
    await page.keyboard.press('Enter'); // Cancel
    await expect.poll(focusedTestId).toBe(`run-delete-${runId}`);
    expect(await byTestId(`run-row-${runId}`).count()).toBe(1);
    await page.keyboard.press('Enter');
    await byTestId(`run-delete-${runId}-confirm`).click();
    await expect.poll(() => byTestId(`run-row-${runId}`).count(), { timeout: 15_000 }).toBe(0);
  });

  it('an empty sampled name reads "(empty: \'.\' came first)", not a blank numbered line; a bad count says why', async () => {
    // Zero-init after one step: the logits are (almost) equal, so '.' comes first in about 1 name of 27.
    await byTestId('tab-presets').click();
    await byTestId('preset-use-zero-init').click();
    await byTestId('field-train-steps').fill('1');
    await byTestId('tab-train').click();
    await byTestId('train-start').click();
    await expect.poll(() => text('train-status'), { timeout: 60_000 }).toBe('completed');
    const runId = await text('train-run-id');
    await byTestId('tab-sample').click();
    await byTestId('sample-run-select').selectOption(runId);
    // Out of range, Generate is disabled and one line says why.
    await byTestId('sample-count').fill('0');
    expect(await byTestId('sample-generate').isDisabled()).toBe(true);
    expect(await text('sample-count-error')).toBe('How many: a whole number from 1 to 1,000.');
    await byTestId('sample-count').fill('200');
    expect(await byTestId('sample-count-error').count()).toBe(0);
    await byTestId('sample-generate').click();
    const names = page.getByTestId('sample-output').locator('li');
    await expect.poll(() => names.count(), { timeout: 30_000 }).toBe(200);
    const shown = (await names.allTextContents()).map((t) => t.trim());
    expect(shown).not.toContain('');
    expect(shown.filter((t) => t === "(empty: '.' came first)").length).toBeGreaterThan(0);
  });

  it('Stop sweep from the keyboard leaves focus on the sweep heading; then the Fold picker says no suitable run', async () => {
    await byTestId('tab-sweep').click();
    await byTestId('sweep-preset').selectOption('zero-init');
    await byTestId('sweep-steps').fill('200000');
    await byTestId('sweep-field').selectOption('train.learningRate.initial');
    await byTestId('sweep-field-add').click();
    await byTestId('sweep-values-0').fill('0.1, 0.05');
    await byTestId('sweep-field').selectOption('train.batchSize');
    await byTestId('sweep-field-add').click();
    await byTestId('sweep-values-1').fill('32, 64');
    await byTestId('sweep-start').click();
    await expect.poll(async () => (await page.getByTestId('sweep-status').allTextContents()).some((s) => s.startsWith('running')), { timeout: 60_000 }).toBe(true);
    await byTestId('sweep-stop').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => text('sweep-status-all'), { timeout: 60_000 }).toBe('stopped');
    await expect.poll(focusedTestId).toBe('sweep-current-heading');

    // Stopped early, the heatmap's cells have no dev loss: their "—" is in the theme's text colour (it was #111 on
    // the dark panel, invisible).
    const empty = page.locator('[data-testid="heatmap-cell"][data-loss=""]');
    expect(await empty.count()).toBeGreaterThan(0);
    const colours = await empty.evaluateAll((cells) => cells.map((c) => (c as unknown as { ownerDocument: { defaultView: { getComputedStyle(e: unknown): { color: string } } } }).ownerDocument.defaultView.getComputedStyle(c).color));
    expect(new Set(colours)).toEqual(new Set(['rgb(230, 232, 238)']));

    // The sweep's zero-init runs have no BatchNorm: the Fold picker has runs, none it can fold.
    await byTestId('tab-fold').click();
    expect(await page.getByTestId('fold-run-select').locator('option').allTextContents()).toEqual(['no suitable run yet']);
  });

  it('showed no console error or warning and no uncaught page error', () => {
    expect(consoleProblems).toEqual([]);
    expect(lab.pageErrors).toEqual([]);
  });
});
