/**
 * Logit comparisons used to verify an export: run the engine's reference forward pass (forwardTf, inference
 * mode) on plain arrays and measure the largest absolute difference between two logit tables.
 */
import * as tf from '@tensorflow/tfjs';
import { forwardTf } from '../model/forwardTf.js';
import { paramSpecs, type ModelState } from '../model/params.js';
import { Rng } from '../util/rng.js';

/** Logits [n, vocab] (row-major) of a state for int token contexts x [n, blockSize], BatchNorm in inference mode. */
export function inferLogitsTf(state: ModelState, x: Int32Array, n: number): Float32Array {
  return tf.tidy(() => {
    const params: Record<string, tf.Tensor> = {};
    for (const spec of paramSpecs(state.config, state.vocabSize)) params[spec.name] = tf.tensor(state.tensors[spec.name], spec.shape, 'float32');
    const xs = tf.tensor2d(x, [n, state.config.blockSize], 'int32');
    return forwardTf(state.config, state.vocabSize, params, xs, 'infer').logits.dataSync() as Float32Array;
  });
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: lengths ${a.length} and ${b.length} differ`);
  let max = 0;
  for (let k = 0; k < a.length; k++) {
    const d = Math.abs(a[k] - b[k]);
    // NaN must not hide: a NaN anywhere makes the comparison fail.
    if (!(d <= max)) max = Number.isNaN(d) ? Infinity : d;
  }
  return max;
}

/** Deterministic random token contexts [n, blockSize] for spot-checking logits. */
export function randomContexts(vocabSize: number, blockSize: number, n: number, seed = 20240531): Int32Array {
  const rng = new Rng(seed);
  const x = new Int32Array(n * blockSize);
  for (let k = 0; k < x.length; k++) x[k] = rng.int(vocabSize);
  return x;
}
