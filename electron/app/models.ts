/**
 * Work on trained models for the Fold & Compare wizard, export and sampling — thin calls into the engine.
 *
 * These run in the calling process (Electron main or serve). They are short (inference over the splits, a few
 * hundred ms to seconds for the lecture's models); training never runs here.
 */
import path from 'node:path';
import { createBackend } from '../engine/compute/select.js';
import { LabError } from '../engine/errors.js';
import { foldBatchNorm } from '../engine/fold/fold.js';
import { importModel } from '../engine/io/exportModel.js';
import { hasBatchNorm } from '../engine/io/labMeta.js';
import type { ModelState } from '../engine/model/params.js';
import { exportRun as exportRunModel } from '../engine/run/exportRun.js';
import { checkFold, openFoldableRun } from '../engine/run/foldRun.js';
import { loadRunDataset, openRun } from '../engine/run/openRun.js';
import { sampleWords } from '../engine/sample/sample.js';
import type { ExportFormat, ExportResult, FoldComparison, FoldPlan, SampleRequest } from '../shared/contract.js';

export const ALL_FORMATS: readonly ExportFormat[] = ['tfjs', 'onnx', 'safetensors'];

export async function foldPlan(runId: string, runDir: string): Promise<FoldPlan> {
  const run = await openFoldableRun(runDir);
  return { runId, eps: run.state.config.batchNorm.eps, layers: foldBatchNorm(run.state).folds };
}

export async function foldCompare(runId: string, runDir: string): Promise<FoldComparison> {
  const run = await openFoldableRun(runDir);
  const { comparison, parameters } = await checkFold(run.state, await loadRunDataset(run.record));
  return { runId, ...comparison, parameterCount: parameters };
}

/**
 * Exports a run's model (folded when asked and it has BatchNorm) into a NEW sub-folder of `parentFolder`
 * named after the run, written atomically and verified by reloading every file: the user's chosen folder is
 * never overwritten file by file.
 */
export async function exportRun(
  runDir: string,
  parentFolder: string,
  options: { fold: boolean; formats: readonly ExportFormat[] },
): Promise<ExportResult> {
  const run = await openRun(runDir);
  const fold = options.fold && hasBatchNorm(run.state.config);
  const folder = path.join(path.resolve(parentFolder), `${run.record.id}${fold ? '-folded' : ''}`);
  const result = await exportRunModel(runDir, { outDir: folder, formats: options.formats, fold });
  return { folder: result.outDir, files: result.files.map((f) => ({ name: path.relative(result.outDir, f.path), bytes: f.bytes })) };
}

/** A model from a path: a Layers folder (model.json + lab-model.json), a .safetensors or an .onnx file. */
export async function loadModelFromPath(modelPath: string): Promise<{ state: ModelState; vocab: string[] }> {
  if (!path.isAbsolute(modelPath)) throw new LabError('MODEL_FILE', `${modelPath}: expected an absolute path`);
  const { state, vocab } = await importModel(modelPath);
  return { state, vocab };
}

export async function sampleFrom(
  source: SampleRequest['source'],
  runDir: (runId: string) => string,
  count: number,
  seed: number,
): Promise<string[]> {
  let model: { state: ModelState; vocab: string[] };
  if (source.kind === 'run') {
    const run = await openRun(runDir(source.runId));
    const state = source.folded && hasBatchNorm(run.state.config) ? foldBatchNorm(run.state).state : run.state;
    model = { state, vocab: run.vocab };
  } else {
    model = await loadModelFromPath(source.path);
  }
  const backend = await createBackend(model.state, 'auto');
  try {
    return sampleWords((x, n) => backend.logits(x, n).slice(), model.vocab, model.state.config.blockSize, count, seed);
  } finally {
    backend.dispose();
  }
}
