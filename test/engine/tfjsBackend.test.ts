/**
 * Gradient oracle for the TensorFlow.js compute backend (explicit forward/backward in tf ops), on both the
 * 'cpu' and the 'wasm' tf.js backends: every trainable gradient, the loss, the SGD update, the BatchNorm
 * running buffers, inference logits/loss, and the per-layer traces are checked against `tf.grads` over the
 * readable forward pass `forwardTf` + `crossEntropyTf`, on random small networks.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activation, InitSpec, LinearBlockConfig, ModelConfig } from '../../electron/engine/model/config.js';
import { crossEntropyTf, forwardTf } from '../../electron/engine/model/forwardTf.js';
import { linearLayouts, type ModelState } from '../../electron/engine/model/params.js';
import { Rng } from '../../electron/engine/util/rng.js';
import type { ComputeBackend } from '../../electron/engine/compute/types.js';
import { createTfjsBackend, INFERENCE_CHUNK_ROWS } from '../../electron/engine/compute/tfjs/tfjsBackend.js';
import { loadTf, type LoadedTf } from '../../electron/engine/compute/tfLoaders.js';
import { TRAINED_BN, oracleTrainStep, paramTensors, scoped, trainedLikeState, type OracleStep } from '../helpers/tf.js';

const VOCAB = 7;
const BATCH = 16;
const NO_CAPTURE = { gradients: false, trace: false };
const CAPTURE_ALL = { gradients: true, trace: true };

// ---- random small networks -------------------------------------------------------------------------------

function randomBlock(rng: Rng): LinearBlockConfig {
  const kaiming: InitSpec = { kind: 'kaiming', gain: 5 / 3, scale: 1 };
  return {
    bias: rng.nextUint32() % 2 === 0,
    batchNorm: rng.nextUint32() % 2 === 0,
    weightInit: kaiming,
    biasInit: { kind: 'normal', scale: 0.1 },
    gammaInit: { kind: 'constant', value: 1 },
    betaInit: { kind: 'zero' },
  };
}

function randomConfig(rng: Rng): ModelConfig {
  const activations: Activation[] = ['tanh', 'relu', 'none'];
  const depth = 1 + (rng.nextUint32() % 3);
  return {
    blockSize: 2 + (rng.nextUint32() % 2),
    embeddingSize: 2 + (rng.nextUint32() % 4),
    embeddingInit: { kind: 'normal', scale: 1 },
    hidden: Array.from({ length: depth }, () => ({
      ...randomBlock(rng),
      size: 3 + (rng.nextUint32() % 10),
      activation: activations[rng.nextUint32() % 3],
    })),
    output: randomBlock(rng),
    batchNorm: { eps: 1e-5, momentum: 0.1 },
  };
}

const randomState = (config: ModelConfig, seed: number): ModelState => trainedLikeState(config, VOCAB, seed, TRAINED_BN);

function randomBatch(rng: Rng, rows: number, blockSize: number): { x: Int32Array; y: Int32Array } {
  const x = new Int32Array(rows * blockSize);
  const y = new Int32Array(rows);
  // VOCAB 7 and ≥ 32 context tokens: repeated tokens are guaranteed, exercising the scatter-add of dC.
  for (let j = 0; j < x.length; j++) x[j] = rng.nextUint32() % VOCAB;
  for (let j = 0; j < rows; j++) y[j] = rng.nextUint32() % VOCAB;
  return { x, y };
}

// ---- the oracle (tf.grads over forwardTf on the cpu tf.js backend) ----------------------------------------

/** The oracle's step plus dLoss/d(activation) of each hidden block (what the trace's gradients must equal). */
interface Oracle extends OracleStep {
  activationGrads: Float32Array[];
}

async function onOracleBackend<T>(f: () => T): Promise<T> {
  await tf.setBackend('cpu');
  return scoped(f); // plain arrays out; every tensor made inside is freed
}

/**
 * Loss from hidden block k's activation onward, in train mode, with forwardTf's ops — so tf.grads gives
 * dLoss/d(activation k). Checked against forwardTf's own loss before use.
 */
function tailLoss(state: ModelState, params: Record<string, tf.Tensor>, k: number, h0: tf.Tensor2D, y: tf.Tensor1D): tf.Scalar {
  const { config } = state;
  let h = h0;
  const n = h.shape[0];
  for (const l of linearLayouts(config, VOCAB).slice(k + 1)) {
    const i = l.index;
    let z: tf.Tensor2D = tf.matMul(h, params[`W${i}`] as tf.Tensor2D);
    if (l.block.bias) z = tf.add(z, params[`b${i}`]);
    if (l.block.batchNorm) {
      const mean = tf.mean(z, 0);
      const variance = tf.div(tf.sum(tf.square(tf.sub(z, mean)), 0), n - 1);
      const xhat = tf.div(tf.sub(z, mean), tf.sqrt(tf.add(variance, config.batchNorm.eps)));
      z = tf.add(tf.mul(params[`gamma${i}`], xhat), params[`beta${i}`]) as tf.Tensor2D;
    }
    if (l.activation === 'tanh') z = tf.tanh(z);
    else if (l.activation === 'relu') z = tf.relu(z);
    h = z;
  }
  return crossEntropyTf(h, y, VOCAB);
}

function oracle(state: ModelState, x: Int32Array, y: Int32Array): Promise<Oracle> {
  return onOracleBackend(() => {
    const step = oracleTrainStep(state, x, y);
    const params = paramTensors(state);
    const xt = tf.tensor2d(x, [y.length, state.config.blockSize], 'int32');
    const yt = tf.tensor1d(y, 'int32');
    const trace = forwardTf(state.config, VOCAB, params, xt, 'train');
    const activationGrads = trace.activations.map((a, k) => {
      const tail = tailLoss(state, params, k, a, yt).dataSync()[0];
      expect(tail).toBeCloseTo(step.loss, 5); // the split forward reproduces forwardTf
      return tf.grad((h: tf.Tensor) => tailLoss(state, params, k, h as tf.Tensor2D, yt))(a).dataSync() as Float32Array;
    });
    return { ...step, activationGrads };
  });
}

function inferenceOracle(state: ModelState, x: Int32Array, y: Int32Array): Promise<{ logits: Float32Array; loss: number }> {
  return onOracleBackend(() => {
    const xt = tf.tensor2d(x, [y.length, state.config.blockSize], 'int32');
    const logits = forwardTf(state.config, VOCAB, paramTensors(state), xt, 'infer').logits;
    return {
      logits: logits.dataSync() as Float32Array,
      loss: crossEntropyTf(logits, tf.tensor1d(y, 'int32'), VOCAB).dataSync()[0],
    };
  });
}

/** max |a − b| relative to the scale of the reference (absolute below 1). */
function maxRelErr(actual: Float32Array, expected: Float32Array): number {
  expect(actual.length).toBe(expected.length);
  let scale = 1;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  let err = 0;
  for (let j = 0; j < actual.length; j++) err = Math.max(err, Math.abs(actual[j] - expected[j]));
  return err / scale;
}

/** float32 rounding over a few hundred operations; an actual bug gives errors of order 1e-2 or more. */
const TOL = 1e-5;

// ---- tests --------------------------------------------------------------------------------------------------

for (const tfBackend of ['cpu', 'wasm'] as const) {
  describe(`tfjs compute backend on tf.js '${tfBackend}'`, () => {
    let loaded: LoadedTf;
    beforeAll(async () => {
      loaded = await loadTf(tfBackend);
    });
    const create = async (state: ModelState): Promise<ComputeBackend> => {
      await loaded.tf.setBackend(loaded.tfBackend);
      return createTfjsBackend(loaded.tf, state, { id: tfBackend, description: loaded.description, skipped: [] });
    };

    it('matches tf.grads on random small nets: loss, every gradient, SGD update, running buffers, traces', async () => {
      const rng = new Rng(tfBackend === 'cpu' ? 11 : 12);
      const seen = { bn: 0, noBn: 0, bias: 0, noBias: 0, outBn: 0, tanh: 0, relu: 0, none: 0, depth: new Set<number>() };
      let worst = 0;
      for (let trial = 0; trial < 14; trial++) {
        const config = randomConfig(rng);
        for (const b of [...config.hidden, config.output]) {
          if (b.batchNorm) seen.bn++; else seen.noBn++;
          if (b.bias) seen.bias++; else seen.noBias++;
        }
        if (config.output.batchNorm) seen.outBn++;
        for (const h of config.hidden) seen[h.activation]++;
        seen.depth.add(config.hidden.length);

        const state = randomState(config, 100 + trial);
        const { x, y } = randomBatch(rng, BATCH, config.blockSize);
        const expected = await oracle(state, x, y);
        const backend = await create(state);
        const lr = 0.05;
        const loss = backend.trainStep(x, y, lr, CAPTURE_ALL);
        const where = `trial ${trial} ${JSON.stringify(config.hidden.map((h) => [h.size, h.activation, h.bias, h.batchNorm]))} out ${JSON.stringify([config.output.bias, config.output.batchNorm])}`;
        expect(Math.abs(loss - expected.loss), where).toBeLessThan(1e-5);

        const grads = backend.gradients();
        expect(Object.keys(grads).sort()).toEqual(Object.keys(expected.grads).sort());
        for (const [name, g] of Object.entries(expected.grads)) {
          const err = maxRelErr(grads[name], g);
          worst = Math.max(worst, err);
          expect(err, `${where}: d${name}`).toBeLessThan(TOL);
        }
        // p_new = p − lr·g, for every trainable param
        for (const [name, g] of Object.entries(grads)) {
          const before = state.tensors[name];
          const after = backend.tensor(name);
          const want = before.map((p, j) => p - lr * g[j]);
          expect(maxRelErr(after, want), `${where}: ${name} update`).toBeLessThan(1e-6);
        }
        // running = (1 − m)·running + m·batch (unbiased variance)
        for (const [i, stats] of expected.batchStats) {
          const m = config.batchNorm.momentum;
          const wantMean = state.tensors[`mean${i}`].map((r, j) => (1 - m) * r + m * stats.mean[j]);
          const wantVar = state.tensors[`var${i}`].map((r, j) => (1 - m) * r + m * stats.variance[j]);
          expect(maxRelErr(backend.tensor(`mean${i}`), wantMean), `${where}: mean${i}`).toBeLessThan(1e-5);
          expect(maxRelErr(backend.tensor(`var${i}`), wantVar), `${where}: var${i}`).toBeLessThan(1e-5);
        }
        // traces: activation values and dLoss/d(activation) for each hidden block
        const trace = backend.trace();
        expect(trace.map((t) => t.layer)).toEqual(config.hidden.map((_, k) => k + 1));
        trace.forEach((t, k) => {
          expect(t.name).toBe(`${config.hidden[k].activation === 'none' ? 'linear' : config.hidden[k].activation}${k + 1}`);
          expect(maxRelErr(t.activation, expected.activations[k]), `${where}: ${t.name}`).toBeLessThan(TOL);
          expect(maxRelErr(t.gradient, expected.activationGrads[k]), `${where}: d${t.name}`).toBeLessThan(TOL);
        });
        backend.dispose();
      }
      // the random nets covered every variant the oracle is meant to check
      expect(seen.bn && seen.noBn && seen.bias && seen.noBias && seen.outBn && seen.tanh && seen.relu && seen.none).toBeTruthy();
      expect([...seen.depth].sort()).toEqual([1, 2, 3]);
      console.log(`[${tfBackend}] worst relative gradient error over 14 random nets: ${worst.toExponential(2)}`);
    });

    it('inference logits and loss equal forwardTf(…, "infer"), across inference chunks', async () => {
      const rng = new Rng(21);
      const config: ModelConfig = {
        ...randomConfig(rng),
        hidden: [
          { ...randomBlock(rng), bias: true, batchNorm: true, size: 9, activation: 'tanh' },
          { ...randomBlock(rng), bias: false, batchNorm: false, size: 6, activation: 'relu' },
        ],
        output: { ...randomBlock(rng), bias: false, batchNorm: true },
      };
      const state = randomState(config, 5);
      const rows = INFERENCE_CHUNK_ROWS + 123; // two chunks, the second partial
      const { x, y } = randomBatch(rng, rows, config.blockSize);
      const expected = await inferenceOracle(state, x, y);
      const backend = await create(state);
      expect(maxRelErr(backend.logits(x, rows), expected.logits)).toBeLessThan(TOL);
      expect(Math.abs(backend.loss(x, y, rows) - expected.loss)).toBeLessThan(1e-5);
      backend.dispose();
    });

    it('keeps tf.memory().numTensors flat across steps, captures, evaluation; dispose frees everything', async () => {
      const rng = new Rng(31);
      const config = randomConfig(rng);
      config.hidden[0].batchNorm = true;
      const before = loaded.tf.memory().numTensors;
      const backend = await create(randomState(config, 9));
      const { x, y } = randomBatch(rng, BATCH, config.blockSize);
      backend.trainStep(x, y, 0.1, NO_CAPTURE);
      const baseline = loaded.tf.memory().numTensors;
      for (let s = 0; s < 5; s++) {
        backend.trainStep(x, y, 0.1, s % 2 ? CAPTURE_ALL : { gradients: true, trace: false });
        backend.gradients();
        if (s % 2) backend.trace();
        backend.trainStep(x, y, 0.1, NO_CAPTURE);
        backend.loss(x, y, BATCH);
        backend.logits(x, BATCH);
        backend.state();
        expect(loaded.tf.memory().numTensors).toBe(baseline);
      }
      backend.dispose();
      expect(loaded.tf.memory().numTensors).toBe(before);
    });

    it('is deterministic and loss decreases when training one batch repeatedly', async () => {
      const rng = new Rng(41);
      const config = randomConfig(rng);
      const state = randomState(config, 3);
      const { x, y } = randomBatch(rng, BATCH, config.blockSize);
      const run = async () => {
        const backend = await create(state);
        const losses = Array.from({ length: 30 }, () => backend.trainStep(x, y, 0.1, NO_CAPTURE));
        backend.dispose();
        return losses;
      };
      const a = await run();
      expect(await run()).toEqual(a);
      expect(a[29]).toBeLessThan(a[0]);
      // the caller's state is untouched (the backend trains a copy)
      expect(state.tensors.C).toEqual(randomState(config, 3).tensors.C);
    });

    it('asks for capture explicitly: gradients()/trace() without it is an error, not stale data', async () => {
      const config = randomConfig(new Rng(51));
      const backend = await create(randomState(config, 1));
      const { x, y } = randomBatch(new Rng(52), BATCH, config.blockSize);
      backend.trainStep(x, y, 0.1, NO_CAPTURE);
      expect(() => backend.gradients()).toThrow(/did not capture/);
      expect(() => backend.trace()).toThrow(/did not capture/);
      backend.dispose();
    });
  });
}

describe("tfjs compute backends on 'cpu' and 'wasm' in one process", () => {
  let cpu: ComputeBackend;
  let wasm: ComputeBackend;
  const config = randomConfig(new Rng(61));
  config.hidden[0].batchNorm = true;
  const state = randomState(config, 2);
  beforeAll(async () => {
    for (const id of ['cpu', 'wasm'] as const) {
      const l = await loadTf(id);
      await l.tf.setBackend(l.tfBackend);
      const backend = await createTfjsBackend(l.tf, state, { id, description: l.description, skipped: [] });
      if (id === 'cpu') cpu = backend;
      else wasm = backend;
    }
  });
  afterAll(() => {
    cpu?.dispose();
    wasm?.dispose();
  });

  it('interleaved steps stay on their own tf.js backend and agree', () => {
    const rng = new Rng(62);
    // Tensors used on another tf.js backend would be migrated silently: count what each backend holds.
    const registry = (tf.engine() as unknown as { registry: Record<string, { numDataIds(): number }> }).registry;
    const held = () => [registry.cpu.numDataIds(), registry.wasm.numDataIds()];
    let steady: number[] = [];
    for (let s = 0; s < 20; s++) {
      const { x, y } = randomBatch(rng, BATCH, config.blockSize);
      const a = cpu.trainStep(x, y, 0.1, NO_CAPTURE);
      expect(tf.getBackend()).toBe('cpu');
      const b = wasm.trainStep(x, y, 0.1, NO_CAPTURE);
      expect(tf.getBackend()).toBe('wasm');
      expect(Math.abs(a - b)).toBeLessThan(1e-4);
      if (s === 0) steady = held();
      else expect(held()).toEqual(steady);
    }
    expect(maxRelErr(wasm.tensor('W1'), cpu.tensor('W1'))).toBeLessThan(1e-4);
  });
});
