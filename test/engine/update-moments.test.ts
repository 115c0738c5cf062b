/**
 * The every-step update:data ratios from float64 moments (`updateMoments`, summed by the fused kernel during
 * its SGD pass) against the array path `paramUpdateToData(lr, grad, weights)` (two-pass float64 std over the
 * float32 tensors): the same figure to 1e-6 in log10 units, and `null` exactly where the array path says so.
 */
import { describe, expect, it } from 'vitest';
import { createFusedBackend } from '../../electron/engine/compute/fused/fusedBackend.js';
import { createBackend } from '../../electron/engine/compute/select.js';
import type { ComputeBackend } from '../../electron/engine/compute/types.js';
import { builtInWords, prepareDataset } from '../../electron/engine/data/index.js';
import { std } from '../../electron/engine/inspect/stats.js';
import { paramUpdateToData, updateRatios, updateToDataFromMoments, updateToDataRatio } from '../../electron/engine/inspect/updateRatio.js';
import type { Activation, ModelConfig } from '../../electron/engine/model/config.js';
import { initModel } from '../../electron/engine/model/init.js';
import { paramSpecs, sizeOf, type ModelState } from '../../electron/engine/model/params.js';
import { findPreset } from '../../electron/engine/model/presets.js';
import { train } from '../../electron/engine/train/trainer.js';
import type { UpdateRatioChunk } from '../../electron/engine/train/types.js';
import { Rng } from '../../electron/engine/util/rng.js';
import { block } from '../helpers/tf.js';

/** 1e-6 in log10 units ≈ 2.3e-6 relative in the ratio. */
const LOG10_TOLERANCE = 1e-6;

function sums(data: ArrayLike<number>, shift = 0): [number, number] {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < data.length; i++) {
    const d = data[i] - shift;
    s += d;
    s2 += d * d;
  }
  return [s, s2];
}

function expectSameRatio(got: number | null, want: number | null, label: string) {
  if (want === null) expect(got, label).toBeNull();
  else {
    expect(got, label).not.toBeNull();
    expect(Math.abs(got! - want), `${label}: ${got} vs ${want}`).toBeLessThanOrEqual(LOG10_TOLERANCE);
  }
}

describe('updateToDataFromMoments', () => {
  it('equals updateToDataRatio(lr, std(g), std(w)) on random float32 arrays, raw or shifted sums', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 300; trial++) {
      const n = 2 + rng.int(3000);
      const g = new Float32Array(n);
      const w = new Float32Array(n);
      const gScale = 10 ** (-6 + 5 * rng.uniform());
      // every third trial: γ-like weights, ≈ 1 with a tiny spread (cancellation bait for raw sums)
      const wCenter = trial % 3 === 0 ? 1 : 0.1 * rng.normal();
      const wSpread = trial % 3 === 0 ? 1e-4 : 10 ** (-3 + 3 * rng.uniform());
      for (let i = 0; i < n; i++) {
        g[i] = gScale * rng.normal();
        w[i] = wCenter + wSpread * rng.normal();
      }
      const lr = [0.1, 0.01, -0.05][trial % 3];
      const want = updateToDataRatio(lr, std(g), std(w));
      expect(want).not.toBeNull();
      expectSameRatio(updateToDataFromMoments(lr, n, ...sums(g), ...sums(w)), want, `raw, trial ${trial}`);
      expectSameRatio(updateToDataFromMoments(lr, n, ...sums(g, g[0]), ...sums(w, w[0])), want, `shifted, trial ${trial}`);
    }
  });

  it('gives null where updateToDataRatio does, and for non-finite moments', () => {
    const g = Float32Array.from([0.1, -0.2, 0.3]);
    const w = Float32Array.from([1, 2, 4]);
    const constant = new Float32Array(5).fill(0.7);
    expect(updateToDataFromMoments(0, 3, ...sums(g), ...sums(w))).toBeNull(); // lr = 0
    expect(updateToDataFromMoments(0.1, 1, ...sums([0.5]), ...sums([2]))).toBeNull(); // n < 2: std is 0
    expect(updateToDataFromMoments(0.1, 0, 0, 0, 0, 0)).toBeNull();
    expect(updateToDataFromMoments(0.1, 5, ...sums(constant, constant[0]), ...sums(w.subarray(0, 2)))).toBeNull(); // std(g) = 0
    expect(updateToDataFromMoments(0.1, 5, ...sums(g), ...sums(constant, constant[0]))).toBeNull(); // std(w) = 0
    expect(updateToDataFromMoments(0.1, 3, NaN, 1, 1, 1)).toBeNull();
    expect(updateToDataFromMoments(0.1, 3, 1, 1, 1, Infinity)).toBeNull();
    // rounding may leave Σx² − (Σx)²/n a hair below 0: that is a zero spread, not NaN
    expect(updateToDataFromMoments(0.1, 3, ...sums(g), 3, 3 * (1 + 1e-16))).toBeNull();
    expect(updateToDataFromMoments(0.1, 3, ...sums(g), ...sums(w))).toBeCloseTo(updateToDataRatio(0.1, std(g), std(w))!, 12);
  });
});

// ---------- the fused kernel's moments ----------

/** A random member of the family; γ set to 1 + small spread, as trained BatchNorm gains look. */
function randomNet(rng: Rng, i: number): { config: ModelConfig; state: ModelState; vocab: number } {
  const acts: Activation[] = ['tanh', 'relu', 'none'];
  const vocab = 3 + rng.int(30);
  const config: ModelConfig = {
    blockSize: 1 + rng.int(4),
    embeddingSize: 1 + rng.int(6),
    embeddingInit: { kind: 'normal', scale: 1 },
    hidden: Array.from({ length: 1 + (i % 3) }, () => ({
      ...block(rng.uniform() < 0.5, i % 2 === 0 || rng.uniform() < 0.5),
      size: 2 + rng.int(40), // includes sizes below 4 and 16 (the kernel's vector and block remainders)
      activation: acts[rng.int(3)],
    })),
    output: block(rng.uniform() < 0.5, rng.uniform() < 0.4),
    batchNorm: { eps: 1e-5, momentum: 0.1 },
  };
  const state = initModel(config, vocab, 700 + i);
  for (const spec of paramSpecs(config, vocab)) {
    if (spec.role !== 'gamma') continue;
    const t = state.tensors[spec.name];
    for (let k = 0; k < t.length; k++) t[k] = 1 + 1e-3 * rng.normal();
  }
  return { config, state, vocab };
}

function trainableOf(config: ModelConfig, vocab: number) {
  const specs = paramSpecs(config, vocab).filter((s) => s.trainable);
  return { names: specs.map((s) => s.name), sizes: specs.map((s) => sizeOf(s.shape)) };
}

/** The ratios the array path gives, read from the backend's gradients and updated weights. */
function arrayRatios(backend: ComputeBackend, lr: number, names: readonly string[]): (number | null)[] {
  const grads = backend.gradients();
  return names.map((name) => paramUpdateToData(lr, grads[name], backend.tensor(name)));
}

function momentRatios(backend: ComputeBackend, lr: number, names: readonly string[], sizes: readonly number[]): (number | null)[] {
  const m = backend.updateMoments!();
  expect(m.length).toBe(4 * names.length);
  return names.map((_, p) => updateToDataFromMoments(lr, sizes[p], m[4 * p], m[4 * p + 1], m[4 * p + 2], m[4 * p + 3]));
}

function batch(rng: Rng, rows: number, blockSize: number, vocab: number) {
  return { x: rng.fillInts(new Int32Array(rows * blockSize), vocab), y: rng.fillInts(new Int32Array(rows), vocab) };
}

describe('fused kernel: update moments', () => {
  it.each(Array.from({ length: 12 }, (_, i) => i))('random net %i: moment ratios equal the array ratios for every param over 30 steps', async (i) => {
    const rng = new Rng(40 + i);
    const { config, state, vocab } = randomNet(rng, i);
    const { names, sizes } = trainableOf(config, vocab);
    const backend = await createFusedBackend(state);
    let compared = 0;
    for (let step = 0; step < 30; step++) {
      const lr = step % 2 === 0 ? 0.1 : 0.01;
      const { x, y } = batch(rng, [32, 7, 50][step % 3], config.blockSize, vocab);
      backend.trainStep(x, y, lr, { gradients: true, trace: false });
      const want = arrayRatios(backend, lr, names);
      const got = momentRatios(backend, lr, names, sizes);
      names.forEach((name, p) => expectSameRatio(got[p], want[p], `${name} step ${step}`));
      compared += want.filter((r) => r !== null).length;
    }
    expect(compared).toBeGreaterThan(30 * (names.length - 1));
    backend.dispose();
  });

  it.each(['fused', 'onnxruntime'] as const)('bn3-fold: γ ≈ 1 after training still matches (no cancellation), through the selected backend too (%s)', async (choice) => {
    const model = findPreset('bn3-fold')!.config.model;
    const { names, sizes } = trainableOf(model, 27);
    const backend = await createBackend(initModel(model, 27, 3), choice);
    expect(backend.updateMoments).toBeTypeOf('function');
    const rng = new Rng(8);
    for (let step = 0; step < 300; step++) {
      const { x, y } = batch(rng, 32, model.blockSize, 27);
      const capture = step % 50 === 49;
      backend.trainStep(x, y, 0.1, { gradients: capture, trace: false });
      if (!capture) continue;
      const want = arrayRatios(backend, 0.1, names);
      const got = momentRatios(backend, 0.1, names, sizes);
      names.forEach((name, p) => expectSameRatio(got[p], want[p], `${name} step ${step}`));
      expect(want.every((r) => r !== null)).toBe(true);
    }
    // γ moved away from exactly 1 by small amounts: the case raw Σw² − (Σw)²/n would cancel on
    const gamma = backend.tensor('gamma1');
    expect(std(gamma)).toBeGreaterThan(0);
    expect(std(gamma)).toBeLessThan(0.1);
    backend.dispose();
  });

  it('zero-init: W1, b1, W2 and C (zero gradient) are null on both paths; b2 is a number', async () => {
    const model = findPreset('zero-init')!.config.model;
    const { names, sizes } = trainableOf(model, 27);
    const backend = await createFusedBackend(initModel(model, 27, 1));
    const rng = new Rng(9);
    for (let step = 0; step < 20; step++) {
      const { x, y } = batch(rng, 32, model.blockSize, 27);
      backend.trainStep(x, y, 0.1, { gradients: true, trace: false });
      const got = momentRatios(backend, 0.1, names, sizes);
      const want = arrayRatios(backend, 0.1, names);
      names.forEach((name, p) => expectSameRatio(got[p], want[p], `${name} step ${step}`));
      expect(Object.fromEntries(names.map((n, p) => [n, got[p] === null]))).toEqual({ C: true, W1: true, b1: true, W2: true, b2: false });
    }
    backend.dispose();
  });

  it('the moments pass updates the weights bit for bit as the plain pass does', async () => {
    const rng = new Rng(5);
    const { config, state, vocab } = randomNet(rng, 4);
    const plain = await createFusedBackend(state);
    const capturing = await createFusedBackend(state);
    for (let step = 0; step < 20; step++) {
      const { x, y } = batch(rng, 32, config.blockSize, vocab);
      const a = plain.trainStep(x, y, 0.1, { gradients: false, trace: false });
      const b = capturing.trainStep(x, y, 0.1, { gradients: true, trace: false });
      expect(b).toBe(a);
    }
    const a = plain.state().tensors;
    const b = capturing.state().tensors;
    for (const name of Object.keys(a)) expect(b[name], name).toEqual(a[name]);
    expect(() => plain.updateMoments!()).toThrow(/capture.gradients/);
    plain.dispose();
    capturing.dispose();
  });

  it('a non-finite weight sends that param back to the array path, which leaves the NaN out', async () => {
    const model = findPreset('bn3-fold')!.config.model;
    const { names, sizes } = trainableOf(model, 27);
    const state = initModel(model, 27, 2);
    state.tensors.C[0] = NaN; // row of token 0, which the batches below never use
    const backend = await createFusedBackend(state);
    const rng = new Rng(6);
    const { x, y } = batch(rng, 32, model.blockSize, 26);
    for (let k = 0; k < x.length; k++) x[k] += 1;
    backend.trainStep(x, y, 0.1, { gradients: true, trace: false });
    const m = backend.updateMoments!();
    expect(Number.isNaN(m[2])).toBe(true); // C's Σw
    const got = updateRatios(backend, 0.1, names, sizes);
    const want = arrayRatios(backend, 0.1, names);
    expect(got[0]).not.toBeNull();
    names.forEach((name, p) => expectSameRatio(got[p], want[p], name));
    backend.dispose();
  });
});

describe('trainer: update:data ratios with and without backend moments', () => {
  it('bn3-fold on the fused backend: the same ratios, step for step, as the array path', async () => {
    const dataset = prepareDataset(builtInWords(), 3);
    const config = structuredClone(findPreset('bn3-fold')!.config);
    config.train.steps = 200;
    config.train.evalEvery = 0;
    config.train.inspectEvery = 0;
    const runWith = async (dropMoments: boolean) => {
      const initial = initModel(config.model, dataset.vocab.length, config.train.seed);
      const fused = await createBackend(initial, 'fused');
      // The same backend seen without the optional method: what a backend lacking it gets.
      const backend: ComputeBackend = dropMoments ? { ...fused, updateMoments: undefined } : fused;
      const chunks: UpdateRatioChunk[] = [];
      try {
        await train({ config, dataset, backend, initialState: initial, hooks: { onProgress: (_p, _l, r) => r && chunks.push(r) } });
      } finally {
        fused.dispose();
      }
      return chunks.flatMap((c) => c.ratios);
    };
    const fast = await runWith(false);
    const slow = await runWith(true);
    expect(fast.length).toBe(200);
    expect(slow.length).toBe(200);
    fast.forEach((row, s) => row.forEach((r, p) => expectSameRatio(r, slow[s][p], `step ${s} param ${p}`)));
  });
});
