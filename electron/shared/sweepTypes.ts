/**
 * What the app's Sweep view exchanges with the back end (channels `sweeps.*`). Browser-safe: types only.
 */
import type { RunSummary } from './contract.js';
import type { RunLayerSummary } from '../engine/sweep/layerTypes.js';

export type { RunLayerSummary };

/** A varied field's value: what a configuration leaf holds. */
export type SweepValue = number | boolean | string | null;

export interface SweepAxis {
  /** A dotted configuration path; `*` stands for every element of an array. */
  path: string;
  values: SweepValue[];
}

/** A saved sweep as stored in `<dataDir>/sweeps.json`. */
export interface SweepDefinition {
  id: string;
  /** ISO 8601. */
  createdAt: string;
  /** The preset (or built-in recipe) it started from; null for an edited configuration. */
  preset: string | null;
  recipe: string | null;
  /** What the view shows as its name (recipe title, preset id or "custom"). */
  label: string;
  datasetName: string;
  steps: number;
  seed: number;
  vary: SweepAxis[];
  /** One ordinary run per grid point, in grid order (the first varied path changes slowest). */
  runs: { runId: string; values: Record<string, SweepValue> }[];
}

/** One grid point's run now: its summary (null when its folder is gone) and measured throughput. */
export interface SweepRunState {
  runId: string;
  values: Record<string, SweepValue>;
  summary: RunSummary | null;
  /** Mean training steps/s of the finished run; null until it finishes. */
  stepsPerSecond: number | null;
  /**
   * Per hidden layer at the run's latest inspector snapshot (tanh saturation %, std) and W{l}'s recent
   * update:data ratio; null while it trains, or when it has no snapshot or no folder.
   */
  layers: RunLayerSummary | null;
}

/**
 * A sweep as a whole: `running` while any of its runs is queued or training; otherwise `completed` when every
 * run completed, `stopped` when one was stopped, `failed` when one failed, `incomplete` when a run folder is gone.
 */
export type SweepStatus = 'running' | 'completed' | 'stopped' | 'failed' | 'incomplete';

export interface SweepInfo extends Omit<SweepDefinition, 'runs'> {
  status: SweepStatus;
  runs: SweepRunState[];
}

export interface SweepRecipeInfo {
  id: string;
  title: string;
  preset: string;
  vary: SweepAxis[];
  lookFor: string;
}

/** Measured throughput of the newest finished run of a preset, for the time estimate. */
export interface SweepEstimate {
  stepsPerSecond: number | null;
  /** The run it was measured on. */
  runId: string | null;
}
