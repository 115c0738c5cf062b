/**
 * Work on trained models for the Fold & Compare wizard, export and sampling — thin calls into the engine.
 *
 * These run in the calling process (Electron main or serve). They are short (inference over the splits, a few
 * hundred ms to seconds for the lecture's models); training never runs here.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createBackend } from '../engine/compute/select.js';
import { LabError } from '../engine/errors.js';
import { compareModels } from '../engine/fold/compare.js';
import { foldBatchNorm } from '../engine/fold/fold.js';
import { writeDirectoryAtomic } from '../engine/io/atomic.js';
import { hasBatchNorm, makeLabMeta } from '../engine/io/labMeta.js';
import { importLayersModel } from '../engine/io/layers.js';
import { decodeOnnxModel, encodeOnnxModel } from '../engine/io/onnx.js';
import { decodeModelSafetensors, encodeModelSafetensors } from '../engine/io/safetensors.js';
import { writeLayersModel } from '../engine/io/layers.js';
import { parameterCount, type ModelState } from '../engine/model/params.js';
import { loadRunDataset, openRun } from '../engine/run/openRun.js';
import { sampleWords } from '../engine/sample/sample.js';
import type { ExportFormat, ExportResult, FoldComparison, FoldPlan, SampleRequest } from '../shared/contract.js';

/** Largest single model file the lab reads when sampling from a path (the lecture's models are < 1 MB). */
const MAX_MODEL_FILE_BYTES = 512 * 1024 * 1024;
export const ALL_FORMATS: readonly ExportFormat[] = ['tfjs', 'onnx', 'safetensors'];

async function openFoldableRun(runDir: string) {
  const run = await openRun(runDir);
  if (!hasBatchNorm(run.state.config)) throw new LabError('RUN', `run ${run.record.id} has no BatchNorm layer to fold`);
  return run;
}

export async function foldPlan(runId: string, runDir: string): Promise<FoldPlan> {
  const run = await openFoldableRun(runDir);
  return { runId, eps: run.state.config.batchNorm.eps, layers: foldBatchNorm(run.state).folds };
}

export async function foldCompare(runId: string, runDir: string): Promise<FoldComparison> {
  const run = await openFoldableRun(runDir);
  const dataset = await loadRunDataset(run.record);
  const folded = foldBatchNorm(run.state);
  const before = await createBackend(run.state, 'auto');
  try {
    const after = await createBackend(folded.state, 'auto');
    try {
      const comparison = compareModels(before, after, { train: dataset.train, val: dataset.val, test: dataset.test });
      return {
        runId,
        ...comparison,
        parameterCount: {
          before: parameterCount(run.state.config, run.state.vocabSize),
          after: parameterCount(folded.state.config, folded.state.vocabSize),
        },
      };
    } finally {
      after.dispose();
    }
  } finally {
    before.dispose();
  }
}

/**
 * Exports a run's model (folded when asked and it has BatchNorm) into a NEW sub-folder of `parentFolder`
 * named after the run, written atomically: the user's chosen folder is never overwritten file by file.
 */
export async function exportRun(
  runDir: string,
  parentFolder: string,
  options: { fold: boolean; formats: readonly ExportFormat[] },
): Promise<ExportResult> {
  const run = await openRun(runDir);
  const fold = options.fold && hasBatchNorm(run.state.config);
  const state = fold ? foldBatchNorm(run.state).state : run.state;
  const meta = makeLabMeta(state.config, run.vocab, fold);
  const folder = path.join(path.resolve(parentFolder), `${run.record.id}${fold ? '-folded' : ''}`);
  const files = await writeDirectoryAtomic(folder, async (writer) => {
    const written: { name: string; bytes: number }[] = [];
    const put = async (name: string, data: Uint8Array | string) => written.push({ name, bytes: await writer.writeFile(name, data) });
    if (options.formats.includes('tfjs')) {
      await writeLayersModel(writer, state, meta);
      for (const name of ['model.json', 'weights.bin', 'lab-model.json']) {
        written.push({ name, bytes: (await fs.stat(path.join(writer.dir, name))).size });
      }
    }
    if (options.formats.includes('onnx')) await put('model.onnx', encodeOnnxModel(state, meta));
    if (options.formats.includes('safetensors')) await put('model.safetensors', encodeModelSafetensors(state, meta));
    return written;
  });
  return { folder, files };
}

/** A model from a path: a Layers folder (model.json + lab-model.json), a .safetensors or an .onnx file. */
export async function loadModelFromPath(modelPath: string): Promise<{ state: ModelState; vocab: string[] }> {
  if (!path.isAbsolute(modelPath)) throw new LabError('MODEL_FILE', `${modelPath}: expected an absolute path`);
  let info;
  try {
    info = await fs.stat(modelPath);
  } catch {
    throw new LabError('MODEL_FILE', `${modelPath}: no such file or folder`);
  }
  if (info.isDirectory()) {
    const { state, meta } = await importLayersModel(modelPath);
    return { state, vocab: meta.vocab };
  }
  if (!info.isFile()) throw new LabError('MODEL_FILE', `${modelPath}: not a regular file`);
  if (info.size > MAX_MODEL_FILE_BYTES) throw new LabError('MODEL_FILE', `${modelPath}: file is too large for a model`);
  const bytes = new Uint8Array(await fs.readFile(modelPath));
  const decoded = modelPath.toLowerCase().endsWith('.onnx') ? decodeOnnxModel(bytes, modelPath) : decodeModelSafetensors(bytes, modelPath);
  return { state: decoded.state, vocab: decoded.meta.vocab };
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
