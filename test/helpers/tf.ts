/** Small tf.js helpers shared by the engine tests that check against the `forwardTf` oracle. */
import * as tf from '@tensorflow/tfjs';
import { initModel } from '../../electron/engine/model/init.js';
import type { ModelConfig } from '../../electron/engine/model/config.js';
import { paramSpecs, type ModelState, type ParamRole } from '../../electron/engine/model/params.js';
import { Rng } from '../../electron/engine/util/rng.js';

/** tf.tidy for results that are plain data (tf.tidy's typing only admits tensors). */
export function scoped<T>(fn: () => T): T {
  tf.engine().startScope();
  try {
    return fn();
  } finally {
    tf.engine().endScope();
  }
}

/** Every tensor of the model as a tf.Tensor of its parameter shape (call inside `scoped`). */
export function paramTensors(state: ModelState): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const spec of paramSpecs(state.config, state.vocabSize)) out[spec.name] = tf.tensor(state.tensors[spec.name], spec.shape);
  return out;
}

/** How to draw each value of a parameter role; roles left out keep their initialisation. */
export type RoleDraws = Partial<Record<ParamRole, (rng: Rng) => number>>;

/**
 * A model as if trained: `initModel(config, vocabSize, seed)`, then the values of the roles in `draws`
 * redrawn one by one from `Rng(seed + 1)` — typically BatchNorm γ, β and the running statistics, moved off
 * their initial 1/0 so every term of the math is exercised.
 */
export function trainedLikeState(config: ModelConfig, vocabSize: number, seed: number, draws: RoleDraws): ModelState {
  const state = initModel(config, vocabSize, seed);
  const rng = new Rng(seed + 1);
  for (const spec of paramSpecs(config, vocabSize)) {
    const draw = draws[spec.role];
    if (!draw) continue;
    const t = state.tensors[spec.name];
    for (let k = 0; k < t.length; k++) t[k] = draw(rng);
  }
  return state;
}
