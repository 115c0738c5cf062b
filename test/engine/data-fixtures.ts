/** Shared by the dataset tests (data-words.test.ts, data-prepare.test.ts): a word list as a source, and the one-line error check. */
import { expect } from 'vitest';
import type { WordsSource } from '../../electron/engine/data/index.js';
import { LabError } from '../../electron/engine/errors.js';

export const fromWords = (words: string[]): WordsSource => ({
  words,
  source: { name: 'test words', path: null, bytes: 0, sha256: '' },
});

/** Runs `f`, expects a DATASET LabError, checks it is a one-line message naming the file (and line), returns it. */
export async function datasetError(f: () => unknown, file: string, line?: number): Promise<LabError> {
  let caught: unknown;
  try {
    await f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(LabError);
  const err = caught as LabError;
  expect(err.code).toBe('DATASET');
  expect(err.message).not.toMatch(/\n|\bat .*:\d+:\d+/); // one line, no stack frames
  expect(err.message.startsWith(file)).toBe(true);
  expect(err.details.file).toBe(file);
  if (line !== undefined) {
    expect(err.details.line).toBe(line);
    expect(err.message).toContain(`line ${line}:`);
  } else {
    expect(err.details.line).toBeUndefined();
  }
  return err;
}
