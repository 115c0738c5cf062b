/**
 * Exercise 2 on a saved run: fold every BatchNorm into its Linear, prove the forward pass is unchanged on
 * every split, and save the folded model (checkpoint + TensorFlow.js Layers model + a fold report).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createBackend } from '../compute/select.js';
import type { BackendChoice } from '../compute/types.js';
import type { PreparedDataset } from '../data/index.js';
import { LabError } from '../errors.js';
import { compareModels, type ModelComparison } from '../fold/compare.js';
import { foldBatchNorm, type FoldStep } from '../fold/fold.js';
import { writeFileAtomic } from '../io/atomic.js';
import { hasBatchNorm } from '../io/labMeta.js';
import { parameterCount, type ModelState } from '../model/params.js';
import { saveRunModel } from './modelFiles.js';
import { loadRunDataset, openRun, type OpenedRun } from './openRun.js';

export const FOLD_REPORT_FILE = 'fold-report.json';

export interface FoldCheck {
  folded: ModelState;
  folds: FoldStep[];
  comparison: ModelComparison;
  parameters: { before: number; after: number };
  /** Backend that computed both models' logits. */
  backend: string;
}

/** A run's model, refusing one without BatchNorm (there is nothing to fold). */
export async function openFoldableRun(runDir: string): Promise<OpenedRun> {
  const run = await openRun(runDir);
  if (!hasBatchNorm(run.state.config)) throw new LabError('RUN', `run ${run.record.id} has no BatchNorm layer to fold`);
  return run;
}

/** Folds `state` and compares the two models' logits and losses on every split of `dataset`. */
export async function checkFold(state: ModelState, dataset: PreparedDataset, backend: BackendChoice = 'auto'): Promise<FoldCheck> {
  const { state: folded, folds } = foldBatchNorm(state);
  const before = await createBackend(state, backend);
  try {
    const after = await createBackend(folded, backend);
    try {
      const comparison = compareModels(before, after, { train: dataset.train, val: dataset.val, test: dataset.test });
      return {
        folded,
        folds,
        comparison,
        parameters: { before: parameterCount(state.config, state.vocabSize), after: parameterCount(folded.config, folded.vocabSize) },
        backend: before.report.id,
      };
    } finally {
      after.dispose();
    }
  } finally {
    before.dispose();
  }
}

/** The largest |Δlogit| over all splits (what a model card states). */
export function worstLogitDiff(comparison: ModelComparison): number {
  return Math.max(...Object.values(comparison.maxAbsLogitDiff));
}

export interface FoldRunResult extends Omit<FoldCheck, 'folded'> {
  run: string;
  out: string;
}

export async function foldRun(runDir: string, options: { out?: string; backend?: BackendChoice } = {}): Promise<FoldRunResult> {
  const run = await openFoldableRun(runDir);
  const dataset = await loadRunDataset(run.record);
  const { folded, ...check } = await checkFold(run.state, dataset, options.backend);
  const out = path.resolve(options.out ?? path.join(runDir, 'folded'));
  const result: FoldRunResult = { run: runDir, out, ...check };
  await fs.mkdir(out, { recursive: true });
  await saveRunModel(out, folded, run.vocab, { folded: true });
  await writeFileAtomic(path.join(out, FOLD_REPORT_FILE), JSON.stringify(result, null, 2) + '\n');
  return result;
}
