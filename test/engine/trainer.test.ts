/** The training loop on real data: exercise 1's structure, determinism, pause/resume/stop, progress batching. */
import { describe, expect, it } from 'vitest';
import { createFusedBackend } from '../../electron/engine/compute/fused/fusedBackend.js';
import { createBackend } from '../../electron/engine/compute/select.js';
import { builtInWords, prepareDataset } from '../../electron/engine/data/index.js';
import { initModel } from '../../electron/engine/model/init.js';
import { findPreset } from '../../electron/engine/model/presets.js';
import type { ExperimentConfig } from '../../electron/engine/model/config.js';
import { TrainControl } from '../../electron/engine/train/control.js';
import { train, type TrainHooks } from '../../electron/engine/train/trainer.js';
import { FUSED_THREAD_CASES } from '../helpers/fusedThreads.js';

const dataset = prepareDataset(builtInWords(), 3);

function presetConfig(id: string, steps: number): ExperimentConfig {
  const config = structuredClone(findPreset(id)!.config);
  config.train.steps = steps;
  config.train.inspectEvery = 100;
  config.train.evalEvery = 0;
  return config;
}

async function run(config: ExperimentConfig, hooks: TrainHooks = {}, control?: TrainControl, backendChoice: 'fused' | 'onnxruntime' | 'wasm' | 'cpu' | 'auto' = 'auto') {
  const initial = initModel(config.model, dataset.vocab.length, config.train.seed);
  const backend = await createBackend(initial, backendChoice);
  try {
    return await train({ config, dataset, backend, initialState: initial, hooks, control });
  } finally {
    backend.dispose();
  }
}

/** Entropy (nats) of the next-token frequencies of the training split: the best a bias-only model can do. */
function unigramEntropy(y: Int32Array, vocab: number): number {
  const counts = new Float64Array(vocab);
  for (const t of y) counts[t]++;
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / y.length) * Math.log(c / y.length);
  return h;
}

describe('trainer', () => {
  it('exercise 1: with zero init only b2 receives gradient and changes; the loss approaches the unigram entropy', async () => {
    const snapshots: any[] = [];
    const result = await run(presetConfig('zero-init', 4000), { onSnapshot: (s) => snapshots.push(s) });
    expect(result.params.filter((p) => p.changed).map((p) => p.name)).toEqual(['b2']);
    expect(snapshots.length).toBe(41); // every 100 steps, and the last step (3999)
    for (const s of snapshots) {
      for (const p of s.params) {
        if (p.name === 'b2') expect(p.gradZeroFraction).toBeLessThan(1);
        else expect([p.name, p.gradMaxAbs]).toEqual([p.name, 0]);
      }
      expect(s.activations[0].std).toBe(0);
      expect(s.activations[0].maxAbs).toBe(0);
    }
    const h = unigramEntropy(dataset.train.y, dataset.vocab.length);
    expect(result.loss.train).toBeGreaterThanOrEqual(h - 1e-4);
    expect(result.loss.train - h).toBeLessThan(0.02);
  });

  it('is deterministic for a seed and backend', async () => {
    const config = presetConfig('bn3-fold', 150);
    const losses = async () => {
      const out: number[] = [];
      await run(config, { onProgress: (_p, chunk) => out.push(...chunk.losses) });
      return out;
    };
    const a = await losses();
    const b = await losses();
    expect(a).toHaveLength(150);
    expect(a).toEqual(b);
  });

  it('follows the same trajectory on every backend for the same seed', async () => {
    const config = presetConfig('bn3-fold', 200);
    const results = [];
    for (const backend of ['fused', 'onnxruntime', 'wasm', 'cpu'] as const) results.push(await run(config, {}, undefined, backend));
    expect(results.map((r) => r.backend.id)).toEqual(['fused', 'onnxruntime', 'wasm', 'cpu']);
    for (const r of results.slice(1)) {
      for (const split of ['train', 'val', 'test'] as const) expect(Math.abs(r.loss[split] - results[0].loss[split])).toBeLessThan(1e-4);
    }
  });

  it('trains bit-identically on 1 and 2 fused-kernel threads (every product split): the same losses, weights and evaluation', async () => {
    const config = presetConfig('bn3-fold', 150);
    const outcomes = [];
    for (const { options } of FUSED_THREAD_CASES) {
      const initial = initModel(config.model, dataset.vocab.length, config.train.seed);
      const backend = await createFusedBackend(initial, options);
      const losses: number[] = [];
      const result = await train({ config, dataset, backend, initialState: initial, hooks: { onProgress: (_p, chunk) => losses.push(...chunk.losses) } });
      outcomes.push({ losses, loss: result.loss, tensors: backend.state().tensors, workerParts: backend.threadStats().workerParts });
      backend.dispose();
    }
    const [one, two] = outcomes;
    expect(one.workerParts).toBe(0);
    expect(two.workerParts).toBeGreaterThan(150); // the worker ran half of every product
    expect(two.losses).toHaveLength(150);
    expect(two.losses).toEqual(one.losses);
    expect(two.loss).toEqual(one.loss);
    for (const [name, t] of Object.entries(one.tensors)) expect(Buffer.from(two.tensors[name].buffer).equals(Buffer.from(t.buffer)), name).toBe(true);
  });

  it('reports only new steps, in order, and at most ~20 times a second', async () => {
    const chunks: { fromStep: number; n: number }[] = [];
    let calls = 0;
    const t0 = performance.now();
    const result = await run(presetConfig('bn3-fold', 1500), {
      onProgress: (p, loss, ratios) => {
        calls++;
        chunks.push({ fromStep: loss.fromStep, n: loss.losses.length });
        expect(ratios?.ratios.length).toBe(loss.losses.length);
        expect(p.totalSteps).toBe(1500);
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    let expected = 0;
    for (const c of chunks) {
      expect(c.fromStep).toBe(expected);
      expected += c.n;
    }
    expect(expected).toBe(result.steps);
    expect(calls).toBeLessThanOrEqual(Math.ceil(seconds * 20) + 3);
  });

  it('pauses, resumes and stops', async () => {
    const control = new TrainControl();
    let pausedAt = -1;
    let sawPaused = false;
    const result = await run(
      presetConfig('zero-init', 1_000_000),
      {
        onProgress: (p) => {
          if (p.state === 'paused') {
            sawPaused = true;
            pausedAt = p.step;
            setTimeout(() => control.resume(), 50);
          } else if (pausedAt < 0 && p.step > 200) control.pause();
          else if (pausedAt >= 0 && p.step > pausedAt + 200) control.stop();
        },
      },
      control,
    );
    expect(sawPaused).toBe(true);
    expect(result.status).toBe('stopped');
    expect(result.steps).toBeGreaterThan(pausedAt);
    expect(result.steps).toBeLessThan(1_000_000);
    expect(Number.isFinite(result.loss.val)).toBe(true);
  });
});
