/**
 * Exercise 2 on a saved run: fold every BatchNorm into its Linear, prove the forward pass is unchanged on
 * every split, and save the folded model (checkpoint + TensorFlow.js Layers model + a fold report).
 */
import path from 'node:path';
import { createBackend } from '../compute/select.js';
import type { BackendChoice } from '../compute/types.js';
import { LabError } from '../errors.js';
import { compareModels, type ModelComparison } from '../fold/compare.js';
import { foldBatchNorm, type FoldStep } from '../fold/fold.js';
import { writeFileAtomic } from '../io/atomic.js';
import { hasBatchNorm } from '../io/labMeta.js';
import { parameterCount, type ModelState } from '../model/params.js';
import { saveRunModel } from './modelFiles.js';
import { loadRunDataset, openRun } from './openRun.js';

export const FOLD_REPORT_FILE = 'fold-report.json';

export interface FoldRunResult {
  run: string;
  out: string;
  folds: FoldStep[];
  comparison: ModelComparison;
  parameters: { before: number; after: number };
  backend: string;
}

/** What would be folded, without computing anything (the wizard's step 2). */
export function planFold(state: ModelState): FoldStep[] {
  if (!hasBatchNorm(state.config)) return [];
  return foldBatchNorm(state).folds;
}

export async function foldRun(runDir: string, options: { out?: string; backend?: BackendChoice } = {}): Promise<FoldRunResult> {
  const run = await openRun(runDir);
  if (!hasBatchNorm(run.state.config)) throw new LabError('RUN', `run ${run.record.id} has no BatchNorm layer to fold`);
  const dataset = await loadRunDataset(run.record);
  const folded = foldBatchNorm(run.state);
  const before = await createBackend(run.state, options.backend ?? 'auto');
  const after = await createBackend(folded.state, options.backend ?? 'auto');
  let comparison: ModelComparison;
  try {
    comparison = compareModels(before, after, { train: dataset.train, val: dataset.val, test: dataset.test });
  } finally {
    before.dispose();
    after.dispose();
  }
  const out = path.resolve(options.out ?? path.join(runDir, 'folded'));
  const result: FoldRunResult = {
    run: runDir,
    out,
    folds: folded.folds,
    comparison,
    parameters: {
      before: parameterCount(run.state.config, run.state.vocabSize),
      after: parameterCount(folded.state.config, folded.state.vocabSize),
    },
    backend: before.report.id,
  };
  await import('node:fs/promises').then((fs) => fs.mkdir(out, { recursive: true }));
  await saveRunModel(out, folded.state, run.vocab, { folded: true });
  await writeFileAtomic(path.join(out, FOLD_REPORT_FILE), JSON.stringify(result, null, 2) + '\n');
  return result;
}
