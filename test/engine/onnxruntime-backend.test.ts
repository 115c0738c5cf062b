/**
 * The onnxruntime backend beyond the gradient oracle (fused.test.ts runs that over it): many steps in step with
 * the fused kernel on bn3-fold, batch sizes that change, the double-buffered state, the update:data moments,
 * and where it cannot run. Refused batches: fused-refusal.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { describeBackendChoices } from '../../electron/app/service.js';
import { createFusedBackend } from '../../electron/engine/compute/fused/fusedBackend.js';
import { createOnnxruntimeBackend } from '../../electron/engine/compute/onnxruntime/onnxruntimeBackend.js';
import { onnxruntimeUnavailable } from '../../electron/engine/compute/onnxruntime/ortSession.js';
import { initModel } from '../../electron/engine/model/init.js';
import { paramSpecs } from '../../electron/engine/model/params.js';
import { findPreset } from '../../electron/engine/model/presets.js';
import { Rng } from '../../electron/engine/util/rng.js';
import { maxAbs, maxAbsDiff, randomBatch } from '../helpers/tf.js';

const VOCAB = 27;
const bn3 = findPreset('bn3-fold')!.config.model;
const plain = { gradients: false, trace: false };

describe('onnxruntime backend', () => {
  it('bn3-fold: 60 steps at batch sizes 32, 7 and 50 stay in step with the fused kernel (losses, weights, running buffers)', async () => {
    const state = initModel(bn3, VOCAB, 42);
    const ort = createOnnxruntimeBackend(state, { threads: 2 });
    const fused = await createFusedBackend(state, { threads: 1 });
    const rng = new Rng(8);
    for (let s = 0; s < 60; s++) {
      const { x, y } = randomBatch(rng, [32, 7, 50][s % 3], bn3.blockSize, VOCAB);
      const a = ort.trainStep(x, y, 0.1, plain);
      const b = fused.trainStep(x, y, 0.1, plain);
      expect(Math.abs(a - b), `step ${s}`).toBeLessThanOrEqual(1e-4 * b);
    }
    for (const spec of paramSpecs(bn3, VOCAB)) {
      const want = fused.tensor(spec.name);
      expect(maxAbsDiff(ort.tensor(spec.name), want), spec.name).toBeLessThanOrEqual(1e-4 * Math.max(1, maxAbs(want)));
    }
    // Inference (BatchNorm from the running buffers) agrees too, over more rows than one chunk.
    const { x, y } = randomBatch(rng, 5000, bn3.blockSize, VOCAB);
    expect(Math.abs(ort.loss(x, y, 5000) - fused.loss(x, y, 5000))).toBeLessThanOrEqual(1e-4);
    expect(maxAbsDiff(ort.logits(x, 5000), fused.logits(x, 5000))).toBeLessThanOrEqual(1e-3);
    ort.dispose();
    fused.dispose();
  });

  it('keeps two buffers per tensor and swaps them: the caller’s state is untouched, state() is a copy, views are reused', () => {
    const state = initModel(bn3, VOCAB, 9);
    const w1 = state.tensors.W1.slice();
    const backend = createOnnxruntimeBackend(state);
    const { x, y } = randomBatch(new Rng(1), 32, bn3.blockSize, VOCAB);
    const view0 = backend.tensor('W1');
    backend.trainStep(x, y, 0.1, { gradients: true, trace: true });
    const view1 = backend.tensor('W1');
    const grads = backend.gradients();
    const trace = backend.trace();
    expect(view1).not.toBe(view0);
    expect(state.tensors.W1).toEqual(w1);
    const copy = backend.state();
    expect(maxAbsDiff(copy.tensors.W1, w1)).toBeGreaterThan(0);
    backend.trainStep(x, y, 0.1, { gradients: true, trace: true });
    // Back on the first buffer set; the gradient record and trace arrays are the same objects, refilled.
    expect(backend.tensor('W1')).toBe(view0);
    expect(backend.gradients()).toBe(grads);
    expect(backend.trace()[0].activation).toBe(trace[0].activation);
    expect(maxAbsDiff(copy.tensors.W1, backend.tensor('W1'))).toBeGreaterThan(0);
    backend.trainStep(x, y, 0.1, plain);
    expect(() => backend.gradients()).toThrow(/capture.gradients/);
    expect(() => backend.trace()).toThrow(/capture.trace/);
    expect(backend.report.id).toBe('onnxruntime');
    backend.dispose();
    expect(() => backend.tensor('W1')).toThrow(/dispose/);
    expect(() => backend.trainStep(x, y, 0.1, plain)).toThrow(/dispose/);
  });

  it('updateMoments: the float64 sums of the gradient and the updated weights, as a two-pass computation gives them', () => {
    const backend = createOnnxruntimeBackend(initModel(bn3, VOCAB, 3));
    const { x, y } = randomBatch(new Rng(4), 32, bn3.blockSize, VOCAB);
    backend.trainStep(x, y, 0.1, { gradients: true, trace: false });
    const moments = backend.updateMoments!();
    const grads = backend.gradients();
    const trainable = paramSpecs(bn3, VOCAB).filter((s) => s.trainable);
    expect(moments.length).toBe(4 * trainable.length);
    const variance = (s1: number, s2: number, n: number) => (s2 - (s1 * s1) / n) / (n - 1);
    const twoPass = (a: Float32Array) => {
      const mean = a.reduce((s, v) => s + v, 0) / a.length;
      return a.reduce((s, v) => s + (v - mean) ** 2, 0) / (a.length - 1);
    };
    trainable.forEach((spec, t) => {
      const g = grads[spec.name];
      const w = backend.tensor(spec.name);
      const [sg, sg2, sw, sw2] = moments.subarray(4 * t, 4 * t + 4);
      expect(variance(sg, sg2, g.length) / twoPass(g), `${spec.name} grad`).toBeCloseTo(1, 9);
      expect(variance(sw, sw2, w.length) / twoPass(w), `${spec.name} weight`).toBeCloseTo(1, 9);
    });
    backend.dispose();
  });

  it('says in one line where onnxruntime-node has no binary (the Intel-Mac case), and has one here', () => {
    expect(onnxruntimeUnavailable('darwin', 'x64')).toBe('onnxruntime-node has no binary for darwin/x64');
    expect(onnxruntimeUnavailable()).toBeNull();
    // The app's backend menu offers it, between the native TensorFlow and the fused kernel.
    const menu = describeBackendChoices();
    expect(menu.map((o) => o.id)).toEqual(['auto', 'tensorflow', 'onnxruntime', 'fused', 'wasm', 'cpu']);
    expect(menu.find((o) => o.id === 'onnxruntime')!.available).toBe(true);
  });
});
