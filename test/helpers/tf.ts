/** Small tf.js helpers shared by the engine tests that check against the `forwardTf` oracle. */
import * as tf from '@tensorflow/tfjs';
import { initModel } from '../../electron/engine/model/init.js';
import type { InitSpec, LinearBlockConfig, ModelConfig } from '../../electron/engine/model/config.js';
import { crossEntropyTf, forwardTf } from '../../electron/engine/model/forwardTf.js';
import { paramSpecs, type ModelState, type ParamRole } from '../../electron/engine/model/params.js';
import { Rng } from '../../electron/engine/util/rng.js';

/** tf.tidy for results that are plain data (tf.tidy's typing only admits tensors). */
export function scoped<T>(fn: () => T): T {
  tf.engine().startScope();
  try {
    return fn();
  } finally {
    tf.engine().endScope();
  }
}

/** Every tensor of the model as a tf.Tensor of its parameter shape (call inside `scoped`). */
export function paramTensors(state: ModelState): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const spec of paramSpecs(state.config, state.vocabSize)) out[spec.name] = tf.tensor(state.tensors[spec.name], spec.shape);
  return out;
}

/** A Linear block of the random test networks: Kaiming tanh-gain weights, every other init a N(0, 0.5²) draw. */
export function block(bias: boolean, batchNorm: boolean): LinearBlockConfig {
  const normal: InitSpec = { kind: 'normal', scale: 0.5 };
  return { bias, batchNorm, weightInit: { kind: 'kaiming', gain: 5 / 3, scale: 1 }, biasInit: normal, gammaInit: normal, betaInit: normal };
}

/** How to draw each value of a parameter role; roles left out keep their initialisation. */
export type RoleDraws = Partial<Record<ParamRole, (rng: Rng) => number>>;

/**
 * A model as if trained: `initModel(config, vocabSize, seed)`, then the values of the roles in `draws`
 * redrawn one by one from `Rng(seed + 1)` — typically BatchNorm γ, β and the running statistics, moved off
 * their initial 1/0 so every term of the math is exercised.
 */
export function trainedLikeState(config: ModelConfig, vocabSize: number, seed: number, draws: RoleDraws): ModelState {
  const state = initModel(config, vocabSize, seed);
  const rng = new Rng(seed + 1);
  for (const spec of paramSpecs(config, vocabSize)) {
    const draw = draws[spec.role];
    if (!draw) continue;
    const t = state.tensors[spec.name];
    for (let k = 0; k < t.length; k++) t[k] = draw(rng);
  }
  return state;
}

/** BatchNorm γ, β and running statistics as training leaves them: off their initial 1/0, running variances positive. */
export const TRAINED_BN: RoleDraws = {
  gamma: (rng) => 1 + 0.3 * rng.normal(),
  beta: (rng) => 0.3 * rng.normal(),
  runningMean: (rng) => 0.3 * rng.normal(),
  runningVar: (rng) => 0.5 + rng.uniform(),
};

/** One training step as the oracle computes it. */
export interface OracleStep {
  loss: number;
  /** dLoss/dp for every trainable tensor. */
  grads: Record<string, Float32Array>;
  /** Per BatchNorm layer index: the batch mean and unbiased variance. */
  batchStats: Map<number, { mean: Float32Array; variance: Float32Array }>;
  /** Each hidden block's output, train mode. */
  activations: Float32Array[];
}

/**
 * Loss, gradients of every trainable tensor, BatchNorm batch statistics and hidden activations from
 * `tf.valueAndGrads` over the readable forward pass `forwardTf(…, 'train')` + `crossEntropyTf`, on the
 * current tf.js backend.
 */
export function oracleTrainStep(state: ModelState, x: Int32Array, y: Int32Array): OracleStep {
  const { config, vocabSize } = state;
  const trainable = paramSpecs(config, vocabSize).filter((s) => s.trainable);
  return scoped(() => {
    const tensors = paramTensors(state);
    const xt = tf.tensor2d(x, [y.length, config.blockSize], 'int32');
    const yt = tf.tensor1d(y, 'int32');
    const lossOf = (...values: tf.Tensor[]) => {
      const params = { ...tensors };
      trainable.forEach((s, k) => (params[s.name] = values[k]));
      return crossEntropyTf(forwardTf(config, vocabSize, params, xt, 'train').logits, yt, vocabSize);
    };
    const { value, grads } = tf.valueAndGrads(lossOf)(trainable.map((s) => tensors[s.name]));
    const trace = forwardTf(config, vocabSize, tensors, xt, 'train');
    const batchStats = new Map<number, { mean: Float32Array; variance: Float32Array }>();
    for (const [i, st] of trace.batchStats) batchStats.set(i, { mean: st.mean.dataSync() as Float32Array, variance: st.variance.dataSync() as Float32Array });
    return {
      loss: value.dataSync()[0],
      grads: Object.fromEntries(trainable.map((s, k) => [s.name, grads[k].dataSync() as Float32Array])),
      batchStats,
      activations: trace.activations.map((a) => a.dataSync() as Float32Array),
    };
  });
}

/** Uniform token contexts `x` [rows × blockSize] and targets `y` [rows] in [0, vocab). */
export function randomBatch(rng: Rng, rows: number, blockSize: number, vocab: number): { x: Int32Array; y: Int32Array } {
  return { x: rng.fillInts(new Int32Array(rows * blockSize), vocab), y: rng.fillInts(new Int32Array(rows), vocab) };
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k]));
  return m;
}

/** max |a − b| over equal-length arrays: the engine's own (io/verify.ts), which throws on a length mismatch. */
export { maxAbsDiff } from '../../electron/engine/io/verify.js';

/**
 * Gradient error allowed between a float32 kernel (the fused one) and the oracle, relative to the scale of
 * the whole network's gradient (the largest |g| over all params). The kernel does honest float32 arithmetic
 * (as PyTorch does) while the tf cpu oracle accumulates its sums in float64 before rounding, so they differ by
 * float32 noise: measured ≤ 1.3e-6 for batches of 7–50. A batch of 2 through BatchNorm is ill-conditioned
 * (each feature is normalised over two values, so its input gradient is pure cancellation); there the measured
 * gap is ≤ 1.9e-5, and float64 torch confirms the kernel's error is float32 rounding, not a formula difference.
 */
export const GRAD_TOLERANCE = 5e-6;
export const GRAD_TOLERANCE_BATCH_OF_2 = 5e-5;
