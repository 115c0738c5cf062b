/**
 * End to end: exports reach the user's browser under `lab serve`. Debian's Chromium (playwright-core) loads
 * names.txt, trains bn3-fold briefly, folds and exports in the wizard, then clicks the download links: the file and
 * the zip Chromium saves are byte for byte what the server wrote (the zip checked by Python's zipfile). The Runs
 * view's "Export & download" offers the same. Run with LAB_E2E=1 after `npx electron-vite build`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../electron/serve/index.js';
import { HAS_NAMES, NAMES_TXT } from '../helpers/fixtures.js';
import { E2E_WANTED, openLabInChromium, type LabInChromium } from '../helpers/labBrowser.js';

const ready = E2E_WANTED && HAS_NAMES;

let server: RunningServer;
let lab: LabInChromium;
let page: Page;
let dataDir: string;
let pageErrors: string[] = [];
const byTestId = (id: string) => page.getByTestId(id);

/** Clicks a link and returns the name Chromium proposes and the bytes it saved. */
async function download(testid: string): Promise<{ name: string; bytes: Buffer }> {
  const [d] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), byTestId(testid).click()]);
  const saved = await d.path();
  expect(await d.failure()).toBeNull();
  return { name: d.suggestedFilename(), bytes: readFileSync(saved) };
}

describe.skipIf(!ready)('exports download in Chromium through lab serve', () => {
  beforeAll(async () => {
    lab = await openLabInChromium('lab-e2e-download-', { acceptDownloads: true });
    ({ server, page, dataDir, pageErrors } = lab);
  });

  afterAll(async () => {
    await lab?.close();
  });

  it('fold wizard → export → each file and the zip download with the server\'s bytes; Runs offers the same', async () => {
    await byTestId('dataset-file-input').setInputFiles(NAMES_TXT);
    await expect.poll(async () => (await byTestId('dataset-word-count').textContent())?.trim(), { timeout: 30_000 }).toBe('32,033');
    await byTestId('tab-presets').click();
    await byTestId('preset-use-bn3-fold').click();
    await byTestId('field-train-steps').fill('300');
    await byTestId('tab-train').click();
    await byTestId('train-start').click();
    await expect.poll(async () => (await byTestId('train-status').textContent())?.trim(), { timeout: 240_000, interval: 250 }).toBe('completed');
    const runId = (await byTestId('train-run-id').textContent())!.trim();

    await byTestId('tab-fold').click();
    await byTestId('fold-run-select').selectOption(runId);
    await byTestId('fold-next-plan').click();
    await byTestId('fold-next-compare').click();
    await byTestId('fold-next-export').click();
    await byTestId('fold-export').click();
    await expect.poll(async () => (await byTestId('export-files').textContent()) ?? '', { timeout: 60_000 }).toMatch(/model\.safetensors/);

    const folder = path.join(dataDir, 'exports', `${runId}-folded`);
    // Every listed file downloads with exactly the bytes the server wrote.
    const listed = await page.locator('[data-testid="export-files"] a').allTextContents();
    expect(listed).toEqual(expect.arrayContaining(['model.json', 'model.onnx', 'model.safetensors']));
    for (const name of listed) {
      const got = await download(`export-download-${name}`);
      expect(got.name).toBe(path.basename(name));
      expect(got.bytes.equals(readFileSync(path.join(folder, name)))).toBe(true);
    }
    // The links carry the token in their query only (relative, same origin).
    expect(await byTestId('export-download-model.onnx').getAttribute('href')).toBe(
      `/download?token=${server.token}&path=${encodeURIComponent(`${runId}-folded/model.onnx`)}`,
    );

    // "Download all": a zip whose every member matches the server's file.
    const zip = await download('export-zip');
    expect(zip.name).toBe(`${runId}-folded.zip`);
    const zipFile = path.join(dataDir, 'got.zip');
    writeFileSync(zipFile, zip.bytes);
    const py = 'import zipfile,sys,json\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nprint(json.dumps({i.filename: z.read(i).hex() for i in z.infolist()}))';
    const members = JSON.parse(execFileSync('/usr/bin/python3', ['-c', py, zipFile], { encoding: 'utf8', maxBuffer: 1 << 28 })) as Record<string, string>;
    expect(Object.keys(members).sort()).toEqual(listed.map((n) => `${runId}-folded/${n}`).sort());
    for (const name of listed) expect(members[`${runId}-folded/${name}`]).toBe(readFileSync(path.join(folder, name)).toString('hex'));

    // The Runs view: "Export & download" on the run offers the same files.
    await byTestId('tab-runs').click();
    await byTestId(`run-export-${runId}`).click();
    await expect.poll(async () => (await byTestId('runs-export-files').textContent()) ?? '', { timeout: 60_000 }).toMatch(/model\.safetensors/);
    const fromRuns = await download('runs-export-download-model.safetensors');
    expect(fromRuns.bytes.equals(readFileSync(path.join(folder, 'model.safetensors')))).toBe(true);
    expect(pageErrors).toEqual([]);
  }, 400_000);
});
