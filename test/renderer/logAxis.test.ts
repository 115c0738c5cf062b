import { describe, expect, it } from 'vitest';
import { linearSplits, logRange, logSplits } from '../../renderer/src/lib/logAxis.js';

describe('logRange', () => {
  it("spans a loss curve's own range padded by 5% of it in log space (not uPlot's 1–10 for losses 1.9–3.3)", () => {
    const [lo, hi] = logRange(1.9, 3.3);
    const span = Math.log10(3.3 / 1.9);
    expect(Math.log10(1.9 / lo)).toBeCloseTo(0.05 * span, 10);
    expect(Math.log10(hi / 3.3)).toBeCloseTo(0.05 * span, 10);
    expect(hi).toBeLessThan(3.5);
    // A narrower range (2.2–3.3: 5% would be 0.009 decade) gets the least padding, 0.01 decade.
    expect(Math.log10(logRange(2.2, 3.3)[1] / 3.3)).toBeCloseTo(0.01, 10);
  });

  it('gives a flat line a band around it, and a range when there is no positive data', () => {
    const [lo, hi] = logRange(2.8, 2.8);
    expect(lo).toBeCloseTo(2.8 / 10 ** 0.01, 10);
    expect(hi).toBeCloseTo(2.8 * 10 ** 0.01, 10);
    expect(logRange(null, null)).toEqual([1, 10]);
    expect(logRange(0, 3)).toEqual([1, 10]);
    expect(logRange(Number.NaN, 3)).toEqual([1, 10]);
  });
});

describe('logSplits', () => {
  it('labels a range under a decade with round linear ticks', () => {
    expect(logSplits(2.15, 3.38)).toEqual([2.2, 2.4, 2.6, 2.8, 3, 3.2]);
    expect(logSplits(2.05, 2.15)).toEqual([2.06, 2.08, 2.1, 2.12, 2.14]);
  });

  it('labels 1-2-5 across a few decades and powers of ten across many', () => {
    expect(logSplits(0.001, 3)).toEqual([0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2]);
    expect(logSplits(1e-5, 1)).toEqual([1e-5, 1e-4, 1e-3, 0.01, 0.1, 1]);
    expect(logSplits(1e-30, 1).length).toBeLessThanOrEqual(16);
  });

  it('gives no ticks for a range it cannot draw', () => {
    expect(logSplits(0, 1)).toEqual([]);
    expect(logSplits(3, 2)).toEqual([]);
  });
});

describe('linearSplits', () => {
  it('picks the 1-2-5 step whose tick count is closest to the target, every tick inside the range', () => {
    expect(linearSplits(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(linearSplits(0.3, 0.9, 3)).toEqual([0.4, 0.6, 0.8]);
    for (const [min, max] of [
      [2.15, 3.38],
      [0.013, 0.072],
      [120, 9_800],
    ]) {
      const ticks = linearSplits(min, max);
      expect(ticks.every((t) => t >= min && t <= max)).toBe(true);
      expect(ticks.length).toBeGreaterThanOrEqual(3);
      expect(ticks.length).toBeLessThanOrEqual(8);
    }
  });
});
