/** Networks and batches shared by the backprop-by-hand tests. */
import type { Activation, LinearBlockConfig, ModelConfig } from '../../electron/engine/model/config.js';
import { findPreset, PRESETS } from '../../electron/engine/model/presets.js';
import { initModel } from '../../electron/engine/model/init.js';
import type { ModelState } from '../../electron/engine/model/params.js';
import { Rng } from '../../electron/engine/util/rng.js';
import { trainedLikeState } from '../helpers/tf.js';
import type { Batch } from '../../electron/engine/backprop/manualForward.js';

export const SMALL_VOCAB = 7;
export const NAMES_VOCAB = 27;

function block(bias: boolean, batchNorm: boolean): LinearBlockConfig {
  return {
    bias,
    batchNorm,
    weightInit: { kind: 'kaiming', gain: 5 / 3, scale: 1 },
    biasInit: { kind: 'normal', scale: 0.1 },
    gammaInit: { kind: 'constant', value: 1 },
    betaInit: { kind: 'zero' },
  };
}

export interface SmallNet {
  label: string;
  config: ModelConfig;
}

/**
 * Every combination of depth 1–3, BatchNorm on/off, bias on/off and tanh/relu (24 networks), small enough for
 * the complex-step reference on every element. The output block follows the hidden ones' BatchNorm/bias.
 */
export function smallNetworks(): SmallNet[] {
  const nets: SmallNet[] = [];
  for (const depth of [1, 2, 3])
    for (const batchNorm of [false, true])
      for (const bias of [false, true])
        for (const activation of ['tanh', 'relu'] as Activation[]) {
          nets.push({
            label: `${depth} hidden ${activation}${batchNorm ? ' +BN' : ''}${bias ? ' +bias' : ''}`,
            config: {
              blockSize: 3,
              embeddingSize: 3,
              embeddingInit: { kind: 'normal', scale: 1 },
              hidden: Array.from({ length: depth }, (_, i) => ({ ...block(bias, batchNorm), size: 5 + i, activation })),
              output: block(bias, batchNorm),
              batchNorm: { eps: 1e-5, momentum: 0.1 },
            },
          });
        }
  return nets;
}

/** γ and β moved off 1 and 0 so a formula that drops them cannot pass. */
export function smallState(config: ModelConfig, seed: number): ModelState {
  return trainedLikeState(config, SMALL_VOCAB, seed, { gamma: (rng) => 1 + 0.3 * rng.normal(), beta: (rng) => 0.3 * rng.normal() });
}

export function randomBatch(seed: number, rows: number, blockSize: number, vocab: number): Batch {
  const rng = new Rng(seed);
  return { x: rng.fillInts(new Int32Array(rows * blockSize), vocab), y: rng.fillInts(new Int32Array(rows), vocab) };
}

/** A preset's network at initialisation on the names vocabulary, with a batch of the preset's size. */
export function presetCase(id: string, seed = 1): { state: ModelState; batch: Batch } {
  const preset = findPreset(id);
  if (!preset) throw new Error(`no preset ${id}`);
  const { model, train } = preset.config;
  return { state: initModel(model, NAMES_VOCAB, seed), batch: randomBatch(seed + 100, train.batchSize, model.blockSize, NAMES_VOCAB) };
}

export const PRESET_IDS = PRESETS.map((p) => p.id);
