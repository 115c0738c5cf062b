/**
 * The data types of the contract between the UI and the lab's back end: what its channels carry. The channels
 * themselves — each one's request schema and response type — are declared once in `./channels.ts`.
 *
 * ── For the renderer ────────────────────────────────────────────────────────────────────────────────────
 * The renderer talks to the back end only through a `LabApi` object (`./client.ts`), derived from the channel
 * table: channel `'runs.get'` is `lab.runs.get({ runId })`, events arrive through `lab.on('runs.update', cb)`.
 *   - in the Electron window: `createLabApiClient(window.lab)`, the preload's IPC transport;
 *   - in a browser under `lab serve`: `createLabApiClient(connectWebSocketTransport())` (token from `?token=…`).
 * renderer/src/lib/api.ts does exactly this, once.
 * Every method returns a Promise; a user error (bad dataset file, unknown run…) rejects with a `LabApiError`
 * carrying `code`, `message` and optional `details.line` / `details.file` — show `message` in place.
 * Config fields can be validated in the renderer with `experimentConfigSchema` from `./schemas.js` (zod).
 * ─────────────────────────────────────────────────────────────────────────────────────────────────────────
 *
 * Browser-safe: type-only imports from the engine, no Node or Electron imports.
 */
import type { BackendChoice, BackendId, BackendReport } from '../engine/compute/types.js';
import type { ExperimentConfig } from '../engine/model/config.js';
import type { PresetReference } from '../engine/model/presets.js';
import type { InspectionSnapshot } from '../engine/inspect/snapshot.js';
import type { Diagnosis } from '../engine/inspect/diagnosis.js';
import type { DatasetSummary as EngineDatasetSummary } from '../engine/data/summary.js';
import type { FoldStep } from '../engine/fold/fold.js';
import type { ExportFormat } from './schemas.js';
import type { ModelComparison } from '../engine/fold/compare.js';
import type {
  EvalPoint,
  LossChunk,
  SplitLosses,
  TrainProgress,
  TrainResult,
  UpdateRatioChunk,
} from '../engine/train/types.js';
import type { SplitName } from '../engine/data/summary.js';
import type { BackpropTable } from '../engine/backprop/tableTypes.js';
import type { RunStarted } from '../engine/run/runEvents.js';

export type {
  BackpropTable,
  BackendChoice,
  BackendId,
  BackendReport,
  Diagnosis,
  EvalPoint,
  ExperimentConfig,
  ExportFormat,
  FoldStep,
  ModelComparison,
  InspectionSnapshot,
  LossChunk,
  SplitLosses,
  SplitName,
  TrainProgress,
  TrainResult,
  UpdateRatioChunk,
};

// ── Payload types ─────────────────────────────────────────────────────────────────────────────────────

/** Where the UI runs and what the back end can do there. */
export interface AppInfo {
  mode: 'electron' | 'serve';
  version: string;
  platform: string;
  /** Native open/save dialogs exist (Electron); under serve, use a file input and `dataset.upload`. */
  nativeDialogs: boolean;
  /** Folder where runs are stored (shown to the user). */
  runsFolder: string;
}

/** A user-facing error (as LabError in the engine): show `message` in place; `details.line` when known. */
export interface ApiErrorInfo {
  /** LabErrorCode ('DATASET', 'CONFIG', 'RUN', 'MODEL_FILE', 'BACKEND', 'ARGUMENT', 'IO', 'CANCELLED') or 'INTERNAL'/'INVALID_PAYLOAD'. */
  code: string;
  message: string;
  details?: { file?: string; line?: number };
}

/**
 * A loaded, validated words file, summarised for the Dataset view: the engine's `summarizeDataset` figures
 * (wordCount, words/examples per split, vocab, vocabSize, lengthHistogram, min/max/meanLength,
 * characterFrequencies) plus where the file came from.
 */
export interface DatasetSummary extends EngineDatasetSummary {
  // ── where it came from ──
  /** Handle to pass to `runs.start`; valid for the lifetime of the back end. */
  id: string;
  /** File name (or the built-in data's description). */
  name: string;
  source: 'file' | 'builtin' | 'upload';
  /** Absolute path on the back end's machine, null for built-in data. */
  path: string | null;
  bytes: number;
  sha256: string;
  /** A few words from the start of the file, to show what was read. */
  preview: string[];
}

export interface PresetInfo {
  id: string;
  title: string;
  description: string;
  config: ExperimentConfig;
  reference: PresetReference;
  /** Trainable scalars for a 27-character vocabulary (names.txt), as PRESETS.md lists them. */
  parameterCount: number;
  /** false for the built-in presets of PRESETS.md, true for ones the user saved. */
  user: boolean;
}

export interface BackendOption {
  id: BackendChoice;
  label: string;
  /** Whether it can be used on this machine now (`auto` always can). */
  available: boolean;
  /** Why not, or what it is (e.g. "@tensorflow/tfjs-node is not installed"). */
  note: string;
}

export type RunStatus = 'starting' | 'running' | 'paused' | 'completed' | 'stopped' | 'failed';

/** One line of the Runs list. */
export interface RunSummary {
  id: string;
  /** What the run is called everywhere: the name the user gave it (label.json), or else its id. */
  name: string;
  /** The user's note ('' when none); multi-line. */
  note: string;
  preset: string | null;
  /** ISO 8601. */
  createdAt: string;
  status: RunStatus;
  /** Steps done so far (or in total for a finished run). */
  steps: number;
  totalSteps: number;
  /** Minibatch loss at the last recorded step. */
  lastLoss: number | null;
  /** Final split losses (inference mode) once finished. */
  loss: SplitLosses | null;
  backend: BackendId | null;
  datasetName: string;
  parameterCount: number | null;
  /** Whether the model has a BatchNorm to fold (Fold & Compare offers only those). */
  hasBatchNorm: boolean;
  /** Set when status is 'failed'. */
  error: ApiErrorInfo | null;
}

/** A run's whole stored history, sent ONCE when a run is opened; live runs continue through `runs.update`. */
export interface RunDetail {
  summary: RunSummary;
  config: ExperimentConfig;
  backend: BackendReport | null;
  vocab: string[];
  /** Trainable parameter names in canonical order (columns of ratio chunks). */
  params: string[];
  examples: Record<SplitName, number> | null;
  /** Entropy of the training split's next-token frequencies (nats); null for runs saved before it was recorded. */
  unigramEntropy: number | null;
  /**
   * Minibatch losses from step `losses.fromStep` (normally 0): one per step, or — for a run longer than the
   * server keeps per step (262,144 steps) — the mean of each bucket of `every` steps, so a run of any length
   * arrives in bounded size. Holes (a chunk lost in a crash) are null.
   */
  losses: LossChunk & { every: number };
  /** Update:data ratios (log10), per step or per bucket of `every` steps as for losses; null if none were recorded. */
  ratios: (UpdateRatioChunk & { every: number }) | null;
  evals: EvalPoint[];
  /** Captured every `inspectEvery` steps, in step order. */
  snapshots: InspectionSnapshot[];
  result: TrainResult | null;
}

/**
 * What is new for one run since the previous update (batched by the back end: at most ~20 per second per run).
 * Every field is optional; apply those present: append chunks, replace progress/status.
 */
export interface RunUpdate {
  runId: string;
  /** Present when the status changed. */
  status?: RunStatus;
  /** Sent once, when the training process has prepared data and model: the engine's own `started` report. */
  started?: RunStarted;
  /** Latest progress (step, loss, steps/s, ETA). */
  progress?: TrainProgress;
  /** New per-step losses only. */
  loss?: LossChunk;
  /** New per-step update:data ratios only. */
  ratios?: UpdateRatioChunk;
  evals?: EvalPoint[];
  snapshots?: InspectionSnapshot[];
  /** Sent once when the run completed or was stopped. */
  result?: TrainResult;
  /** Sent once when the run failed (trainer error or crash of the training process). */
  error?: ApiErrorInfo;
}

/** What folding will do, per BatchNorm layer (wizard step 2): the engine's FoldStep (names, ε, formulas, scale range). */
export interface FoldPlan {
  runId: string;
  eps: number;
  layers: FoldStep[];
}

/** Unfolded vs folded on every split (wizard step 3): max |Δlogit|, losses (null for an empty split), dev-split inference ms. */
export interface FoldComparison extends ModelComparison {
  runId: string;
  parameterCount: { before: number; after: number };
}

export interface ExportResult {
  folder: string;
  files: { name: string; bytes: number }[];
}

export interface SampleResult {
  words: string[];
}

/** Pushed after the app's own menu (Ctrl/Cmd+O) loaded a dataset: the same result `dataset.open()` gives. */
export type DatasetLoaded = { ok: true; dataset: DatasetSummary } | { ok: false; error: ApiErrorInfo };

/** One piece of work in a worker process: a training run or a model job, and the run it is about (if any). */
export interface WorkerJob {
  kind: 'train' | 'foldPlan' | 'foldCompare' | 'export' | 'sample' | 'dataset' | 'backprop';
  runId: string | null;
}

/**
 * The back end's worker queue: at most `limit` processes run at once; the rest wait in order. The UI finds its
 * own request by kind and run id and shows its position (1 = next).
 */
export interface WorkerQueueState {
  limit: number;
  running: WorkerJob[];
  queued: WorkerJob[];
}
