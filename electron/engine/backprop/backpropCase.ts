/**
 * What backprop by hand runs on: a model's parameters and one training minibatch, chosen the way training
 * chooses them, so that a seed names the same initial network and the same first batch as `lab train`.
 */
import type { PreparedDataset } from '../data/index.js';
import { LabError } from '../errors.js';
import type { ModelConfig } from '../model/config.js';
import { initModel } from '../model/init.js';
import type { ModelState } from '../model/params.js';
import { INIT_STREAM } from '../run/executeRun.js';
import { BATCH_STREAM, gatherBatch } from '../train/trainer.js';
import { deriveSeed, Rng } from '../util/rng.js';
import type { Batch } from './manualForward.js';

/** The model as `lab train --seed` initialises it. */
export function initialState(config: ModelConfig, vocabSize: number, seed: number): ModelState {
  return initModel(config, vocabSize, deriveSeed(seed, INIT_STREAM));
}

/** The first minibatch `lab train --seed` draws from the training split (uniform, with replacement). */
export function firstBatch(dataset: PreparedDataset, batchSize: number, seed: number, hasBatchNorm: boolean): Batch {
  if (hasBatchNorm && batchSize < 2) {
    throw new LabError('CONFIG', `train.batchSize must be at least 2 with BatchNorm (its unbiased variance divides by n − 1; got ${batchSize})`);
  }
  const rng = new Rng(deriveSeed(seed, BATCH_STREAM));
  const idx = rng.fillInts(new Int32Array(batchSize), dataset.train.n);
  const x = new Int32Array(batchSize * dataset.blockSize);
  const y = new Int32Array(batchSize);
  gatherBatch(dataset.train, dataset.blockSize, idx, x, y);
  return { x, y };
}

export function hasBatchNorm(config: ModelConfig): boolean {
  return config.output.batchNorm || config.hidden.some((h) => h.batchNorm);
}
