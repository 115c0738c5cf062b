/**
 * The fused WebAssembly kernel (each thread configuration) and the onnxruntime step graph against the oracle: `tf.grads` over `forwardTf(…, 'train')` + `crossEntropyTf`
 * on the TensorFlow.js cpu backend, for random small networks covering the whole MLP family.
 * Presets, copies, input checks and kernel loading: fused-contract.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Activation, HiddenLayerConfig, ModelConfig } from '../../electron/engine/model/config.js';
import { crossEntropyTf, forwardTf } from '../../electron/engine/model/forwardTf.js';
import { linearLayouts, paramSpecs, type ModelState } from '../../electron/engine/model/params.js';
import { Rng } from '../../electron/engine/util/rng.js';
import {
  GRAD_TOLERANCE, GRAD_TOLERANCE_BATCH_OF_2, TRAINED_BN, block, maxAbs, maxAbsDiff, oracleTrainStep, paramTensors, randomBatch, trainedLikeState,
} from '../helpers/tf.js';
import { ORACLE_BACKEND_CASES } from '../helpers/oracleBackends.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface NetShape {
  hidden: { size: number; bias: boolean; batchNorm: boolean; activation: Activation }[];
  output: { bias: boolean; batchNorm: boolean };
  blockSize: number;
  embeddingSize: number;
  vocab: number;
}

function configOf(shape: NetShape): ModelConfig {
  return {
    blockSize: shape.blockSize,
    embeddingSize: shape.embeddingSize,
    embeddingInit: { kind: 'normal', scale: 1 },
    hidden: shape.hidden.map((h): HiddenLayerConfig => ({ ...block(h.bias, h.batchNorm), size: h.size, activation: h.activation })),
    output: block(shape.output.bias, shape.output.batchNorm),
    batchNorm: { eps: 1e-5, momentum: 0.1 },
  };
}

const randomState = (config: ModelConfig, vocab: number, seed: number): ModelState => trainedLikeState(config, vocab, seed, TRAINED_BN);

function randomShape(rng: Rng, i: number): NetShape {
  const acts: Activation[] = ['tanh', 'relu', 'none'];
  const depth = 1 + (i % 3);
  return {
    hidden: Array.from({ length: depth }, () => ({
      size: 2 + rng.int(19), // includes widths below 4 (scalar path) and non-multiples of 4
      bias: rng.uniform() < 0.5,
      batchNorm: rng.uniform() < 0.5,
      activation: acts[rng.int(rng.uniform() < 0.8 ? 2 : 3)],
    })),
    output: { bias: rng.uniform() < 0.5, batchNorm: rng.uniform() < 0.4 },
    blockSize: 1 + rng.int(4),
    embeddingSize: 1 + rng.int(6),
    vocab: 3 + rng.int(30),
  };
}

describe.each(ORACLE_BACKEND_CASES)('$name', ({ create, splits }) => {
  describe('fused kernel vs tf.grads oracle', () => {
    const rng = new Rng(2024);
    const shapes = Array.from({ length: 24 }, (_, i) => randomShape(rng, i));

    it('covers the family: BN on/off, bias on/off, 1–3 layers, tanh/relu/none, output BN, narrow widths', () => {
      const hidden = shapes.flatMap((s) => s.hidden);
      expect(new Set(hidden.map((h) => h.batchNorm)).size).toBe(2);
      expect(new Set(hidden.map((h) => h.bias)).size).toBe(2);
      expect(new Set(hidden.map((h) => h.activation)).size).toBe(3);
      expect(new Set(shapes.map((s) => s.hidden.length)).size).toBe(3);
      expect(shapes.some((s) => s.output.batchNorm)).toBe(true);
      expect(hidden.some((h) => h.size < 4)).toBe(true);
    });

    it.each(shapes.map((s, i) => [i, s] as const))('network %i: loss, every gradient, SGD update and running buffers', async (i, shape) => {
      const config = configOf(shape);
      const state = randomState(config, shape.vocab, 100 + i);
      const batchRng = new Rng(500 + i);
      const rows = [32, 7, 2, 50][i % 4];
      const { x, y } = randomBatch(batchRng, rows, config.blockSize, shape.vocab);
      const expected = oracleTrainStep(state, x, y);
      const backend = await create(state);
      const before = backend.state();
      const lr = 0.1;
      const loss = backend.trainStep(x, y, lr, { gradients: true, trace: true });
      expect(Math.abs(loss - expected.loss)).toBeLessThanOrEqual(2e-6 * Math.max(1, expected.loss));
      // With two threads the worker really ran half of the step's products (dW = Hᵀ·dZ has in ≥ 8 rows in every such net).
      if (splits && rows >= 8) expect(backend.threadStats!().workerParts).toBeGreaterThan(0);

      const grads = backend.gradients();
      const trainable = paramSpecs(config, shape.vocab).filter((s) => s.trainable);
      expect(Object.keys(grads).sort()).toEqual(trainable.map((s) => s.name).sort());
      const scale = Math.max(...trainable.map((s) => maxAbs(expected.grads[s.name])));
      for (const s of trainable) {
        const err = maxAbsDiff(grads[s.name], expected.grads[s.name]);
        const tolerance = rows === 2 ? GRAD_TOLERANCE_BATCH_OF_2 : GRAD_TOLERANCE;
        expect(err, `${s.name} (grad scale ${scale})`).toBeLessThanOrEqual(tolerance * scale);
      }

      // p ← p − lr·g, exactly as float32 arithmetic does it.
      const lr32 = Math.fround(lr);
      for (const s of trainable) {
        const p0 = before.tensors[s.name];
        const g = grads[s.name];
        const p1 = backend.tensor(s.name);
        for (let k = 0; k < p0.length; k++) expect(p1[k]).toBe(Math.fround(p0[k] - Math.fround(lr32 * g[k])));
      }

      // running = (1 − m)·running + m·batch, with the unbiased batch variance.
      for (const l of linearLayouts(config, shape.vocab).filter((l) => l.block.batchNorm)) {
        const stats = expected.batchStats.get(l.index)!;
        const m = config.batchNorm.momentum;
        for (const [name, batch] of [[`mean${l.index}`, stats.mean], [`var${l.index}`, stats.variance]] as const) {
          const r0 = before.tensors[name];
          const want = r0.map((r, k) => (1 - m) * r + m * batch[k]);
          expect(maxAbsDiff(backend.tensor(name), want), name).toBeLessThanOrEqual(2e-6 * Math.max(1, maxAbs(want)));
        }
      }

      // the trace's activations are forwardTf's (train mode)
      const trace = backend.trace();
      expect(trace.map((t) => t.layer)).toEqual(shape.hidden.map((_, k) => k + 1));
      trace.forEach((t, k) => {
        expect(t.activation.length).toBe(rows * shape.hidden[k].size);
        expect(maxAbsDiff(t.activation, expected.activations[k])).toBeLessThanOrEqual(2e-6 * Math.max(1, maxAbs(expected.activations[k])));
      });
      backend.dispose();
    });

    it('a wide network and a big batch (products split into cache blocks) still match the oracle', async () => {
      // widths 300 and 261: column panels of 256 plus a remainder (ragged for 261); batch 300 > the K slice of 256
      const shape: NetShape = {
        hidden: [
          { size: 300, bias: true, batchNorm: false, activation: 'tanh' },
          { size: 261, bias: false, batchNorm: true, activation: 'relu' },
        ],
        output: { bias: true, batchNorm: false },
        blockSize: 3,
        embeddingSize: 5,
        vocab: 27,
      };
      const config = configOf(shape);
      const state = randomState(config, shape.vocab, 31);
      const { x, y } = randomBatch(new Rng(32), 300, config.blockSize, shape.vocab);
      const expected = oracleTrainStep(state, x, y);
      const backend = await create(state);
      const loss = backend.trainStep(x, y, 0.1, { gradients: true, trace: false });
      expect(Math.abs(loss - expected.loss)).toBeLessThanOrEqual(2e-6 * expected.loss);
      if (splits) {
        // Every product of the 3 layers was split, and the worker ran at least the half the caller left it.
        expect(backend.threadStats!().splitProducts).toBe(9);
        expect(backend.threadStats!().workerParts).toBeGreaterThanOrEqual(9);
      }
      const grads = backend.gradients();
      const scale = Math.max(...Object.values(expected.grads).map(maxAbs));
      for (const [name, g] of Object.entries(grads)) expect(maxAbsDiff(g, expected.grads[name]), name).toBeLessThanOrEqual(GRAD_TOLERANCE * scale);
      backend.dispose();
    });

    it.each(shapes.slice(0, 8).map((s, i) => [i, s] as const))('network %i: inference logits and loss equal forwardTf(infer)', async (i, shape) => {
      const config = configOf(shape);
      const state = randomState(config, shape.vocab, 300 + i);
      const backend = await create(state);
      // 5,000 rows: more than one inference chunk for the wide nets, and a capacity re-plan for all.
      const n = i < 2 ? 5000 : 333;
      const { x, y } = randomBatch(new Rng(900 + i), n, config.blockSize, shape.vocab);
      const { logits, loss } = tf.tidy(() => {
        const out = forwardTf(config, shape.vocab, paramTensors(state), tf.tensor2d(x, [n, config.blockSize], 'int32'), 'infer').logits;
        return { logits: out.dataSync() as Float32Array, loss: crossEntropyTf(out, tf.tensor1d(y, 'int32'), shape.vocab).dataSync()[0] };
      });
      const got = backend.logits(x, n);
      expect(got.length).toBe(n * shape.vocab);
      expect(maxAbsDiff(got, logits)).toBeLessThanOrEqual(2e-6 * Math.max(1, maxAbs(logits)));
      expect(Math.abs(backend.loss(x, y, n) - loss)).toBeLessThanOrEqual(2e-6 * Math.max(1, loss));
      if (splits) expect(backend.threadStats!().workerParts).toBeGreaterThan(0);
      backend.dispose();
    });
  });

  describe('fused kernel: layer-output gradients in the trace', () => {
    it('dLoss/dActivation equals tf.grads with respect to each hidden activation', async () => {
      const shape: NetShape = {
        hidden: [
          { size: 9, bias: true, batchNorm: true, activation: 'tanh' },
          { size: 6, bias: false, batchNorm: false, activation: 'relu' },
          { size: 5, bias: true, batchNorm: true, activation: 'tanh' },
        ],
        output: { bias: false, batchNorm: true },
        blockSize: 3,
        embeddingSize: 4,
        vocab: 11,
      };
      const config = configOf(shape);
      const state = randomState(config, shape.vocab, 77);
      const rows = 16;
      const { x, y } = randomBatch(new Rng(78), rows, config.blockSize, shape.vocab);
      // Oracle: the activations are intermediate, so add a zero "probe" tensor to each one and differentiate
      // the loss with respect to the probes. The forward below mirrors forwardTf block by block (and is
      // checked against it) so the probes sit exactly where the trace reads.
      const { want, logitsDiff } = tf.tidy(() => {
        const p = paramTensors(state);
        const xt = tf.tensor2d(x, [rows, config.blockSize], 'int32');
        const yt = tf.tensor1d(y, 'int32');
        const forwardWithProbes = (probes: tf.Tensor[]) => {
          let h = tf.gather(p.C, xt).reshape([rows, config.blockSize * config.embeddingSize]) as tf.Tensor2D;
          for (const l of linearLayouts(config, shape.vocab)) {
            let z = tf.matMul(h, p[`W${l.index}`] as tf.Tensor2D) as tf.Tensor2D;
            if (l.block.bias) z = tf.add(z, p[`b${l.index}`]);
            if (l.block.batchNorm) {
              const mean = tf.mean(z, 0);
              const variance = tf.div(tf.sum(tf.square(tf.sub(z, mean)), 0), rows - 1);
              z = tf.add(tf.mul(p[`gamma${l.index}`], tf.div(tf.sub(z, mean), tf.sqrt(tf.add(variance, 1e-5)))), p[`beta${l.index}`]);
            }
            if (l.activation === 'tanh') z = tf.tanh(z);
            else if (l.activation === 'relu') z = tf.relu(z);
            if (!l.isOutput) z = tf.add(z, probes[l.index - 1]);
            h = z;
          }
          return h;
        };
        const probes = shape.hidden.map((hl) => tf.zeros([rows, hl.size]));
        const reference = forwardTf(config, shape.vocab, p, xt, 'train').logits;
        const diff = tf.max(tf.abs(tf.sub(forwardWithProbes(probes), reference))).dataSync()[0];
        const g = tf.grads((...ps: tf.Tensor[]) => crossEntropyTf(forwardWithProbes(ps), yt, shape.vocab))(probes);
        return { want: g.map((t) => t.dataSync() as Float32Array), logitsDiff: diff };
      });
      expect(logitsDiff).toBe(0);
      const backend = await create(state);
      backend.trainStep(x, y, 0.05, { gradients: false, trace: true });
      if (splits) expect(backend.threadStats!().workerParts).toBeGreaterThan(0);
      const trace = backend.trace();
      expect(trace.map((t) => t.name)).toEqual(['tanh1', 'relu2', 'tanh3']);
      const scale = Math.max(...want.map(maxAbs));
      trace.forEach((t, k) => expect(maxAbsDiff(t.gradient, want[k])).toBeLessThanOrEqual(GRAD_TOLERANCE * scale));
      expect(() => backend.gradients()).toThrow(/capture.gradients/);
      backend.dispose();
    });
  });
});
