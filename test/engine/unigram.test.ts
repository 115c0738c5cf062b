/**
 * The unigram-entropy floor drawn on the loss chart: the entropy of the training split's next-token frequencies,
 * where a context-free model (exercise 1's zero-init MLP) stalls. By hand on a small case; on names.txt it is
 * the 2.8226 the lecture's zero-init run settles at; and a real run records it and sends it when it starts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareDataset, readWordsFile } from '../../electron/engine/data/index.js';
import { unigramEntropy } from '../../electron/engine/data/unigram.js';
import { findPreset } from '../../electron/engine/model/presets.js';
import { executeRun } from '../../electron/engine/run/executeRun.js';
import type { RunEvent } from '../../electron/engine/run/runEvents.js';
import { HAS_NAMES, NAMES_TXT } from '../helpers/fixtures.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'lab-unigram-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('unigramEntropy', () => {
  it('is −Σ p ln p over the targets, by hand', () => {
    // Targets 0,0,1,2: p = 1/2, 1/4, 1/4 → H = ln 2/2 + 2·ln 4/4 = 1.5·ln 2.
    expect(unigramEntropy(Int32Array.from([0, 0, 1, 2]), 4, 5)).toBeCloseTo(1.5 * Math.log(2), 14);
    expect(unigramEntropy(Int32Array.from([3, 3, 3]), 3, 4)).toBe(0);
    expect(unigramEntropy(new Int32Array(0), 0, 4)).toBeNull();
    // Only the first n targets count.
    expect(unigramEntropy(Int32Array.from([1, 1, 2, 2]), 2, 3)).toBe(0);
  });

  it.runIf(HAS_NAMES)("names.txt's training split: 2.8226, where the lecture's zero-init run stalls", async () => {
    const d = prepareDataset(await readWordsFile(NAMES_TXT), 3);
    expect(unigramEntropy(d.train.y, d.train.n, d.vocab.length)).toBeCloseTo(2.8226, 4);
  });

  it('a run records it in run.json and sends it with its start', async () => {
    const words = ['emma', 'olivia', 'ava', 'mia', 'zoe', 'liam', 'noah', 'ella', 'lucas', 'anna'];
    const file = path.join(tmp, 'w.txt');
    writeFileSync(file, words.join('\n'));
    const config = structuredClone(findPreset('zero-init')!.config);
    Object.assign(config.train, { steps: 5, inspectEvery: 0, evalEvery: 0 });
    const events: RunEvent[] = [];
    const runDir = path.join(tmp, 'run');
    await executeRun({ runDir, runId: 'run', config, dataset: { kind: 'file', path: file }, backend: 'cpu', onEvent: (e) => events.push(e) });
    const d = prepareDataset(await readWordsFile(file), 3);
    const expected = unigramEntropy(d.train.y, d.train.n, d.vocab.length)!;
    const started = events.find((e) => e.type === 'started');
    expect(started && started.type === 'started' && started.unigramEntropy).toBeCloseTo(expected, 12);
    expect(JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')).unigramEntropy).toBeCloseTo(expected, 12);
  });
});
