/**
 * One training run from request to saved folder: read the dataset, build and initialise the model, pick the
 * backend, train while appending metrics to the run folder, checkpoint, and save the trained model.
 *
 * The CLI calls this in-process; the app and `serve` call it inside a separate training process
 * (worker/trainWorker.ts). Events are the same in both cases.
 */
import path from 'node:path';
import { createBackend } from '../compute/select.js';
import type { BackendChoice } from '../compute/types.js';
import { builtInWords, prepareDataset, readWordsFile, type DatasetRef, type PreparedDataset, type SplitName, type WordsSource } from '../data/index.js';
import type { InspectionSnapshot } from '../inspect/snapshot.js';
import type { ExperimentConfig } from '../model/config.js';
import { initModel } from '../model/init.js';
import { parameterCount, paramSpecs } from '../model/params.js';
import { TrainControl } from '../train/control.js';
import { train } from '../train/trainer.js';
import type { EvalPoint, LossChunk, TrainProgress, TrainResult, UpdateRatioChunk } from '../train/types.js';
import { deriveSeed } from '../util/rng.js';
import { describeIoError } from '../io/ioError.js';
import { unigramEntropy } from '../data/unigram.js';
import {
  checkNewRunFolder,
  claimRunFolder,
  JsonLinesAppender,
  METRICS_FILE,
  SNAPSHOTS_FILE,
  newRunRecord,
  runErrorOf,
  writeFinalRunRecord,
  writeRunRecord,
  type MetricsLine,
  type RunRecord,
} from './runFolder.js';
import { saveRunModel } from './modelFiles.js';
import type { RunEvent } from './runEvents.js';

/** Stream for parameter initialisation (batches use another; see trainer.ts). */
export const INIT_STREAM = 0;

export async function loadDatasetRef(ref: DatasetRef): Promise<WordsSource> {
  return ref.kind === 'builtin' ? builtInWords() : readWordsFile(ref.path);
}

/**
 * The dataset's name as a run records it (run.json, the Runs table, model cards, exports): the file name the
 * user chose, without its folder. The folder is the user's home or `serve`'s upload store — neither belongs in
 * files meant to be shared — and the content is identified by its SHA-256 anyway. (Error messages keep the path.)
 */
export function recordedDatasetName(ref: DatasetRef, source: WordsSource['source']): string {
  return ref.kind === 'builtin' ? source.name : path.basename(ref.name ?? ref.path);
}

export interface ExecuteRunOptions {
  runDir: string;
  runId: string;
  config: ExperimentConfig;
  dataset: DatasetRef;
  backend: BackendChoice;
  /** Threads for the fused kernel (TrainRequest.kernelThreads); default: the machine's cores. */
  kernelThreads?: number;
  control?: TrainControl;
  /** Receives the same events a training process sends to its parent. */
  onEvent?: (event: RunEvent) => void;
  /** Capture inspector data (default true). */
  inspect?: boolean;
  /** Save a checkpoint every this many seconds of training (default 60) so a crash loses little. */
  checkpointSeconds?: number;
  /** An already prepared dataset for `dataset` (skips reading it again). */
  prepared?: PreparedDataset;
}

export async function executeRun(options: ExecuteRunOptions): Promise<{ result: TrainResult; record: RunRecord }> {
  const { runDir, config } = options;
  const emit = options.onEvent ?? (() => {});
  // Everything that can be the user's mistake (the folder, the dataset, the backend) is checked before the run
  // folder exists, so a bad request leaves nothing half-written behind.
  await checkNewRunFolder(runDir);
  const prepared = options.prepared ?? prepareDataset(await loadDatasetRef(options.dataset), config.model.blockSize);
  const vocabSize = prepared.vocab.length;
  const initial = initModel(config.model, vocabSize, deriveSeed(config.train.seed, INIT_STREAM));
  const backend = await createBackend(initial, options.backend, { kernelThreads: options.kernelThreads });
  const record = newRunRecord({
    id: options.runId,
    createdAt: new Date().toISOString(),
    status: 'running',
    config,
    dataset: { ref: options.dataset, source: { ...prepared.source, name: recordedDatasetName(options.dataset, prepared.source) } },
    vocab: prepared.vocab,
    unigramEntropy: unigramEntropy(prepared.train.y, prepared.train.n, vocabSize),
    backend: backend.report,
  });
  try {
    await claimRunFolder(runDir, record);
  } catch (e) {
    backend.dispose();
    throw e;
  }
  try {
    const examples: Record<SplitName, number> = { train: prepared.train.n, val: prepared.val.n, test: prepared.test.n };
    emit({
      type: 'started',
      backend: backend.report,
      examples,
      vocab: prepared.vocab,
      params: paramSpecs(config.model, vocabSize).filter((s) => s.trainable).map((s) => s.name),
      parameterCount: parameterCount(config.model, vocabSize),
      unigramEntropy: record.unigramEntropy ?? null,
    });

    const metrics = new JsonLinesAppender(path.join(runDir, METRICS_FILE));
    const snapshots = new JsonLinesAppender(path.join(runDir, SNAPSHOTS_FILE));
    const checkpointMs = (options.checkpointSeconds ?? 60) * 1000;
    let lastCheckpoint = performance.now();
    let checkpointing: Promise<void> | null = null;
    // A checkpoint saved in the background that failed (e.g. disk full) ends the run at the next step.
    let checkpointError: unknown = null;

    const result = await train({
      config,
      dataset: prepared,
      backend,
      initialState: initial,
      inspect: options.inspect ?? true,
      control: options.control,
      hooks: {
        onProgress(progress: TrainProgress, loss: LossChunk, ratios: UpdateRatioChunk | null) {
          if (checkpointError) throw checkpointError;
          if (loss.losses.length > 0) metrics.append({ kind: 'loss', ...loss } satisfies MetricsLine);
          if (ratios && ratios.ratios.length > 0) metrics.append({ kind: 'ratios', ...ratios } satisfies MetricsLine);
          emit({ type: 'progress', progress, loss, ratios });
          if (!checkpointing && performance.now() - lastCheckpoint > checkpointMs) {
            lastCheckpoint = performance.now();
            const state = backend.state();
            checkpointing = saveRunModel(runDir, state, prepared.vocab, { layers: false })
              .then(() => {
                record.checkpointStep = progress.step;
                return writeRunRecord(runDir, record);
              })
              .catch((e: unknown) => void (checkpointError = e))
              .finally(() => (checkpointing = null));
          }
        },
        onEval(point: EvalPoint) {
          metrics.append({ kind: 'eval', ...point } satisfies MetricsLine);
          emit({ type: 'eval', point });
        },
        onSnapshot(snapshot: InspectionSnapshot) {
          snapshots.append(snapshot);
          emit({ type: 'snapshot', snapshot });
        },
      },
    });
    await checkpointing;
    if (checkpointError) throw checkpointError;
    await saveRunModel(runDir, backend.state(), prepared.vocab);
    record.checkpointStep = result.steps;
    record.status = result.status;
    record.result = result;
    await writeRunRecord(runDir, record);
    emit({ type: 'done', result });
    return { result, record };
  } catch (caught) {
    const e = describeIoError(caught, runDir);
    record.status = 'failed';
    record.error = runErrorOf(e);
    // Best effort: if even this cannot be written, the parent process marks the run failed when this one exits.
    await writeFinalRunRecord(runDir, record).catch(() => {});
    throw e;
  } finally {
    backend.dispose();
  }
}
