/** Shared test fixtures: the lectures' names.txt when present, and small word files written on demand. */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExperimentConfig } from '../../electron/engine/model/config.js';
import { findPreset } from '../../electron/engine/model/presets.js';

export const REPO_ROOT = path.resolve(__dirname, '../..');
/** ../shared/data/names.txt beside the repository (absent on machines without the shared folder). */
export const NAMES_TXT = path.resolve(REPO_ROOT, '../shared/data/names.txt');
export const HAS_NAMES = existsSync(NAMES_TXT);

export function tempDir(prefix = 'makemore-lab-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A few hundred made-up lower-case names: enough examples for a real split, fast to train on. */
export function smallWordsFile(dir: string, count = 400): string {
  const syllables = ['an', 'na', 'el', 'li', 'ra', 'mo', 'ja', 'son', 'ka', 'ri', 'ta', 'de', 'vi', 'lo', 'em', 'ma'];
  let state = 12345;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) % syllables.length;
  const words: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = 1 + (i % 3) + (next() % 2);
    let w = '';
    for (let k = 0; k < n; k++) w += syllables[next()];
    words.push(w);
  }
  const file = path.join(dir, 'words.txt');
  writeFileSync(file, words.join('\n') + '\n');
  return file;
}

/** A preset's configuration for a short test run: `steps` steps, a snapshot every 50, an evaluation every 100. */
export function runConfig(presetId: string, steps: number): ExperimentConfig {
  const c = structuredClone(findPreset(presetId)!.config);
  c.train.steps = steps;
  c.train.inspectEvery = 50;
  c.train.evalEvery = 100;
  return c;
}
