/**
 * The one protocol between the lab and its worker processes. Two kinds of worker run the work that must not
 * block the process serving the UI (the app's main process, `serve`):
 *
 *   train  one training run: streams its events, obeys pause/resume/stop, answers with the run's result;
 *   job    one model job — fold plan, fold comparison over every split, verified export, sampling, validating a
 *          large words file, backprop by hand — answers once.
 *
 * One request per process, so a crash (out of memory, a native backend failure) or a hang takes nothing else
 * with it. The messages are the same for both kinds:
 *
 *   parent → worker   {type: 'start', request}                 first and once
 *                     {type: 'pause' | 'resume' | 'stop'}      control (training only)
 *   worker → parent   {type: 'event', event}                   zero or more (training only)
 *                     {type: 'done', result}                   exactly one of these two, last;
 *                     {type: 'failed', error}                  then the process exits
 *
 * A LabError raised by the work crosses as its code, message and details and is rebuilt as a LabError by the
 * client (client.ts), so the UI shows it in place exactly as if the work had run in the caller.
 */
import type { BackpropSubject, BackpropTable } from '../backprop/tableTypes.js';
import type { BackendChoice } from '../compute/types.js';
import type { DatasetRef } from '../data/words.js';
import type { WordsFileSummary } from '../data/wordsFileSummary.js';
import type { LabErrorCode } from '../errors.js';
import type { ModelComparison } from '../fold/compare.js';
import type { FoldStep } from '../fold/fold.js';
import type { ExportFormat } from '../io/exportModel.js';
import type { ExperimentConfig } from '../model/config.js';
import type { RunEvent } from '../run/runEvents.js';
import type { TrainResult } from '../train/types.js';

// ── The training worker ───────────────────────────────────────────────────────────────────────────────

export interface TrainRequest {
  /** Folder the run writes into (created if missing). */
  runDir: string;
  config: ExperimentConfig;
  dataset: DatasetRef;
  backend: BackendChoice;
  /**
   * Threads for the fused kernel's large matrix products (default: the machine's cores). Whoever starts several
   * training processes at once divides the cores between them (kernelThreads.ts, `threadsPerProcess`).
   */
  kernelThreads?: number;
}

/** What a training process streams before its answer (the answer itself is `done` or `failed`). */
export type TrainEvent = Exclude<RunEvent, { type: 'done' | 'failed' }>;

// ── The model-job worker ──────────────────────────────────────────────────────────────────────────────

/** A model to sample from: a saved run (optionally folded) or an exported file/folder (absolute path). */
export type SampleModel = { kind: 'run'; runDir: string; folded: boolean } | { kind: 'file'; path: string };

export type ModelJob =
  | { kind: 'foldPlan'; runDir: string }
  | { kind: 'foldCompare'; runDir: string }
  /**
   * Writes into a NEW sub-folder of `parentFolder` named after the run (`<id>` or `<id>-folded`); `fold` is
   * ignored for a run without BatchNorm; `formats` defaults to every format.
   */
  | { kind: 'export'; runDir: string; parentFolder: string; fold: boolean; formats?: readonly ExportFormat[] }
  | { kind: 'sample'; model: SampleModel; count: number; seed: number }
  /** Validates and summarises a words file (large ones: kept off the process that serves the UI). */
  | { kind: 'dataset'; path: string; label?: string }
  /** Hand-written gradients of one minibatch beside autodiff's; `seed` defaults to the configuration's. */
  | { kind: 'backprop'; subject: BackpropSubject; seed?: number };

export interface ModelJobResults {
  foldPlan: { eps: number; layers: FoldStep[] };
  foldCompare: ModelComparison & { parameterCount: { before: number; after: number } };
  export: { folder: string; files: { name: string; bytes: number }[] };
  sample: { words: string[] };
  dataset: WordsFileSummary;
  backprop: BackpropTable;
}

export type ModelJobResult<J extends ModelJob> = ModelJobResults[J['kind']];

// ── The messages, for either kind ─────────────────────────────────────────────────────────────────────

/** Each kind of worker: what it is asked, what it streams meanwhile, what it answers. */
export interface WorkerKinds {
  train: { request: TrainRequest; event: TrainEvent; result: TrainResult };
  job: { request: ModelJob; event: never; result: ModelJobResults[ModelJob['kind']] };
}

export type WorkerKind = keyof WorkerKinds;
export type WorkerControl = 'pause' | 'resume' | 'stop';

export interface WorkerError {
  code: string;
  message: string;
  details?: { file?: string; line?: number };
}

export type ToWorker<K extends WorkerKind> = { type: 'start'; request: WorkerKinds[K]['request'] } | { type: WorkerControl };

export type FromWorker<K extends WorkerKind> =
  | { type: 'event'; event: WorkerKinds[K]['event'] }
  | { type: 'done'; result: WorkerKinds[K]['result'] }
  | { type: 'failed'; error: WorkerError };

/** Every LabError code, checked complete by the compiler, so the client knows which codes to rebuild as LabErrors. */
const LAB_ERROR_CODES: Record<LabErrorCode, true> = {
  DATASET: true,
  ARGUMENT: true,
  CONFIG: true,
  RUN: true,
  MODEL_FILE: true,
  BACKEND: true,
  IO: true,
  CANCELLED: true,
};

export function isLabErrorCode(code: string): code is LabErrorCode {
  return Object.hasOwn(LAB_ERROR_CODES, code);
}
