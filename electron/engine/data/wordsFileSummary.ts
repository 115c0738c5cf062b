/**
 * A words file checked and summarised in one call: what the app's Dataset view needs, small enough to send
 * between processes. The app runs it in a model-job process for large files (worker/jobExecutor.ts), so a
 * 100 MB file is parsed, split and counted away from the process that serves the UI, and the memory it takes
 * is returned when that process exits.
 */
import { readFile } from 'node:fs/promises';
import { LabError } from '../errors.js';
import { prepareDataset, summarizeDataset } from './dataset.js';
import type { DatasetSummary } from './summary.js';
import { MAX_FILE_BYTES, parseWords, readWordsFile, sha256Hex, type WordsSource } from './words.js';

/** Block size used only to count examples for the summary (the counts do not depend on it). */
export const SUMMARY_BLOCK_SIZE = 3;
export const PREVIEW_WORDS = 8;

export interface WordsFileSummary {
  summary: DatasetSummary;
  /** The first words in file order. */
  preview: string[];
  source: WordsSource['source'];
}

/**
 * Reads, validates and summarises a words file. `label`, when given, is the name errors show instead of the
 * path (an upload is stored under a temporary name the user never chose).
 */
export async function summarizeWordsFile(path: string, label?: string): Promise<WordsFileSummary> {
  const src = label === undefined ? await readWordsFile(path) : await readLabelledFile(path, label);
  return { summary: summarizeDataset(prepareDataset(src, SUMMARY_BLOCK_SIZE)), preview: src.words.slice(0, PREVIEW_WORDS), source: src.source };
}

async function readLabelledFile(path: string, label: string): Promise<WordsSource> {
  const bytes = await readFile(path);
  if (bytes.length > MAX_FILE_BYTES) {
    throw new LabError('DATASET', `${label}: file is over the ${MAX_FILE_BYTES / 1024 / 1024} MB limit for a words file`, { file: label });
  }
  const words = parseWords(bytes, label);
  return { words, source: { name: label, path, bytes: bytes.length, sha256: sha256Hex(bytes) } };
}
