/**
 * The lecture's decomposition of the MLP into named intermediate tensors ("backprop ninja", makemore part 4),
 * generalised to the lab's family of networks: any number of Linear blocks, each with or without bias and
 * BatchNorm, tanh / relu / no activation.
 *
 *   emb = C[Xb]                                   embcat = emb.view(n, -1)
 *   per block i:  hprebn = x @ W + b              (x = embcat or the previous block's h)
 *                 bnmeani = 1/n * hprebn.sum(0, keepdim=True)
 *                 bndiff = hprebn - bnmeani       bndiff2 = bndiff**2
 *                 bnvar = 1/(n-1) * bndiff2.sum(0, keepdim=True)   (Bessel's correction, as torch's var)
 *                 bnvar_inv = (bnvar + eps)**-0.5
 *                 bnraw = bndiff * bnvar_inv      hpreact = bngain * bnraw + bnbias
 *                 h = tanh(hpreact)               (or relu, or nothing)
 *   without BatchNorm the Linear's output is hpreact itself; the output block's result is `logits`.
 *   logit_maxes = logits.max(1, keepdim=True)     norm_logits = logits - logit_maxes
 *   counts = norm_logits.exp()                    counts_sum = counts.sum(1, keepdim=True)
 *   counts_sum_inv = counts_sum**-1               probs = counts * counts_sum_inv
 *   logprobs = probs.log()                        loss = -logprobs[range(n), Yb].mean()
 *
 * Names: block tensors carry the block number (`hprebn1`, `h2`, `bndiff2_1`), parameters keep the lab's names (`W1`, `b1`,
 * `gamma1`, `beta1` — the lecture's `bngain`, `bnbias`), the loss chain and the embedding have no number.
 * This module only names things; it computes nothing and imports no tensor library.
 */
import type { ModelConfig } from '../model/config.js';
import { linearLayouts } from '../model/params.js';

export type Activation = 'tanh' | 'relu' | 'none';

/** The BatchNorm intermediates of one block, forward order. */
export const BN_BASES = ['hprebn', 'bnmeani', 'bndiff', 'bndiff2', 'bnvar', 'bnvar_inv', 'bnraw'] as const;
export type BnBase = (typeof BN_BASES)[number];


/** One Linear block's tensor names. */
export interface BlockNames {
  /** 1-based block number (the suffix of W{i}). */
  index: number;
  isOutput: boolean;
  activation: Activation;
  /** The block's input: `embcat` for the first block, else the previous block's `h`. */
  input: string;
  W: string;
  b: string | null;
  gamma: string | null;
  beta: string | null;
  /** Per lecture name, the block's BatchNorm intermediates (`hprebn` is the Linear's output); null without BatchNorm. */
  bn: Record<BnBase, string> | null;
  /** The Linear's output: `hprebn{i}` with BatchNorm, else the block's output. */
  linearOut: string;
  /** The block's output before the activation: `hpreact{i}`, or `logits` for the output block. */
  out: string;
  /** The activation's output `h{i}` (hidden blocks only). */
  h: string | null;
}

/** `hprebn1`, `bnraw2`; a name that ends in a digit gets an underscore: `bndiff2_1` (not `bndiff21`). */
export function layerName(base: string, layer: number): string {
  return /\d$/.test(base) ? `${base}_${layer}` : `${base}${layer}`;
}

/** The blocks of a model in forward order, the output block last. */
export function decompose(config: ModelConfig, vocabSize: number): BlockNames[] {
  return linearLayouts(config, vocabSize).map((l) => {
    const i = l.index;
    const out = l.isOutput ? 'logits' : `hpreact${i}`;
    const bn = l.block.batchNorm ? (Object.fromEntries(BN_BASES.map((base) => [base, layerName(base, i)])) as Record<BnBase, string>) : null;
    return {
      index: i,
      isOutput: l.isOutput,
      activation: l.activation,
      input: i === 1 ? 'embcat' : `h${i - 1}`,
      W: `W${i}`,
      b: l.block.bias ? `b${i}` : null,
      gamma: bn ? `gamma${i}` : null,
      beta: bn ? `beta${i}` : null,
      bn,
      linearOut: bn ? bn.hprebn : out,
      out,
      h: l.isOutput ? null : `h${i}`,
    };
  });
}
