import { describe, expect, it } from 'vitest';
import {
  BucketedSeries,
  emptyMirror,
  learningRateChangeSteps,
  log10Values,
  mirrorSeries,
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

describe('mirrorSeries (the chart appends only new data)', () => {
  it('pushes only new points, revises the last one, and rebuilds only after a merge', () => {
    const values = log10Values(fakeLosses(2000));
    const s = new BucketedSeries({ maxBuckets: 40 });
    const mirror = emptyMirror();
    s.append(0, values.slice(0, 10));
    expect(mirrorSeries(mirror, s)).toBe('rebuilt'); // first sync
    const firstArray = mirror.means;
    expect(mirrorSeries(mirror, s)).toBe('unchanged');

    s.append(10, values.slice(10, 25));
    const before = mirror.means.slice(0, 10);
    expect(mirrorSeries(mirror, s)).toBe('appended');
    expect(mirror.means).toBe(firstArray); // same array, mutated in place
    expect(mirror.means.slice(0, 10)).toEqual(before); // old points untouched
    expect(mirror.means.length).toBe(25);

    let rebuilds = 0;
    for (let from = 25; from < 2000; from += 37) {
      s.append(from, values.slice(from, from + 37));
      if (mirrorSeries(mirror, s) === 'rebuilt') rebuilds++;
      expect(mirror.means).toEqual(s.means());
      expect(mirror.smoothed).toEqual(s.smoothed());
    }
    // 2000 steps into ≤ 40 buckets: width 1 → 64, i.e. six merges, each seen as one rebuild.
    expect(s.width).toBe(64);
    expect(rebuilds).toBe(6);
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
