/**
 * Each built-in lecture sweep's sentence, checked against what the inspectors measure on short in-process
 * runs of its grid (built-in names, the presets' seed). Numbers seen when written are in the comments.
 */
import { describe, expect, it } from 'vitest';
import { findPreset } from '../../electron/engine/model/presets.js';
import { expandGrid } from '../../electron/engine/sweep/grid.js';
import { findRecipe, RECIPES } from '../../electron/engine/sweep/recipes.js';
import { measureRecipePoint, type RecipeMeasurement } from './recipeMeasure.js';

const recipe = (id: string) => findRecipe(id)!;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('lecture sweep recipes', () => {
  it('every recipe names a preset, a valid grid and a sentence', () => {
    expect(RECIPES.map((r) => r.id)).toEqual(['tanh-gain', 'batchnorm-depth5', 'init-scale', 'learning-rate']);
    for (const r of RECIPES) {
      expect(findPreset(r.preset), r.id).toBeDefined();
      expect(expandGrid(findPreset(r.preset)!.config, r.vary).length).toBeGreaterThan(1);
      expect(r.lookFor.length).toBeGreaterThan(40);
    }
  });

  it('tanh-gain: saturation rises with the gain; 0.5 and 1 shrink layer by layer; 5/3 steady from layer 2; 3 saturates > 1/3 everywhere', async () => {
    const [g05, g1, g53, g3] = await measureRecipePoint(recipe('tanh-gain'), 1);
    expect([g05, g1, g53, g3].map((m) => m.values['model.hidden.*.weightInit.gain'])).toEqual([0.5, 1, 5 / 3, 3]);
    // Mean saturation % over the five layers: 0.006, 0.97, 9.7, 42.
    const sat = [g05, g1, g53, g3].map((m) => mean(m.saturatedPct));
    for (let i = 1; i < sat.length; i++) expect(sat[i]).toBeGreaterThan(sat[i - 1]);
    // Std layer 5 / layer 1: 0.06 (gain 0.5), 0.53 (gain 1).
    for (const m of [g05, g1]) {
      for (let l = 1; l < 5; l++) expect(m.tanhStd[l]).toBeLessThan(m.tanhStd[l - 1]);
      expect(m.tanhStd[4] / m.tanhStd[0]).toBeLessThan(0.6);
    }
    // Gain 5/3, layers 2–5: std 0.66–0.68, 6–8% saturated.
    const steady = g53.tanhStd.slice(1);
    expect(Math.max(...steady) / Math.min(...steady)).toBeLessThan(1.1);
    for (const p of g53.saturatedPct.slice(1)) expect(p).toBeLessThan(10);
    // Gain 3: 40–47% saturated in every layer.
    for (const p of g3.saturatedPct) expect(p).toBeGreaterThan(100 / 3);
  });

  it('batchnorm-depth5: with BN the tanh std is the same in every layer; without, layer 5 is about half of layer 1', async () => {
    const [on, off] = await measureRecipePoint(recipe('batchnorm-depth5'), 1);
    expect([on.values['model.hidden.*.batchNorm'], off.values['model.hidden.*.batchNorm']]).toEqual([true, false]);
    // With BN: 0.615–0.638.
    expect(Math.max(...on.tanhStd) / Math.min(...on.tanhStd)).toBeLessThan(1.1);
    // Without: 0.62 → 0.47 → 0.40 → 0.36 → 0.33.
    for (let l = 1; l < 5; l++) expect(off.tanhStd[l]).toBeLessThan(off.tanhStd[l - 1]);
    expect(off.tanhStd[4] / off.tanhStd[0]).toBeGreaterThan(0.35);
    expect(off.tanhStd[4] / off.tanhStd[0]).toBeLessThan(0.65);
  });

  it('init-scale: the first loss falls to ln(vocab) as the scale shrinks; scale 1 starts several times higher and stays behind', async () => {
    const [s1, s01, s001] = await measureRecipePoint(recipe('init-scale'), 200);
    const lnV = Math.log(s1.vocabSize);
    // First losses 25.0, 3.85, 3.32 (ln 28 = 3.33 on the built-in names).
    expect(s1.firstLoss).toBeGreaterThan(3 * lnV);
    expect(s01.firstLoss).toBeLessThan(s1.firstLoss);
    expect(s001.firstLoss).toBeLessThan(s01.firstLoss);
    expect(Math.abs(s001.firstLoss - lnV)).toBeLessThan(0.1);
    expect(s1.lateLoss).toBeGreaterThan(s001.lateLoss + 0.5);
  });

  it('learning-rate: W1 update:data rises ≥ log10 of each rate ratio; near −3 at 0.1; 0.02 behind on the loss', async () => {
    const ms: RecipeMeasurement[] = await measureRecipePoint(recipe('learning-rate'), 300);
    const rates = ms.map((m) => m.values['train.learningRate.initial'] as number);
    expect(rates).toEqual([0.2, 0.1, 0.05, 0.02]);
    // Mean log10 ratio over 300 steps: −2.52, −2.96, −3.37, −3.89.
    for (let i = 1; i < ms.length; i++) {
      expect(ms[i - 1].w1UpdateRatio - ms[i].w1UpdateRatio).toBeGreaterThanOrEqual(Math.log10(rates[i - 1] / rates[i]) - 0.02);
    }
    expect(Math.abs(ms[1].w1UpdateRatio + 3)).toBeLessThan(0.35);
    // Mean minibatch loss over the last 60 steps: 2.50, 2.48, 2.50, 2.59.
    expect(ms[3].lateLoss).toBeGreaterThan(ms[1].lateLoss + 0.05);
  });
});
