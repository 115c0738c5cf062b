/**
 * Backpropagation by hand: the gradient of the mean cross-entropy loss with respect to every named tensor of
 * the decomposition (decomposition.ts), one hand-written formula each, in the order the backward pass runs —
 * the lecture's "backprop ninja" exercise, over plain typed arrays. No autodiff anywhere (a test reads this
 * folder's `manual*.ts` sources to enforce it).
 *
 * The formulas are a table of named entries so that a test can break one at a time and watch exactly the
 * tensors that depend on it fail the comparison with autodiff.
 */
import type { ModelConfig } from '../model/config.js';
import { decompose, type BlockNames } from './decomposition.js';
import type { Batch, Values } from './manualForward.js';
import {
  add,
  argmaxRows,
  div,
  map,
  matmul,
  maxRows,
  mul,
  neg,
  oneHot,
  onesLike,
  pow,
  scatterAddRows,
  sub,
  sum,
  transpose,
  view,
  zeros,
  zip,
  type DType,
  type Tensor,
} from './manualTensor.js';

/** What a formula may read: forward values, gradients computed earlier in the pass, the batch and its block. */
export interface FormulaContext {
  /** Display name of the tensor whose gradient is being computed. */
  name: string;
  /** Batch size. */
  n: number;
  /** BatchNorm's ε. */
  eps: number;
  vocabSize: number;
  /** Precision of the pass (that of the forward values). */
  dtype: DType;
  batch: Batch;
  /** The block the formula works in (for `h{i}` / `embcat`: the block that reads it); null in the loss chain. */
  block: BlockNames | null;
  /** Forward value by name. */
  v(name: string): Tensor;
  /** Gradient by name (must already be computed: the table runs in backward order). */
  g(name: string): Tensor;
}

export interface Formula {
  /** The rule in the lecture's notation, with this tensor's names (e.g. `dW2 = h1.T @ dlogits`). */
  text(ctx: FormulaContext): string;
  /** The gradient of the loss with respect to the tensor. */
  grad(ctx: FormulaContext): Tensor;
}

/** Formula keys are the lecture's base names (parameters: `W`, `b`, `bngain`, `bnbias`). */
export type FormulaKey =
  | 'logprobs'
  | 'probs'
  | 'counts_sum_inv'
  | 'counts_sum'
  | 'counts'
  | 'norm_logits'
  | 'logit_maxes'
  | 'logits'
  | 'hpreact'
  | 'bngain'
  | 'bnbias'
  | 'bnraw'
  | 'bnvar_inv'
  | 'bnvar'
  | 'bndiff2'
  | 'bndiff'
  | 'bnmeani'
  | 'hprebn'
  | 'W'
  | 'b'
  | 'h'
  | 'embcat'
  | 'emb'
  | 'C';

export type FormulaTable = Record<FormulaKey, Formula>;

/** The block of a formula that needs one (every entry after the loss chain). */
function blockOf(ctx: FormulaContext): BlockNames {
  if (!ctx.block) throw new Error('formula needs a block');
  return ctx.block;
}
function bnOf(ctx: FormulaContext) {
  const bn = blockOf(ctx).bn;
  if (!bn) throw new Error('formula needs a BatchNorm block');
  return bn;
}

/** The hand-written backward pass, one entry per tensor kind. */
export const FORMULAS: FormulaTable = {
  // ---- cross-entropy, from the loss back to the logits ----------------------------------------------------
  logprobs: {
    text: () => 'dlogprobs[range(n), Yb] = -1.0/n   (0 elsewhere)',
    grad: ({ n, vocabSize, batch, dtype }) => {
      const d = zeros(dtype, [n, vocabSize]);
      for (let i = 0; i < n; i++) d.data[i * vocabSize + batch.y[i]] = -1.0 / n;
      return d;
    },
  },
  probs: {
    text: () => 'dprobs = (1.0 / probs) * dlogprobs',
    grad: ({ v, g }) => mul(div(1.0, v('probs')), g('logprobs')),
  },
  counts_sum_inv: {
    text: () => 'dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)',
    grad: ({ v, g }) => sum(mul(v('counts'), g('probs')), 1),
  },
  counts_sum: {
    text: () => 'dcounts_sum = (-counts_sum**-2) * dcounts_sum_inv',
    grad: ({ v, g }) => mul(neg(pow(v('counts_sum'), -2)), g('counts_sum_inv')),
  },
  counts: {
    text: () => 'dcounts = counts_sum_inv * dprobs + torch.ones_like(counts) * dcounts_sum',
    grad: ({ v, g }) => add(mul(v('counts_sum_inv'), g('probs')), mul(onesLike(v('counts')), g('counts_sum'))),
  },
  norm_logits: {
    text: () => 'dnorm_logits = counts * dcounts   (d/dx e^x = e^x)',
    grad: ({ v, g }) => mul(v('counts'), g('counts')),
  },
  logit_maxes: {
    text: () => 'dlogit_maxes = (-dnorm_logits).sum(1, keepdim=True)',
    grad: ({ g }) => sum(neg(g('norm_logits')), 1),
  },
  logits: {
    text: () => 'dlogits = dnorm_logits + F.one_hot(logits.max(1).indices, num_classes) * dlogit_maxes',
    grad: ({ v, g, vocabSize }) => {
      const logits = v('logits');
      return add(g('norm_logits'), mul(oneHot(logits.dtype, argmaxRows(logits), vocabSize), g('logit_maxes')));
    },
  },

  // ---- one block, from its output back to its input --------------------------------------------------------
  hpreact: {
    text: (ctx) => {
      const b = blockOf(ctx);
      if (b.activation === 'tanh') return `d${b.out} = (1.0 - ${b.h}**2) * d${b.h}`;
      if (b.activation === 'relu') return `d${b.out} = (${b.out} > 0) * d${b.h}`;
      return `d${b.out} = d${b.h}`;
    },
    grad: (ctx) => {
      const b = blockOf(ctx);
      const dh = ctx.g(b.h!);
      if (b.activation === 'tanh') return mul(sub(1.0, pow(ctx.v(b.h!), 2)), dh);
      if (b.activation === 'relu') return mul(map(ctx.v(b.out), (x) => (x > 0 ? 1 : 0)), dh);
      return mul(1, dh);
    },
  },
  bngain: {
    text: (ctx) => `d${blockOf(ctx).gamma} = (${bnOf(ctx).bnraw} * d${blockOf(ctx).out}).sum(0, keepdim=True)`,
    grad: (ctx) => sum(mul(ctx.v(bnOf(ctx).bnraw), ctx.g(blockOf(ctx).out)), 0),
  },
  bnbias: {
    text: (ctx) => `d${blockOf(ctx).beta} = d${blockOf(ctx).out}.sum(0, keepdim=True)`,
    grad: (ctx) => sum(ctx.g(blockOf(ctx).out), 0),
  },
  bnraw: {
    text: (ctx) => `d${bnOf(ctx).bnraw} = ${blockOf(ctx).gamma} * d${blockOf(ctx).out}`,
    grad: (ctx) => mul(ctx.v(blockOf(ctx).gamma!), ctx.g(blockOf(ctx).out)),
  },
  bnvar_inv: {
    text: (ctx) => `d${bnOf(ctx).bnvar_inv} = (${bnOf(ctx).bndiff} * d${bnOf(ctx).bnraw}).sum(0, keepdim=True)`,
    grad: (ctx) => sum(mul(ctx.v(bnOf(ctx).bndiff), ctx.g(bnOf(ctx).bnraw)), 0),
  },
  bnvar: {
    text: (ctx) => `d${bnOf(ctx).bnvar} = (-0.5 * (${bnOf(ctx).bnvar} + ${ctx.eps})**-1.5) * d${bnOf(ctx).bnvar_inv}`,
    grad: (ctx) => mul(mul(-0.5, pow(add(ctx.v(bnOf(ctx).bnvar), ctx.eps), -1.5)), ctx.g(bnOf(ctx).bnvar_inv)),
  },
  bndiff2: {
    text: (ctx) => `d${bnOf(ctx).bndiff2} = 1.0/(n-1) * torch.ones_like(${bnOf(ctx).bndiff2}) * d${bnOf(ctx).bnvar}`,
    grad: (ctx) => mul(mul(1.0 / (ctx.n - 1), onesLike(ctx.v(bnOf(ctx).bndiff2))), ctx.g(bnOf(ctx).bnvar)),
  },
  bndiff: {
    text: (ctx) => {
      const bn = bnOf(ctx);
      return `d${bn.bndiff} = ${bn.bnvar_inv} * d${bn.bnraw} + (2 * ${bn.bndiff}) * d${bn.bndiff2}`;
    },
    grad: (ctx) => {
      const bn = bnOf(ctx);
      return add(mul(ctx.v(bn.bnvar_inv), ctx.g(bn.bnraw)), mul(mul(2, ctx.v(bn.bndiff)), ctx.g(bn.bndiff2)));
    },
  },
  bnmeani: {
    text: (ctx) => `d${bnOf(ctx).bnmeani} = (-d${bnOf(ctx).bndiff}).sum(0, keepdim=True)`,
    grad: (ctx) => sum(neg(ctx.g(bnOf(ctx).bndiff)), 0),
  },
  hprebn: {
    text: (ctx) => {
      const bn = bnOf(ctx);
      return `d${bn.hprebn} = d${bn.bndiff} + 1.0/n * (torch.ones_like(${bn.hprebn}) * d${bn.bnmeani})`;
    },
    grad: (ctx) => {
      const bn = bnOf(ctx);
      return add(ctx.g(bn.bndiff), mul(1.0 / ctx.n, mul(onesLike(ctx.v(bn.hprebn)), ctx.g(bn.bnmeani))));
    },
  },
  W: {
    text: (ctx) => `d${blockOf(ctx).W} = ${blockOf(ctx).input}.T @ d${blockOf(ctx).linearOut}`,
    grad: (ctx) => matmul(transpose(ctx.v(blockOf(ctx).input)), ctx.g(blockOf(ctx).linearOut)), // [in, n] @ [n, out]
  },
  b: {
    text: (ctx) => `d${blockOf(ctx).b} = d${blockOf(ctx).linearOut}.sum(0)`,
    grad: (ctx) => sum(ctx.g(blockOf(ctx).linearOut), 0),
  },
  h: {
    text: (ctx) => `d${blockOf(ctx).input} = d${blockOf(ctx).linearOut} @ ${blockOf(ctx).W}.T`,
    grad: (ctx) => matmul(ctx.g(blockOf(ctx).linearOut), transpose(ctx.v(blockOf(ctx).W))), // [n, out] @ [out, in]
  },

  // ---- the embedding -------------------------------------------------------------------------------------
  embcat: {
    text: (ctx) => `dembcat = d${blockOf(ctx).linearOut} @ ${blockOf(ctx).W}.T`,
    grad: (ctx) => matmul(ctx.g(blockOf(ctx).linearOut), transpose(ctx.v(blockOf(ctx).W))),
  },
  emb: {
    text: () => 'demb = dembcat.view(emb.shape)',
    grad: ({ v, g }) => view(g('embcat'), v('emb').shape),
  },
  C: {
    text: () => 'for k, j: dC[Xb[k,j]] += demb[k,j]',
    grad: ({ v, g, batch }) => scatterAddRows(v('C').shape, batch.x, g('emb')),
  },
};

/** One step of the backward pass: which tensor, under which formula, in which block. */
export interface BackwardStep {
  /** Unique display name (`hprebn1`, `W2`, `logits`). */
  name: string;
  /** The lecture's name of the tensor (`hprebn`, `W`, `bngain`, `logits`). */
  base: FormulaKey;
  /** Block number; null for the loss chain and the embedding. */
  layer: number | null;
  block: BlockNames | null;
}

/** The tensors in the order the backward pass computes their gradients. */
export function backwardSteps(config: ModelConfig, vocabSize: number): BackwardStep[] {
  const blocks = decompose(config, vocabSize);
  const steps: BackwardStep[] = (['logprobs', 'probs', 'counts_sum_inv', 'counts_sum', 'counts', 'norm_logits', 'logit_maxes', 'logits'] as const).map(
    (base) => ({ name: base, base, layer: null, block: null }),
  );
  for (const blk of [...blocks].reverse()) {
    const at = (name: string, base: FormulaKey): BackwardStep => ({ name, base, layer: blk.index, block: blk });
    if (!blk.isOutput) steps.push(at(blk.out, 'hpreact'));
    if (blk.bn) {
      steps.push(at(blk.gamma!, 'bngain'), at(blk.beta!, 'bnbias'));
      for (const base of ['bnraw', 'bnvar_inv', 'bnvar', 'bndiff2', 'bndiff', 'bnmeani', 'hprebn'] as const) steps.push(at(blk.bn[base], base));
    }
    steps.push(at(blk.W, 'W'));
    if (blk.b) steps.push(at(blk.b, 'b'));
    steps.push(blk.index > 1 ? { name: blk.input, base: 'h', layer: blk.index - 1, block: blk } : { name: 'embcat', base: 'embcat', layer: null, block: blk });
  }
  steps.push({ name: 'emb', base: 'emb', layer: null, block: null }, { name: 'C', base: 'C', layer: null, block: null });
  return steps;
}

export interface ManualGradient extends BackwardStep {
  /** The formula as written for this tensor. */
  formula: string;
  grad: Tensor;
}

/**
 * Runs the hand-written backward pass over a forward pass's values (any source: the manual forward, or
 * tf.js's so that both backward passes start from identical numbers). Returns the gradients in backward order.
 */
export function manualBackward(config: ModelConfig, vocabSize: number, values: Values, batch: Batch, formulas: FormulaTable = FORMULAS): ManualGradient[] {
  const grads = new Map<string, Tensor>();
  const dtype = values.get('logits')!.dtype;
  const n = batch.y.length;
  const out: ManualGradient[] = [];
  for (const step of backwardSteps(config, vocabSize)) {
    const ctx: FormulaContext = {
      name: step.name,
      n,
      eps: config.batchNorm.eps,
      vocabSize,
      dtype,
      batch,
      block: step.block,
      v: (name) => must(values.get(name), `forward value ${name}`),
      g: (name) => must(grads.get(name), `gradient d${name} (not computed yet)`),
    };
    const formula = formulas[step.base];
    const grad = formula.grad(ctx);
    grads.set(step.name, grad);
    out.push({ ...step, formula: formula.text(ctx), grad });
  }
  return out;
}

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`manual backward: missing ${what}`);
  return value;
}

/** A lecture shortcut: one formula for a gradient the step-by-step pass builds from many. */
export interface FusedGradient {
  /** The display name of the step-by-step tensor it replaces. */
  of: string;
  base: 'logits' | 'hprebn';
  layer: number | null;
  formula: string;
  grad: Tensor;
}

/**
 * The lecture's fused backward passes, from forward values and the step-by-step gradients they start from:
 *   cross-entropy: dlogits = (softmax(logits) − one_hot(Yb)) / n
 *   BatchNorm:     dhprebn = bngain·bnvar_inv/n · (n·dhpreact − dhpreact.sum(0) − n/(n−1)·bnraw·(dhpreact·bnraw).sum(0))
 */
export function fusedShortcuts(config: ModelConfig, vocabSize: number, values: Values, batch: Batch, steps: ManualGradient[]): FusedGradient[] {
  const v = (name: string) => must(values.get(name), `forward value ${name}`);
  const g = (name: string) => must(steps.find((s) => s.name === name)?.grad, `gradient d${name}`);
  const n = batch.y.length;
  const logits = v('logits');
  const softmax = (() => {
    const counts = map(sub(logits, maxRows(logits)), Math.exp);
    return div(counts, sum(counts, 1));
  })();
  const out: FusedGradient[] = [
    {
      of: 'logits',
      base: 'logits',
      layer: null,
      formula: 'dlogits = (F.softmax(logits, 1) - F.one_hot(Yb, num_classes)) / n',
      grad: div(sub(softmax, oneHot(logits.dtype, batch.y, vocabSize)), n),
    },
  ];
  for (const blk of decompose(config, vocabSize)) {
    if (!blk.bn) continue;
    const dout = g(blk.out); // [n, out]
    const bnraw = v(blk.bn.bnraw);
    const scale = div(mul(v(blk.gamma!), v(blk.bn.bnvar_inv)), n); // [1, out]
    const inner = sub(sub(mul(n, dout), sum(dout, 0)), mul(n / (n - 1), mul(bnraw, sum(mul(dout, bnraw), 0))));
    out.push({
      of: blk.bn.hprebn,
      base: 'hprebn',
      layer: blk.index,
      formula:
        `d${blk.bn.hprebn} = ${blk.gamma}*${blk.bn.bnvar_inv}/n * (n*d${blk.out} - d${blk.out}.sum(0) - ` +
        `n/(n-1)*${blk.bn.bnraw}*(d${blk.out}*${blk.bn.bnraw}).sum(0))`,
      grad: zip(scale, inner, (s, x) => s * x),
    });
  }
  return out;
}
