import { describe, expect, it } from 'vitest';
import { histogram } from '../../electron/engine/inspect/histogram.js';
import { histogramSeries } from '../../renderer/src/lib/histogramSeries.js';

describe('histogramSeries', () => {
  it('on a linear axis gives every bin at its centre with fractions summing to 1', () => {
    const h = histogram(Float32Array.from([-1, -0.5, 0, 0.5, 1, 1]), 4);
    const { positive, negative } = histogramSeries(h, 'linear');
    expect(negative).toEqual([]);
    expect(positive.map((p) => p.x)).toEqual([-0.75, -0.25, 0.25, 0.75]);
    expect(positive.map((p) => p.y)).toEqual([1 / 6, 1 / 6, 1 / 6, 3 / 6]);
  });

  it('on a log axis folds negative bins onto |x| (ascending) and reports an exactly-zero bin separately', () => {
    // All-zero tensor: one bin centred on 0 holds everything — nothing drawable on a log axis.
    const zeros = histogramSeries(histogram(new Float32Array(10)), 'log');
    expect(zeros.positive.every((p) => p.y === 0)).toBe(true);
    expect(zeros.zeroCount).toBe(10);

    const h = histogram(Float32Array.from([-1, -0.5, 0.5, 1]), 4);
    const s = histogramSeries(h, 'log');
    // Bins are left-closed: [-1,-0.5) [-0.5,0) [0,0.5) [0.5,1], so 0.5 and 1 share the last bin.
    expect(s.positive).toEqual([
      { x: 0.25, y: 0 },
      { x: 0.75, y: 0.5 },
    ]);
    expect(s.negative).toEqual([
      { x: 0.25, y: 0.25 },
      { x: 0.75, y: 0.25 },
    ]);
    expect(s.zeroCount).toBe(0);
  });
});
