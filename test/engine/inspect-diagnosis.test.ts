/**
 * Snapshots and diagnoses built from REAL gradients (tf.grads over the oracle forward pass) of small
 * one-hidden-layer tanh MLPs: an all-zero initialisation like exercise 1, and a healthy random one.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LayerTrace } from '../../electron/engine/compute/types.js';
import type { HiddenLayerConfig, InitSpec, ModelConfig } from '../../electron/engine/model/config.js';
import { crossEntropyTf, forwardTf } from '../../electron/engine/model/forwardTf.js';
import { initModel } from '../../electron/engine/model/init.js';
import { paramSpecs, type ModelState } from '../../electron/engine/model/params.js';
import { diagnose } from '../../electron/engine/inspect/diagnosis.js';
import { HISTOGRAM_BINS } from '../../electron/engine/inspect/histogram.js';
import { buildSnapshot, type InspectionSnapshot } from '../../electron/engine/inspect/snapshot.js';
import { paramUpdateToData, ratioHistory, type UpdateRatioBatch } from '../../electron/engine/inspect/updateRatio.js';
import { Rng } from '../../electron/engine/util/rng.js';
import { paramTensors, scoped } from '../helpers/tf.js';

const V = 7;
const BATCH = 32;
const HIDDEN = 12;

function mlp(w1: InitSpec, b1: InitSpec, w2: InitSpec, b2: InitSpec): ModelConfig {
  const hidden: HiddenLayerConfig = {
    size: HIDDEN, activation: 'tanh', bias: true, batchNorm: false, weightInit: w1, biasInit: b1,
    gammaInit: { kind: 'constant', value: 1 }, betaInit: { kind: 'zero' },
  };
  return {
    blockSize: 3, embeddingSize: 4, embeddingInit: { kind: 'normal', scale: 1 }, hidden: [hidden],
    output: { bias: true, batchNorm: false, weightInit: w2, biasInit: b2, gammaInit: { kind: 'constant', value: 1 }, betaInit: { kind: 'zero' } },
    batchNorm: { eps: 1e-5, momentum: 0.1 },
  };
}

/** One minibatch: contexts from a seeded stream, targets skewed so the unigram distribution is not uniform. */
function batch(rng: Rng): { x: Int32Array; y: Int32Array } {
  const x = new Int32Array(BATCH * 3).map(() => rng.int(V));
  const y = new Int32Array(BATCH).map(() => Math.min(rng.int(V), rng.int(V)));
  return { x, y };
}

/**
 * `steps` SGD steps with tf.grads; returns the snapshot of the last step (its gradients, the trace of the
 * hidden layer and dLoss/dh1, the tensors after the update) plus the every-step update:data history, measured
 * and assembled as a run does (the array path per step, then the stored rows turned into the history).
 */
function train(config: ModelConfig, steps: number, lr: number): { snapshot: InspectionSnapshot; history: UpdateRatioBatch } {
  const state: ModelState = initModel(config, V, 5);
  const initial = Object.fromEntries(Object.entries(state.tensors).map(([k, v]) => [k, v.slice()]));
  const names = paramSpecs(config, V).filter((s) => s.trainable).map((s) => s.name);
  const rows: (number | null)[][] = [];
  const rng = new Rng(9);
  let snapshot: InspectionSnapshot | null = null;
  for (let step = 0; step < steps; step++) {
    const { x, y } = batch(rng);
    const { grads, traces } = scoped(() => {
      const params = paramTensors(state);
      const xt = tf.tensor2d(x, [BATCH, 3], 'int32');
      const yt = tf.tensor1d(y, 'int32');
      const g = tf.grads((...ps: tf.Tensor[]) => {
        const p = Object.fromEntries(names.map((n, k) => [n, ps[k]]));
        return crossEntropyTf(forwardTf(config, V, p, xt, 'train').logits, yt, V);
      })(names.map((n) => params[n]));
      const h = forwardTf(config, V, params, xt, 'train').activations[0];
      // dLoss/dh1 = dlogits·W2ᵀ: differentiate the output layer as a function of h1.
      const dh = tf.grad((hh: tf.Tensor) => crossEntropyTf(tf.add(tf.matMul(hh as tf.Tensor2D, params.W2 as tf.Tensor2D), params.b2) as tf.Tensor2D, yt, V))(h);
      const trace: LayerTrace = { layer: 1, name: 'tanh1', activation: h.dataSync() as Float32Array, gradient: dh.dataSync() as Float32Array };
      return { grads: Object.fromEntries(names.map((n, k) => [n, g[k].dataSync() as Float32Array])), traces: [trace] };
    });
    for (const n of names) {
      const w = state.tensors[n];
      for (let k = 0; k < w.length; k++) w[k] -= lr * grads[n][k];
    }
    rows.push(names.map((n) => paramUpdateToData(lr, grads[n], state.tensors[n])));
    if (step === steps - 1) {
      snapshot = buildSnapshot({ step, lr, config, vocabSize: V, traces, gradients: grads, tensors: state.tensors, initial });
    }
  }
  return { snapshot: snapshot!, history: ratioHistory({ params: names, every: 1, rows }) };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('zero-initialised MLP (exercise 1 structure)', () => {
  const zero: InitSpec = { kind: 'zero' };
  let snap: InspectionSnapshot;
  let history: UpdateRatioBatch;
  beforeAll(() => {
    ({ snapshot: snap, history } = train(mlp(zero, zero, zero, zero), 4, 0.1));
  });

  it('records exactly-zero activations and gradients everywhere but b2', () => {
    const act = snap.activations[0];
    expect(act).toMatchObject({ name: 'tanh1', mean: 0, std: 0, zeroFraction: 1, saturatedPct: 0, maxAbs: 0 });
    expect(act.histogram.counts[(HISTOGRAM_BINS - 1) / 2]).toBe(BATCH * HIDDEN);
    expect(snap.layerGradients[0]).toMatchObject({ std: 0, maxAbs: 0, zeroFraction: 1 });
    const byName = Object.fromEntries(snap.params.map((p) => [p.name, p]));
    expect(Object.keys(byName)).toEqual(['C', 'W1', 'b1', 'W2', 'b2']);
    for (const n of ['C', 'W1', 'b1', 'W2']) {
      expect(byName[n]).toMatchObject({ gradMaxAbs: 0, gradZeroFraction: 1, changed: false, updateToData: null });
    }
    expect(byName.b2.gradMaxAbs).toBeGreaterThan(0);
    expect(byName.b2.changed).toBe(true);
    expect(byName.b2.shape).toEqual([V]);
    expect(byName.W1.gradToData).toBeNull(); // std(W1) = 0
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
  });

  it('diagnoses, from the numbers, that only b2 learns and tanh1 is exactly 0', () => {
    const d = diagnose(snap, history);
    expect(d.flags.receivingGradient).toEqual(['b2']);
    expect(d.flags.zeroGradient).toEqual(['C', 'W1', 'b1', 'W2']);
    expect(d.flags.neverChanged).toEqual(['C', 'W1', 'b1', 'W2']);
    expect(d.flags.deadActivations).toEqual(['tanh1']);
    expect(d.healthy).toBe(false);
    expect(d.text).toContain('Only b2 has a non-zero gradient');
    expect(d.text).toContain('The activations of tanh1 are all exactly 0 (std 0)');
    expect(d.text).toContain('W1 and b1 are exactly 0, and tanh(0) = 0');
    expect(d.text).toContain('dW2 = h1ᵀ·dlogits is exactly 0');
    expect(d.text).toContain('dh1 = dlogits·W2ᵀ, is exactly 0 as well because W2 is exactly 0');
    expect(d.text).toContain('unigram');
    // The same chain, link by link, each beside the number that shows it.
    expect(d.chain).toEqual([
      { claim: 'W1 = b1 = 0', measured: 'max |W1| = 0, max |b1| = 0' },
      { claim: 'h1 = tanh(0) = 0', measured: 'std 0, 100% of values exactly 0' },
      { claim: 'dW2 = h1ᵀ·dlogits = 0', measured: 'max |dW2| = 0' },
      { claim: 'dh1 = dlogits·W2ᵀ = 0 (W2 = 0)', measured: 'max |dh1| = 0' },
      { claim: 'nothing below h1 learns: dC = dW1 = db1 = 0', measured: 'max |dC| = 0, max |dW1| = 0, max |db1| = 0' },
      { claim: 'only b2 learns: the logits ignore the context', measured: expect.stringMatching(/^max \|db2\| = [\d.e-]+; changed since init: b2$/) },
    ]);
    expect(Number(/max \|db2\| = ([\d.e-]+)/.exec(d.chain[5].measured)![1])).toBeCloseTo(snap.params.find((p) => p.name === 'b2')!.gradMaxAbs, 1);
  });
});

describe('healthy random MLP', () => {
  it('raises no zero-gradient or dead-layer claims', () => {
    const { snapshot, history } = train(
      mlp({ kind: 'kaiming', gain: 5 / 3, scale: 1 }, { kind: 'normal', scale: 0.01 }, { kind: 'normal', scale: 0.1 }, { kind: 'zero' }),
      4,
      0.1,
    );
    for (const p of snapshot.params) {
      expect(p.gradMaxAbs).toBeGreaterThan(0);
      expect(p.changed).toBe(true);
    }
    const d = diagnose(snapshot, history);
    expect(d.chain).toEqual([]);
    expect(d.flags.zeroGradient).toEqual([]);
    expect(d.flags.neverChanged).toEqual([]);
    expect(d.flags.deadActivations).toEqual([]);
    expect(d.text).not.toContain('exactly 0');
    expect(d.text).not.toMatch(/Only /);
    expect(d.text).toContain('All 5 parameters receive a non-zero gradient.');
    expect(d.text).toMatch(/tanh1 std 0\.\d+/);
  });
});

describe('diagnosis flags on hand-made snapshots', () => {
  const hist = { min: -1, max: 1, binWidth: 2 / 61, counts: new Array(61).fill(0), total: 0, nan: 0, posInf: 0, negInf: 0 };
  const param = (name: string, updateToData: number | null) => ({
    name, shape: [2, 2], gradMean: 0, gradStd: 0.1, gradMaxAbs: 0.3, gradZeroFraction: 0, dataStd: 1, dataMaxAbs: 2,
    gradToData: 0.1, updateToData, histogram: hist, changed: true,
  });
  const snapshot = (step: number): InspectionSnapshot => ({
    step,
    lr: 0.1,
    activations: [
      { layer: 1, name: 'tanh1', mean: 0, std: 0.9, saturatedPct: 23.5, zeroFraction: 0, maxAbs: 1, histogram: hist },
      { layer: 2, name: 'tanh2', mean: 0, std: 0.6, saturatedPct: 2, zeroFraction: 0, maxAbs: 0.99, histogram: hist },
    ],
    layerGradients: [],
    params: [param('W1', -3), param('W2', -5.2), param('W3', -1.1)],
  });

  it('flags saturation above 5% and update:data a decade off the 1e-3 guide', () => {
    const d = diagnose(snapshot(10));
    expect(d.flags.saturatedLayers).toEqual([{ name: 'tanh1', saturatedPct: 23.5 }]);
    expect(d.flags.tinyUpdates).toEqual([{ name: 'W2', log10: -5.2 }]);
    expect(d.flags.hugeUpdates).toEqual([{ name: 'W3', log10: -1.1 }]);
    expect(d.text).toContain('tanh1 has 23.5% of its outputs saturated');
    expect(d.text).toContain('W2 (10^-5.2)');
    expect(d.text).toContain('W3 (10^-1.1)');
    expect(d.healthy).toBe(false);
  });

  it('averages the history up to the snapshot step instead of the single step', () => {
    const history = { names: ['W1', 'W2', 'W3'], steps: [8, 9, 10, 11], values: [[-3, -3, -3, -9], [-3.2, -2.8, null, -9], [-3, null, -3, -9]] };
    const d = diagnose(snapshot(10), history);
    expect(d.flags.tinyUpdates).toEqual([]);
    expect(d.flags.hugeUpdates).toEqual([]);
    expect(d.text).toContain('between 10^-3.0 and 10^-3.0');
  });

  it('does not call an untouched model stuck at step 0', () => {
    const s = snapshot(0);
    s.params = s.params.map((p) => ({ ...p, changed: false, updateToData: -3 }));
    s.activations[0].saturatedPct = 1;
    const d = diagnose(s);
    expect(d.flags.neverChanged).toEqual(['W1', 'W2', 'W3']);
    expect(d.text).toContain('No parameter has changed yet (step 0).');
    expect(d.healthy).toBe(true);
  });
});
