/**
 * Models for the export/import tests: small networks covering BN / no BN, bias / no bias, tanh / relu, and a
 * "folded" BN-free model. Every tensor (BN buffers included) is random so no layer is an identity by accident.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../electron/engine/model/config.js';
import { findPreset } from '../../electron/engine/model/presets.js';
import type { ModelState } from '../../electron/engine/model/params.js';
import { initModel } from '../../electron/engine/model/init.js';
import { Rng } from '../../electron/engine/util/rng.js';

export const VOCAB = ['.', ...'abcdefghijklmnopqrstuvwxyz'];

export async function useCpuBackend(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

export function randomState(config: ModelConfig, seed: number, vocabSize = VOCAB.length): ModelState {
  const state = initModel(config, vocabSize, seed);
  const rng = new Rng(seed + 1);
  for (const [name, data] of Object.entries(state.tensors)) {
    for (let k = 0; k < data.length; k++) {
      // Running variances must stay positive; everything else gets a spread that makes each op matter.
      data[k] = name.startsWith('var') ? 0.3 + 2 * rng.uniform() : name.startsWith('W') ? rng.normal() * 0.3 : rng.normal() * 0.5;
    }
  }
  return state;
}

const bn3 = (): ModelConfig => structuredClone(findPreset('bn3-fold')!.config.model);

/** A small config with one hidden layer, for tests that loop many times over a file. */
export function tinyConfig(batchNorm: boolean): ModelConfig {
  const c = bn3();
  c.embeddingSize = 4;
  c.hidden = [{ ...c.hidden[0], size: 8, batchNorm, bias: !batchNorm }];
  c.output = { ...c.output, batchNorm, bias: !batchNorm };
  return c;
}

/** The cases every format must round-trip. */
export function modelCases(): { name: string; state: ModelState; folded: boolean }[] {
  const withBn = bn3(); // BN, no bias, on every Linear (the exercise-2 network)
  const bnWithBias = structuredClone(findPreset('batchnorm')!.config.model); // BN hidden, plain biased output
  bnWithBias.hidden[0].bias = true;
  bnWithBias.hidden[0].size = 40;
  const plain = structuredClone(findPreset('kaiming')!.config.model); // no BN at all
  plain.hidden[0].size = 50;
  plain.hidden.push({ ...plain.hidden[0], size: 20, activation: 'relu' });
  const folded = bn3(); // what folding produces: same shapes, biases instead of BN
  for (const h of folded.hidden) Object.assign(h, { batchNorm: false, bias: true });
  Object.assign(folded.output, { batchNorm: false, bias: true });
  return [
    { name: 'bn3 (BN, no bias)', state: randomState(withBn, 11), folded: false },
    { name: 'BN after biased Linear', state: randomState(bnWithBias, 12), folded: false },
    { name: 'no BN, tanh + relu', state: randomState(plain, 13), folded: false },
    { name: 'bn3 folded', state: randomState(folded, 14), folded: true },
  ];
}

/** Bit-for-bit equality of two float arrays (vitest's toEqual on big typed arrays is slow to report). */
export function sameFloats(a: Float32Array | undefined, b: Float32Array): boolean {
  if (!a || a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return ua.every((v, k) => v === ub[k]);
}
