/**
 * What a training run reports as it goes: the same events whether it runs in-process (the CLI) or in a training
 * process of its own (the app, `serve`), where they cross to the parent (worker/protocol.ts). Events carry only
 * what is new and are batched by the trainer (at most ~20 progress events per second).
 */
import type { BackendReport } from '../compute/types.js';
import type { SplitName } from '../data/summary.js';
import type { InspectionSnapshot } from '../inspect/snapshot.js';
import type { EvalPoint, LossChunk, TrainProgress, TrainResult, UpdateRatioChunk } from '../train/types.js';

/** What a run reports once its data and model are ready; the UI receives it unchanged (RunUpdate.started). */
export interface RunStarted {
  backend: BackendReport;
  examples: Record<SplitName, number>;
  vocab: string[];
  /** Trainable parameter names in canonical order (columns of update-ratio chunks). */
  params: string[];
  parameterCount: number;
  /** Entropy of the training split's next-token frequencies (nats): the floor of a context-free model. */
  unigramEntropy: number | null;
}

export type RunEvent =
  | ({ type: 'started' } & RunStarted)
  | { type: 'progress'; progress: TrainProgress; loss: LossChunk; ratios: UpdateRatioChunk | null }
  | { type: 'eval'; point: EvalPoint }
  | { type: 'snapshot'; snapshot: InspectionSnapshot }
  | { type: 'done'; result: TrainResult }
  | { type: 'failed'; error: { code: string; message: string; details?: { file?: string; line?: number } } };
