/**
 * End to end: exports reach the user's browser under `lab serve`. Debian's Chromium (playwright-core) loads
 * names.txt, trains bn3-fold briefly, folds and exports in the wizard, then clicks the download links: the file and
 * the zip Chromium saves are byte for byte what the server wrote (the zip checked by Python's zipfile). The Runs
 * view's "Export & download" offers the same. Run with LAB_E2E=1 after `npx electron-vite build`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../electron/serve/index.js';
import { HAS_NAMES, NAMES_TXT } from '../helpers/fixtures.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RENDERER = path.join(repo, 'out/renderer');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const wanted = !!process.env.LAB_E2E;
if (wanted && !existsSync(path.join(RENDERER, 'index.html'))) throw new Error(`LAB_E2E is set but ${RENDERER} is not built`);
if (wanted && !existsSync(CHROMIUM)) throw new Error(`LAB_E2E is set but there is no Chromium at ${CHROMIUM} (apt-get install chromium)`);
const ready = wanted && HAS_NAMES;

let server: RunningServer;
let browser: Browser;
let page: Page;
let dataDir: string;
const pageErrors: string[] = [];
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
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lab-e2e-download-'));
    server = await startServer({ port: 0, dataDir, rendererDir: RENDERER, log: () => {} });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(server.url);
    await byTestId('app-mode').waitFor({ timeout: 20_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
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
