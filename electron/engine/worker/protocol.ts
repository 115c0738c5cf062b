/**
 * Messages between whoever starts a training run (the app's main process, `serve`, tests) and the separate
 * training process. One run per process: a crash (out of memory, a native backend failure) kills only that
 * process; the parent marks the run failed and everything already saved in the run folder stays readable.
 *
 * Events are batched by the trainer process (at most ~20 messages per second) and carry only what is new.
 */
import type { BackendChoice, BackendReport } from '../compute/types.js';
import type { ExperimentConfig } from '../model/config.js';
import type { InspectionSnapshot } from '../inspect/snapshot.js';
import type { EvalPoint, LossChunk, SplitName, TrainProgress, TrainResult, UpdateRatioChunk } from '../train/types.js';

export type DatasetRef = { kind: 'file'; path: string } | { kind: 'builtin' };

export interface TrainRequest {
  /** Folder the run writes into (created if missing). */
  runDir: string;
  config: ExperimentConfig;
  dataset: DatasetRef;
  backend: BackendChoice;
}

export type WorkerCommand =
  | { type: 'start'; request: TrainRequest }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' };

export type WorkerEvent =
  | {
      type: 'started';
      backend: BackendReport;
      examples: Record<SplitName, number>;
      vocab: string[];
      /** Trainable parameter names in canonical order (columns of update-ratio chunks). */
      params: string[];
      parameterCount: number;
    }
  | { type: 'progress'; progress: TrainProgress; loss: LossChunk; ratios: UpdateRatioChunk | null }
  | { type: 'eval'; point: EvalPoint }
  | { type: 'snapshot'; snapshot: InspectionSnapshot }
  | { type: 'done'; result: TrainResult }
  | { type: 'failed'; error: { code: string; message: string } };
