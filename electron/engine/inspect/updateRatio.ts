/**
 * Every-step update:data ratios per parameter, stored compactly for the "update:data over time" chart.
 *
 * Columnar: one Int32Array of steps and one Float32Array of [rows × params] values, both grown by doubling, so
 * recording a step allocates nothing in the steady state (≈ 200k steps × 10 params = 8 MB). Undefined ratios are
 * stored as NaN and handed out as `null`. `takeNew()` returns only the rows recorded since the previous call,
 * which is what the metrics stream sends (the renderer never re-receives the whole history).
 */
import { std, updateToDataRatio } from './stats.js';
import type { TensorSource } from './snapshot.js';

/** A block of recorded rows: `values[p][k]` is parameter `names[p]` at `steps[k]`. JSON-safe. */
export interface UpdateRatioBatch {
  names: string[];
  steps: number[];
  values: (number | null)[][];
}

export class UpdateRatioTracker {
  readonly names: readonly string[];
  private steps: Int32Array;
  private values: Float32Array;
  private rows = 0;
  private readUpTo = 0;

  constructor(names: readonly string[], initialCapacity = 1024) {
    this.names = [...names];
    const cap = Math.max(1, initialCapacity);
    this.steps = new Int32Array(cap);
    this.values = new Float32Array(cap * this.names.length);
  }

  /** Rows recorded so far. */
  get length(): number {
    return this.rows;
  }

  /**
   * Records log10(std(lr·g)/std(w)) for every parameter at `step`. `gradients` and `tensors` may be backend
   * views: they are read immediately and not kept.
   */
  record(step: number, lr: number, gradients: Readonly<Record<string, Float32Array>>, tensors: TensorSource): void {
    const p = this.names.length;
    this.ensureCapacity(this.rows + 1);
    const base = this.rows * p;
    for (let j = 0; j < p; j++) {
      const name = this.names[j];
      const g = gradients[name];
      const w = typeof tensors === 'function' ? tensors(name) : tensors[name];
      if (!g || !w) throw new Error(`update ratio: missing gradient or tensor for ${name}`);
      const r = updateToDataRatio(lr, std(g), std(w));
      this.values[base + j] = r === null ? NaN : r;
    }
    this.steps[this.rows] = step;
    this.rows++;
  }

  /** Records precomputed ratios (one per name, in order; null for undefined). */
  recordRatios(step: number, ratios: ArrayLike<number | null>): void {
    const p = this.names.length;
    if (ratios.length !== p) throw new RangeError(`update ratio: expected ${p} ratios, got ${ratios.length}`);
    this.ensureCapacity(this.rows + 1);
    const base = this.rows * p;
    for (let j = 0; j < p; j++) {
      const r = ratios[j];
      this.values[base + j] = r === null || !Number.isFinite(r) ? NaN : r;
    }
    this.steps[this.rows] = step;
    this.rows++;
  }

  /** Rows [from, to) as a JSON-safe batch. */
  slice(from = 0, to = this.rows): UpdateRatioBatch {
    const lo = Math.max(0, Math.min(from, this.rows));
    const hi = Math.max(lo, Math.min(to, this.rows));
    const p = this.names.length;
    const steps = Array.from(this.steps.subarray(lo, hi));
    const values = this.names.map((_, j) => {
      const col = new Array<number | null>(hi - lo);
      for (let k = lo; k < hi; k++) {
        const v = this.values[k * p + j];
        col[k - lo] = v !== v ? null : v;
      }
      return col;
    });
    return { names: [...this.names], steps, values };
  }

  /** Everything recorded since the previous `takeNew()` (all rows the first time). */
  takeNew(): UpdateRatioBatch {
    const batch = this.slice(this.readUpTo, this.rows);
    this.readUpTo = this.rows;
    return batch;
  }

  /** The whole history. */
  all(): UpdateRatioBatch {
    return this.slice(0, this.rows);
  }

  /**
   * Mean of each parameter's defined ratios over the last `window` rows (null where none is defined):
   * what the diagnosis compares with the 1e-3 guide.
   */
  recentMeans(window = 100): (number | null)[] {
    const p = this.names.length;
    const lo = Math.max(0, this.rows - window);
    return this.names.map((_, j) => {
      let sum = 0;
      let k = 0;
      for (let r = lo; r < this.rows; r++) {
        const v = this.values[r * p + j];
        if (v === v) {
          sum += v;
          k++;
        }
      }
      return k === 0 ? null : sum / k;
    });
  }

  private ensureCapacity(rows: number): void {
    if (rows <= this.steps.length) return;
    let cap = this.steps.length;
    while (cap < rows) cap *= 2;
    const steps = new Int32Array(cap);
    steps.set(this.steps.subarray(0, this.rows));
    const values = new Float32Array(cap * this.names.length);
    values.set(this.values.subarray(0, this.rows * this.names.length));
    this.steps = steps;
    this.values = values;
  }
}
