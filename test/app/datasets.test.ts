/**
 * The app's dataset loading shows the engine's one-line DATASET error (issue 8, item 3): a list too short for
 * the 80/10/10 split is refused on load — the Dataset view shows the same line the CLI prints — and an upload
 * that is refused is not kept on disk.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../electron/app/dispatch.js';
import { DatasetRegistry } from '../../electron/app/datasets.js';
import type { Handlers } from '../../electron/shared/channels.js';
import { LabError } from '../../electron/engine/errors.js';

const root = mkdtempSync(path.join(tmpdir(), 'lab-app-datasets-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const FIVE = 'anna\nbob\ncy\ndee\ned\n';
const SIX = `${FIVE}fay\n`;

describe('DatasetRegistry: too few words', () => {
  it('refuses a 5-word upload with the engine message and keeps nothing on disk', async () => {
    const uploads = path.join(root, 'uploads-5');
    const registry = new DatasetRegistry(uploads, () => Promise.reject(new Error('small files are validated in place')));
    const e = await registry.upload('five.txt', new TextEncoder().encode(FIVE)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LabError);
    expect((e as LabError).code).toBe('DATASET');
    expect((e as LabError).message).toBe('five.txt: has 5 words; needs at least 6 so that each of train/dev/test gets one (80/10/10 split: 4/0/1)');
    expect(existsSync(uploads) ? readdirSync(uploads) : []).toEqual([]);
  });

  it('refuses a 5-word file opened by path; accepts 6 words with one word in dev and test', async () => {
    const registry = new DatasetRegistry(path.join(root, 'uploads'), () => Promise.reject(new Error('small files are validated in place')));
    const file = path.join(root, 'five.txt');
    writeFileSync(file, FIVE);
    await expect(registry.loadFromPath(file)).rejects.toThrow(`${file}: has 5 words; needs at least 6`);
    const ok = await registry.upload('six.txt', new TextEncoder().encode(SIX));
    expect(ok.words).toEqual({ train: 4, val: 1, test: 1 });
  });

  it('reaches the UI as {ok: false, error: {code: DATASET, message}} — the line the Dataset view shows', async () => {
    const registry = new DatasetRegistry(path.join(root, 'uploads-ui'), () => Promise.reject(new Error('small files are validated in place')));
    const handlers = {
      'dataset.upload': (p: { name: string; base64: string }) => registry.upload(p.name, Buffer.from(p.base64, 'base64')),
    } as unknown as Handlers;
    const reply = await dispatch(handlers, 'dataset.upload', { name: 'two.txt', base64: Buffer.from('anna\nbob\n').toString('base64') }, () => {});
    expect(reply).toEqual({
      ok: false,
      error: { code: 'DATASET', message: 'two.txt: has 2 words; needs at least 6 so that each of train/dev/test gets one (80/10/10 split: 1/0/1)', details: { file: 'two.txt' } },
    });
  });
});
