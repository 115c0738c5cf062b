/**
 * THE one typed contract between the UI and the lab's back end (Electron main, or `serve`).
 *
 * ── For the renderer ────────────────────────────────────────────────────────────────────────────────────
 * The renderer talks to the back end only through a `LabApi` object (see the interface below):
 *   - in the Electron window the preload exposes it as `window.lab` (already a LabApi);
 *   - in a browser under `lab serve`, build it yourself:
 *       import { connectWebSocketTransport } from '<repo>/electron/shared/wsTransport.js';
 *       import { createLabApiClient } from '<repo>/electron/shared/client.js';
 *       const lab = createLabApiClient(connectWebSocketTransport()); // token taken from location (?token=…)
 *   So: `const lab = window.lab ?? createLabApiClient(connectWebSocketTransport())` in ONE bridge module.
 * Every method returns a Promise; a user error (bad dataset file, unknown run…) rejects with a `LabApiError`
 * carrying `code`, `message` and optional `details.line` / `details.file` — show `message` in place.
 * Subscriptions (`lab.runs.onUpdate(cb)`) return a function that unsubscribes.
 * `lab.info()` tells you the mode ('electron' | 'serve') and what is possible there (native dialogs…).
 * Config fields can be validated in the renderer with `experimentConfigSchema` from `./schemas.js` (zod).
 * ─────────────────────────────────────────────────────────────────────────────────────────────────────────
 *
 * Channels are declared once here (`INVOKE_CHANNELS`, `EVENT_CHANNELS`) with their payload types; the zod
 * schema of every request payload lives beside them in `./schemas.js` (kept in its own module so the sandboxed
 * preload does not bundle zod — main and serve validate, the preload only forwards).
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

export type {
  BackendChoice,
  BackendId,
  BackendReport,
  Diagnosis,
  EvalPoint,
  ExperimentConfig,
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
  /** LabErrorCode ('DATASET', 'CONFIG', 'RUN', 'MODEL_FILE', 'BACKEND', 'ARGUMENT', 'CANCELLED') or 'INTERNAL'/'INVALID_PAYLOAD'. */
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

export interface SavePresetRequest {
  /** Becomes the id (slugified); an existing user preset of that id is replaced; built-in ids are refused. */
  title: string;
  description: string;
  config: ExperimentConfig;
}

export interface BackendOption {
  id: BackendChoice;
  label: string;
  /** Whether it can be used on this machine now (`auto` always can). */
  available: boolean;
  /** Why not, or what it is (e.g. "@tensorflow/tfjs-node is not installed"). */
  note: string;
}

export interface StartRunRequest {
  config: ExperimentConfig;
  /** `DatasetSummary.id` of a loaded dataset. */
  datasetId: string;
  backend: BackendChoice;
}

export type RunStatus = 'starting' | 'running' | 'paused' | 'completed' | 'stopped' | 'failed';

/** One line of the Runs list. */
export interface RunSummary {
  id: string;
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
  /** Per-step minibatch losses from step `losses.fromStep` (normally 0). */
  losses: LossChunk;
  /** Per-step update:data ratios (log10), null if none were recorded. */
  ratios: UpdateRatioChunk | null;
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
  /** Sent once, when the training process has prepared data and model. */
  started?: {
    backend: BackendReport;
    examples: Record<SplitName, number>;
    vocab: string[];
    params: string[];
    parameterCount: number;
  };
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

export type ExportFormat = 'tfjs' | 'onnx' | 'safetensors';

export interface ExportRequest {
  runId: string;
  /** Fold BatchNorm before exporting (default true). */
  fold?: boolean;
  /** Target folder; omitted: Electron asks with a dialog, serve writes under the run's `exports/` folder. */
  folder?: string;
  /** Default: every available format. */
  formats?: ExportFormat[];
}

export interface ExportResult {
  folder: string;
  files: { name: string; bytes: number }[];
}

export type SampleSource = { kind: 'run'; runId: string; folded?: boolean } | { kind: 'model'; path: string };

export interface SampleRequest {
  source: SampleSource;
  count: number;
  seed: number;
}

export interface SampleResult {
  words: string[];
}

/** Pushed after the app's own menu (Ctrl/Cmd+O) loaded a dataset: the same result `dataset.open()` gives. */
export type DatasetLoaded = { ok: true; dataset: DatasetSummary } | { ok: false; error: ApiErrorInfo };

// ── Channels ──────────────────────────────────────────────────────────────────────────────────────────

/** Request/response channels: request payload type and response type. A `void` request sends `undefined`. */
export interface InvokeChannels {
  'app.info': { request: void; response: AppInfo };
  /** Electron: native open dialog → load. null when cancelled. Serve: refused (use upload). */
  'dataset.open': { request: void; response: DatasetSummary | null };
  'dataset.loadFromPath': { request: { path: string }; response: DatasetSummary };
  'dataset.loadBuiltIn': { request: void; response: DatasetSummary };
  /** Bytes as base64 (JSON-safe for the WebSocket; same validator as files). */
  'dataset.upload': { request: { name: string; base64: string }; response: DatasetSummary };
  'presets.list': { request: void; response: PresetInfo[] };
  'presets.save': { request: SavePresetRequest; response: PresetInfo };
  'presets.delete': { request: { id: string }; response: void };
  'backends.describe': { request: void; response: BackendOption[] };
  'runs.start': { request: StartRunRequest; response: RunSummary };
  'runs.pause': { request: { runId: string }; response: void };
  'runs.resume': { request: { runId: string }; response: void };
  'runs.stop': { request: { runId: string }; response: void };
  'runs.list': { request: void; response: RunSummary[] };
  'runs.get': { request: { runId: string }; response: RunDetail };
  'runs.delete': { request: { runId: string }; response: void };
  /** Diagnosis at a captured step (latest snapshot when `step` is omitted). */
  'inspect.diagnose': { request: { runId: string; step?: number }; response: Diagnosis };
  'fold.preview': { request: { runId: string }; response: FoldPlan };
  'fold.compare': { request: { runId: string }; response: FoldComparison };
  /** null when the user cancelled the folder dialog. */
  'fold.export': { request: ExportRequest; response: ExportResult | null };
  /** Electron only: native folder picker. null when cancelled. */
  'dialog.chooseFolder': { request: void; response: string | null };
  'sample': { request: SampleRequest; response: SampleResult };
}

/** Event channels (back end → UI) and their payloads. */
export interface EventChannels {
  'runs.update': RunUpdate;
  /** The set of runs changed (started, finished, deleted): re-read `runs.list()` if shown. */
  'runs.changed': { runIds: string[] };
  'dataset.loaded': DatasetLoaded;
}

export type InvokeChannel = keyof InvokeChannels;
export type EventChannel = keyof EventChannels;
export type RequestOf<C extends InvokeChannel> = InvokeChannels[C]['request'];
export type ResponseOf<C extends InvokeChannel> = InvokeChannels[C]['response'];

/** Every invoke channel, once (main registers exactly these; anything else is dropped). */
export const INVOKE_CHANNELS = [
  'app.info',
  'dataset.open',
  'dataset.loadFromPath',
  'dataset.loadBuiltIn',
  'dataset.upload',
  'presets.list',
  'presets.save',
  'presets.delete',
  'backends.describe',
  'runs.start',
  'runs.pause',
  'runs.resume',
  'runs.stop',
  'runs.list',
  'runs.get',
  'runs.delete',
  'inspect.diagnose',
  'fold.preview',
  'fold.compare',
  'fold.export',
  'dialog.chooseFolder',
  'sample',
] as const satisfies readonly InvokeChannel[];

export const EVENT_CHANNELS = ['runs.update', 'runs.changed', 'dataset.loaded'] as const satisfies readonly EventChannel[];

/** Electron IPC channel names are prefixed so they cannot collide with Electron's own or other libraries'. */
export const IPC_PREFIX = 'lab:';

/**
 * Every invoke reply is an envelope, so user errors cross any transport with their code and line intact
 * (Electron's `invoke` rejection would flatten an Error into a string).
 */
export type Reply<T> = { ok: true; value: T } | { ok: false; error: ApiErrorInfo };

// ── The API object the renderer uses ──────────────────────────────────────────────────────────────────

export interface LabApi {
  info(): Promise<AppInfo>;
  dataset: {
    /** Electron: native "Open dataset…" dialog. Resolves null when cancelled. */
    open(): Promise<DatasetSummary | null>;
    loadFromPath(path: string): Promise<DatasetSummary>;
    loadBuiltIn(): Promise<DatasetSummary>;
    upload(name: string, bytes: Uint8Array): Promise<DatasetSummary>;
    /**
     * A dropped or picked `File`: in Electron its real path is resolved by the preload (webUtils.getPathForFile)
     * and loaded by main; in a browser its bytes are uploaded. Use this for the drop zone and the file input.
     */
    loadFile(file: File): Promise<DatasetSummary>;
    /** Fired when the app menu (Ctrl/Cmd+O) loaded a dataset or failed to. */
    onLoaded(listener: (event: DatasetLoaded) => void): Unsubscribe;
  };
  presets: {
    list(): Promise<PresetInfo[]>;
    save(request: SavePresetRequest): Promise<PresetInfo>;
    delete(id: string): Promise<void>;
  };
  backends: {
    describe(): Promise<BackendOption[]>;
  };
  runs: {
    start(request: StartRunRequest): Promise<RunSummary>;
    pause(runId: string): Promise<void>;
    resume(runId: string): Promise<void>;
    stop(runId: string): Promise<void>;
    list(): Promise<RunSummary[]>;
    /** The whole stored history of a run, once; follow a live run with `onUpdate`. */
    get(runId: string): Promise<RunDetail>;
    delete(runId: string): Promise<void>;
    onUpdate(listener: (update: RunUpdate) => void): Unsubscribe;
    onChanged(listener: (event: { runIds: string[] }) => void): Unsubscribe;
  };
  inspect: {
    diagnose(runId: string, step?: number): Promise<Diagnosis>;
  };
  fold: {
    preview(runId: string): Promise<FoldPlan>;
    compare(runId: string): Promise<FoldComparison>;
    export(request: ExportRequest): Promise<ExportResult | null>;
  };
  dialogs: {
    chooseFolder(): Promise<string | null>;
  };
  sample(request: SampleRequest): Promise<SampleResult>;
}

export type Unsubscribe = () => void;
