/**
 * Backprop by hand in float64, against an independent float64 reference: the complex-step derivative
 * (backprop-complexStep.ts) — for each element, perturb it by i·1e-20·|value|, run the decomposed forward in
 * complex arithmetic, read Im(loss)/step. That is exact to double rounding (no subtraction, so no
 * cancellation, unlike a finite difference, which is only good to ~1e-8), shares no code with the
 * hand-written backward, and needs no autodiff (tf.js has no float64).
 *
 * The manual float64 pass (its own float64 forward, then the hand-written formulas) must agree to ≤ 1e-10 on
 * every element of every tensor of 24 small networks, and on sampled elements of every preset (relative to the
 * value where it exceeds 1).
 */
import { describe, expect, it } from 'vitest';
import { backwardSteps, fusedShortcuts, manualBackward } from '../../electron/engine/backprop/manualBackward.js';
import { manualForward, manualParams, type Batch } from '../../electron/engine/backprop/manualForward.js';
import type { ModelState } from '../../electron/engine/model/params.js';
import { Rng } from '../../electron/engine/util/rng.js';
import { complexStepDerivative } from './backprop-complexStep.js';
import { PRESET_IDS, presetCase, randomBatch, SMALL_VOCAB, smallNetworks, smallState } from './backprop-fixtures.js';

const FLOAT64_TOLERANCE = 1e-10;

function manual64(state: ModelState, batch: Batch) {
  const params = manualParams(state.config, state.vocabSize, state.tensors, 'float64');
  const { values } = manualForward(state.config, state.vocabSize, params, batch);
  const steps = manualBackward(state.config, state.vocabSize, values, batch);
  return { values, steps, fused: fusedShortcuts(state.config, state.vocabSize, values, batch, steps) };
}

/** Largest |manual − complex step| / max(1, |complex step|) over the chosen elements of each tensor, by name. */
function worstDiffs(state: ModelState, batch: Batch, pick: (size: number, grad: ArrayLike<number>) => number[]): Map<string, number> {
  const params = Object.fromEntries(Object.entries(state.tensors).map(([k, v]) => [k, Float64Array.from(v)]));
  const worst = new Map<string, number>();
  for (const step of manual64(state, batch).steps) {
    expect(step.grad.dtype).toBe('float64');
    let w = 0;
    for (const index of pick(step.grad.data.length, step.grad.data)) {
      const reference = complexStepDerivative(state.config, state.vocabSize, params, batch.x, batch.y, { name: step.name, index });
      // Relative above 1: naive-init's confidently wrong softmax has probs ≈ e⁻²⁷, so dprobs = −1/(n·probs) is huge.
      w = Math.max(w, Math.abs(step.grad.data[index] - reference) / Math.max(1, Math.abs(reference)));
    }
    worst.set(step.name, w);
  }
  return worst;
}

describe('backprop by hand (float64, against the complex-step derivative)', () => {
  it.each(smallNetworks().map((n) => [n.label, n.config] as const))('%s: every element of every tensor within 1e-10', (_label, config) => {
    const state = smallState(config, 31);
    const batch = randomBatch(32, 8, config.blockSize, SMALL_VOCAB);
    const all = (size: number) => Array.from({ length: size }, (_, k) => k);
    const worst = worstDiffs(state, batch, all);
    expect(worst.size).toBe(backwardSteps(config, SMALL_VOCAB).length);
    for (const [name, d] of worst) expect(d, name).toBeLessThanOrEqual(FLOAT64_TOLERANCE);
  });

  it.each(PRESET_IDS)('preset %s: the largest and a random element of every tensor within 1e-10', (id) => {
    const { state, batch } = presetCase(id, 2);
    const rng = new Rng(7);
    const sample = (size: number, grad: ArrayLike<number>) => {
      let largest = 0;
      for (let k = 1; k < size; k++) if (Math.abs(grad[k]) > Math.abs(grad[largest])) largest = k;
      return [largest, rng.int(size)];
    };
    for (const [name, d] of worstDiffs(state, batch, sample)) expect(d, name).toBeLessThanOrEqual(FLOAT64_TOLERANCE);
  });

  it('the fused shortcuts equal the step-by-step gradients to float64 rounding', () => {
    for (const net of smallNetworks().filter((n) => n.config.output.batchNorm)) {
      const state = smallState(net.config, 41);
      const batch = randomBatch(42, 8, net.config.blockSize, SMALL_VOCAB);
      const { steps, fused } = manual64(state, batch);
      expect(fused.length).toBe(1 + net.config.hidden.length + 1);
      for (const f of fused) {
        const stepwise = steps.find((s) => s.name === f.of)!.grad.data;
        for (let k = 0; k < stepwise.length; k++) expect(Math.abs(f.grad.data[k] - stepwise[k]), `${net.label} ${f.of}`).toBeLessThanOrEqual(1e-13);
      }
    }
  });

  it('the complex step is a real reference: it matches a central difference to its ~1e-8 accuracy', () => {
    const net = smallNetworks()[13];
    const state = smallState(net.config, 51);
    const batch = randomBatch(52, 8, net.config.blockSize, SMALL_VOCAB);
    const params = Object.fromEntries(Object.entries(state.tensors).map(([k, v]) => [k, Float64Array.from(v)]));
    const loss = (p: Record<string, Float64Array>) => manualForward(net.config, SMALL_VOCAB, manualParams(net.config, SMALL_VOCAB, p, 'float64'), batch).loss;
    for (const name of ['C', 'W1', 'W2']) {
      for (const index of [0, 3, 7]) {
        const h = 1e-6;
        const plus = structuredClone(params);
        const minus = structuredClone(params);
        plus[name][index] += h;
        minus[name][index] -= h;
        const central = (loss(plus) - loss(minus)) / (2 * h);
        const cs = complexStepDerivative(net.config, SMALL_VOCAB, params, batch.x, batch.y, { name, index });
        expect(Math.abs(cs - central), `${name}[${index}]`).toBeLessThan(1e-8);
      }
    }
  });
});
