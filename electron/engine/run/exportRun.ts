/**
 * Exports a saved run's model — folded or not — in the formats other tools load (TensorFlow.js Layers, ONNX,
 * safetensors) with a model card, verified by reloading each file (io/exportModel.ts). Shared by `lab export`
 * and the app's Fold & Compare wizard.
 */
import { createBackend } from '../compute/select.js';
import { LabError } from '../errors.js';
import { exportModel, type ExportFormat, type ExportResult } from '../io/exportModel.js';
import { hasBatchNorm } from '../io/labMeta.js';
import type { CardInfo } from '../io/modelCard.js';
import { checkFold, worstLogitDiff, type FoldCheck } from './foldRun.js';
import { loadRunDataset, openRun } from './openRun.js';
import { readRunLabel, runDisplayName } from './runLabel.js';

export interface ExportRunOptions {
  outDir: string;
  formats: readonly ExportFormat[];
  /** Fold every BatchNorm first (an error for a run without BatchNorm). */
  fold: boolean;
}

export interface ExportRunResult extends ExportResult {
  folded: boolean;
  /** The fold check on every split, when folded. */
  fold: Omit<FoldCheck, 'folded'> | null;
}

export async function exportRun(runDir: string, options: ExportRunOptions): Promise<ExportRunResult> {
  const run = await openRun(runDir);
  const { record } = run;
  if (options.fold && !hasBatchNorm(run.state.config)) throw new LabError('ARGUMENT', `run ${record.id} has no BatchNorm layer to fold`);
  const label = await readRunLabel(runDir);
  const card: CardInfo = {
    run: { id: record.id, name: runDisplayName(record, label), note: label.note },
    preset: record.preset,
    dataset: { name: record.dataset.source.name, sha256: record.dataset.source.sha256 },
    splits: record.result?.examples,
    losses: record.result?.loss,
    trainedSteps: record.checkpointStep,
  };
  let state = run.state;
  let fold: ExportRunResult['fold'] = null;
  if (options.fold) {
    // The card states the measured equivalence, so folding is checked on the run's own splits first.
    const { folded, ...check } = await checkFold(run.state, await loadRunDataset(record));
    state = folded;
    fold = check;
    card.foldMaxAbsLogitDiff = worstLogitDiff(check.comparison);
    const after = check.comparison.loss.after;
    card.losses = { train: after.train ?? undefined, val: after.val ?? undefined, test: after.test ?? undefined };
  }
  const backend = await createBackend(state, 'auto');
  try {
    const result = await exportModel(state, {
      formats: options.formats,
      outDir: options.outDir,
      vocab: run.vocab,
      card,
      folded: options.fold,
      // Exported files must reproduce the logits the lab computes for this model.
      logits: (x, n) => backend.logits(x, n).slice(),
    });
    return { ...result, folded: options.fold, fold };
  } finally {
    backend.dispose();
  }
}
