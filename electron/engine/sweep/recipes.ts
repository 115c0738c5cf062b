/**
 * The lectures' comparisons as built-in sweeps (`lab sweep --recipe ID`): a preset, what to vary, and one
 * sentence on what to look for. Each sentence is checked against the inspectors' numbers on short runs
 * (test/engine/sweepRecipes.test.ts).
 */
import type { Assignment } from '../model/configPath.js';
import type { VaryAxis } from './grid.js';

export interface SweepRecipe {
  id: string;
  title: string;
  preset: string;
  sets: Assignment[];
  vary: VaryAxis[];
  /** What the comparison shows, in the inspectors' terms. */
  lookFor: string;
}

export const RECIPES: readonly SweepRecipe[] = [
  {
    id: 'tanh-gain',
    title: 'Kaiming gain through five tanh layers',
    preset: 'deep-tanh-gain',
    sets: [],
    vary: [{ path: 'model.hidden.*.weightInit.gain', values: [0.5, 1, 5 / 3, 3] }],
    lookFor:
      'Tanh saturation rises with the gain: at 0.5 and 1 the activations shrink layer by layer (layer 5\'s std well below ' +
      'layer 1\'s), 5/3 keeps the std steady from layer 2 on with a few % saturated, and 3 saturates over a third of the units in every layer.',
  },
  {
    id: 'batchnorm-depth5',
    title: 'BatchNorm on and off, five tanh layers',
    preset: 'deep-bn',
    sets: [],
    vary: [{ path: 'model.hidden.*.batchNorm', values: [true, false] }],
    lookFor:
      'With BatchNorm every layer\'s tanh std stays about the same; without it (Kaiming gain 1, no bias) the activations ' +
      'shrink layer after layer, the fifth layer\'s std down to about half of the first\'s.',
  },
  {
    id: 'init-scale',
    title: 'Output-layer init scale (fix the softmax)',
    preset: 'fix-softmax',
    sets: [],
    vary: [{ path: 'model.output.weightInit.scale', values: [1, 0.1, 0.01] }],
    lookFor:
      'The first step\'s loss falls to ln(vocabulary size) (3.30 for names.txt) as the scale shrinks: scale 1 starts ' +
      'confidently wrong, several times higher, and is still behind after its first hundreds of steps (the hockey stick).',
  },
  {
    id: 'learning-rate',
    title: 'Learning rate',
    preset: 'kaiming',
    sets: [],
    vary: [{ path: 'train.learningRate.initial', values: [0.2, 0.1, 0.05, 0.02] }],
    lookFor:
      'The update:data ratio of W1 (log10 std(lr·grad)/std(data)) rises with the rate, by at least log10 of the ratio of the rates (0.3 per doubling); ' +
      'at 0.1 it sits near the lectures\' −3, and 0.02 is left behind on the loss after the same number of steps.',
  },
];

export function findRecipe(id: string): SweepRecipe | undefined {
  return RECIPES.find((r) => r.id === id);
}
