/**
 * Short in-process runs of a recipe's grid, reduced to the numbers its sentence talks about: per-layer tanh
 * std and saturation at step 0, the first and the late minibatch losses, and the mean update:data ratio of W1.
 */
import { builtInWords, prepareDataset } from '../../electron/engine/data/index.js';
import { createBackend } from '../../electron/engine/compute/select.js';
import type { InspectionSnapshot } from '../../electron/engine/inspect/snapshot.js';
import { initModel } from '../../electron/engine/model/init.js';
import { findPreset } from '../../electron/engine/model/presets.js';
import { INIT_STREAM } from '../../electron/engine/run/executeRun.js';
import { expandGrid } from '../../electron/engine/sweep/grid.js';
import type { SweepRecipe } from '../../electron/engine/sweep/recipes.js';
import { train } from '../../electron/engine/train/trainer.js';
import { deriveSeed } from '../../electron/engine/util/rng.js';

export interface RecipeMeasurement {
  values: Record<string, unknown>;
  /** Per hidden layer at step 0. */
  tanhStd: number[];
  saturatedPct: number[];
  firstLoss: number;
  /** Mean minibatch loss over the last fifth of the run. */
  lateLoss: number;
  /** Mean log10 update:data ratio of W1 over the run. */
  w1UpdateRatio: number;
  vocabSize: number;
}

export async function measureRecipePoint(recipe: SweepRecipe, steps: number): Promise<RecipeMeasurement[]> {
  const base = structuredClone(findPreset(recipe.preset)!.config);
  base.train.steps = steps;
  base.train.inspectEvery = steps;
  base.train.evalEvery = 0;
  const words = builtInWords();
  const out: RecipeMeasurement[] = [];
  for (const point of expandGrid(base, recipe.vary)) {
    const dataset = prepareDataset(words, point.config.model.blockSize);
    const initial = initModel(point.config.model, dataset.vocab.length, deriveSeed(point.config.train.seed, INIT_STREAM));
    const backend = await createBackend(initial, 'auto');
    const snapshots: InspectionSnapshot[] = [];
    const losses: number[] = [];
    const w1: number[] = [];
    try {
      await train({
        config: point.config,
        dataset,
        backend,
        initialState: initial,
        hooks: {
          onSnapshot: (s) => snapshots.push(s),
          onProgress(_p, loss, ratios) {
            losses.push(...loss.losses);
            if (ratios) {
              const k = ratios.params.indexOf('W1');
              for (const r of ratios.ratios) if (r[k] !== null) w1.push(r[k]!);
            }
          },
        },
      });
    } finally {
      backend.dispose();
    }
    const first = snapshots[0];
    const late = losses.slice(Math.floor(losses.length * 0.8));
    out.push({
      values: point.values,
      tanhStd: first.activations.map((a) => a.std),
      saturatedPct: first.activations.map((a) => a.saturatedPct),
      firstLoss: losses[0],
      lateLoss: late.reduce((a, b) => a + b, 0) / late.length,
      w1UpdateRatio: w1.reduce((a, b) => a + b, 0) / w1.length,
      vocabSize: dataset.vocab.length,
    });
  }
  return out;
}
