/**
 * A per-step series (log10 loss, log10 update:data ratio) as the charts draw it, built incrementally from
 * chunks of new steps.
 *
 * A 200k-step run cannot be redrawn point by point twenty times a second, so values are kept in buckets of
 * `width` consecutive steps (mean, min, max). When there are more than `maxBuckets`, neighbouring buckets
 * merge and the width doubles — exact, because sums/min/max merge — so a series never holds more than
 * `maxBuckets` buckets. A chart draws fewer points still: at most one per pixel column (`groupBuckets`).
 *
 * The smoothed line is an exponential moving average with bias correction (the first values are not pulled
 * towards 0), sampled at the last step of each bucket.
 *
 * Pure data, no DOM: unit-tested in test/renderer/bucketedSeries.test.ts.
 */

export interface Point {
  x: number;
  y: number;
}

export interface Bucket {
  /** First step of the bucket's range (a multiple of the width). */
  start: number;
  /** Last step that landed in it. */
  end: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Smoothed value after the bucket's last step. */
  smooth: number;
}

export interface SeriesOptions {
  /** Upper bound on points drawn; buckets merge beyond it. */
  maxBuckets?: number;
  /** EMA decay per step (0.99 ≈ a 100-step window). */
  smoothing?: number;
}

export class BucketedSeries {
  readonly maxBuckets: number;
  readonly smoothing: number;
  /** Steps per bucket; always a power of two. */
  width = 1;
  /** The step after the last one seen. */
  nextStep = 0;
  readonly buckets: Bucket[] = [];
  private ema = 0;
  private emaWeight = 0;

  constructor(options: SeriesOptions = {}) {
    this.maxBuckets = Math.max(2, options.maxBuckets ?? 2000);
    this.smoothing = options.smoothing ?? 0.99;
  }

  /**
   * Adds values for steps `fromStep, fromStep + 1, …`. Steps already seen are skipped (a resent chunk is
   * harmless); a gap is tolerated. `null` and non-finite values are left out of the series (a missing ratio,
   * a diverged loss) rather than drawn as spikes.
   */
  append(fromStep: number, values: ArrayLike<number | null>): void {
    for (let k = Math.max(0, this.nextStep - fromStep); k < values.length; k++) {
      const step = fromStep + k;
      const y = values[k];
      this.nextStep = step + 1;
      if (y === null || !Number.isFinite(y)) continue;
      this.ema = this.smoothing * this.ema + (1 - this.smoothing) * y;
      this.emaWeight = this.smoothing * this.emaWeight + (1 - this.smoothing);
      const smooth = this.ema / this.emaWeight;
      const start = step - (step % this.width);
      const last = this.buckets[this.buckets.length - 1];
      if (last && last.start === start) {
        last.end = step;
        last.count += 1;
        last.sum += y;
        if (y < last.min) last.min = y;
        if (y > last.max) last.max = y;
        last.smooth = smooth;
      } else {
        this.buckets.push({ start, end: step, count: 1, sum: y, min: y, max: y, smooth });
        if (this.buckets.length > this.maxBuckets) this.merge();
      }
    }
  }

  /**
   * Doubles the bucket width, merging neighbours (exact for sum, count, min, max; smooth takes the later). In
   * place: every series of a run (the loss, each parameter's ratio) reaches `maxBuckets` at the same step, and
   * copying each one's buckets into new objects there made one WebSocket message a long task.
   */
  private merge(): void {
    this.width *= 2;
    const buckets = this.buckets;
    let n = 0;
    for (let i = 0; i < buckets.length; i++) {
      const b = buckets[i];
      const start = b.start - (b.start % this.width);
      const last = n > 0 ? buckets[n - 1] : undefined;
      if (last && last.start === start) {
        last.end = b.end;
        last.count += b.count;
        last.sum += b.sum;
        if (b.min < last.min) last.min = b.min;
        if (b.max > last.max) last.max = b.max;
        last.smooth = b.smooth;
      } else {
        b.start = start;
        buckets[n++] = b;
      }
    }
    buckets.length = n;
  }

  /** Mean of bucket i, plotted at its first step. */
  meanPoint(i: number): Point {
    const b = this.buckets[i];
    return { x: b.start, y: b.sum / b.count };
  }

  /** Smoothed value at the last step of bucket i. */
  smoothPoint(i: number): Point {
    const b = this.buckets[i];
    return { x: b.end, y: b.smooth };
  }

  means(): Point[] {
    return this.buckets.map((_, i) => this.meanPoint(i));
  }

  smoothed(): Point[] {
    return this.buckets.map((_, i) => this.smoothPoint(i));
  }
}

/** log10 of each loss (null where it has none), for a loss curve drawn on a log scale as the lecture does. */
export function log10Values(values: readonly number[]): (number | null)[] {
  return values.map((v) => (v > 0 && Number.isFinite(v) ? Math.log10(v) : null));
}

/**
 * Which buckets a chart draws as one point: consecutive buckets grouped into aligned ranges of `width` steps (a
 * power-of-two multiple of the series' own width), the smallest width that leaves at most `maxPoints` groups. A
 * chart cannot show more points than it has pixel columns, and a chart's work per redraw (aligning, drawing) grows
 * with the points, so a chart asks for a number derived from its width (`pointsPerLine`). Because groups are aligned, the drawn points of a
 * growing series stay put between updates; only the last one moves, until the width doubles.
 */
export interface BucketGroups {
  /** Steps per drawn point. */
  width: number;
  /** Per group, the index of its last bucket (groups are consecutive: group g starts after last[g − 1]). */
  last: number[];
}

export function groupBuckets(series: BucketedSeries, maxPoints: number): BucketGroups {
  const buckets = series.buckets;
  const limit = Math.max(1, Math.floor(maxPoints));
  let width = series.width;
  if (buckets.length > limit) {
    const first = buckets[0].start;
    const lastStart = buckets[buckets.length - 1].start;
    // Groups spanned (an upper bound on groups present: a gap in the steps leaves some empty).
    while (Math.floor(lastStart / width) - Math.floor(first / width) + 1 > limit) width *= 2;
  }
  const last: number[] = [];
  for (let i = 0; i < buckets.length; i++) {
    const group = Math.floor(buckets[i].start / width);
    if (i + 1 === buckets.length || Math.floor(buckets[i + 1].start / width) !== group) last.push(i);
  }
  return { width, last };
}

/**
 * Points to draw per line of a chart `widthPx` wide holding `lines` lines: one per two pixel columns, and no more
 * than `chartBudget` over the whole chart — every point is aligned and stroked on every redraw, so a chart
 * of twelve parameters' update:data lines must cost about what a single loss curve does.
 */
export function pointsPerLine(widthPx: number, lines: number, chartBudget = 1600): number {
  return Math.max(32, Math.floor(Math.min(widthPx / 2, chartBudget / Math.max(1, lines))));
}

/** Each group's mean over all its steps (exact: bucket sums and counts add up), at the group's first step. */
export function groupMeans(series: BucketedSeries, groups: BucketGroups, map: (y: number) => number = (y) => y): Point[] {
  const out: Point[] = new Array(groups.last.length);
  let i = 0;
  groups.last.forEach((last, g) => {
    const start = series.buckets[i].start;
    let sum = 0;
    let count = 0;
    for (; i <= last; i++) {
      sum += series.buckets[i].sum;
      count += series.buckets[i].count;
    }
    out[g] = { x: start - (start % groups.width), y: map(sum / count) };
  });
  return out;
}

/** Per group, the value computed for its last bucket (e.g. the smoothed line, which is sampled at a bucket's end). */
export function pickLast<T>(perBucket: readonly T[], groups: BucketGroups): T[] {
  return groups.last.map((i) => perBucket[i]);
}

/** The index of the last item whose key is at or before `value`, in items sorted by key; null before the first. */
function lastAtOrBefore<T>(items: readonly T[], key: (item: T) => number, value: number): number | null {
  let lo = 0;
  let hi = items.length - 1;
  let found: number | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (key(items[mid]) <= value) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The index of the last point at or before step `x` in points sorted by x, or null before the first. */
export function pointAt(points: readonly Point[], x: number): number | null {
  return lastAtOrBefore(points, (p) => p.x, x);
}

/**
 * TensorBoard's smoothing slider over a bucketed series: an exponential moving average with decay `alpha` per
 * step and bias correction, evaluated at the end of each bucket. A bucket of c steps is treated as c steps at
 * its mean (decay alpha^c), which is exact while buckets hold one step and a close approximation after merges.
 * alpha = 0 gives the bucket means themselves. Recomputed from the buckets (≤ maxBuckets points), so the slider
 * can change it at any time.
 */
export function smoothBuckets(series: BucketedSeries, alpha: number, map: (y: number) => number = (y) => y): Point[] {
  const a = Math.min(Math.max(alpha, 0), 0.9999);
  const out: Point[] = new Array(series.buckets.length);
  let ema = 0;
  let weight = 0;
  series.buckets.forEach((b, i) => {
    const decay = a ** b.count;
    ema = decay * ema + (1 - decay) * (b.sum / b.count);
    weight = decay * weight + (1 - decay);
    out[i] = { x: b.end, y: map(weight > 0 ? ema / weight : b.sum / b.count) };
  });
  return out;
}

/** The bucket covering `step` (the last one starting at or before it), or null before the first. */
export function bucketAt(series: BucketedSeries, step: number): number | null {
  return lastAtOrBefore(series.buckets, (b) => b.start, step);
}

/** Steps at which the learning rate changes (marked on the loss chart). */
export function learningRateChangeSteps(schedule: { initial: number; decays: { atStep: number; rate: number }[] }): number[] {
  let rate = schedule.initial;
  const steps: number[] = [];
  for (const d of [...schedule.decays].sort((a, b) => a.atStep - b.atStep)) {
    if (d.rate !== rate) steps.push(d.atStep);
    rate = d.rate;
  }
  return steps;
}
