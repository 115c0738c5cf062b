/**
 * Folding BatchNorm into the Linear before it (exercise 2).
 *
 * In inference mode a BatchNorm is a fixed per-feature affine map of the Linear's output z = x·W + b:
 *   BN(z)_j = γ_j·(z_j − μ_j)/√(σ²_j + ε) + β_j = z_j·s_j + (β_j − μ_j·s_j),   s_j = γ_j/√(σ²_j + ε),
 * with μ, σ² the running mean and variance. Scaling column j of W (W is [in, out]) by s_j and replacing the bias
 * gives one Linear with the same output:
 *   W'[:, j] = W[:, j]·s_j,   b'_j = (b_j − μ_j)·s_j + β_j   (b = 0 when the Linear had no bias).
 * The arithmetic is done in float64 and rounded once to float32.
 */
import type { LinearBlockConfig, ModelConfig } from '../model/config.js';
import { linearLayouts, paramSpecs, type ModelState } from '../model/params.js';

/** What was folded where, per BatchNorm layer (shown step by step in the app's Fold wizard). */
export interface FoldStep {
  /** 1-based Linear index. */
  layer: number;
  isOutput: boolean;
  /** Number of features (columns of W, entries of γ). */
  features: number;
  /** Rows of W (the Linear's input width): W is [inFeatures, features] before and after the fold. */
  inFeatures: number;
  /**
   * Trainable parameters of this layer before (W, b if any, γ, β) and after (W', b') the fold. The running
   * mean/var are buffers, not parameters: they disappear too, but are not counted here.
   */
  parameters: { before: number; after: number };
  /** The Linear receiving the fold. */
  weight: string;
  /** The bias of the folded Linear (created when the Linear had none). */
  bias: string;
  /** Whether the Linear already had a bias before folding. */
  hadBias: boolean;
  /** The BatchNorm tensors folded away. */
  gamma: string;
  beta: string;
  runningMean: string;
  runningVar: string;
  eps: number;
  /** The formulas with this layer's names and ε, e.g. "W2' = W2 · gamma2 / √(var2 + 1e-5)" (per column). */
  formula: { weight: string; bias: string };
  /** Smallest and largest per-column scale s_j = γ_j/√(σ²_j + ε) (how strongly the fold rescales W). */
  scaleRange: { min: number; max: number };
}

export interface FoldResult {
  state: ModelState;
  folds: FoldStep[];
}

function foldedBlock<T extends LinearBlockConfig>(block: T): T {
  return block.batchNorm ? { ...block, batchNorm: false, bias: true } : block;
}

/** The BN-free configuration: every BatchNorm'd block becomes a Linear with bias. */
export function foldedConfig(config: ModelConfig): ModelConfig {
  const c = structuredClone(config);
  return { ...c, hidden: c.hidden.map(foldedBlock), output: foldedBlock(c.output) };
}

function tensor(state: ModelState, name: string): Float32Array {
  const t = state.tensors[name];
  if (!t) throw new Error(`fold: model has no tensor ${name}`);
  return t;
}

/** Folds every BatchNorm (hidden and output) into its Linear using the running statistics. */
export function foldBatchNorm(state: ModelState): FoldResult {
  const { config, vocabSize } = state;
  const eps = config.batchNorm.eps;
  const out: Record<string, Float32Array> = {};
  const folds: FoldStep[] = [];

  for (const l of linearLayouts(config, vocabSize)) {
    const i = l.index;
    const W = tensor(state, `W${i}`);
    if (!l.block.batchNorm) {
      out[`W${i}`] = W.slice();
      if (l.block.bias) out[`b${i}`] = tensor(state, `b${i}`).slice();
      continue;
    }
    const gamma = tensor(state, `gamma${i}`);
    const beta = tensor(state, `beta${i}`);
    const mu = tensor(state, `mean${i}`);
    const variance = tensor(state, `var${i}`);
    const b = l.block.bias ? tensor(state, `b${i}`) : null;
    const cols = l.outFeatures;
    const rows = l.inFeatures;

    const scale = new Float64Array(cols);
    let sMin = Infinity;
    let sMax = -Infinity;
    for (let j = 0; j < cols; j++) {
      scale[j] = gamma[j] / Math.sqrt(variance[j] + eps);
      if (scale[j] < sMin) sMin = scale[j];
      if (scale[j] > sMax) sMax = scale[j];
    }
    const W2 = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      for (let j = 0; j < cols; j++) W2[base + j] = W[base + j] * scale[j];
    }
    const b2 = new Float32Array(cols);
    for (let j = 0; j < cols; j++) b2[j] = ((b ? b[j] : 0) - mu[j]) * scale[j] + beta[j];
    out[`W${i}`] = W2;
    out[`b${i}`] = b2;

    folds.push({
      layer: i,
      isOutput: l.isOutput,
      features: cols,
      inFeatures: rows,
      parameters: { before: rows * cols + (l.block.bias ? cols : 0) + 2 * cols, after: rows * cols + cols },
      weight: `W${i}`,
      bias: `b${i}`,
      hadBias: l.block.bias,
      gamma: `gamma${i}`,
      beta: `beta${i}`,
      runningMean: `mean${i}`,
      runningVar: `var${i}`,
      eps,
      formula: {
        weight: `W${i}' = W${i} · gamma${i} / √(var${i} + ${eps})   (column-wise)`,
        bias: l.block.bias
          ? `b${i}' = (b${i} − mean${i}) · gamma${i} / √(var${i} + ${eps}) + beta${i}`
          : `b${i}' = (0 − mean${i}) · gamma${i} / √(var${i} + ${eps}) + beta${i}   (W${i} had no bias)`,
      },
      scaleRange: { min: sMin, max: sMax },
    });
  }

  const config2 = foldedConfig(config);
  const tensors: Record<string, Float32Array> = { C: tensor(state, 'C').slice() };
  // Canonical order of the folded model (C, then W{i}, b{i} per Linear).
  for (const spec of paramSpecs(config2, vocabSize)) if (spec.name !== 'C') tensors[spec.name] = out[spec.name];
  return { state: { config: config2, vocabSize, tensors }, folds };
}
