/**
 * An independent float64 reference for the hand-written backward pass: the complex-step derivative.
 *
 * tf.js has no float64, and a finite difference in float64 is only good to ~1e-8. The complex step is
 * exact to rounding: for a function that is real-analytic where it is evaluated,
 *     f(x + i·h) = f(x) + i·h·f'(x) + O(h²)   so   f'(x) = Im f(x + i·h) / h,
 * with no subtraction and hence no cancellation; h = 1e-20·|x| puts the O(h²) term far below double rounding.
 * So perturbing one element of one named tensor by i·h, running the decomposed forward pass in complex
 * arithmetic from there on, and reading Im(loss)/h gives d loss / d element to ~1e-16 relative.
 *
 * Nothing here knows a derivative: the forward uses only the definitions of complex ×, ÷, exp, log, tanh and
 * real powers, and selects max/relu branches by the real part (the derivative of the branch taken, as
 * autodiff's subgradient). It shares no code with the hand-written backward.
 */
import type { ModelConfig } from '../../electron/engine/model/config.js';
import { decompose } from '../../electron/engine/backprop/decomposition.js';

/**
 * The step, relative to the perturbed value (absolute where it is 0): naive-init's probs reach ≈ 1e-35, where
 * an absolute 1e-30 would not be small; relative 1e-20 keeps the O(h²) term below 1e-40 of the value.
 */
const RELATIVE_STEP = 1e-20;
const ABSOLUTE_STEP = 1e-30;

/** A complex tensor: real and imaginary parts, row-major, with its shape. */
interface Z {
  shape: number[];
  re: Float64Array;
  im: Float64Array;
}

const zeros = (shape: number[]): Z => {
  const size = shape.reduce((a, b) => a * b, 1);
  return { shape: [...shape], re: new Float64Array(size), im: new Float64Array(size) };
};

/** Element-wise binary op with [n,c] / [1,c] / [n,1] / [1,1] broadcasting, on (re, im) pairs. */
function zip(a: Z, b: Z, f: (ar: number, ai: number, br: number, bi: number) => [number, number]): Z {
  const [ra, ca] = a.shape;
  const [rb, cb] = b.shape;
  const rows = Math.max(ra, rb);
  const cols = Math.max(ca, cb);
  const out = zeros([rows, cols]);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const ka = (ra === 1 ? 0 : i) * ca + (ca === 1 ? 0 : j);
      const kb = (rb === 1 ? 0 : i) * cb + (cb === 1 ? 0 : j);
      const [re, im] = f(a.re[ka], a.im[ka], b.re[kb], b.im[kb]);
      out.re[i * cols + j] = re;
      out.im[i * cols + j] = im;
    }
  }
  return out;
}
function map(a: Z, f: (re: number, im: number) => [number, number]): Z {
  const out = zeros(a.shape);
  for (let k = 0; k < a.re.length; k++) [out.re[k], out.im[k]] = f(a.re[k], a.im[k]);
  return out;
}
const scalar = (v: number): Z => ({ shape: [1, 1], re: Float64Array.of(v), im: Float64Array.of(0) });

const add = (a: Z, b: Z) => zip(a, b, (ar, ai, br, bi) => [ar + br, ai + bi]);
const sub = (a: Z, b: Z) => zip(a, b, (ar, ai, br, bi) => [ar - br, ai - bi]);
const mul = (a: Z, b: Z) => zip(a, b, (ar, ai, br, bi) => [ar * br - ai * bi, ar * bi + ai * br]);
/** z^p for real p and Re z > 0 (variances + ε, sums of exponentials), in polar form. */
const powPositive = (a: Z, p: number) =>
  map(a, (re, im) => {
    if (!(re > 0)) throw new RangeError(`powPositive: real part ${re} ≤ 0`);
    const r = Math.hypot(re, im) ** p;
    const t = p * Math.atan2(im, re);
    return [r * Math.cos(t), r * Math.sin(t)];
  });
const exp = (a: Z) => map(a, (re, im) => [Math.exp(re) * Math.cos(im), Math.exp(re) * Math.sin(im)]);
const log = (a: Z) => map(a, (re, im) => [Math.log(Math.hypot(re, im)), Math.atan2(im, re)]);
/** tanh(a + ib) = (tanh a + i tan b) / (1 + i tanh a · tan b), stable for large |a|. */
const tanh = (a: Z) =>
  map(a, (re, im) => {
    const ta = Math.tanh(re);
    const tb = Math.tan(im);
    // (ta + i tb) / (1 + i ta tb)
    const dr = 1;
    const di = ta * tb;
    const den = dr * dr + di * di;
    return [(ta * dr + tb * di) / den, (tb * dr - ta * di) / den];
  });
const relu = (a: Z) => map(a, (re, im) => (re > 0 ? [re, im] : [0, 0]));

function matmul(a: Z, b: Z): Z {
  const [n, k] = a.shape;
  const m = b.shape[1];
  const out = zeros([n, m]);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let re = 0;
      let im = 0;
      for (let p = 0; p < k; p++) {
        const ar = a.re[i * k + p];
        const ai = a.im[i * k + p];
        const br = b.re[p * m + j];
        const bi = b.im[p * m + j];
        re += ar * br - ai * bi;
        im += ar * bi + ai * br;
      }
      out.re[i * m + j] = re;
      out.im[i * m + j] = im;
    }
  }
  return out;
}
function sum(a: Z, axis: 0 | 1): Z {
  const [r, c] = a.shape;
  const out = zeros(axis === 0 ? [1, c] : [r, 1]);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) {
      const o = axis === 0 ? j : i;
      out.re[o] += a.re[i * c + j];
      out.im[o] += a.im[i * c + j];
    }
  }
  return out;
}
/** Row maximum chosen by the real part, keeping the chosen element's imaginary part. */
function maxRows(a: Z): Z {
  const [r, c] = a.shape;
  const out = zeros([r, 1]);
  for (let i = 0; i < r; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (a.re[i * c + j] > a.re[i * c + best]) best = j;
    out.re[i] = a.re[i * c + best];
    out.im[i] = a.im[i * c + best];
  }
  return out;
}

/** Which element to perturb: a named tensor (parameter or intermediate) and a flat index into it. */
export interface Probe {
  name: string;
  index: number;
}

/**
 * d loss / d probe by the complex step, through the decomposed forward pass in complex float64.
 * @param params trainable tensors by lab name, as float64 data (vectors [out])
 */
export function complexStepDerivative(
  config: ModelConfig,
  vocabSize: number,
  params: Record<string, ArrayLike<number>>,
  x: Int32Array,
  y: Int32Array,
  probe: Probe,
): number {
  let step = 0;
  const real = (name: string, shape: number[]): Z => {
    const z = zeros(shape);
    z.re.set(params[name]);
    return tap(name, z);
  };
  const tap = (name: string, z: Z): Z => {
    if (name === probe.name) {
      if (probe.index >= z.re.length) throw new RangeError(`probe ${name}[${probe.index}] outside ${z.re.length}`);
      step = z.re[probe.index] === 0 ? ABSOLUTE_STEP : RELATIVE_STEP * Math.abs(z.re[probe.index]);
      z.im[probe.index] += step;
    }
    return z;
  };
  const n = y.length;
  const e = config.embeddingSize;
  const C = real('C', [vocabSize, e]);
  // emb = C[Xb] as [n·block, e]; embcat is the same numbers seen as [n, block·e].
  const emb = zeros([n * config.blockSize, e]);
  for (let k = 0; k < n * config.blockSize; k++) {
    emb.re.set(C.re.subarray(x[k] * e, (x[k] + 1) * e), k * e);
    emb.im.set(C.im.subarray(x[k] * e, (x[k] + 1) * e), k * e);
  }
  tap('emb', emb);
  let h = tap('embcat', { ...emb, shape: [n, config.blockSize * e] });
  let logits: Z | null = null;
  for (const blk of decompose(config, vocabSize)) {
    const W = real(blk.W, [h.shape[1], blk.isOutput ? vocabSize : config.hidden[blk.index - 1].size]);
    const out = W.shape[1];
    let z = matmul(h, W);
    if (blk.b) z = add(z, real(blk.b, [1, out]));
    z = tap(blk.linearOut, z);
    if (blk.bn) {
      const bn = blk.bn;
      const mean = tap(bn.bnmeani, mul(scalar(1 / n), sum(z, 0)));
      const diff = tap(bn.bndiff, sub(z, mean));
      const diff2 = tap(bn.bndiff2, mul(diff, diff));
      const variance = tap(bn.bnvar, mul(scalar(1 / (n - 1)), sum(diff2, 0)));
      const inv = tap(bn.bnvar_inv, powPositive(add(variance, scalar(config.batchNorm.eps)), -0.5));
      const raw = tap(bn.bnraw, mul(diff, inv));
      z = tap(blk.out, add(mul(real(blk.gamma!, [1, out]), raw), real(blk.beta!, [1, out])));
    }
    if (blk.h) h = tap(blk.h, blk.activation === 'tanh' ? tanh(z) : blk.activation === 'relu' ? relu(z) : map(z, (re, im) => [re, im]));
    else logits = z;
  }
  const maxes = tap('logit_maxes', maxRows(logits!));
  const norm = tap('norm_logits', sub(logits!, maxes));
  const counts = tap('counts', exp(norm));
  const countsSum = tap('counts_sum', sum(counts, 1));
  const countsSumInv = tap('counts_sum_inv', powPositive(countsSum, -1));
  const probs = tap('probs', mul(counts, countsSumInv));
  const logprobs = tap('logprobs', log(probs));
  if (step === 0) throw new RangeError(`probe: no tensor named ${probe.name}`);
  let lossIm = 0;
  for (let i = 0; i < n; i++) lossIm -= logprobs.im[i * vocabSize + y[i]] / n;
  return lossIm / step;
}
