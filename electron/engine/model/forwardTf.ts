/**
 * The model's forward pass written with TensorFlow.js ops, differentiable by `tf.grads`.
 *
 * This is the readable definition of the network and the oracle every faster path is tested against:
 * embedding → per Linear block: x·W (+b) → BatchNorm (lecture semantics) → activation → logits.
 * Must be called inside `tf.tidy` (or the caller disposes the results).
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config.js';
import { linearLayouts } from './params.js';

export type ForwardMode = 'train' | 'infer';

export interface ForwardTrace {
  logits: tf.Tensor2D;
  /** Per hidden block, the activation output h_i [N, size] (for the inspectors). */
  activations: tf.Tensor2D[];
  /** Per BatchNorm'd block index, the batch mean and unbiased variance used in train mode. */
  batchStats: Map<number, { mean: tf.Tensor1D; variance: tf.Tensor1D }>;
}

/**
 * @param params every tensor by its lecture name (C, W1, b1, gamma1, …, mean1, var1)
 * @param x int32 token contexts [N, blockSize]
 * @param mode 'train' normalises with batch statistics (unbiased variance), 'infer' with running buffers
 */
export function forwardTf(
  config: ModelConfig,
  vocabSize: number,
  params: Record<string, tf.Tensor>,
  x: tf.Tensor2D,
  mode: ForwardMode,
): ForwardTrace {
  const n = x.shape[0];
  // (N, block, emb) → (N, block·emb): concatenated context embeddings.
  let h: tf.Tensor2D = tf.gather(params.C, x).reshape([n, config.blockSize * config.embeddingSize]);
  const activations: tf.Tensor2D[] = [];
  const batchStats = new Map<number, { mean: tf.Tensor1D; variance: tf.Tensor1D }>();
  for (const layer of linearLayouts(config, vocabSize)) {
    const i = layer.index;
    let z: tf.Tensor2D = tf.matMul(h, params[`W${i}`] as tf.Tensor2D);
    if (layer.block.bias) z = tf.add(z, params[`b${i}`]);
    if (layer.block.batchNorm) {
      let mean: tf.Tensor1D;
      let variance: tf.Tensor1D;
      if (mode === 'train') {
        mean = tf.mean(z, 0) as tf.Tensor1D;
        // The lectures use torch's x.var(0): the unbiased (n − 1) estimate.
        variance = tf.div(tf.sum(tf.square(tf.sub(z, mean)), 0), n - 1) as tf.Tensor1D;
        batchStats.set(i, { mean, variance });
      } else {
        mean = params[`mean${i}`] as tf.Tensor1D;
        variance = params[`var${i}`] as tf.Tensor1D;
      }
      const xhat = tf.div(tf.sub(z, mean), tf.sqrt(tf.add(variance, config.batchNorm.eps)));
      z = tf.add(tf.mul(params[`gamma${i}`], xhat), params[`beta${i}`]) as tf.Tensor2D;
    }
    if (layer.activation === 'tanh') z = tf.tanh(z);
    else if (layer.activation === 'relu') z = tf.relu(z);
    if (!layer.isOutput) activations.push(z);
    h = z;
  }
  return { logits: h, activations, batchStats };
}

/** Mean cross-entropy of logits [N, V] against int targets [N]. */
export function crossEntropyTf(logits: tf.Tensor2D, y: tf.Tensor1D, vocabSize: number): tf.Scalar {
  const logProbs = tf.logSoftmax(logits);
  const picked = tf.sum(tf.mul(logProbs, tf.oneHot(y, vocabSize)), 1);
  return tf.neg(tf.mean(picked)) as tf.Scalar;
}
