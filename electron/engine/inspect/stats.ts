/**
 * Summary statistics of one tensor for the inspectors, matching the lecture's PyTorch expressions:
 * `t.mean()`, `t.std()` (torch's default: the UNBIASED n − 1 estimate), `(t.abs() > 0.97).float().mean()`,
 * `p.grad.std() / p.data.std()` (update:data, built on `std`, has its own module: updateRatio.ts).
 *
 * Accumulation is in float64 (JS numbers) over the float32 data, in two passes (mean, then squared
 * deviations — no catastrophic cancellation). Nothing here allocates except the result object of
 * `tensorStats`, so the every-step update:data path (`std`) costs only two reads of each tensor.
 *
 * Non-finite entries (NaN, ±Infinity) are counted and left out of every other figure, so every number
 * returned is finite or `null`: the results go into JSON and over IPC, where NaN and Infinity do not survive.
 */

/** |t| above this counts as a saturated tanh unit (the lecture's threshold). */
export const SATURATION_THRESHOLD = 0.97;

export interface TensorStats {
  /** Number of entries (finite or not). */
  count: number;
  /** Entries that are NaN or ±Infinity (excluded from everything below). */
  nonFinite: number;
  mean: number;
  /** Unbiased standard deviation (n − 1), as torch's `.std()`; 0 for fewer than two finite entries. */
  std: number;
  maxAbs: number;
  /** Fraction of finite entries exactly equal to 0 (1 for an all-zero tensor; 0 for an empty one). */
  zeroFraction: number;
  /** Fraction of finite entries with |t| > 0.97, in [0, 1]. */
  saturatedFraction: number;
}

/** Sum and count of the finite entries (NaN and ±Infinity skipped). */
function finiteSum(data: ArrayLike<number>): { sum: number; count: number } {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v === 0) {
      // v − v is 0 exactly for finite v, NaN for NaN and ±Infinity: one test for "finite".
      sum += v;
      count++;
    }
  }
  return { sum, count };
}

/** Mean of the finite entries (0 when there are none). */
export function mean(data: ArrayLike<number>): number {
  const { sum, count } = finiteSum(data);
  return count === 0 ? 0 : sum / count;
}

/**
 * Unbiased standard deviation of the finite entries (torch's `.std()`); 0 for fewer than two of them.
 *
 * This is the every-step path (update:data for every parameter), so the common all-finite case runs without
 * per-element checks and with four independent accumulators (a single running sum is bound by the latency of
 * each add: ≈4× slower on 50k floats). A non-finite entry makes the plain sum non-finite — float32 values
 * cannot overflow a float64 sum at these sizes — and sends the call to the checked path.
 */
export function std(data: ArrayLike<number>): number {
  const n = data.length;
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    a0 += data[i];
    a1 += data[i + 1];
    a2 += data[i + 2];
    a3 += data[i + 3];
  }
  for (; i < n; i++) a0 += data[i];
  const sum = a0 + a1 + a2 + a3;
  if (sum - sum !== 0) return checkedStd(data);
  if (n < 2) return 0;
  const m = sum / n;
  a0 = a1 = a2 = a3 = 0;
  for (i = 0; i + 3 < n; i += 4) {
    const d0 = data[i] - m;
    const d1 = data[i + 1] - m;
    const d2 = data[i + 2] - m;
    const d3 = data[i + 3] - m;
    a0 += d0 * d0;
    a1 += d1 * d1;
    a2 += d2 * d2;
    a3 += d3 * d3;
  }
  for (; i < n; i++) {
    const d = data[i] - m;
    a0 += d * d;
  }
  return Math.sqrt((a0 + a1 + a2 + a3) / (n - 1));
}

/** `std` over the finite entries only, skipping NaN and ±Infinity one by one. */
function checkedStd(data: ArrayLike<number>): number {
  const { sum, count: k } = finiteSum(data);
  if (k < 2) return 0;
  const m = sum / k;
  let ss = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v === 0) {
      const d = v - m;
      ss += d * d;
    }
  }
  return Math.sqrt(ss / (k - 1));
}

export function tensorStats(data: ArrayLike<number>): TensorStats {
  const count = data.length;
  let sum = 0;
  let k = 0;
  let maxAbs = 0;
  let zeros = 0;
  let saturated = 0;
  for (let i = 0; i < count; i++) {
    const v = data[i];
    if (v - v !== 0) continue;
    sum += v;
    k++;
    const a = v < 0 ? -v : v;
    if (a > maxAbs) maxAbs = a;
    if (v === 0) zeros++;
    if (a > SATURATION_THRESHOLD) saturated++;
  }
  const m = k === 0 ? 0 : sum / k;
  let ss = 0;
  if (k >= 2) {
    for (let i = 0; i < count; i++) {
      const v = data[i];
      if (v - v !== 0) continue;
      const d = v - m;
      ss += d * d;
    }
  }
  return {
    count,
    nonFinite: count - k,
    mean: m,
    std: k >= 2 ? Math.sqrt(ss / (k - 1)) : 0,
    maxAbs,
    zeroFraction: k === 0 ? 0 : zeros / k,
    saturatedFraction: k === 0 ? 0 : saturated / k,
  };
}

/**
 * grad:data ratio std(g) / std(w); `null` when std(w) is 0 (an all-equal parameter such as a zero-initialised
 * bias has no scale to compare against) — a JSON-safe "undefined", never ±Infinity or NaN.
 */
export function gradToDataRatio(gradStd: number, dataStd: number): number | null {
  if (!(dataStd > 0) || !Number.isFinite(gradStd) || !Number.isFinite(dataStd)) return null;
  return gradStd / dataStd;
}
