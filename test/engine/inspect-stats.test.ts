import { describe, expect, it } from 'vitest';
import { HISTOGRAM_BINS, binEdge, histogram } from '../../electron/engine/inspect/histogram.js';
import { gradToDataRatio, mean, std, tensorStats } from '../../electron/engine/inspect/stats.js';
import { updateToDataRatio } from '../../electron/engine/inspect/updateRatio.js';
import { Rng } from '../../electron/engine/util/rng.js';

const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);

describe('histogram', () => {
  it('has at least 50 bins and exact counts that sum to n', () => {
    expect(HISTOGRAM_BINS).toBeGreaterThanOrEqual(50);
    const rng = new Rng(1);
    const data = new Float32Array(10_007).map(() => rng.normal());
    const h = histogram(data);
    expect(h.counts).toHaveLength(HISTOGRAM_BINS);
    expect(sum(h.counts)).toBe(10_007);
    expect(h.total).toBe(10_007);
    expect(h.min).toBe(Math.min(...data));
    expect(h.max).toBe(Math.max(...data));
    expect(h.binWidth).toBeCloseTo((h.max - h.min) / HISTOGRAM_BINS, 12);
    // Every value lies inside its bin according to the stored range.
    const brute = new Array(HISTOGRAM_BINS).fill(0);
    for (const v of data) {
      let b = 0;
      while (b < HISTOGRAM_BINS - 1 && v >= binEdge(h, b + 1)) b++;
      brute[b]++;
    }
    expect(h.counts).toEqual(brute);
  });

  it('puts edge values in the bin they open, min in the first bin and max in the last', () => {
    // Range [0, 10] over 10 bins: bin k is [k, k+1), the last also holds 10.
    const h = histogram(new Float32Array([0, 1, 1, 2.5, 9, 9.999, 10]), 10);
    expect(h.min).toBe(0);
    expect(h.max).toBe(10);
    expect(h.binWidth).toBe(1);
    expect(h.counts).toEqual([1, 2, 1, 0, 0, 0, 0, 0, 0, 3]);
    // A range whose width is not representable exactly: values on edges still land on the upper side.
    const lo = -0.3;
    const hi = 0.7;
    const bins = 7;
    const w = (hi - lo) / bins;
    const edges = Array.from({ length: bins }, (_, k) => lo + k * w);
    const h2 = histogram(new Float64Array([...edges, hi]), bins);
    expect(h2.counts).toEqual([1, 1, 1, 1, 1, 1, 2]);
  });

  it('gives an all-equal tensor a symmetric range with everything in the middle bin', () => {
    const zeros = histogram(new Float32Array(6400));
    expect(zeros.min).toBe(-1);
    expect(zeros.max).toBe(1);
    expect(zeros.binWidth).toBeGreaterThan(0);
    const mid = (HISTOGRAM_BINS - 1) / 2;
    expect(zeros.counts[mid]).toBe(6400);
    expect(sum(zeros.counts)).toBe(6400);
    // The middle bin is centred on the value.
    expect(binEdge(zeros, mid) + zeros.binWidth / 2).toBeCloseTo(0, 12);
    const threes = histogram(new Float32Array(5).fill(3));
    expect([threes.min, threes.max]).toEqual([1.5, 4.5]);
    expect(threes.counts[mid]).toBe(5);
    expect(binEdge(threes, mid) + threes.binWidth / 2).toBeCloseTo(3, 12);
    for (const x of [threes.min, threes.max, threes.binWidth]) expect(Number.isFinite(x)).toBe(true);
  });

  it('handles an empty tensor and counts NaN/±Infinity separately', () => {
    const empty = histogram(new Float32Array(0));
    expect(empty.total).toBe(0);
    expect(sum(empty.counts)).toBe(0);
    expect(empty.binWidth).toBeGreaterThan(0);
    const h = histogram(new Float32Array([NaN, Infinity, -Infinity, -Infinity, 1, 2, NaN]), 4);
    expect([h.nan, h.posInf, h.negInf, h.total]).toEqual([2, 1, 2, 2]);
    expect([h.min, h.max]).toEqual([1, 2]);
    expect(h.counts).toEqual([1, 0, 0, 1]);
    expect(JSON.parse(JSON.stringify(h))).toEqual(h);
  });
});

describe('tensor statistics', () => {
  it('matches hand-computed values (unbiased std like torch)', () => {
    // x = [1, -2, 0, 0.98, 0]: mean −0.004, unbiased variance = (5.9604 − 5·0.004²)/4.
    const x = new Float32Array([1, -2, 0, 0.98, 0]);
    const s = tensorStats(x);
    const xs = Array.from(x);
    const m = sum(xs) / 5;
    const unbiased = Math.sqrt(sum(xs.map((v) => (v - m) ** 2)) / 4);
    expect(s.mean).toBeCloseTo(-0.004, 7);
    expect(s.std).toBeCloseTo(unbiased, 12);
    expect(s.std).toBeCloseTo(1.2206883, 6); // torch.tensor([1,-2,0,0.98,0]).std() = 1.2206883430
    expect(s.maxAbs).toBe(2);
    expect(s.zeroFraction).toBe(0.4);
    expect(s.saturatedFraction).toBe(0.6); // 1, -2, 0.98 exceed 0.97
    expect(s.nonFinite).toBe(0);
    expect(mean(x)).toBe(s.mean);
    expect(std(x)).toBe(s.std);
  });

  it('is exact on all-zero, single-element, empty and non-finite data', () => {
    expect(tensorStats(new Float32Array(100))).toEqual({
      count: 100, nonFinite: 0, mean: 0, std: 0, maxAbs: 0, zeroFraction: 1, saturatedFraction: 0,
    });
    expect(tensorStats(new Float32Array([5])).std).toBe(0);
    expect(tensorStats(new Float32Array(0))).toMatchObject({ mean: 0, std: 0, zeroFraction: 0 });
    const s = tensorStats(new Float32Array([NaN, 1, 3, Infinity]));
    expect(s).toMatchObject({ nonFinite: 2, mean: 2, maxAbs: 3 });
    expect(s.std).toBeCloseTo(Math.SQRT2, 12);
  });

  it('keeps float64 precision on a large offset (two-pass, no cancellation)', () => {
    const x = new Float32Array(50_000);
    for (let i = 0; i < x.length; i++) x[i] = 10_000 + (i % 2 === 0 ? 0.5 : -0.5);
    const s = std(x);
    const exact = Math.sqrt((x.length * 0.25) / (x.length - 1));
    expect(Math.abs(s - exact)).toBeLessThan(1e-9);
  });

  it('grad:data and update:data ratios, with null where undefined', () => {
    expect(gradToDataRatio(0.02, 0.5)).toBeCloseTo(0.04, 15);
    expect(gradToDataRatio(0.02, 0)).toBeNull();
    expect(updateToDataRatio(0.1, 0.01, 1)).toBeCloseTo(-3, 12);
    expect(updateToDataRatio(0.01, 0.5, 0.05)).toBeCloseTo(-1, 12);
    expect(updateToDataRatio(0.1, 0, 1)).toBeNull(); // std(g) = 0
    expect(updateToDataRatio(0.1, 0.3, 0)).toBeNull(); // std(w) = 0
    expect(updateToDataRatio(0, 0.3, 1)).toBeNull();
    expect(updateToDataRatio(0.1, NaN, 1)).toBeNull();
  });
});

describe('std fast path', () => {
  it('equals the checked computation on every length mod 4 and falls back on non-finite data', () => {
    const rng = new Rng(21);
    for (const n of [0, 1, 2, 3, 4, 5, 6, 7, 1001, 4096]) {
      const x = new Float32Array(n).map(() => rng.normal() * 3 + 1);
      const xs = Array.from(x);
      const m = n ? sum(xs) / n : 0;
      const expected = n < 2 ? 0 : Math.sqrt(sum(xs.map((v) => (v - m) ** 2)) / (n - 1));
      expect(std(x)).toBeCloseTo(expected, 10);
      expect(std(x)).toBeCloseTo(tensorStats(x).std, 12);
    }
    expect(std(new Float32Array([2, NaN, 4, -Infinity, 6]))).toBe(2);
    expect(std(new Float32Array([Infinity, 1]))).toBe(0);
  });
});
