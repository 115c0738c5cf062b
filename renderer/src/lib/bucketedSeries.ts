/**
 * A per-step series (log10 loss, log10 update:data ratio) as the charts draw it, built incrementally from
 * chunks of new steps.
 *
 * A 200k-step run cannot be redrawn point by point twenty times a second, so values are kept in buckets of
 * `width` consecutive steps (mean, min, max). When there are more than `maxBuckets`, neighbouring buckets
 * merge and the width doubles — exact, because sums/min/max merge — so a chart never holds more than
 * `maxBuckets` points. Each merge bumps `generation`; `mirrorSeries` uses that to keep a chart's own point
 * arrays in sync by appending only what is new (and rebuilding only after a merge, ~log2(steps/maxBuckets)
 * times per run).
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
  /** Incremented whenever buckets merge (every point moved). */
  generation = 0;
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

  /** Doubles the bucket width, merging neighbours (exact for sum, count, min, max; smooth takes the later). */
  private merge(): void {
    this.width *= 2;
    this.generation += 1;
    const merged: Bucket[] = [];
    for (const b of this.buckets) {
      const start = b.start - (b.start % this.width);
      const last = merged[merged.length - 1];
      if (last && last.start === start) {
        last.end = b.end;
        last.count += b.count;
        last.sum += b.sum;
        last.min = Math.min(last.min, b.min);
        last.max = Math.max(last.max, b.max);
        last.smooth = b.smooth;
      } else {
        merged.push({ ...b, start });
      }
    }
    this.buckets.length = 0;
    this.buckets.push(...merged);
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

/** A chart's own copy of a series' points, kept in sync by appending (Chart.js datasets hold these arrays). */
export interface SeriesMirror {
  means: Point[];
  smoothed: Point[];
  generation: number;
}

export function emptyMirror(): SeriesMirror {
  return { means: [], smoothed: [], generation: -1 };
}

/**
 * Brings `mirror` up to date with `series`, mutating its arrays in place: after a merge (generation changed)
 * they are refilled; otherwise the last point is revised (more steps landed in its bucket) and only new points
 * are pushed. Returns 'rebuilt', 'appended' or 'unchanged' so the caller can pick the cheapest chart update.
 */
export function mirrorSeries(
  mirror: SeriesMirror,
  series: BucketedSeries,
  /** Maps each y into the chart's units (e.g. 10^y to draw a log10 series on a linear or logarithmic axis). */
  map: (y: number) => number = (y) => y,
): 'rebuilt' | 'appended' | 'unchanged' {
  const n = series.buckets.length;
  const mean = (i: number): Point => mapY(series.meanPoint(i), map);
  const smooth = (i: number): Point => mapY(series.smoothPoint(i), map);
  if (mirror.generation !== series.generation || mirror.means.length > n) {
    mirror.means.length = 0;
    mirror.smoothed.length = 0;
    for (let i = 0; i < n; i++) {
      mirror.means.push(mean(i));
      mirror.smoothed.push(smooth(i));
    }
    mirror.generation = series.generation;
    return 'rebuilt';
  }
  const had = mirror.means.length;
  let changed = false;
  if (had > 0) {
    const m = mean(had - 1);
    const s = smooth(had - 1);
    const pm = mirror.means[had - 1];
    const ps = mirror.smoothed[had - 1];
    if (pm.x !== m.x || pm.y !== m.y || ps.x !== s.x || ps.y !== s.y) {
      mirror.means[had - 1] = m;
      mirror.smoothed[had - 1] = s;
      changed = true;
    }
  }
  for (let i = had; i < n; i++) {
    mirror.means.push(mean(i));
    mirror.smoothed.push(smooth(i));
    changed = true;
  }
  return changed ? 'appended' : 'unchanged';
}

function mapY(p: Point, map: (y: number) => number): Point {
  return { x: p.x, y: map(p.y) };
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
  const buckets = series.buckets;
  let lo = 0;
  let hi = buckets.length - 1;
  let found: number | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (buckets[mid].start <= step) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
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
