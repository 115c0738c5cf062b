/**
 * The experiment configuration: what network to build and how to train it.
 *
 * Plain data only (no tensors, no classes) so a configuration can be saved as JSON, sent over IPC and
 * edited in the app; presets are just named configurations.
 */

export type Activation = 'tanh' | 'relu' | 'none';

/**
 * How a parameter starts.
 * - `zero`: every entry exactly 0.
 * - `constant`: every entry `value` (BatchNorm's γ = 1, β = 0; γ×0.1 is `constant 0.1`).
 * - `normal`: N(0,1)·scale, plus `mean` when given (the backprop exercise's BatchNorm gain: N(0,1)·0.1 + 1).
 * - `kaiming`: N(0,1)·gain/√fan_in·scale (fan_in = rows of the weight; for a bias, the weight's fan_in).
 */
export type InitSpec =
  | { kind: 'zero' }
  | { kind: 'constant'; value: number }
  | { kind: 'normal'; scale: number; mean?: number }
  | { kind: 'kaiming'; gain: number; scale: number };

/** A Linear layer followed optionally by BatchNorm (both hidden and output layers have this shape). */
export interface LinearBlockConfig {
  /** Whether the Linear has a bias (the lecture drops it before BatchNorm, whose β makes it redundant). */
  bias: boolean;
  batchNorm: boolean;
  weightInit: InitSpec;
  biasInit: InitSpec;
  /** BatchNorm scale γ and shift β; ignored when `batchNorm` is false. */
  gammaInit: InitSpec;
  betaInit: InitSpec;
}

export interface HiddenLayerConfig extends LinearBlockConfig {
  /** Number of units (the Linear's out-features). */
  size: number;
  activation: Activation;
}

export interface BatchNormSettings {
  /** Added to the variance before the square root (the lectures: 1e-5). */
  eps: number;
  /** Fraction of the batch statistic mixed into the running buffer each step (the lectures: 0.1). */
  momentum: number;
}

export interface ModelConfig {
  /** Context length: how many previous tokens predict the next one. */
  blockSize: number;
  /** Embedding dimension per token (C has shape [vocab, embeddingSize]). */
  embeddingSize: number;
  embeddingInit: InitSpec;
  /** Hidden blocks, in order: Linear → (BatchNorm) → activation. */
  hidden: HiddenLayerConfig[];
  /** Output Linear (out-features = vocabulary size) → optional BatchNorm; no activation (logits). */
  output: LinearBlockConfig;
  batchNorm: BatchNormSettings;
}

/** A step-wise learning rate: `initial` until the first decay, then each decay's `rate` from its step on. */
export interface LearningRateSchedule {
  initial: number;
  decays: { atStep: number; rate: number }[];
}

export interface TrainConfig {
  /** Total SGD steps. */
  steps: number;
  /** Examples per minibatch, drawn uniformly with replacement from the training split. */
  batchSize: number;
  learningRate: LearningRateSchedule;
  /** Seeds parameter initialisation and minibatch draws (the data split always uses Python's seed 42). */
  seed: number;
  /** Capture activation/gradient snapshots for the inspectors every this many steps (K). */
  inspectEvery: number;
  /** Evaluate the loss on the train and dev splits every this many steps (0 = only at the end). */
  evalEvery: number;
}

export interface ExperimentConfig {
  /** The preset this configuration started from, if any (informational). */
  preset: string | null;
  model: ModelConfig;
  train: TrainConfig;
}

/** Learning rate in effect at a 0-based step. */
export function learningRateAt(schedule: LearningRateSchedule, step: number): number {
  let rate = schedule.initial;
  for (const decay of schedule.decays) if (step >= decay.atStep) rate = decay.rate;
  return rate;
}
