/**
 * A batch the fused kernel or the onnxruntime backend refuses (a token or target outside the vocabulary) must
 * leave the model exactly as it was: every parameter, every BatchNorm running buffer, the last step's gradients and update moments — bit
 * for bit. The kernel once ran the training forward pass before it looked at the targets, so BatchNorm's
 * running mean/var had already moved (by ≈0.1 on bn3-fold) when trainStep threw.
 */
import { describe, expect, it } from 'vitest';
import { createFusedBackend } from '../../electron/engine/compute/fused/fusedBackend.js';
import { FUSED_THREAD_CASES } from '../helpers/fusedThreads.js';
import { createBackend } from '../../electron/engine/compute/select.js';
import type { ComputeBackend } from '../../electron/engine/compute/types.js';
import { createOnnxruntimeBackend } from '../../electron/engine/compute/onnxruntime/onnxruntimeBackend.js';
import type { ModelState } from '../../electron/engine/model/params.js';
import { initModel } from '../../electron/engine/model/init.js';
import { findPreset } from '../../electron/engine/model/presets.js';
import { Rng } from '../../electron/engine/util/rng.js';
import { randomBatch } from '../helpers/tf.js';

const VOCAB = 27;
const model = findPreset('bn3-fold')!.config.model;
const capture = { gradients: true, trace: true };

/** Every float as its bit pattern, so −0 vs 0 and NaN payloads count as differences too. */
function bits(record: Record<string, Float32Array>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(record).map(([name, t]) => [name, Array.from(new Uint32Array(t.slice().buffer))]));
}

/** Everything a refused step could disturb, copied. */
function everything(backend: ComputeBackend) {
  return {
    tensors: bits(backend.state().tensors),
    gradients: bits(backend.gradients()),
    moments: Array.from(backend.updateMoments!()),
    trace: backend.trace().map((t) => bits({ a: t.activation, g: t.gradient })),
  };
}

/** A bad value at the LAST position, so a kernel that checks while it goes has already run every layer. */
const hostile: { label: string; edit: (x: Int32Array, y: Int32Array) => void; names: RegExp }[] = [
  { label: 'target = vocab, last row', edit: (_x, y) => (y[y.length - 1] = VOCAB), names: /target y\[31\] = 27/ },
  { label: 'negative target', edit: (_x, y) => (y[17] = -1), names: /target y\[17\] = -1/ },
  { label: 'huge target', edit: (_x, y) => (y[0] = 2 ** 31 - 1), names: /target y\[0\] = 2147483647/ },
  { label: 'token = vocab, last position', edit: (x) => (x[x.length - 1] = VOCAB), names: /token x\[95\] = 27/ },
  { label: 'negative token', edit: (x) => (x[40] = -5), names: /token x\[40\] = -5/ },
  { label: 'most negative token', edit: (x) => (x[3] = -(2 ** 31)), names: /token x\[3\] = -2147483648/ },
];

describe('tf.js backends (cpu, wasm): a refused batch changes nothing either', () => {
  it.each(['cpu', 'wasm'] as const)('%s: every hostile batch is refused before any op, parameters and buffers bit-identical', async (id) => {
    const rng = new Rng(14);
    const backend = await createBackend(initModel(model, VOCAB, 5), id);
    for (let s = 0; s < 2; s++) {
      const { x, y } = randomBatch(rng, 32, model.blockSize, VOCAB);
      backend.trainStep(x, y, 0.1, { gradients: false, trace: false });
    }
    const before = bits(backend.state().tensors);
    for (const { edit, names } of hostile) {
      const bad = randomBatch(rng, 32, model.blockSize, VOCAB);
      edit(bad.x, bad.y);
      expect(() => backend.trainStep(bad.x, bad.y, 0.1, { gradients: false, trace: false })).toThrow(names);
      expect(() => backend.loss(bad.x, bad.y, 32)).toThrow(/^loss: .* is outside the vocabulary/);
      expect(bits(backend.state().tensors)).toEqual(before);
    }
    backend.dispose();
  });
});

/** Each backend that refuses bad batches itself, with a twin of the same kind that never sees the bad batch. */
const refusingBackends: { name: string; make: (s: ModelState) => Promise<ComputeBackend>; twin: (s: ModelState) => Promise<ComputeBackend> }[] = [
  ...FUSED_THREAD_CASES.map((c) => ({
    name: `fused kernel, ${c.name}`,
    make: (s: ModelState) => createFusedBackend(s, c.options),
    // The twin always runs on one thread: the steps must agree bit for bit on any thread count.
    twin: (s: ModelState) => createFusedBackend(s, { threads: 1 }),
  })),
  { name: 'onnxruntime, 2 threads', make: async (s) => createOnnxruntimeBackend(s, { threads: 2 }), twin: async (s) => createOnnxruntimeBackend(s, { threads: 2 }) },
];

describe.each(refusingBackends)('$name: a refused batch changes nothing', ({ make, twin: makeTwin }) => {
  it.each(hostile)('$label: every parameter, buffer, gradient and moment is bit-identical afterwards', async ({ edit, names }) => {
    const rng = new Rng(12);
    const backend = await make(initModel(model, VOCAB, 5));
    const twin = await makeTwin(initModel(model, VOCAB, 5));
    // A few real steps first, so the running buffers and gradients are not at trivial values.
    for (let s = 0; s < 3; s++) {
      const { x, y } = randomBatch(rng, 32, model.blockSize, VOCAB);
      expect(backend.trainStep(x, y, 0.1, capture)).toBe(twin.trainStep(x, y, 0.1, capture));
    }
    const before = everything(backend);
    const bad = randomBatch(rng, 32, model.blockSize, VOCAB);
    edit(bad.x, bad.y);
    expect(() => backend.trainStep(bad.x, bad.y, 0.1, capture)).toThrow(names);
    expect(() => backend.trainStep(bad.x, bad.y, 0.1, capture)).toThrow(/outside the vocabulary \[0, 27\); nothing was changed/);
    expect(everything(backend)).toEqual(before);
    // And the next good step goes exactly where the twin's (which never saw the bad batch) goes.
    const { x, y } = randomBatch(rng, 32, model.blockSize, VOCAB);
    expect(backend.trainStep(x, y, 0.1, capture)).toBe(twin.trainStep(x, y, 0.1, capture));
    expect(everything(backend)).toEqual(everything(twin));
    backend.dispose();
    twin.dispose();
  });
});

describe.each(FUSED_THREAD_CASES)('fused kernel, $name', ({ options }) => {
  describe('fused kernel: a refused loss', () => {
    it('a refused loss over several chunks leaves no stale trace and names the bad target by its index', async () => {
      const backend = await createFusedBackend(initModel(model, VOCAB, 5), options);
      const rng = new Rng(13);
      const { x, y } = randomBatch(rng, 32, model.blockSize, VOCAB);
      backend.trainStep(x, y, 0.1, capture);
      expect(backend.trace()).toHaveLength(2);
      const tensors = bits(backend.state().tensors);
      // 6000 rows: more than one inference chunk (2621 rows for bn3-fold), the bad target in the last one.
      const big = randomBatch(rng, 6000, model.blockSize, VOCAB);
      big.y[5999] = VOCAB;
      expect(() => backend.loss(big.x, big.y, 6000)).toThrow(/loss: target y\[5999\] = 27 is outside/);
      // The first chunks overwrote the row buffers the trace points into: it must not be handed out as the step's.
      expect(() => backend.trace()).toThrow(/capture.trace/);
      big.x[4] = -1;
      expect(() => backend.logits(big.x, 6000)).toThrow(/logits: token x\[4\] = -1 is outside/);
      expect(bits(backend.state().tensors)).toEqual(tensors);
      backend.dispose();
    });
  });
});
