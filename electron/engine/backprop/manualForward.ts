/**
 * The forward pass in the lecture's decomposition (see decomposition.ts), over plain typed arrays in float32
 * or float64. The hand-written backward needs these values; the float64 run is what the tests check against
 * an independent float64 reference, which TensorFlow.js (float32 only) cannot give.
 */
import type { ModelConfig } from '../model/config.js';
import { decompose } from './decomposition.js';
import {
  add,
  div,
  gatherRows,
  map,
  matmul,
  maxRows,
  mul,
  pow,
  sub,
  sum,
  tensor,
  view,
  type DType,
  type Tensor,
} from './manualTensor.js';

/** Every named tensor of one forward pass: the parameters (`C`, `W1`, `b1` as [1, out], …) and the intermediates. */
export type Values = Map<string, Tensor>;

export interface Batch {
  /** Token contexts, row-major [n, blockSize]. */
  x: Int32Array;
  /** Targets [n]. */
  y: Int32Array;
}

/** The model's trainable tensors as manual tensors of `dtype`; vectors become rows [1, out] as in the lecture. */
export function manualParams(config: ModelConfig, vocabSize: number, params: Record<string, ArrayLike<number>>, dtype: DType): Values {
  const values: Values = new Map();
  const get = (name: string) => {
    const p = params[name];
    if (!p) throw new RangeError(`missing parameter ${name}`);
    return p;
  };
  values.set('C', tensor(dtype, [vocabSize, config.embeddingSize], get('C')));
  for (const blk of decompose(config, vocabSize)) {
    const w = get(blk.W);
    const outFeatures = blk.isOutput ? vocabSize : config.hidden[blk.index - 1].size;
    values.set(blk.W, tensor(dtype, [w.length / outFeatures, outFeatures], w));
    for (const name of [blk.b, blk.gamma, blk.beta]) if (name) values.set(name, tensor(dtype, [1, outFeatures], get(name)));
  }
  return values;
}

/** Runs the decomposed forward pass; returns `params` extended with every intermediate, and the loss. */
export function manualForward(config: ModelConfig, vocabSize: number, params: Values, batch: Batch): { values: Values; loss: number } {
  const values: Values = new Map(params);
  const v = (name: string): Tensor => values.get(name)!;
  const n = batch.y.length;
  const eps = config.batchNorm.eps;

  values.set('emb', gatherRows(v('C'), batch.x, n, config.blockSize)); // [n, block, e]
  values.set('embcat', view(v('emb'), [n, config.blockSize * config.embeddingSize])); // [n, block·e]
  for (const blk of decompose(config, vocabSize)) {
    let z = matmul(v(blk.input), v(blk.W)); // [n, out]
    if (blk.b) z = add(z, v(blk.b));
    values.set(blk.linearOut, z);
    if (blk.bn) {
      const bn = blk.bn;
      values.set(bn.bnmeani, mul(1 / n, sum(v(bn.hprebn), 0))); // [1, out]
      values.set(bn.bndiff, sub(v(bn.hprebn), v(bn.bnmeani))); // [n, out]
      values.set(bn.bndiff2, pow(v(bn.bndiff), 2));
      values.set(bn.bnvar, mul(1 / (n - 1), sum(v(bn.bndiff2), 0))); // [1, out], unbiased
      values.set(bn.bnvar_inv, pow(add(v(bn.bnvar), eps), -0.5));
      values.set(bn.bnraw, mul(v(bn.bndiff), v(bn.bnvar_inv)));
      values.set(blk.out, add(mul(v(blk.gamma!), v(bn.bnraw)), v(blk.beta!)));
    }
    if (blk.h) values.set(blk.h, activate(blk.activation, v(blk.out)));
  }
  values.set('logit_maxes', maxRows(v('logits'))); // [n, 1]
  values.set('norm_logits', sub(v('logits'), v('logit_maxes'))); // [n, V]
  values.set('counts', map(v('norm_logits'), Math.exp));
  values.set('counts_sum', sum(v('counts'), 1)); // [n, 1]
  values.set('counts_sum_inv', pow(v('counts_sum'), -1));
  values.set('probs', mul(v('counts'), v('counts_sum_inv')));
  values.set('logprobs', map(v('probs'), Math.log));
  const logprobs = v('logprobs');
  let picked = 0;
  for (let i = 0; i < n; i++) picked += logprobs.data[i * vocabSize + batch.y[i]];
  return { values, loss: -picked / n };
}

function activate(activation: 'tanh' | 'relu' | 'none', t: Tensor): Tensor {
  if (activation === 'tanh') return map(t, Math.tanh);
  if (activation === 'relu') return map(t, (x) => (x > 0 ? x : 0));
  return div(t, 1); // identity, as a copy
}
