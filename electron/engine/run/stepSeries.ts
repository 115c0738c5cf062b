/**
 * A per-step series (minibatch loss, one parameter's update:data ratio) read back from a run of any length in
 * bounded memory: values are averaged in buckets of `every` consecutive steps, and when a step falls beyond
 * `maxPoints` buckets, neighbouring buckets merge and `every` doubles (exact: sums and counts merge). A run of
 * up to `maxPoints` steps keeps every step's value; a 100M-step run keeps the same number of points.
 */
export interface BucketedValues {
  fromStep: number;
  /** Steps per value (a power of two; 1 = one value per step). */
  every: number;
  /** values[k] = mean over steps fromStep + k·every … + every − 1 that have one; null where none has. */
  values: (number | null)[];
  /** Steps covered (the last step seen + 1). */
  steps: number;
  /** The value of the last step that had one (exact, not averaged). */
  last: number | null;
}

export class StepSeries {
  every = 1;
  private readonly sums: Float64Array;
  private readonly counts: Float64Array;
  /** Buckets in use (index of the last one + 1). */
  private used = 0;
  /** Steps before this are already counted; a resent chunk cannot count a step twice. */
  private nextStep = 0;
  private last: number | null = null;

  constructor(readonly maxPoints: number) {
    if (!Number.isInteger(maxPoints) || maxPoints < 2) throw new RangeError('StepSeries: maxPoints must be an integer ≥ 2');
    this.sums = new Float64Array(maxPoints);
    this.counts = new Float64Array(maxPoints);
  }

  /** Adds the value of `step` (null / non-finite: the step has none). Steps come in increasing order. */
  add(step: number, value: number | null): void {
    if (!Number.isSafeInteger(step) || step < this.nextStep) return;
    this.nextStep = step + 1;
    let bucket = Math.floor(step / this.every);
    while (bucket >= this.maxPoints) {
      this.merge();
      bucket = Math.floor(step / this.every);
    }
    if (bucket >= this.used) this.used = bucket + 1;
    if (value === null || !Number.isFinite(value)) return;
    this.last = value;
    this.sums[bucket] += value;
    this.counts[bucket] += 1;
  }

  /** Doubles the bucket width: bucket i takes buckets 2i and 2i+1. */
  private merge(): void {
    const half = Math.ceil(this.used / 2);
    for (let i = 0; i < half; i++) {
      const a = 2 * i;
      const b = a + 1 < this.used ? a + 1 : -1;
      this.sums[i] = this.sums[a] + (b >= 0 ? this.sums[b] : 0);
      this.counts[i] = this.counts[a] + (b >= 0 ? this.counts[b] : 0);
    }
    this.sums.fill(0, half);
    this.counts.fill(0, half);
    this.used = half;
    this.every *= 2;
  }

  /** Steps counted so far (the last step seen + 1). */
  get steps(): number {
    return this.nextStep;
  }

  values(): BucketedValues {
    const values = new Array<number | null>(this.used);
    for (let i = 0; i < this.used; i++) values[i] = this.counts[i] > 0 ? this.sums[i] / this.counts[i] : null;
    return { fromStep: 0, every: this.every, values, steps: this.nextStep, last: this.last };
  }
}

/** Keeps at most `max` items of a long sequence, evenly thinned (every 2^k-th), plus always the latest one. */
export class ThinnedList<T> {
  private kept: T[] = [];
  private latest: T | undefined;
  private seen = 0;
  private keepEvery = 1;

  constructor(readonly max: number) {}

  push(item: T): void {
    const index = this.seen++;
    this.latest = item;
    if (index % this.keepEvery !== 0) return;
    this.kept.push(item);
    if (this.kept.length > this.max) {
      this.kept = this.kept.filter((_, i) => i % 2 === 0);
      this.keepEvery *= 2;
    }
  }

  items(): T[] {
    const out = this.kept.slice();
    if (this.latest !== undefined && out[out.length - 1] !== this.latest) out.push(this.latest);
    return out;
  }
}
