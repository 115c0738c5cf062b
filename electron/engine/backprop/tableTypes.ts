/**
 * The shape of backprop by hand as the app receives it (backpropTable.ts builds it). Kept free of the tf.js
 * code so the renderer can type-check against it; the engine's per-tensor comparison (compare.ts) is declared
 * here too, and a table row extends it.
 */
import type { Histogram } from '../inspect/histogram.js';
import type { ExperimentConfig } from '../model/config.js';

/** What is checked: a saved run at its final parameters, or a configuration at initialisation. */
export type BackpropSubject = { kind: 'run'; runDir: string } | { kind: 'config'; config: ExperimentConfig; label: string };

export interface TensorCheck {
  /** Unique display name (`hprebn1`, `W2`, `logits`; a shortcut: `logits (fused)`). */
  name: string;
  /** The lecture's name (`hprebn`, `bnvar_inv`, `logprobs`, `W`, `bngain`, …). */
  base: string;
  /** Block number; null for the loss chain and the embedding. */
  layer: number | null;
  shape: number[];
  /** Every element equal. */
  exact: boolean;
  /** allclose with APPROX_TOLERANCE (compare.ts). */
  approx: boolean;
  /** max |manual − reference|. */
  maxDiff: number;
  /** The hand-written rule in the lecture's notation. */
  formula: string;
  /** What the manual gradient is compared with: autodiff, or (for a fused shortcut) the step-by-step result. */
  versus: 'autodiff' | 'step-by-step';
}

/** A row of the app's table: the comparison, plus what the view draws. */
export interface BackpropRow extends TensorCheck {
  /** Element count of the gradient. */
  size: number;
  /** Of the hand-written gradient. */
  histogram: Histogram;
  /** The first values (row-major) of the hand-written gradient and of its reference. */
  manual: number[];
  reference: number[];
  /** max |manual − reference| over the values shown. */
  shownMaxDiff: number;
}

export interface BackpropTable {
  /** One line saying what was checked (`preset backprop-ninja at initialisation`). */
  what: string;
  seed: number;
  batchSize: number;
  /** The words the minibatch was drawn from. */
  dataset: string;
  loss: number;
  /** approx: |manual − reference| ≤ atol + rtol·|reference| for every element. */
  tolerance: { rtol: number; atol: number };
  /** In backward order; the fused shortcuts last. */
  rows: BackpropRow[];
}
