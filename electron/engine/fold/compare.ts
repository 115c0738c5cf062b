/**
 * Compares two models that should compute the same function (a model and its BatchNorm-folded twin) on the
 * train/val/test splits: the largest absolute logit difference and each model's loss per split, plus the time
 * each spent producing the dev split's logits (the Fold wizard's "inference time").
 *
 * Generic over how logits and losses are computed (a compute backend, a tf model, a test double), so the CLI,
 * the app and the tests share it. Logits are requested in chunks so a whole split never sits in memory twice.
 */

export type SplitName = 'train' | 'val' | 'test';

/** One split's examples: int32 contexts [n, blockSize] row-major and targets [n]. */
export interface SplitExamples {
  x: Int32Array;
  y: Int32Array;
  n: number;
}

/** What `compareModels` needs from a model: inference-mode logits [n, vocab] and mean cross-entropy. */
export interface ModelEvaluator {
  logits(x: Int32Array, n: number): Float32Array;
  loss(x: Int32Array, y: Int32Array, n: number): number;
}

export interface ModelComparison {
  maxAbsLogitDiff: Record<SplitName, number>;
  /** Mean cross-entropy per split; null for an empty split. */
  loss: { before: Record<SplitName, number | null>; after: Record<SplitName, number | null> };
  /** Milliseconds each model spent computing the val split's logits. */
  inferenceMs: { before: number; after: number };
  /** Largest |logit| of the first model over every split: the scale float32 rounding is relative to. */
  maxAbsLogit: number;
}

export const SPLIT_NAMES: readonly SplitName[] = ['train', 'val', 'test'];
export const DEFAULT_COMPARE_CHUNK = 4096;

export function compareModels(
  before: ModelEvaluator,
  after: ModelEvaluator,
  splits: Record<SplitName, SplitExamples>,
  chunk: number = DEFAULT_COMPARE_CHUNK,
): ModelComparison {
  const maxAbsLogitDiff = { train: 0, val: 0, test: 0 };
  const lossBefore: Record<SplitName, number | null> = { train: null, val: null, test: null };
  const lossAfter: Record<SplitName, number | null> = { train: null, val: null, test: null };
  const inferenceMs = { before: 0, after: 0 };
  let maxAbsLogit = 0;

  for (const name of SPLIT_NAMES) {
    const { x, y, n } = splits[name];
    if (n === 0) continue;
    const blockSize = x.length / n;
    if (!Number.isInteger(blockSize) || y.length < n) throw new RangeError(`compareModels: ${name} split has inconsistent sizes`);
    let maxDiff = 0;
    for (let start = 0; start < n; start += chunk) {
      const m = Math.min(chunk, n - start);
      const xs = x.subarray(start * blockSize, (start + m) * blockSize);
      const t0 = performance.now();
      const a = before.logits(xs, m);
      const t1 = performance.now();
      const b = after.logits(xs, m);
      const t2 = performance.now();
      if (name === 'val') {
        inferenceMs.before += t1 - t0;
        inferenceMs.after += t2 - t1;
      }
      if (a.length !== b.length) throw new RangeError('compareModels: the two models return different logit shapes');
      for (let k = 0; k < a.length; k++) {
        const size = Math.abs(a[k]);
        if (size > maxAbsLogit) maxAbsLogit = size;
        const d = Math.abs(a[k] - b[k]);
        // A NaN on either side is an infinite difference, not a silently skipped one.
        if (d > maxDiff || d !== d) maxDiff = d !== d ? Infinity : d;
      }
    }
    maxAbsLogitDiff[name] = maxDiff;
    lossBefore[name] = before.loss(x, y, n);
    lossAfter[name] = after.loss(x, y, n);
  }
  return { maxAbsLogitDiff, loss: { before: lossBefore, after: lossAfter }, inferenceMs, maxAbsLogit };
}
