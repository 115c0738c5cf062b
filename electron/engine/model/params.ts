/**
 * Parameter naming and layout, following the lecture: `C`, then for the i-th Linear (1-based, the output
 * Linear is the last) `W{i}` [in, out], `b{i}` [out], its BatchNorm `gamma{i}`, `beta{i}` and the running
 * buffers `mean{i}`, `var{i}` (buffers are state, not trained).
 *
 * Every compute path (TensorFlow.js, the fused kernel, folding, export) reads and writes this one layout,
 * so a model is just `{config, vocabSize, tensors}` with plain Float32Arrays.
 */
import type { InitSpec, LinearBlockConfig, ModelConfig } from './config.js';

export type ParamRole = 'embedding' | 'weight' | 'bias' | 'gamma' | 'beta' | 'runningMean' | 'runningVar';

export interface ParamSpec {
  name: string;
  shape: number[];
  role: ParamRole;
  /** Trainable parameter (true) or BatchNorm running buffer (false). */
  trainable: boolean;
  /** 1-based Linear index this tensor belongs to; 0 for the embedding table. */
  layer: number;
  init: InitSpec;
  /** Fan-in used by `kaiming` initialisation. */
  fanIn: number;
}

/** A model's complete state: configuration, vocabulary size and every named tensor (params and buffers). */
export interface ModelState {
  config: ModelConfig;
  vocabSize: number;
  tensors: Record<string, Float32Array>;
}

/** One Linear block as the compute paths see it: sizes plus which optional pieces exist. */
export interface LinearLayout {
  /** 1-based index (suffix of W{i}). */
  index: number;
  inFeatures: number;
  outFeatures: number;
  block: LinearBlockConfig;
  /** Activation after the block ('none' for the output layer). */
  activation: 'tanh' | 'relu' | 'none';
  isOutput: boolean;
}

/** The Linear blocks of a model in forward order, the output block last. */
export function linearLayouts(config: ModelConfig, vocabSize: number): LinearLayout[] {
  const layouts: LinearLayout[] = [];
  let inFeatures = config.blockSize * config.embeddingSize;
  config.hidden.forEach((layer, i) => {
    layouts.push({ index: i + 1, inFeatures, outFeatures: layer.size, block: layer, activation: layer.activation, isOutput: false });
    inFeatures = layer.size;
  });
  layouts.push({
    index: config.hidden.length + 1,
    inFeatures,
    outFeatures: vocabSize,
    block: config.output,
    activation: 'none',
    isOutput: true,
  });
  return layouts;
}

/** Every tensor of the model, in canonical order (C first, then per Linear: W, b, gamma, beta, mean, var). */
export function paramSpecs(config: ModelConfig, vocabSize: number): ParamSpec[] {
  const specs: ParamSpec[] = [
    {
      name: 'C',
      shape: [vocabSize, config.embeddingSize],
      role: 'embedding',
      trainable: true,
      layer: 0,
      init: config.embeddingInit,
      fanIn: vocabSize,
    },
  ];
  for (const l of linearLayouts(config, vocabSize)) {
    const i = l.index;
    const fanIn = l.inFeatures;
    specs.push({ name: `W${i}`, shape: [l.inFeatures, l.outFeatures], role: 'weight', trainable: true, layer: i, init: l.block.weightInit, fanIn });
    if (l.block.bias) {
      specs.push({ name: `b${i}`, shape: [l.outFeatures], role: 'bias', trainable: true, layer: i, init: l.block.biasInit, fanIn });
    }
    if (l.block.batchNorm) {
      specs.push({ name: `gamma${i}`, shape: [l.outFeatures], role: 'gamma', trainable: true, layer: i, init: l.block.gammaInit, fanIn });
      specs.push({ name: `beta${i}`, shape: [l.outFeatures], role: 'beta', trainable: true, layer: i, init: l.block.betaInit, fanIn });
      specs.push({ name: `mean${i}`, shape: [l.outFeatures], role: 'runningMean', trainable: false, layer: i, init: { kind: 'zero' }, fanIn });
      specs.push({ name: `var${i}`, shape: [l.outFeatures], role: 'runningVar', trainable: false, layer: i, init: { kind: 'constant', value: 1 }, fanIn });
    }
  }
  return specs;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Number of trainable scalars (what the lecture prints as the parameter count). */
export function parameterCount(config: ModelConfig, vocabSize: number): number {
  return paramSpecs(config, vocabSize)
    .filter((s) => s.trainable)
    .reduce((n, s) => n + sizeOf(s.shape), 0);
}
