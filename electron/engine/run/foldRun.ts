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
import { writeDirectoryAtomic } from '../io/atomic.js';
import { describeIoError, errnoCode, naming } from '../io/ioError.js';
import { LAB_SIDECAR_FILE, LAYERS_MODEL_FILE, LAYERS_WEIGHTS_FILE } from '../io/layers.js';
import { hasBatchNorm } from '../io/labMeta.js';
import { parameterCount, type ModelState } from '../model/params.js';
import { writeModelFiles } from './modelFiles.js';
import { CHECKPOINT_FILE, MODEL_DIR } from './runFolder.js';
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

/** What a folder written by `foldRun` holds; the report marks it as the lab's. */
const FOLD_FILES = new Set([CHECKPOINT_FILE, MODEL_DIR, FOLD_REPORT_FILE]);
const MODEL_DIR_FILES = new Set([LAYERS_MODEL_FILE, LAYERS_WEIGHTS_FILE, LAB_SIDECAR_FILE]);

/**
 * The fold output may only go into a new or empty folder, or replace a previous fold output (recognised by its
 * fold-report.json and holding nothing else the lab did not write): a user's files are never deleted.
 */
export async function checkFoldTarget(out: string): Promise<void> {
  const stat = await fs.stat(out).catch((e: unknown) => {
    if (errnoCode(e) === 'ENOENT') return null;
    throw describeIoError(e, out, 'creating');
  });
  if (!stat) return;
  if (!stat.isDirectory()) throw new LabError('ARGUMENT', `${out} exists and is not a folder; choose a new folder for the folded model`);
  const entries = await naming(out, 'reading', () => fs.readdir(out));
  if (entries.length === 0) return;
  const foreign = entries.filter((n) => !FOLD_FILES.has(n));
  if (entries.includes(MODEL_DIR)) {
    const model = path.join(out, MODEL_DIR);
    const inside = await fs.readdir(model).catch(() => null);
    if (inside === null) foreign.push(MODEL_DIR);
    else foreign.push(...inside.filter((n) => !MODEL_DIR_FILES.has(n)).map((n) => path.join(MODEL_DIR, n)));
  }
  if (!entries.includes(FOLD_REPORT_FILE) || foreign.length > 0) {
    const shown = foreign.length > 0 ? foreign : entries;
    throw new LabError(
      'ARGUMENT',
      `${out} is not a folded-model folder written by the lab (it holds ${shown.slice(0, 3).join(', ')}${shown.length > 3 ? ', …' : ''}); choose a new or empty folder`,
    );
  }
}

export async function foldRun(runDir: string, options: { out?: string; backend?: BackendChoice } = {}): Promise<FoldRunResult> {
  const out = path.resolve(options.out ?? path.join(runDir, 'folded'));
  const run = await openFoldableRun(runDir);
  await checkFoldTarget(out);
  const dataset = await loadRunDataset(run.record);
  const { folded, ...check } = await checkFold(run.state, dataset, options.backend);
  const result: FoldRunResult = { run: runDir, out, ...check };
  // Checked again right before the swap: the comparison can take a while.
  await checkFoldTarget(out);
  // The whole folder appears at once, or not at all (a full disk leaves no half-written folded model).
  await writeDirectoryAtomic(out, async (writer) => {
    await writeModelFiles(writer, folded, run.vocab, { folded: true });
    await writer.writeFile(FOLD_REPORT_FILE, JSON.stringify(result, null, 2) + '\n');
  });
  return result;
}
