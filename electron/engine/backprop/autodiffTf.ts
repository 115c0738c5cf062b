/**
 * Autodiff's answer for the decomposition: the lab's readable tf.js forward pass (model/forwardTf.ts +
 * crossEntropyTf) written out tensor by tensor with the lecture's names, differentiated by `tf.grads`.
 *
 * `tf.grads` only differentiates with respect to its inputs, so every intermediate t is computed as
 * `t + tap_t` with a zero tensor `tap_t` that is an input: d loss / d tap_t = d loss / d t, and adding zero
 * leaves every forward value bit-for-bit unchanged. The tests check this forward against forwardTf (same
 * logits and loss, same parameter gradients), so it is the same function the rest of the lab trains.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../model/config.js';
import { paramSpecs, type ModelState } from '../model/params.js';
import { decompose } from './decomposition.js';
import type { Batch } from './manualForward.js';

/** A tensor copied out of tf.js. */
export interface PlainTensor {
  shape: number[];
  data: Float32Array;
}

export interface DecomposedForward {
  loss: tf.Scalar;
  /** Every intermediate by name, in forward order. */
  nodes: Map<string, tf.Tensor>;
  /** The forward graph: for each intermediate, the named tensors (intermediates and parameters) it is computed from. */
  inputs: Map<string, string[]>;
}

/**
 * The decomposed forward pass in train mode (batch statistics, unbiased variance).
 * @param params the trainable tensors by lab name (C, W1, b1 [out], gamma1 [out], …)
 * @param taps optional zero tensors added to the intermediates of the same name
 */
export function decomposedForwardTf(
  config: ModelConfig,
  vocabSize: number,
  params: Record<string, tf.Tensor>,
  x: tf.Tensor2D,
  y: tf.Tensor1D,
  taps?: Map<string, tf.Tensor>,
): DecomposedForward {
  const nodes = new Map<string, tf.Tensor>();
  const inputs = new Map<string, string[]>();
  const value = (name: string): tf.Tensor => nodes.get(name) ?? params[name];
  const node = (name: string, from: string[], t: tf.Tensor): tf.Tensor => {
    const tap = taps?.get(name);
    const tapped = tap ? tf.add(t, tap) : t;
    nodes.set(name, tapped);
    inputs.set(name, from);
    return tapped;
  };
  const n = x.shape[0];
  const eps = config.batchNorm.eps;

  node('emb', ['C'], tf.gather(params.C, x)); // [n, block, e]
  node('embcat', ['emb'], tf.reshape(value('emb'), [n, config.blockSize * config.embeddingSize]));
  for (const blk of decompose(config, vocabSize)) {
    let z = tf.matMul(value(blk.input) as tf.Tensor2D, params[blk.W] as tf.Tensor2D);
    if (blk.b) z = tf.add(z, params[blk.b]);
    node(blk.linearOut, blk.b ? [blk.input, blk.W, blk.b] : [blk.input, blk.W], z);
    if (blk.bn) {
      const bn = blk.bn;
      node(bn.bnmeani, [bn.hprebn], tf.mul(1 / n, tf.sum(value(bn.hprebn), 0, true)));
      node(bn.bndiff, [bn.hprebn, bn.bnmeani], tf.sub(value(bn.hprebn), value(bn.bnmeani)));
      node(bn.bndiff2, [bn.bndiff], tf.square(value(bn.bndiff)));
      node(bn.bnvar, [bn.bndiff2], tf.mul(1 / (n - 1), tf.sum(value(bn.bndiff2), 0, true)));
      node(bn.bnvar_inv, [bn.bnvar], tf.pow(tf.add(value(bn.bnvar), eps), -0.5));
      node(bn.bnraw, [bn.bndiff, bn.bnvar_inv], tf.mul(value(bn.bndiff), value(bn.bnvar_inv)));
      node(blk.out, [blk.gamma!, bn.bnraw, blk.beta!], tf.add(tf.mul(params[blk.gamma!], value(bn.bnraw)), params[blk.beta!]));
    }
    if (blk.h) {
      const pre = value(blk.out);
      const act = blk.activation === 'tanh' ? tf.tanh(pre) : blk.activation === 'relu' ? tf.relu(pre) : tf.clone(pre);
      node(blk.h, [blk.out], act);
    }
  }
  node('logit_maxes', ['logits'], tf.max(value('logits'), 1, true));
  node('norm_logits', ['logits', 'logit_maxes'], tf.sub(value('logits'), value('logit_maxes')));
  node('counts', ['norm_logits'], tf.exp(value('norm_logits')));
  node('counts_sum', ['counts'], tf.sum(value('counts'), 1, true));
  node('counts_sum_inv', ['counts_sum'], tf.pow(value('counts_sum'), -1));
  node('probs', ['counts', 'counts_sum_inv'], tf.mul(value('counts'), value('counts_sum_inv')));
  node('logprobs', ['probs'], tf.log(value('probs')));
  // loss = -logprobs[range(n), Yb].mean()
  const picked = tf.sum(tf.mul(value('logprobs'), tf.oneHot(y, vocabSize)), 1);
  return { loss: tf.neg(tf.mean(picked)) as tf.Scalar, nodes, inputs };
}

export interface AutodiffResult {
  loss: number;
  /** Forward values of every intermediate and trainable parameter. */
  values: Map<string, PlainTensor>;
  /** d loss / d tensor for every intermediate and trainable parameter. */
  grads: Map<string, PlainTensor>;
  /** The forward graph (see DecomposedForward.inputs); parameters have no entry. */
  inputs: Map<string, string[]>;
}

const plain = (t: tf.Tensor): PlainTensor => ({ shape: [...t.shape], data: Float32Array.from(t.dataSync() as Float32Array) });

/** Forward values and `tf.grads` of the loss for every named tensor, on the current tf.js backend. */
export function autodiffGradients(state: ModelState, batch: Batch): AutodiffResult {
  const { config, vocabSize } = state;
  const trainable = paramSpecs(config, vocabSize).filter((s) => s.trainable);
  tf.engine().startScope();
  try {
    const params: Record<string, tf.Tensor> = {};
    for (const s of trainable) params[s.name] = tf.tensor(state.tensors[s.name], s.shape);
    const n = batch.y.length;
    const x = tf.tensor2d(batch.x, [n, config.blockSize], 'int32');
    const y = tf.tensor1d(batch.y, 'int32');

    const plainRun = decomposedForwardTf(config, vocabSize, params, x, y);
    const names = [...plainRun.nodes.keys()];
    const taps = names.map((name) => tf.zerosLike(plainRun.nodes.get(name)!));
    const lossOf = (...xs: tf.Tensor[]): tf.Scalar => {
      const tapMap = new Map(names.map((name, k) => [name, xs[k]]));
      const p = { ...params };
      trainable.forEach((s, k) => (p[s.name] = xs[names.length + k]));
      return decomposedForwardTf(config, vocabSize, p, x, y, tapMap).loss;
    };
    const grads = tf.grads(lossOf)([...taps, ...trainable.map((s) => params[s.name])]);

    const values = new Map<string, PlainTensor>();
    const gradMap = new Map<string, PlainTensor>();
    names.forEach((name, k) => {
      values.set(name, plain(plainRun.nodes.get(name)!));
      gradMap.set(name, plain(grads[k]));
    });
    trainable.forEach((s, k) => {
      values.set(s.name, plain(params[s.name]));
      gradMap.set(s.name, plain(grads[names.length + k]));
    });
    return { loss: plainRun.loss.dataSync()[0], values, grads: gradMap, inputs: plainRun.inputs };
  } finally {
    tf.engine().endScope();
  }
}
