/**
 * The lecture's `cmp(name, dt, t)`: every hand-written gradient next to autodiff's, as exact equality,
 * approximate equality (torch.allclose's rule with the tolerances below) and the largest |difference|; and
 * the two fused shortcuts next to the step-by-step gradients they replace.
 *
 * Both backward passes start from the same forward values (tf.js's, copied out), as in the lecture where the
 * manual backward reads the tensors PyTorch's forward made.
 */
import type { TensorCheck } from './tableTypes.js';
import type { ModelState } from '../model/params.js';
import { autodiffGradients, type AutodiffResult } from './autodiffTf.js';
import { FORMULAS, fusedShortcuts, manualBackward, type FormulaTable } from './manualBackward.js';
import { manualParams, type Batch, type Values } from './manualForward.js';
import { tensor, type Data } from './manualTensor.js';

/**
 * Approximate equality: |manual − reference| ≤ atol + rtol·|reference| for every element (torch.allclose).
 * rtol is torch's default; atol is 1e-7 rather than torch's 1e-8 because the two float32 passes sum in
 * different orders: an element that is a sum of many terms keeps an absolute rounding error of the size of
 * its terms', not of its own (measured on every preset at initialisation: the worst element needs 7.7e-9,
 * a dC entry of naive-init; 1e-7 leaves a margin of ten).
 */
export const APPROX_TOLERANCE = { rtol: 1e-5, atol: 1e-7 } as const;

/** One tensor's comparison (declared with the app's table types, which must stay free of tf.js). */
export type { TensorCheck } from './tableTypes.js';

export interface GradientPair {
  manual: Data;
  reference: Data;
}

export interface BackpropReport {
  loss: number;
  /** In backward order; the fused shortcuts last. */
  tensors: TensorCheck[];
  /** The compared arrays, by display name (for a side-by-side view or a histogram). */
  gradients: Map<string, GradientPair>;
}

export interface Comparison {
  exact: boolean;
  approx: boolean;
  maxDiff: number;
}

/** exact / allclose / max |a − b| of two equally long arrays (b is the reference). */
export function compareArrays(a: ArrayLike<number>, b: ArrayLike<number>, tol: { rtol: number; atol: number } = APPROX_TOLERANCE): Comparison {
  if (a.length !== b.length) throw new RangeError(`compare: ${a.length} vs ${b.length} elements`);
  let exact = true;
  let approx = true;
  let maxDiff = 0;
  for (let k = 0; k < a.length; k++) {
    const d = Math.abs(a[k] - b[k]);
    if (a[k] !== b[k]) exact = false;
    // Written so that NaN fails (a comparison with NaN is false).
    if (!(d <= tol.atol + tol.rtol * Math.abs(b[k]))) approx = false;
    if (!(d <= maxDiff)) maxDiff = d;
  }
  return { exact, approx, maxDiff };
}

/** The tf.js forward values as manual float32 tensors (parameters in the manual layout, vectors as [1, out]). */
function valuesFromAutodiff(state: ModelState, autodiff: AutodiffResult): Values {
  const values = manualParams(state.config, state.vocabSize, state.tensors, 'float32');
  for (const [name, t] of autodiff.values) if (!values.has(name)) values.set(name, tensor('float32', t.shape, t.data));
  return values;
}

export interface CheckOptions {
  /** The formula table (a test swaps one entry to show the comparison catches it). */
  formulas?: FormulaTable;
}

/**
 * Hand-written gradients of every named tensor for one minibatch, each compared with tf.js autodiff on the
 * current tf.js backend (use 'cpu' for the reference: plain float32 kernels).
 */
export function checkBackprop(state: ModelState, batch: Batch, options: CheckOptions = {}): BackpropReport {
  const { config, vocabSize } = state;
  const autodiff = autodiffGradients(state, batch);
  const values = valuesFromAutodiff(state, autodiff);
  const manual = manualBackward(config, vocabSize, values, batch, options.formulas ?? FORMULAS);
  const tensors: TensorCheck[] = [];
  const gradients = new Map<string, GradientPair>();
  for (const m of manual) {
    const reference = autodiff.grads.get(m.name);
    if (!reference) throw new Error(`autodiff has no gradient for ${m.name}`);
    tensors.push({ name: m.name, base: m.base, layer: m.layer, shape: reference.shape, ...compareArrays(m.grad.data, reference.data), formula: m.formula, versus: 'autodiff' });
    gradients.set(m.name, { manual: m.grad.data, reference: reference.data });
  }
  for (const f of fusedShortcuts(config, vocabSize, values, batch, manual)) {
    const stepwise = manual.find((m) => m.name === f.of)!.grad;
    const name = `${f.of} (fused)`;
    tensors.push({ name, base: f.base, layer: f.layer, shape: f.grad.shape, ...compareArrays(f.grad.data, stepwise.data), formula: f.formula, versus: 'step-by-step' });
    gradients.set(name, { manual: f.grad.data, reference: stepwise.data });
  }
  return { loss: autodiff.loss, tensors, gradients };
}
