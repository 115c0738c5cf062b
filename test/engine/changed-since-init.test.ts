/**
 * "Changed since init" where it is NOT "has a gradient" (under zero-init, which every other scenario uses, the
 * two coincide — so a flag computed as "gradient ≠ 0", or from element 0 only, would pass everything else):
 *   - a gradient but lr = 0: nothing changes;
 *   - a parameter whose only moved elements are not element 0;
 *   - a parameter whose gradient is zero now but which changed at an earlier step.
 * Each runs the real fused backend and reads the flags the app shows: the snapshot's (buildSnapshot), the run
 * result's (train → changedParams) and the diagnosis built on them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFusedBackend } from '../../electron/engine/compute/fused/fusedBackend.js';
import { builtInWords, prepareDataset } from '../../electron/engine/data/index.js';
import { changedParams, hasChanged } from '../../electron/engine/inspect/changedSinceInit.js';
import { diagnose } from '../../electron/engine/inspect/diagnosis.js';
import { buildSnapshot, type InspectionSnapshot } from '../../electron/engine/inspect/snapshot.js';
import type { ModelConfig } from '../../electron/engine/model/config.js';
import { initModel } from '../../electron/engine/model/init.js';
import type { ModelState } from '../../electron/engine/model/params.js';
import { findPreset } from '../../electron/engine/model/presets.js';
import { train } from '../../electron/engine/train/trainer.js';
import type { ComputeBackend } from '../../electron/engine/compute/types.js';

const capture = { gradients: true, trace: true };

function snapshotOf(backend: ComputeBackend, initial: ModelState, step: number, lr: number): InspectionSnapshot {
  return buildSnapshot({
    step, lr, config: initial.config, vocabSize: initial.vocabSize, traces: backend.trace(), gradients: backend.gradients(),
    tensors: (name) => backend.tensor(name), initial: initial.tensors,
  });
}

const flags = (params: readonly { name: string; changed: boolean }[]) => Object.fromEntries(params.map((p) => [p.name, p.changed]));

describe('hasChanged', () => {
  it('sees a change in any single element, wherever it is', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.float({ noNaN: true }), (n, at, delta) => {
        const initial = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
        const k = at % n;
        const current = initial.slice();
        expect(hasChanged(current, initial)).toBe(false);
        current[k] = initial[k] + (delta === 0 ? 1 : delta);
        expect(hasChanged(current, initial)).toBe(current[k] !== initial[k]);
      }),
      { numRuns: 300 },
    );
    const initial = new Float32Array(1000);
    const current = initial.slice();
    current[737] = 1e-30;
    expect(hasChanged(current, initial)).toBe(true);
    expect(hasChanged(Float32Array.of(NaN), Float32Array.of(NaN))).toBe(true); // a NaN is never "unchanged"
    expect(hasChanged(new Float32Array(3), new Float32Array(4))).toBe(true);
  });
});

describe('changed since init ≠ has a gradient (fused backend)', () => {
  it('a gradient with lr = 0: every parameter has a gradient and none has changed (train → result and snapshots)', async () => {
    const dataset = prepareDataset(builtInWords(), 3);
    const config = structuredClone(findPreset('bn3-fold')!.config);
    Object.assign(config.train, { steps: 30, inspectEvery: 10, evalEvery: 0, learningRate: { initial: 0, decays: [] } });
    const initial = initModel(config.model, dataset.vocab.length, 7);
    const backend = await createFusedBackend(initial);
    const snapshots: InspectionSnapshot[] = [];
    const result = await train({ config, dataset, backend, initialState: initial, hooks: { onSnapshot: (s) => snapshots.push(s) } });
    // Every 10 steps and the last one (29), so Inspect can show where the run ended.
    expect(snapshots.map((s) => s.step)).toEqual([0, 10, 20, 29]);
    for (const s of snapshots) {
      for (const p of s.params) {
        expect(p.gradMaxAbs, `${p.name} step ${s.step}`).toBeGreaterThan(0);
        expect(p.changed, `${p.name} step ${s.step}`).toBe(false);
      }
      const d = diagnose(s);
      expect(d.flags.receivingGradient).toHaveLength(10);
      expect(d.flags.neverChanged).toHaveLength(10);
    }
    expect(result.params.filter((p) => p.changed)).toEqual([]);
    expect(diagnose(snapshots[2]).text).toContain('have never changed from their initial values');
    backend.dispose();
  });

  it('only rows other than the first change: C is changed although C[0] is exactly its initial value', async () => {
    const model = findPreset('bn3-fold')!.config.model;
    const initial = initModel(model, 27, 3);
    const backend = await createFusedBackend(initial);
    // every context is token 5: only row 5 of C (elements 50..59) gets a gradient
    const x = new Int32Array(32 * model.blockSize).fill(5);
    const y = Int32Array.from({ length: 32 }, (_, i) => (i * 7) % 27);
    backend.trainStep(x, y, 0.1, capture);
    const C = backend.tensor('C');
    const moved = Array.from(C.keys()).filter((i) => C[i] !== initial.tensors.C[i]);
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.every((i) => i >= 50 && i < 60)).toBe(true);
    expect(C[0]).toBe(initial.tensors.C[0]);
    expect(flags(changedParams(backend, initial)).C).toBe(true);
    expect(flags(snapshotOf(backend, initial, 0, 0.1).params).C).toBe(true);
    backend.dispose();
  });

  it('a gradient that is zero now after a change earlier: still changed (a ReLU unit that died after step 1)', async () => {
    // token 1 → pre-activation C[1]·W1 + b1 = 1 (alive), token 2 → −1 (dead: relu passes no gradient)
    const config: ModelConfig = {
      blockSize: 1, embeddingSize: 1, embeddingInit: { kind: 'zero' },
      hidden: [{ size: 1, activation: 'relu', bias: true, batchNorm: false, weightInit: { kind: 'zero' }, biasInit: { kind: 'zero' }, gammaInit: { kind: 'zero' }, betaInit: { kind: 'zero' } }],
      output: { bias: true, batchNorm: false, weightInit: { kind: 'zero' }, biasInit: { kind: 'zero' }, gammaInit: { kind: 'zero' }, betaInit: { kind: 'zero' } },
      batchNorm: { eps: 1e-5, momentum: 0.1 },
    };
    const initial = initModel(config, 3, 1);
    initial.tensors.C.set([0, 1, -1]);
    initial.tensors.W1.set([1]);
    initial.tensors.W2.set([0.5, -0.5, 0.2]);
    const backend = await createFusedBackend(initial);
    const y = Int32Array.from({ length: 8 }, (_, i) => i % 3);
    backend.trainStep(new Int32Array(8).fill(1), y, 0.1, capture);
    const afterStep1 = flags(changedParams(backend, initial));
    expect(afterStep1).toEqual({ C: true, W1: true, b1: true, W2: true, b2: true });
    // step 2: every context is token 2, the unit is dead: only b2 has a gradient
    backend.trainStep(new Int32Array(8).fill(2), y, 0.1, capture);
    const grads = backend.gradients();
    expect(Object.fromEntries(Object.entries(grads).map(([n, g]) => [n, g.some((v) => v !== 0)]))).toEqual({ C: false, W1: false, b1: false, W2: false, b2: true });
    expect(flags(changedParams(backend, initial))).toEqual({ C: true, W1: true, b1: true, W2: true, b2: true });
    const snap = snapshotOf(backend, initial, 1, 0.1);
    expect(flags(snap.params)).toEqual({ C: true, W1: true, b1: true, W2: true, b2: true });
    const d = diagnose(snap);
    expect(d.flags.zeroGradient).toEqual(['C', 'W1', 'b1', 'W2']);
    expect(d.flags.neverChanged).toEqual([]);
    expect(d.text).toContain('Every parameter has moved from its initial value.');
    backend.dispose();
  });
});
