/**
 * What a training run reports while it runs and when it ends. Plain JSON-safe data: these objects cross
 * process boundaries (trainer process → app main → renderer) unchanged.
 */
import type { BackendReport } from '../compute/types.js';
import type { SplitName } from '../data/summary.js';
import type { ExperimentConfig } from '../model/config.js';

export type SplitLosses = Record<SplitName, number>;

export interface TrainProgress {
  /** Steps completed so far. */
  step: number;
  totalSteps: number;
  /** Minibatch loss of the latest step. */
  loss: number;
  learningRate: number;
  /** Recent throughput (steps per second over the last few seconds of running time, pauses excluded). */
  stepsPerSecond: number;
  /** Seconds left at the recent rate; null until a rate is known. */
  etaSeconds: number | null;
  state: 'running' | 'paused';
}

/** A chunk of the per-step loss curve: losses[k] belongs to step `fromStep + k`. Only new steps are ever sent. */
export interface LossChunk {
  fromStep: number;
  losses: number[];
}

/** Per-step update:data ratios (log10(std(lr·g)/std(w)), null when undefined) for each trainable param, new steps only. */
export interface UpdateRatioChunk {
  fromStep: number;
  params: string[];
  /** ratios[k][p] for step fromStep + k and params[p]. */
  ratios: (number | null)[][];
}

export interface EvalPoint {
  step: number;
  train: number;
  val: number;
}

export interface ParamSummary {
  name: string;
  shape: number[];
  /** Whether any element differs from its initial value. */
  changed: boolean;
}

export interface TrainResult {
  status: 'completed' | 'stopped';
  preset: string | null;
  config: ExperimentConfig;
  backend: BackendReport;
  /** Steps actually run. */
  steps: number;
  /** Mean training throughput over the whole run (pauses and evaluation excluded). */
  stepsPerSecond: number;
  examples: Record<SplitName, number>;
  loss: SplitLosses;
  params: ParamSummary[];
  /** Seconds of wall time, pauses excluded. */
  seconds: number;
}
