import { describe, expect, it } from 'vitest';
import {
  BucketedSeries,
  groupBuckets,
  groupMeans,
  learningRateChangeSteps,
  log10Values,
  pickLast,
  pointAt,
  pointsPerLine,
  smoothBuckets,
  bucketAt,
} from '../../renderer/src/lib/bucketedSeries.js';

/** Deterministic pseudo-losses: a decaying curve with noise, like a real run. */
function fakeLosses(n: number): number[] {
  let s = 12345;
  return Array.from({ length: n }, (_, i) => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return 2 + 1.3 * Math.exp(-i / 300) + 0.2 * (s / 2 ** 31);
  });
}

describe('BucketedSeries', () => {
  it('keeps one bucket per step until the limit, with exact means', () => {
    const s = new BucketedSeries({ maxBuckets: 100 });
    s.append(0, [1, 2, 3]);
    expect(s.width).toBe(1);
    expect(s.means()).toEqual([
      { x: 0, y: 1 },
      { x: 1, y: 2 },
      { x: 2, y: 3 },
    ]);
  });

  it('merges buckets exactly (sum, min, max) and never exceeds maxBuckets', () => {
    const values = log10Values(fakeLosses(5000)) as number[];
    const s = new BucketedSeries({ maxBuckets: 64 });
    s.append(0, values);
    expect(s.buckets.length).toBeLessThanOrEqual(64);
    expect(s.width).toBe(128); // 5000 steps / 64 buckets → smallest power of two ≥ 78.1
    const b = s.buckets[3]; // steps 384..511
    const slice = values.slice(384, 512);
    expect(b.count).toBe(128);
    expect(b.sum / b.count).toBeCloseTo(slice.reduce((a, v) => a + v, 0) / slice.length, 12);
    expect(b.min).toBe(Math.min(...slice));
    expect(b.max).toBe(Math.max(...slice));
  });

  it("merges in place: the merged buckets are the first of each pair, no copies (all of a run's series merge at once)", () => {
    const s = new BucketedSeries({ maxBuckets: 4 });
    s.append(0, [1, 2, 3, 4]);
    const [first, , third] = s.buckets;
    s.append(4, [5]); // a fifth bucket: the width doubles
    expect(s.width).toBe(2);
    expect(s.buckets).toHaveLength(3);
    expect(s.buckets[0]).toBe(first);
    expect(s.buckets[1]).toBe(third);
    expect(s.buckets.map((b) => [b.start, b.end, b.count, b.sum, b.min, b.max])).toEqual([
      [0, 1, 2, 3, 1, 2],
      [2, 3, 2, 7, 3, 4],
      [4, 4, 1, 5, 5, 5],
    ]);
  });

  it('gives the same buckets whether fed in one go or in uneven chunks, and ignores resent steps', () => {
    const values = log10Values(fakeLosses(3001));
    const whole = new BucketedSeries({ maxBuckets: 50 });
    whole.append(0, values);
    const chunked = new BucketedSeries({ maxBuckets: 50 });
    let from = 0;
    for (const size of [1, 7, 300, 2, 999, 13, 1000, 679]) {
      chunked.append(from, values.slice(from, from + size));
      chunked.append(Math.max(0, from - 5), values.slice(Math.max(0, from - 5), from + size)); // overlap: ignored
      from += size;
    }
    expect(from).toBe(3001);
    expect(chunked.buckets).toEqual(whole.buckets);
    expect(chunked.nextStep).toBe(3001);
  });

  it('smooths with bias correction: a constant series stays exactly constant from the first step', () => {
    const s = new BucketedSeries({ smoothing: 0.99 });
    s.append(0, [0.5, 0.5, 0.5]);
    for (const p of s.smoothed()) expect(p.y).toBeCloseTo(0.5, 14);
  });

  it('smoothed value equals the debiased EMA computed directly', () => {
    const xs = [3, 1, 4, 1, 5, 9, 2, 6];
    const beta = 0.9;
    const s = new BucketedSeries({ smoothing: beta });
    s.append(0, xs);
    let m = 0;
    xs.forEach((x, t) => {
      m = beta * m + (1 - beta) * x;
      expect(s.smoothPoint(t).y).toBeCloseTo(m / (1 - beta ** (t + 1)), 12);
    });
  });

  it('skips null and non-finite values without breaking step positions', () => {
    const s = new BucketedSeries();
    s.append(0, [1, null, Number.NaN, 4]);
    expect(s.means()).toEqual([
      { x: 0, y: 1 },
      { x: 3, y: 4 },
    ]);
    expect(s.nextStep).toBe(4);
  });
});

describe('log10Values', () => {
  it('is log10 for positive losses and null otherwise', () => {
    expect(log10Values([100, 0.001, 0, -1, Number.POSITIVE_INFINITY])).toEqual([2, -3, null, null, null]);
  });
});

describe('groupBuckets / groupMeans (a chart draws at most one point per pixel column)', () => {
  it('groups aligned ranges of steps, the narrowest power of two that fits', () => {
    const s = new BucketedSeries();
    s.append(0, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // 10 one-step buckets into at most 4 points: width 2 would give 5 groups, width 4 gives 0–3, 4–7, 8–9.
    const g = groupBuckets(s, 4);
    expect(g).toEqual({ width: 4, last: [3, 7, 9] });
    expect(groupMeans(s, g)).toEqual([
      { x: 0, y: 2.5 },
      { x: 4, y: 6.5 },
      { x: 8, y: 9.5 },
    ]);
    // Room for every bucket: one point each, the series' own means.
    expect(groupMeans(s, groupBuckets(s, 10))).toEqual(s.means());
  });

  it('means are exact over the steps drawn, after the series merged its buckets too', () => {
    const losses = fakeLosses(20_000);
    const s = new BucketedSeries({ maxBuckets: 2000 });
    for (let from = 0; from < losses.length; from += 97) s.append(from, losses.slice(from, from + 97));
    expect(s.width).toBe(16);
    const g = groupBuckets(s, 300);
    expect(g.width).toBe(128); // 20,000 / 64 = 313 groups > 300; / 128 = 157
    const points = groupMeans(s, g);
    expect(points.length).toBe(157);
    points.forEach((p, k) => {
      const steps = losses.slice(p.x, p.x + g.width);
      expect(p.x).toBe(k * 128);
      expect(p.y).toBeCloseTo(steps.reduce((a, b) => a + b, 0) / steps.length, 12);
    });
  });

  it('never draws more than maxPoints, nor fewer than half when the series has more', () => {
    const s = new BucketedSeries({ maxBuckets: 1000 });
    const losses = fakeLosses(6000);
    for (let from = 0; from < losses.length; from += 61) {
      s.append(from, losses.slice(from, from + 61));
      for (const max of [50, 333, 1200]) {
        const n = groupBuckets(s, max).last.length;
        expect(n).toBeLessThanOrEqual(max);
        if (s.buckets.length > max) expect(n).toBeGreaterThan(max / 2);
        else expect(n).toBe(s.buckets.length);
      }
    }
  });

  it('keeps drawn points in place while a series grows (only the last one moves, until the width doubles)', () => {
    const s = new BucketedSeries({ maxBuckets: 4000 });
    const losses = fakeLosses(3000);
    let before = { width: 0, points: [] as { x: number; y: number }[] };
    let doublings = 0;
    for (let from = 0; from < losses.length; from += 50) {
      s.append(from, losses.slice(from, from + 50));
      const g = groupBuckets(s, 200);
      const points = groupMeans(s, g);
      if (g.width === before.width) expect(points.slice(0, before.points.length - 1)).toEqual(before.points.slice(0, -1));
      else doublings++;
      before = { width: g.width, points };
    }
    // 3000 steps into ≤ 200 points: widths 1, 2, 4, 8, 16 (the first sync counts as one).
    expect(before.width).toBe(16);
    expect(doublings).toBe(5);
  });

  it('leaves gaps in the steps out, and places each group at its aligned first step', () => {
    const s = new BucketedSeries();
    s.append(0, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    s.append(100, [3, 3, 3, 3, 3, 3, 3, 3, 3, 3]);
    const g = groupBuckets(s, 3);
    expect(g.width).toBe(64); // steps 0–109 span 2 groups of 64 (1 of 128 would also fit, 32 would need 4)
    expect(groupMeans(s, g)).toEqual([
      { x: 0, y: 1 },
      { x: 64, y: 3 },
    ]);
  });

  it("pickLast samples per-bucket values (the smoothed line) at each group's last bucket", () => {
    const s = new BucketedSeries();
    s.append(0, [4, 2, 4, 2, 4, 2]);
    const smoothed = smoothBuckets(s, 0.5);
    const g = groupBuckets(s, 3);
    expect(g.last).toEqual([1, 3, 5]);
    expect(pickLast(smoothed, g)).toEqual([smoothed[1], smoothed[3], smoothed[5]]);
    expect(pickLast(smoothed, g).map((p) => p.x)).toEqual([1, 3, 5]);
  });

  it('pointsPerLine: one point per two pixel columns, within a budget for the whole chart', () => {
    expect(pointsPerLine(1100, 2)).toBe(550); // a loss curve: means and smoothed line
    expect(pointsPerLine(1100, 12)).toBe(133); // twelve update:data lines share 1600 points
    expect(pointsPerLine(1100, 12) * 12).toBeLessThanOrEqual(1600);
    expect(pointsPerLine(1100, 200)).toBe(32); // never fewer than 32 a line
    expect(pointsPerLine(0, 1)).toBe(32); // a chart not laid out yet
  });

  it('pointAt finds the drawn point covering a step', () => {
    const points = [
      { x: 0, y: 1 },
      { x: 64, y: 2 },
      { x: 128, y: 3 },
    ];
    expect(pointAt(points, -1)).toBeNull();
    expect(pointAt(points, 0)).toBe(0);
    expect(pointAt(points, 63)).toBe(0);
    expect(pointAt(points, 64)).toBe(1);
    expect(pointAt(points, 10_000)).toBe(2);
    expect(pointAt([], 5)).toBeNull();
  });
});

describe('learningRateChangeSteps', () => {
  it('lists the steps where the rate actually changes', () => {
    expect(learningRateChangeSteps({ initial: 0.1, decays: [{ atStep: 100_000, rate: 0.01 }] })).toEqual([100_000]);
    expect(learningRateChangeSteps({ initial: 0.1, decays: [{ atStep: 5, rate: 0.1 }] })).toEqual([]);
  });
});

describe('smoothBuckets (the smoothing slider)', () => {
  it('is the bias-corrected per-step EMA while buckets hold one step, and the raw means at 0', () => {
    const values = [3, 1, 2, 5];
    const s = new BucketedSeries({ maxBuckets: 100 });
    s.append(0, values);
    expect(smoothBuckets(s, 0).map((p) => p.y)).toEqual(values);
    // By hand: ema_t = a·ema_{t−1} + (1−a)·v_t, divided by 1 − a^(t+1).
    const a = 0.6;
    let ema = 0;
    const expected = values.map((v, t) => ((ema = a * ema + (1 - a) * v), ema / (1 - a ** (t + 1))));
    smoothBuckets(s, a).forEach((p, t) => {
      expect(p.x).toBe(t);
      expect(p.y).toBeCloseTo(expected[t], 12);
    });
    // The same as the series' own EMA when the decay matches.
    const own = new BucketedSeries({ maxBuckets: 100, smoothing: a });
    own.append(0, values);
    own.smoothed().forEach((p, i) => expect(smoothBuckets(own, a)[i].y).toBeCloseTo(p.y, 12));
  });

  it('maps into the chart\'s units and follows merged buckets to their last step', () => {
    const s = new BucketedSeries({ maxBuckets: 4 });
    s.append(0, log10Values(fakeLosses(64)));
    const pts = smoothBuckets(s, 0.9, (y) => 10 ** y);
    expect(pts).toHaveLength(s.buckets.length);
    expect(pts.map((p) => p.x)).toEqual(s.buckets.map((b) => b.end));
    for (const p of pts) expect(p.y).toBeGreaterThan(2); // losses, not log10 losses
  });

  it('finds the bucket under the pointer', () => {
    const s = new BucketedSeries({ maxBuckets: 4 });
    s.append(0, fakeLosses(16)); // width 4: buckets start at 0, 4, 8, 12
    expect(bucketAt(s, -1)).toBeNull();
    expect(bucketAt(s, 0)).toBe(0);
    expect(bucketAt(s, 7)).toBe(1);
    expect(bucketAt(s, 12)).toBe(3);
    expect(bucketAt(s, 1e9)).toBe(3);
  });
});
