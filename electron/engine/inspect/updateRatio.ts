/**
 * update:data — the lecture's `((lr * p.grad).std() / p.data.std()).log10()` — in one place: the formula, its
 * two ways of being measured every step (from the arrays, or from the float64 moments the fused kernel sums
 * during its SGD pass: native/kernel/mlp.c `sgd_moments`), the history a run keeps of it, and the recent
 * average the diagnosis compares with the 1e-3 guide.
 *
 * The path of a figure: `updateRatios` each training step (train/trainer.ts) → chunks in metrics.jsonl →
 * `ratioHistory` when a run is read back → `recentUpdateRatios` in the diagnosis. A snapshot's per-step
 * `updateToData` (inspect/snapshot.ts) is `updateToDataRatio` over the same stds.
 */
import type { ComputeBackend } from '../compute/types.js';
import { std } from './stats.js';

/**
 * update:data ratio log10(std(lr·g) / std(w)) = log10(|lr|·std(g) / std(w)) — the lecture's guide is ≈ −3.
 * `null` when std(w) = 0, std(g) = 0 or lr = 0 (the logarithm would be ±Infinity or NaN).
 * Which w is the caller's choice; the lecture measures the data after the update.
 */
export function updateToDataRatio(lr: number, gradStd: number, dataStd: number): number | null {
  const num = Math.abs(lr) * gradStd;
  if (!(num > 0) || !(dataStd > 0) || !Number.isFinite(num) || !Number.isFinite(dataStd)) return null;
  return Math.log10(num / dataStd);
}

/**
 * The ratio of one parameter from its arrays: unbiased stds (torch's `.std()`) over the finite entries,
 * allocation-free (it runs every step for backends without moments).
 */
export function paramUpdateToData(lr: number, grad: ArrayLike<number>, data: ArrayLike<number>): number | null {
  return updateToDataRatio(lr, std(grad), std(data));
}

/** Unbiased variance from a count, a sum and a sum of squares (shift-invariant); rounding below 0 reads as 0. */
function varianceFromSums(n: number, sum: number, sumSq: number): number {
  if (n < 2) return 0;
  const v = (sumSq - (sum * sum) / n) / (n - 1);
  return v > 0 ? v : 0;
}

/**
 * `updateToDataRatio(lr, std(g), std(w))` from float64 moments instead of the arrays — what a backend's
 * `updateMoments()` provides: n entries, Σg, Σg², Σw, Σw² (each possibly about a per-tensor shift, which
 * leaves the variance unchanged). Same unbiased std and the same `null` rules (n < 2, a zero spread, lr = 0).
 * Non-finite moments (a NaN or ±Infinity entry somewhere) give `null`: unlike `std`, moments cannot leave
 * the non-finite entries out, so a caller wanting `std`'s figure over the finite ones must use the arrays.
 */
export function updateToDataFromMoments(lr: number, n: number, sumG: number, sumSqG: number, sumW: number, sumSqW: number): number | null {
  const total = sumG + sumSqG + sumW + sumSqW;
  if (total - total !== 0) return null;
  return updateToDataRatio(lr, Math.sqrt(varianceFromSums(n, sumG, sumSqG)), Math.sqrt(varianceFromSums(n, sumW, sumSqW)));
}

/**
 * This step's update:data ratio of every trainable param (canonical order), from the weights after the
 * update as the lecture's `(lr*p.grad).std() / p.data.std()` does. Uses the backend's float64 moments when
 * it has them (no second pass over the tensors); a param whose moments are not finite (NaN/Infinity in its
 * gradient or weights) is measured from the arrays, where `std` leaves the non-finite entries out.
 */
export function updateRatios(backend: ComputeBackend, lr: number, names: readonly string[], sizes: readonly number[]): (number | null)[] {
  const moments = backend.updateMoments?.();
  if (!moments) {
    const grads = backend.gradients();
    return names.map((name) => paramUpdateToData(lr, grads[name], backend.tensor(name)));
  }
  const ratios: (number | null)[] = new Array(names.length);
  for (let p = 0; p < names.length; p++) {
    const m = 4 * p;
    const check = moments[m] + moments[m + 1] + moments[m + 2] + moments[m + 3];
    ratios[p] =
      check - check === 0
        ? updateToDataFromMoments(lr, sizes[p], moments[m], moments[m + 1], moments[m + 2], moments[m + 3])
        : paramUpdateToData(lr, backend.gradients()[names[p]], backend.tensor(names[p]));
  }
  return ratios;
}

/** A run's recorded ratios: `values[p][k]` is parameter `names[p]` at `steps[k]`. JSON-safe. */
export interface UpdateRatioBatch {
  names: string[];
  steps: number[];
  values: (number | null)[][];
}

/**
 * The history as a run folder gives it back (readStoredRun): row k holds each parameter's ratio for steps
 * k·every … (k+1)·every − 1 (averaged when a long run is bucketed, every > 1), and a row of nulls where a chunk
 * was lost in a crash — turned into columns over the rows that hold a value, each at its first step.
 */
export function ratioHistory(stored: { params: string[]; every: number; rows: readonly (readonly (number | null)[])[] }): UpdateRatioBatch {
  const steps: number[] = [];
  const values: (number | null)[][] = stored.params.map(() => []);
  stored.rows.forEach((row, k) => {
    if (row.every((v) => v === null)) return; // a hole (lost chunk), or no parameter with a defined ratio
    steps.push(k * stored.every);
    stored.params.forEach((_, j) => values[j].push(row[j] ?? null));
  });
  return { names: stored.params, steps, values };
}

/** Rows of update:data history the diagnosis averages. */
export const UPDATE_RATIO_WINDOW = 100;

/** Average of each parameter's defined ratios over the last `UPDATE_RATIO_WINDOW` rows up to `step`. */
export function recentUpdateRatios(history: UpdateRatioBatch, step: number): Map<string, number> {
  let end = history.steps.length;
  while (end > 0 && history.steps[end - 1] > step) end--;
  const start = Math.max(0, end - UPDATE_RATIO_WINDOW);
  const out = new Map<string, number>();
  history.names.forEach((name, j) => {
    let sum = 0;
    let k = 0;
    for (let r = start; r < end; r++) {
      const v = history.values[j][r];
      if (v !== null) {
        sum += v;
        k++;
      }
    }
    if (k > 0) out.set(name, sum / k);
  });
  return out;
}
