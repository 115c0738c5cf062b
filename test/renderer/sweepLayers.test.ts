import { describe, expect, it } from 'vitest';
import { layerLines, metricRange } from '../../renderer/src/lib/sweepLayers.js';
import type { RunLayerSummary } from '../../electron/shared/sweepTypes.js';

const run = (sat: number[], ratio: (number | null)[]): RunLayerSummary => ({
  step: 99,
  layers: sat.map((s, k) => ({ layer: k + 1, name: `tanh${k + 1}`, saturation: s, std: s / 100, updateRatioLog10: ratio[k] })),
});

describe('per-layer lines across a sweep', () => {
  it('one line per layer, one value per grid point in grid order; a run without a summary is a gap', () => {
    // Numbers from deep-tanh-gain after 230 steps at gains 0.5 and 3 (layers 1–2).
    const lines = layerLines([run([0, 0], [-2.74, -2.66]), null, run([45.8, 40.2], [-3.01, null])], 'saturation');
    expect(lines).toEqual([
      { layer: 1, name: 'tanh1', values: [0, null, 45.8] },
      { layer: 2, name: 'tanh2', values: [0, null, 40.2] },
    ]);
    expect(layerLines([run([0, 0], [-2.74, -2.66]), run([45.8, 40.2], [-3.01, null])], 'updateRatioLog10')[1].values).toEqual([-2.66, null]);
    expect(layerLines([null, null], 'std')).toEqual([]);
  });

  it('axis ranges: from 0 for saturation and std (saturation at most 100), around the values for the log ratio', () => {
    const sat = layerLines([run([0, 0], [-2.74, -2.66]), run([45.8, 40.2], [-3.01, -2.88])], 'saturation');
    expect(metricRange(sat, 'saturation')).toEqual([0, 45.8 * 1.05]);
    expect(metricRange(layerLines([run([99], [-3])], 'saturation'), 'saturation')).toEqual([0, 100]);
    const [lo, hi] = metricRange(layerLines([run([0, 0], [-2.74, -2.66]), run([1, 1], [-3.01, -2.88])], 'updateRatioLog10'), 'updateRatioLog10');
    expect(lo).toBeLessThan(-3.01);
    expect(hi).toBeGreaterThan(-2.66);
    expect(hi).toBeLessThan(0);
    expect(metricRange([], 'saturation')).toEqual([0, 100]);
    expect(metricRange(layerLines([run([5], [-3])], 'updateRatioLog10'), 'updateRatioLog10')).toEqual([-3.55, -2.45]);
  });
});
