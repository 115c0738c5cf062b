/**
 * What a model job does, as plain calls into the engine (fold, export, sample, dataset summary, backprop
 * by hand). Runs inside the job process (worker/jobWorker.ts); kept apart from the process plumbing so it reads as the list of jobs it is.
 */
import path from 'node:path';
import { backpropTable } from '../backprop/backpropTable.js';
import { createBackend } from '../compute/select.js';
import { summarizeWordsFile } from '../data/wordsFileSummary.js';
import { LabError } from '../errors.js';
import { foldBatchNorm } from '../fold/fold.js';
import { ALL_FORMATS, importModel } from '../io/exportModel.js';
import { hasBatchNorm } from '../io/labMeta.js';
import type { ModelState } from '../model/params.js';
import { exportRun } from '../run/exportRun.js';
import { checkFold, openFoldableRun } from '../run/foldRun.js';
import { loadRunDataset, openRun } from '../run/openRun.js';
import { readRunRecord } from '../run/runFolder.js';
import { sampleWords } from '../sample/sample.js';
import type { ModelJob, ModelJobResult, ModelJobResults, SampleModel } from './protocol.js';

export async function executeModelJob<J extends ModelJob>(job: J): Promise<ModelJobResult<J>> {
  return (await execute(job)) as ModelJobResult<J>;
}

async function execute(job: ModelJob): Promise<ModelJobResults[ModelJob['kind']]> {
  switch (job.kind) {
    case 'foldPlan': {
      const run = await openFoldableRun(job.runDir);
      return { eps: run.state.config.batchNorm.eps, layers: foldBatchNorm(run.state).folds };
    }
    case 'foldCompare': {
      const run = await openFoldableRun(job.runDir);
      const { comparison, parameters } = await checkFold(run.state, await loadRunDataset(run.record));
      return { ...comparison, parameterCount: parameters };
    }
    case 'export':
      return exportIntoNewFolder(job);
    case 'sample':
      return { words: await sampleFrom(job.model, job.count, job.seed) };
    case 'dataset':
      return summarizeWordsFile(job.path, job.label);
    case 'backprop':
      return backpropTable(job.subject, job.seed);
    default:
      throw new LabError('ARGUMENT', `unknown model job ${JSON.stringify((job as { kind?: unknown }).kind)}`);
  }
}

/**
 * The user's chosen folder is never overwritten file by file: the export goes into a new sub-folder named after
 * the run, written atomically and verified by reloading every file (run/exportRun.ts).
 */
async function exportIntoNewFolder(job: Extract<ModelJob, { kind: 'export' }>): Promise<ModelJobResults['export']> {
  // Only the record is needed to name the folder; exportRun loads the model itself.
  const record = await readRunRecord(job.runDir);
  const fold = job.fold && hasBatchNorm(record.config.model);
  const folder = path.join(path.resolve(job.parentFolder), `${record.id}${fold ? '-folded' : ''}`);
  const result = await exportRun(job.runDir, { outDir: folder, formats: job.formats ?? ALL_FORMATS, fold });
  return { folder: result.outDir, files: result.files.map((f) => ({ name: path.relative(result.outDir, f.path), bytes: f.bytes })) };
}

async function sampleFrom(source: SampleModel, count: number, seed: number): Promise<string[]> {
  const model = await loadSampleModel(source);
  const backend = await createBackend(model.state, 'auto');
  try {
    return sampleWords((x, n) => backend.logits(x, n).slice(), model.vocab, model.state.config.blockSize, count, seed);
  } finally {
    backend.dispose();
  }
}

async function loadSampleModel(source: SampleModel): Promise<{ state: ModelState; vocab: string[] }> {
  if (source.kind === 'run') {
    const run = await openRun(source.runDir);
    const state = source.folded && hasBatchNorm(run.state.config) ? foldBatchNorm(run.state).state : run.state;
    return { state, vocab: run.vocab };
  }
  // A Layers folder (model.json + lab-model.json), a .safetensors or an .onnx file.
  if (!path.isAbsolute(source.path)) throw new LabError('MODEL_FILE', `${source.path}: expected an absolute path`);
  const { state, vocab } = await importModel(source.path);
  return { state, vocab };
}
