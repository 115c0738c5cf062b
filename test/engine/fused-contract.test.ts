/**
 * The fused WebAssembly kernel's contract and behaviour on the lecture presets: zero-init's dead gradients,
 * bn3-fold against the oracle and learning, the state it hands out being a copy, input validation, and where
 * the kernel is loaded from. The gradient oracle on random networks: fused.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFusedBackend } from '../../electron/engine/compute/fused/fusedBackend.js';
import { FUSED_THREAD_CASES } from '../helpers/fusedThreads.js';
import { findKernelWasm } from '../../electron/engine/compute/fused/kernelModule.js';
import { initModel } from '../../electron/engine/model/init.js';
import { findPreset } from '../../electron/engine/model/presets.js';
import { Rng } from '../../electron/engine/util/rng.js';
import { GRAD_TOLERANCE, maxAbs, maxAbsDiff, oracleTrainStep, randomBatch } from '../helpers/tf.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('fused kernel: presets and contract', () => {
  it('zero-init: only b2 ever gets a non-zero gradient and only b2 changes', async () => {
    const model = findPreset('zero-init')!.config.model;
    const state = initModel(model, 27, 1);
    const backend = await createFusedBackend(state);
    const rng = new Rng(3);
    for (let step = 0; step < 50; step++) {
      const { x, y } = randomBatch(rng, 32, model.blockSize, 27);
      backend.trainStep(x, y, 0.1, { gradients: true, trace: false });
      const grads = backend.gradients();
      for (const [name, g] of Object.entries(grads)) {
        if (name === 'b2') expect(maxAbs(g)).toBeGreaterThan(0);
        else if (name !== 'C') expect(maxAbs(g), name).toBe(0);
      }
      // C's gradient flows through W1 = 0, so it is exactly zero too.
      expect(maxAbs(grads.C)).toBe(0);
    }
    const after = backend.state();
    for (const [name, t] of Object.entries(after.tensors)) {
      const changed = maxAbsDiff(t, state.tensors[name]) > 0;
      expect(changed, name).toBe(name === 'b2');
    }
    backend.dispose();
  });

  it.each(FUSED_THREAD_CASES)('bn3-fold ($name): matches the oracle on a batch of 32 and loss falls when trained on a fixed batch', async ({ options }) => {
    const model = findPreset('bn3-fold')!.config.model;
    const state = initModel(model, 27, 42);
    const rng = new Rng(5);
    const { x, y } = randomBatch(rng, 32, model.blockSize, 27);
    const expected = oracleTrainStep(state, x, y);
    const backend = await createFusedBackend(state, options);
    const first = backend.trainStep(x, y, 0.1, { gradients: true, trace: false });
    expect(Math.abs(first - expected.loss)).toBeLessThanOrEqual(2e-6 * expected.loss);
    const grads = backend.gradients();
    const scale = Math.max(...Object.values(expected.grads).map(maxAbs));
    for (const [name, g] of Object.entries(grads)) expect(maxAbsDiff(g, expected.grads[name]), name).toBeLessThanOrEqual(GRAD_TOLERANCE * scale);
    let last = first;
    for (let s = 0; s < 200; s++) last = backend.trainStep(x, y, 0.1, { gradients: false, trace: false });
    expect(last).toBeLessThan(first * 0.5);
    backend.dispose();
  });

  it('the state it returns is a copy, and the caller keeps its own tensors', async () => {
    const model = findPreset('bn3-fold')!.config.model;
    const state = initModel(model, 27, 9);
    const w1 = state.tensors.W1.slice();
    const backend = await createFusedBackend(state);
    const { x, y } = randomBatch(new Rng(1), 32, model.blockSize, 27);
    backend.trainStep(x, y, 0.1, { gradients: false, trace: false });
    expect(state.tensors.W1).toEqual(w1);
    const copy = backend.state();
    expect(maxAbsDiff(copy.tensors.W1, w1)).toBeGreaterThan(0);
    backend.trainStep(x, y, 0.1, { gradients: false, trace: false });
    expect(maxAbsDiff(copy.tensors.W1, backend.tensor('W1'))).toBeGreaterThan(0);
    expect(backend.report.id).toBe('fused');
    backend.dispose();
    expect(() => backend.tensor('W1')).toThrow(/dispose/);
  });

  it('rejects tokens outside the vocabulary and mis-shaped batches', async () => {
    const model = findPreset('bn3-fold')!.config.model;
    const backend = await createFusedBackend(initModel(model, 27, 9));
    const x = new Int32Array(32 * 3);
    const y = new Int32Array(32);
    x[40] = 27;
    expect(() => backend.trainStep(x, y, 0.1, { gradients: false, trace: false })).toThrow(/vocabulary/);
    expect(() => backend.trainStep(new Int32Array(5), y, 0.1, { gradients: false, trace: false })).toThrow(/expected/);
    y[3] = -1;
    expect(() => backend.loss(new Int32Array(32 * 3), y, 32)).toThrow(/vocabulary/);
    backend.dispose();
  });

  it('loads the kernel from the repository, an explicit path or bytes, and says where it looked when missing', async () => {
    const found = findKernelWasm();
    expect(found.endsWith(path.join('resources', 'kernel', 'mlp.wasm'))).toBe(true);
    const model = findPreset('zero-init')!.config.model;
    const state = initModel(model, 27, 4);
    const { x, y } = randomBatch(new Rng(2), 32, model.blockSize, 27);
    const losses = [];
    for (const options of [{}, { wasmPath: found }, { wasmBytes: new Uint8Array(readFileSync(found)) }]) {
      const backend = await createFusedBackend(state, options);
      losses.push(backend.trainStep(x, y, 0.1, { gradients: false, trace: false }));
      backend.dispose();
    }
    expect(losses[0]).toBeCloseTo(Math.log(27), 5); // all-zero weights: uniform softmax
    expect(new Set(losses).size).toBe(1);
    const empty = mkdtempSync(path.join(os.tmpdir(), 'no-kernel-'));
    expect(() => findKernelWasm(empty)).toThrow(/build:kernel/);
    await expect(createFusedBackend(state, { wasmPath: path.join(empty, 'mlp.wasm') })).rejects.toThrow(/ENOENT/);
  });
});
