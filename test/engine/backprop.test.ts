/**
 * Backprop by hand, float32: every hand-written gradient of the lecture's decomposition against tf.js
 * autodiff (`tf.grads` over the same decomposition), on every preset and on random networks of 1–3 hidden
 * layers with and without BatchNorm and biases, tanh and relu; and the decomposed tf.js forward checked
 * against the lab's oracle forward (forwardTf + crossEntropyTf), so autodiff differentiates the same function.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { autodiffGradients, decomposedForwardTf } from '../../electron/engine/backprop/autodiffTf.js';
import { APPROX_TOLERANCE, checkBackprop, compareArrays, type BackpropReport } from '../../electron/engine/backprop/compare.js';
import { backwardSteps } from '../../electron/engine/backprop/manualBackward.js';
import { manualForward, manualParams } from '../../electron/engine/backprop/manualForward.js';
import { crossEntropyTf, forwardTf } from '../../electron/engine/model/forwardTf.js';
import { maxAbs, maxAbsDiff, oracleTrainStep, paramTensors, scoped } from '../helpers/tf.js';
import { findPreset } from '../../electron/engine/model/presets.js';
import { initModel } from '../../electron/engine/model/init.js';
import { parameterCount } from '../../electron/engine/model/params.js';
import { makeLabMeta } from '../../electron/engine/io/labMeta.js';
import { decodeModelSafetensors, encodeModelSafetensors } from '../../electron/engine/io/safetensors.js';
import { experimentConfigSchema } from '../../electron/shared/schemas.js';
import { NAMES_VOCAB, PRESET_IDS, presetCase, randomBatch, SMALL_VOCAB, smallNetworks, smallState } from './backprop-fixtures.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function expectAllClose(report: BackpropReport) {
  for (const t of report.tensors) {
    expect(t.approx, `${t.name}: max diff ${t.maxDiff} (${t.formula})`).toBe(true);
    expect(t.maxDiff, t.name).toBeLessThanOrEqual(1e-5);
  }
}

describe('backprop by hand (float32, against tf.js autodiff)', () => {
  it.each(PRESET_IDS)('preset %s: every tensor approximately equal, max diff ≤ 1e-5', (id) => {
    const { state, batch } = presetCase(id);
    const report = checkBackprop(state, batch);
    expectAllClose(report);
    // The full decomposition is there: every step of the backward pass, then one fused row per shortcut.
    const steps = backwardSteps(state.config, state.vocabSize);
    const bnLayers = [...state.config.hidden, state.config.output].filter((b) => b.batchNorm).length;
    expect(report.tensors.map((t) => t.name)).toEqual([...steps.map((s) => s.name), 'logits (fused)', ...report.tensors.slice(steps.length + 1).map((t) => t.name)]);
    expect(report.tensors.length).toBe(steps.length + 1 + bnLayers);
    expect(new Set(report.tensors.map((t) => t.name)).size).toBe(report.tensors.length);
  });

  it.each(smallNetworks().map((n) => [n.label, n.config] as const))('random network, %s', (_label, config) => {
    const state = smallState(config, 11);
    const report = checkBackprop(state, randomBatch(12, 16, config.blockSize, SMALL_VOCAB));
    expectAllClose(report);
    expect(report.tensors.every((t) => t.versus === (t.name.endsWith('(fused)') ? 'step-by-step' : 'autodiff'))).toBe(true);
  });

  it('a network mixing tanh, relu and no activation, BatchNorm only on the output, passes too', () => {
    const base = smallNetworks()[0].config;
    const config = {
      ...base,
      hidden: (['none', 'relu', 'tanh'] as const).map((activation, i) => ({ ...base.hidden[0], size: 4 + i, activation, bias: i !== 1 })),
      output: { ...base.output, batchNorm: true },
    };
    const report = checkBackprop(smallState(config, 13), randomBatch(14, 9, config.blockSize, SMALL_VOCAB));
    expectAllClose(report);
    expect(report.tensors.find((t) => t.name === 'hpreact1')?.formula).toBe('dhpreact1 = dh1');
    expect(report.tensors.map((t) => t.name)).toContain('bnvar_inv4');
  });

  it('reports the lecture names, layers and shapes of the one-hidden-layer BatchNorm network', () => {
    const { state, batch } = presetCase('batchnorm');
    const rows = new Map(checkBackprop(state, batch).tensors.map((t) => [t.name, t]));
    expect(rows.get('logprobs')).toMatchObject({ base: 'logprobs', layer: null, shape: [32, 27], formula: 'dlogprobs[range(n), Yb] = -1.0/n   (0 elsewhere)' });
    expect(rows.get('counts_sum_inv')).toMatchObject({ base: 'counts_sum_inv', layer: null, shape: [32, 1] });
    expect(rows.get('bnvar_inv1')).toMatchObject({ base: 'bnvar_inv', layer: 1, shape: [1, 200], formula: 'dbnvar_inv1 = (bndiff1 * dbnraw1).sum(0, keepdim=True)' });
    expect(rows.get('gamma1')).toMatchObject({ base: 'bngain', layer: 1, shape: [200] });
    expect(rows.get('W2')).toMatchObject({ base: 'W', layer: 2, shape: [200, 27], formula: 'dW2 = h1.T @ dlogits' });
    expect(rows.get('h1')).toMatchObject({ base: 'h', layer: 1, formula: 'dh1 = dlogits @ W2.T' });
    expect(rows.get('hpreact1')?.formula).toBe('dhpreact1 = (1.0 - h1**2) * dh1');
    expect(rows.get('emb')).toMatchObject({ base: 'emb', layer: null, shape: [32, 3, 10] });
    expect(rows.get('C')).toMatchObject({ base: 'C', layer: null, shape: [27, 10] });
    expect(rows.get('hprebn1 (fused)')).toMatchObject({ base: 'hprebn', layer: 1, versus: 'step-by-step' });
    // Where both passes do the same float32 operations in the same order, the lecture's "exact" holds.
    expect(rows.get('logprobs')?.exact).toBe(true);
    expect(rows.get('probs')?.exact).toBe(true);
  });

  it('compares the lecture way: exact, allclose (torch rule, stated tolerances), max |difference|', () => {
    expect(APPROX_TOLERANCE).toEqual({ rtol: 1e-5, atol: 1e-7 });
    expect(compareArrays([1, 2], [1, 2])).toEqual({ exact: true, approx: true, maxDiff: 0 });
    expect(compareArrays([1, 2 + 1e-6], [1, 2])).toMatchObject({ exact: false, approx: true });
    expect(compareArrays([1, 2.001], [1, 2])).toMatchObject({ exact: false, approx: false });
    expect(compareArrays([0, 2e-7], [0, 0])).toMatchObject({ approx: false });
    expect(compareArrays([NaN], [1]).approx).toBe(false);
    expect(compareArrays([1, 5], [1, 2]).maxDiff).toBe(3);
  });
});

describe('the decomposed tf.js forward is the lab forward', () => {
  it.each(smallNetworks().filter((_, k) => k % 3 === 0).map((n) => [n.label, n.config] as const))('%s: same logits, loss and parameter gradients as forwardTf', (_label, config) => {
    const state = smallState(config, 21);
    const batch = randomBatch(22, 16, config.blockSize, SMALL_VOCAB);
    const { lab, decomposed } = scoped(() => {
      const params = paramTensors(state);
      const x = tf.tensor2d(batch.x, [16, config.blockSize], 'int32');
      const y = tf.tensor1d(batch.y, 'int32');
      const logits = forwardTf(config, SMALL_VOCAB, params, x, 'train').logits;
      const d = decomposedForwardTf(config, SMALL_VOCAB, params, x, y);
      return {
        lab: { logits: logits.dataSync().slice(), loss: crossEntropyTf(logits, y, SMALL_VOCAB).dataSync()[0] },
        decomposed: { logits: d.nodes.get('logits')!.dataSync().slice(), loss: d.loss.dataSync()[0] },
      };
    });
    expect(maxAbsDiff(decomposed.logits, lab.logits)).toBeLessThan(1e-5);
    expect(Math.abs(decomposed.loss - lab.loss)).toBeLessThan(1e-5);
    const oracle = oracleTrainStep(state, batch.x, batch.y);
    const autodiff = autodiffGradients(state, batch);
    const scale = Math.max(...Object.values(oracle.grads).map(maxAbs));
    for (const [name, g] of Object.entries(oracle.grads)) {
      expect(maxAbsDiff(autodiff.grads.get(name)!.data, g), name).toBeLessThanOrEqual(2e-6 * scale);
    }
  });

  it('the manual float32 forward reproduces the tf.js forward values', () => {
    const { state, batch } = presetCase('bn3-fold');
    const autodiff = autodiffGradients(state, batch);
    const { values, loss } = manualForward(state.config, state.vocabSize, manualParams(state.config, state.vocabSize, state.tensors, 'float32'), batch);
    expect(Math.abs(loss - autodiff.loss)).toBeLessThan(1e-5);
    for (const [name, t] of autodiff.values) {
      const mine = values.get(name)!;
      expect(mine.data.length, name).toBe(t.data.length);
      const c = compareArrays(mine.data, t.data, { rtol: 1e-4, atol: 1e-5 });
      expect(c.approx, `${name}: ${c.maxDiff}`).toBe(true);
    }
  });
});

describe('the backprop-ninja preset', () => {
  it("is the lecture's network: 4,137 parameters, batch 32, tanh after BatchNorm with a bias before it", () => {
    const preset = findPreset('backprop-ninja')!;
    const { model, train } = preset.config;
    expect(parameterCount(model, NAMES_VOCAB)).toBe(4137); // the lecture prints 4137
    expect(train.batchSize).toBe(32);
    expect(model).toMatchObject({ blockSize: 3, embeddingSize: 10, batchNorm: { eps: 1e-5 } });
    expect(model.hidden).toHaveLength(1);
    expect(model.hidden[0]).toMatchObject({ size: 64, activation: 'tanh', bias: true, batchNorm: true });
    expect(model.output).toMatchObject({ bias: true, batchNorm: false });
    expect(experimentConfigSchema.safeParse(preset.config).success).toBe(true);
  });

  it('starts with small random biases, gain and shift, so no formula can hide behind a 0 or a 1', () => {
    const { tensors } = initModel(findPreset('backprop-ninja')!.config.model, NAMES_VOCAB, 3);
    const stats = (a: Float32Array) => {
      const mean = a.reduce((s, v) => s + v, 0) / a.length;
      return { mean, std: Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length), zeros: a.filter((v) => v === 0).length, ones: a.filter((v) => v === 1).length };
    };
    const gamma = stats(tensors.gamma1);
    expect(gamma.ones).toBe(0);
    expect(gamma.mean).toBeGreaterThan(0.95);
    expect(gamma.mean).toBeLessThan(1.05);
    expect(gamma.std).toBeGreaterThan(0.06);
    expect(gamma.std).toBeLessThan(0.14);
    for (const name of ['beta1', 'b1', 'b2']) {
      const s = stats(tensors[name]);
      expect(s.zeros, name).toBe(0);
      expect(Math.abs(s.mean), name).toBeLessThan(0.05);
      expect(s.std, name).toBeGreaterThan(0.05);
      expect(s.std, name).toBeLessThan(0.15);
    }
  });

  it("keeps the gain's mean through a checkpoint's metadata", () => {
    const state = initModel(findPreset('backprop-ninja')!.config.model, NAMES_VOCAB, 3);
    const vocab = ['.', ...'abcdefghijklmnopqrstuvwxyz'];
    const bytes = encodeModelSafetensors(state, makeLabMeta(state.config, vocab, false));
    const { meta } = decodeModelSafetensors(bytes, 'checkpoint.safetensors');
    expect(meta.config.hidden[0].gammaInit).toEqual({ kind: 'normal', scale: 0.1, mean: 1 });
  });
});
