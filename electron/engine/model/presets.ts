/**
 * The experiment presets of the lectures (see PRESETS.md in the shared notes): named starting points whose
 * every field stays editable. Reference numbers are PyTorch/lecture results on names.txt to compare against.
 */
import type { ExperimentConfig, HiddenLayerConfig, InitSpec, LinearBlockConfig, ModelConfig, TrainConfig } from './config.js';

export interface PresetReference {
  /** One sentence on what to expect, shown beside the preset. */
  note: string;
  loss?: { train?: number; val?: number; test?: number };
  /** Who produced the numbers (e.g. "PyTorch run", "lecture"). */
  source?: string;
}

export interface Preset {
  id: string;
  title: string;
  /** One line for `lab presets` and the gallery. */
  description: string;
  config: ExperimentConfig;
  reference: PresetReference;
}

const zero: InitSpec = { kind: 'zero' };
const one: InitSpec = { kind: 'constant', value: 1 };
const normal = (scale: number): InitSpec => ({ kind: 'normal', scale });
const kaiming = (gain: number, scale = 1): InitSpec => ({ kind: 'kaiming', gain, scale });

function train(decayAt: number, steps = 200_000): TrainConfig {
  return {
    steps,
    batchSize: 32,
    learningRate: { initial: 0.1, decays: [{ atStep: decayAt, rate: 0.01 }] },
    seed: 2147483647,
    inspectEvery: 1000,
    evalEvery: 10_000,
  };
}

function tanhLayer(size: number, w: InitSpec, b: InitSpec | null, batchNorm = false): HiddenLayerConfig {
  return {
    size,
    activation: 'tanh',
    bias: b !== null,
    batchNorm,
    weightInit: w,
    biasInit: b ?? zero,
    gammaInit: one,
    betaInit: zero,
  };
}

function outputBlock(w: InitSpec, b: InitSpec | null, batchNorm = false, gamma: InitSpec = one): LinearBlockConfig {
  return { bias: b !== null, batchNorm, weightInit: w, biasInit: b ?? zero, gammaInit: gamma, betaInit: zero };
}

const lectureBN = { eps: 1e-5, momentum: 0.1 };

/** The two-layer MLP of the lectures (Emb 10 → Linear(30,200)+b → tanh → Linear(200,27)+b). */
function mlp(w1: InitSpec, b1: InitSpec, w2: InitSpec, b2: InitSpec, c: InitSpec = normal(1)): ModelConfig {
  return {
    blockSize: 3,
    embeddingSize: 10,
    embeddingInit: c,
    hidden: [tanhLayer(200, w1, b1)],
    output: outputBlock(w2, b2),
    batchNorm: lectureBN,
  };
}

/** `depth` × [Linear(·,100) no bias → BN → tanh] → Linear(100,27) no bias → BN(27) with γ×0.1. */
function deepBatchNorm(depth: number): ModelConfig {
  return {
    blockSize: 3,
    embeddingSize: 10,
    embeddingInit: normal(1),
    hidden: Array.from({ length: depth }, () => tanhLayer(100, kaiming(1), null, true)),
    output: outputBlock(kaiming(1), null, true, { kind: 'constant', value: 0.1 }),
    batchNorm: lectureBN,
  };
}

function deepTanh(depth: number, gain: number): ModelConfig {
  return {
    blockSize: 3,
    embeddingSize: 10,
    embeddingInit: normal(1),
    hidden: Array.from({ length: depth }, () => tanhLayer(100, kaiming(gain), zero)),
    output: outputBlock(kaiming(gain, 0.1), zero),
    batchNorm: lectureBN,
  };
}

/**
 * The backprop exercise's network (makemore part 4): Emb 10 → Linear(30,64)+b → BN → tanh → Linear(64,27)+b,
 * with its deliberately non-standard initialisation — small random biases, BatchNorm gain N(1, 0.1²) and
 * shift N(0, 0.1²) instead of zeros and ones — so that a wrong hand-written gradient cannot hide behind a 0 or a 1.
 */
function backpropNinja(): ModelConfig {
  return {
    blockSize: 3,
    embeddingSize: 10,
    embeddingInit: normal(1),
    hidden: [{ ...tanhLayer(64, kaiming(5 / 3), normal(0.1), true), gammaInit: { kind: 'normal', scale: 0.1, mean: 1 }, betaInit: normal(0.1) }],
    output: outputBlock(normal(0.1), normal(0.1)),
    batchNorm: { eps: 1e-5, momentum: 0.001 },
  };
}

function preset(id: string, title: string, description: string, model: ModelConfig, t: TrainConfig, reference: PresetReference): Preset {
  return { id, title, description, config: { preset: id, model, train: t }, reference };
}

export const PRESETS: readonly Preset[] = [
  preset(
    'zero-init',
    'Exercise 1: all-zero weights',
    'W1, b1, W2 and b2 start at 0 (the embedding C stays N(0,1), as in the lecture): only b2 learns and the loss stalls at the unigram entropy.',
    mlp(zero, zero, zero, zero),
    train(100_000),
    {
      note: 'Only b2 ever receives a non-zero gradient; loss → entropy of the next-token frequencies (2.8226 on names.txt).',
      loss: { train: 2.8227, val: 2.821, test: 2.8256 },
      source: 'PyTorch run',
    },
  ),
  preset(
    'bn3-fold',
    'Exercise 2: 3-layer BatchNorm MLP to fold',
    'Two BN+tanh hidden layers of 100 and a BN output; fold every BatchNorm into its Linear afterwards.',
    deepBatchNorm(2),
    train(150_000),
    {
      note: 'After folding all three BatchNorms: max |Δlogit| on dev ≈ 5.8e-6 and identical losses.',
      loss: { train: 2.0508, val: 2.1042, test: 2.1003 },
      source: 'PyTorch run',
    },
  ),
  preset(
    'naive-init',
    'Naive initialisation',
    'Everything N(0,1): a confidently wrong softmax starts near loss 27.',
    mlp(normal(1), normal(1), normal(1), normal(1)),
    train(100_000),
    { note: 'Loss at step 0 ≈ 27 (confidently wrong softmax).', loss: { train: 2.1245, val: 2.1682 }, source: 'lecture' },
  ),
  preset(
    'fix-softmax',
    'Fix the softmax',
    'Scale W2 by 0.01 and zero b2 so the first loss is ln 27 ≈ 3.30.',
    mlp(normal(1), normal(1), normal(0.01), zero),
    train(100_000),
    { note: 'Step-0 loss ≈ 3.30 (= ln 27).', loss: { train: 2.07, val: 2.13 }, source: 'lecture' },
  ),
  preset(
    'fix-tanh',
    'Fix tanh saturation',
    'Also shrink W1 (×0.2) and b1 (×0.01) so far fewer tanh units saturate.',
    mlp(normal(0.2), normal(0.01), normal(0.01), zero),
    train(100_000),
    { note: 'Far fewer saturated tanh units.', loss: { train: 2.0356, val: 2.1027 }, source: 'lecture' },
  ),
  preset(
    'kaiming',
    'Kaiming initialisation',
    'W1 × (5/3)/√30: the principled gain for tanh instead of a hand-tuned scale.',
    mlp(kaiming(5 / 3), normal(0.01), normal(0.01), zero),
    train(100_000),
    { note: 'Kaiming gain 5/3 for tanh.', loss: { train: 2.0377, val: 2.107 }, source: 'lecture' },
  ),
  preset(
    'batchnorm',
    'One BatchNorm layer',
    'Kaiming init plus BatchNorm after the first Linear (which then needs no bias).',
    {
      ...mlp(kaiming(5 / 3), zero, normal(0.01), zero),
      hidden: [tanhLayer(200, kaiming(5 / 3), null, true)],
      batchNorm: { eps: 1e-5, momentum: 0.001 },
    },
    train(100_000),
    {
      note: 'The lecture used running momentum 0.001 and no ε; this preset keeps ε = 1e-5.',
      loss: { train: 2.0668, val: 2.1048 },
      source: 'lecture',
    },
  ),
  preset(
    'deep-bn',
    'Deep BatchNorm network',
    'Five BN+tanh layers of 100: healthy activations and grad:data ratios around 1e-2…1e-1.',
    deepBatchNorm(5),
    train(150_000),
    {
      note: 'After ~1,000 steps: tanh std ≈ 0.63–0.65, 1.7–2.8% saturated; lecture after 1,001 steps: train 2.400, val 2.398.',
      source: 'lecture',
    },
  ),
  preset(
    'deep-tanh-gain',
    'Deep tanh network, gain 5/3',
    'Five tanh layers without BN: the 5/3 gain keeps activations alive; try 1.0 and 3.0.',
    deepTanh(5, 5 / 3),
    train(150_000),
    { note: 'Gain 1.0 shrinks activations layer by layer; 3.0 saturates them.', source: 'lecture' },
  ),
  preset(
    'backprop-ninja',
    'Backprop by hand',
    "The backprop exercise's BatchNorm MLP (64 hidden, bias before BN) with small random biases, γ and β: check every hand-written gradient.",
    backpropNinja(),
    { ...train(100_000), batchSize: 32 },
    {
      note: '`lab backprop --preset backprop-ninja` compares the hand-written gradient of every intermediate tensor with autodiff.',
      source: 'lecture',
    },
  ),
];

export function findPreset(id: string): Preset | undefined {
  return PRESETS.find((p) => p.id === id);
}
