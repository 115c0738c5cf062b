/**
 * Reopening a saved run: its record, its latest checkpoint and the dataset it was trained on (re-read and
 * checked against the recorded SHA-256, so losses are never silently computed on different data).
 */
import { prepareDataset, sameVocabulary, type PreparedDataset } from '../data/index.js';
import { LabError } from '../errors.js';
import type { ModelState } from '../model/params.js';
import { loadDatasetRef } from './executeRun.js';
import { loadRunModel } from './modelFiles.js';
import { readRunRecord, type RunRecord } from './runFolder.js';

export interface OpenedRun {
  dir: string;
  record: RunRecord;
  state: ModelState;
  vocab: string[];
}

export async function openRun(dir: string): Promise<OpenedRun> {
  const record = await readRunRecord(dir);
  const { state, vocab } = await loadRunModel(dir);
  return { dir, record, state, vocab };
}

/** The run's dataset, prepared as in training. Throws if the file is gone or its content changed. */
export async function loadRunDataset(record: RunRecord): Promise<PreparedDataset> {
  const src = await loadDatasetRef(record.dataset.ref);
  if (src.source.sha256 !== record.dataset.source.sha256) {
    throw new LabError(
      'RUN',
      `the dataset ${record.dataset.source.name} has changed since run ${record.id} was trained (SHA-256 differs); evaluate with the original file`,
    );
  }
  const prepared = prepareDataset(src, record.config.model.blockSize);
  if (!Array.isArray(record.vocab) || !sameVocabulary(prepared.vocab, record.vocab)) {
    throw new LabError('RUN', `the dataset's vocabulary differs from run ${record.id}'s`);
  }
  return prepared;
}
