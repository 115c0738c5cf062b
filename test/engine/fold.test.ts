/**
 * Folding BatchNorm into the Linear before it must not change the inference-mode function: checked against
 * the tf.js oracle forward pass (cpu backend) on random models with non-trivial running statistics.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareModels, type ModelEvaluator, type SplitExamples } from '../../electron/engine/fold/compare.js';
import { foldBatchNorm } from '../../electron/engine/fold/fold.js';
import { FOLD_RELATIVE_TOLERANCE, foldVerdict } from '../../electron/engine/fold/verdict.js';
import type { HiddenLayerConfig, ModelConfig } from '../../electron/engine/model/config.js';
import { crossEntropyTf, forwardTf } from '../../electron/engine/model/forwardTf.js';
import { paramSpecs, type ModelState } from '../../electron/engine/model/params.js';
import { Rng } from '../../electron/engine/util/rng.js';
import { TRAINED_BN, block, paramTensors, scoped, trainedLikeState } from '../helpers/tf.js';

const V = 11;

function config(depth: number, rng: Rng, opts: { bias?: boolean; outputBN?: boolean } = {}): ModelConfig {
  const hidden: HiddenLayerConfig[] = Array.from({ length: depth }, (_, i) => ({
    ...block(opts.bias ?? rng.uniform() < 0.5, i === 0 || rng.uniform() < 0.7),
    size: 8 + rng.int(24),
    activation: (['tanh', 'relu', 'none'] as const)[rng.int(3)],
  }));
  return {
    blockSize: 3, embeddingSize: 5, embeddingInit: { kind: 'normal', scale: 1 }, hidden,
    output: block(opts.bias ?? rng.uniform() < 0.5, opts.outputBN ?? true),
    batchNorm: { eps: 1e-5, momentum: 0.1 },
  };
}

const randomModel = (cfg: ModelConfig, seed: number): ModelState => trainedLikeState(cfg, V, seed, TRAINED_BN);

function evaluator(state: ModelState): ModelEvaluator {
  const run = <T>(fn: (p: Record<string, tf.Tensor>) => T) => scoped(() => fn(paramTensors(state)));
  const bs = state.config.blockSize;
  return {
    logits: (x, n) => run((p) => forwardTf(state.config, V, p, tf.tensor2d(x, [n, bs], 'int32'), 'infer').logits.dataSync() as Float32Array),
    loss: (x, y, n) =>
      run((p) => crossEntropyTf(forwardTf(state.config, V, p, tf.tensor2d(x, [n, bs], 'int32'), 'infer').logits, tf.tensor1d(y.subarray(0, n), 'int32'), V).dataSync()[0]),
  };
}

function split(n: number, bs: number, rng: Rng): SplitExamples {
  return { x: new Int32Array(n * bs).map(() => rng.int(V)), y: new Int32Array(n).map(() => rng.int(V)), n };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('foldBatchNorm', () => {
  it('computes W·γ/√(σ²+ε) column-wise and (b−μ)·γ/√(σ²+ε)+β by hand', () => {
    const cfg: ModelConfig = {
      blockSize: 1, embeddingSize: 2, embeddingInit: { kind: 'zero' }, hidden: [],
      output: block(true, true), batchNorm: { eps: 1e-5, momentum: 0.1 },
    };
    const state: ModelState = {
      config: cfg,
      vocabSize: 2,
      tensors: {
        C: new Float32Array([1, 2, 3, 4]),
        W1: new Float32Array([1, 2, 3, 4]), // [in 2, out 2]
        b1: new Float32Array([0.5, -1]),
        gamma1: new Float32Array([2, 0.5]),
        beta1: new Float32Array([0.1, 0.2]),
        mean1: new Float32Array([1, -2]),
        var1: new Float32Array([4 - 1e-5, 0.25 - 1e-5]), // √(σ²+ε) = 2 and 0.5 exactly in float64
      },
    };
    const { state: f, folds } = foldBatchNorm(state);
    const s = [2 / Math.sqrt(Math.fround(4 - 1e-5) + 1e-5), 0.5 / Math.sqrt(Math.fround(0.25 - 1e-5) + 1e-5)];
    expect(Array.from(f.tensors.W1)).toEqual([1 * s[0], 2 * s[1], 3 * s[0], 4 * s[1]].map(Math.fround));
    expect(Array.from(f.tensors.b1)).toEqual([(0.5 - 1) * s[0] + 0.1, (-1 + 2) * s[1] + 0.2].map((v) => Math.fround(v)));
    expect(Object.keys(f.tensors)).toEqual(['C', 'W1', 'b1']);
    expect(f.config.output).toMatchObject({ batchNorm: false, bias: true });
    expect(state.config.output.batchNorm).toBe(true); // input untouched
    expect(folds).toHaveLength(1);
    expect(folds[0]).toMatchObject({ layer: 1, isOutput: true, weight: 'W1', bias: 'b1', hadBias: true, gamma: 'gamma1', runningVar: 'var1', eps: 1e-5, features: 2 });
    // W1 [2, 2] + b1 + gamma1 + beta1 → W1' [2, 2] + b1'.
    expect(folds[0]).toMatchObject({ inFeatures: 2, parameters: { before: 10, after: 6 } });
    expect(folds[0].formula.weight).toBe("W1' = W1 · gamma1 / √(var1 + 0.00001)   (column-wise)");
    expect(folds[0].scaleRange.min).toBeCloseTo(1, 5);
  });

  it('removes every BN tensor and leaves BN-free blocks as they were', () => {
    const rng = new Rng(3);
    const cfg = config(4, rng);
    cfg.hidden[1].batchNorm = false;
    const state = randomModel(cfg, 4);
    const { state: f, folds } = foldBatchNorm(state);
    f.config.hidden.forEach((h, i) => {
      expect(h.batchNorm).toBe(false);
      expect(h.bias).toBe(cfg.hidden[i].bias || cfg.hidden[i].batchNorm);
      expect(h.size).toBe(cfg.hidden[i].size);
    });
    expect(f.config.output).toMatchObject({ batchNorm: false, bias: true });
    expect(Object.keys(f.tensors).filter((k) => /gamma|beta|mean|var/.test(k))).toEqual([]);
    expect(Object.keys(f.tensors)).toEqual(paramSpecs(f.config, V).map((s) => s.name));
    const bnBlocks = [...cfg.hidden, cfg.output].map((b, i) => (b.batchNorm ? i + 1 : 0)).filter((i) => i > 0);
    expect(bnBlocks).not.toContain(2);
    expect(folds.map((s) => s.layer)).toEqual(bnBlocks);
    expect(f.tensors.W2).toEqual(state.tensors.W2);
    expect(f.tensors.W2).not.toBe(state.tensors.W2);
    expect(f.config.hidden[1].bias).toBe(cfg.hidden[1].bias);
  });

  const cases: { name: string; depth: number; bias?: boolean; outputBN?: boolean; seed: number }[] = [
    { name: '1 hidden, no bias before BN', depth: 1, bias: false, seed: 11 },
    { name: '1 hidden, bias before BN', depth: 1, bias: true, seed: 12 },
    { name: '2 hidden, no bias (bn3-fold shape)', depth: 2, bias: false, seed: 13 },
    { name: '3 hidden, mixed bias', depth: 3, seed: 14 },
    { name: '4 hidden, bias, no output BN', depth: 4, bias: true, outputBN: false, seed: 15 },
    { name: '5 hidden, no bias', depth: 5, bias: false, seed: 16 },
    { name: '5 hidden, mixed', depth: 5, seed: 17 },
  ];
  for (const c of cases) {
    it(`keeps logits (≤ 1e-5) and losses (≤ 1e-5) on every split: ${c.name}`, () => {
      const rng = new Rng(c.seed);
      const cfg = config(c.depth, rng, { bias: c.bias, outputBN: c.outputBN });
      const state = randomModel(cfg, c.seed);
      const { state: folded, folds } = foldBatchNorm(state);
      const bnLayers = [...cfg.hidden, cfg.output].filter((b) => b.batchNorm).length;
      expect(folds).toHaveLength(bnLayers);
      const splits = { train: split(700, 3, rng), val: split(300, 3, rng), test: split(0, 3, rng) };
      const cmp = compareModels(evaluator(state), evaluator(folded), splits, 256);
      // The logits are not trivially small (a fold that zeroed everything would fail the comparison).
      const logits = evaluator(state).logits(splits.val.x, 300);
      expect(Math.max(...Array.from(logits, Math.abs))).toBeGreaterThan(0.5);
      if (process.env.FOLD_REPORT) console.log(c.name, JSON.stringify(cmp));
      expect(cmp.maxAbsLogitDiff.train).toBeLessThanOrEqual(1e-5);
      expect(cmp.maxAbsLogitDiff.val).toBeLessThanOrEqual(1e-5);
      expect(cmp.maxAbsLogitDiff.test).toBe(0);
      expect(Math.abs(cmp.loss.before.train! - cmp.loss.after.train!)).toBeLessThanOrEqual(1e-5);
      expect(Math.abs(cmp.loss.before.val! - cmp.loss.after.val!)).toBeLessThanOrEqual(1e-5);
      expect(cmp.loss.before.test).toBeNull();
      expect(cmp.inferenceMs.before).toBeGreaterThan(0);
      expect(cmp.maxAbsLogit).toBeCloseTo(Math.max(...[splits.train, splits.val].flatMap((sp) => Array.from(evaluator(state).logits(sp.x, sp.n), Math.abs))), 5);
      expect(foldVerdict(cmp)).toMatchObject({ pass: true, tolerance: FOLD_RELATIVE_TOLERANCE * Math.max(1, cmp.maxAbsLogit) });
      // The per-layer counts add up to the model's change in trainable parameters.
      const trainable = (st: ModelState) => paramSpecs(st.config, V).filter((p) => p.trainable).reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
      const removed = folds.reduce((n, f) => n + f.parameters.before - f.parameters.after, 0);
      expect(trainable(state) - trainable(folded)).toBe(removed);

      // A fold that used a running variance 1% off (a plausible bug) is caught by the verdict.
      const wrong = structuredClone(state);
      for (const f of folds) wrong.tensors[f.runningVar] = wrong.tensors[f.runningVar].map((v) => v * 1.01);
      const bad = compareModels(evaluator(state), evaluator(foldBatchNorm(wrong).state), splits, 256);
      expect(foldVerdict(bad).pass).toBe(false);
    });
  }
});

describe('compareModels', () => {
  it('finds the largest logit difference across chunks and reports NaN as infinite', () => {
    const shift = (d: number, at: number): ModelEvaluator => ({
      logits: (x, n) => Float32Array.from({ length: n * 2 }, (_, k) => x[Math.floor(k / 2)] + (x[Math.floor(k / 2)] === at ? d : 0)),
      loss: (_x, _y, n) => n,
    });
    const s: SplitExamples = { x: Int32Array.from({ length: 10 }, (_, i) => i), y: new Int32Array(10), n: 10 };
    const empty: SplitExamples = { x: new Int32Array(0), y: new Int32Array(0), n: 0 };
    const r = compareModels(shift(0, -1), shift(0.25, 7), { train: s, val: s, test: empty }, 3);
    expect(r.maxAbsLogitDiff).toEqual({ train: 0.25, val: 0.25, test: 0 });
    expect(r.loss.before).toEqual({ train: 10, val: 10, test: null });
    const nan = compareModels(shift(0, -1), shift(NaN, 2), { train: s, val: empty, test: empty }, 4);
    expect(nan.maxAbsLogitDiff.train).toBe(Infinity);
    expect(r.maxAbsLogit).toBe(9);
  });
});

describe('foldVerdict', () => {
  const cmp = (d: Partial<Record<'train' | 'val' | 'test', number>>, maxAbsLogit: number) => ({
    maxAbsLogitDiff: { train: 0, val: 0, test: 0, ...d },
    maxAbsLogit,
  });

  it('is relative to the logits\' scale, never below the float32 rounding of a logit of 1', () => {
    expect(foldVerdict(cmp({ val: 9e-5 }, 10))).toEqual({ pass: true, tolerance: 1e-4, worst: { split: 'val', maxAbsLogitDiff: 9e-5 } });
    expect(foldVerdict(cmp({ test: 2e-4 }, 10))).toMatchObject({ pass: false, worst: { split: 'test' } });
    expect(foldVerdict(cmp({ train: 5e-6 }, 0.01))).toMatchObject({ pass: true, tolerance: 1e-5 });
  });

  it('fails on a NaN or infinite difference', () => {
    expect(foldVerdict(cmp({ train: Number.NaN }, 1)).pass).toBe(false);
    expect(foldVerdict(cmp({ val: Infinity }, 1))).toMatchObject({ pass: false, worst: { split: 'val', maxAbsLogitDiff: Infinity } });
  });
});
