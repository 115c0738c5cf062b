/** Creates a model's initial state from its configuration and a seed. */
import type { InitSpec, ModelConfig } from './config.js';
import { paramSpecs, sizeOf, type ModelState } from './params.js';
import { Rng } from '../util/rng.js';

function fill(data: Float32Array, init: InitSpec, fanIn: number, rng: Rng): void {
  switch (init.kind) {
    case 'zero':
      data.fill(0);
      return;
    case 'constant':
      data.fill(init.value);
      return;
    case 'normal': {
      const mean = init.mean ?? 0;
      for (let i = 0; i < data.length; i++) data[i] = rng.normal() * init.scale + mean;
      return;
    }
    case 'kaiming': {
      const std = (init.gain / Math.sqrt(fanIn)) * init.scale;
      for (let i = 0; i < data.length; i++) data[i] = rng.normal() * std;
      return;
    }
  }
}

/**
 * Initial parameters and buffers. Tensors are filled in canonical order from one stream, so the same seed
 * gives the same model whatever backend trains it.
 */
export function initModel(config: ModelConfig, vocabSize: number, seed: number): ModelState {
  const rng = new Rng(seed);
  const tensors: Record<string, Float32Array> = {};
  for (const spec of paramSpecs(config, vocabSize)) {
    const data = new Float32Array(sizeOf(spec.shape));
    fill(data, spec.init, spec.fanIn, rng);
    tensors[spec.name] = data;
  }
  return { config, vocabSize, tensors };
}
