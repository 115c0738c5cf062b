/**
 * Did the fold preserve the forward pass? Folding is exact in real arithmetic, so the folded and unfolded models
 * may differ only by float32 rounding: W·(γ/σ) and (x·W)·γ/σ round differently, and each logit is a sum of
 * ~100 rounded products. float32 keeps 24 bits (unit roundoff 2⁻²⁴ ≈ 6e-8); summing n products can lose about
 * n of those units relative to the size of the terms, so with n ≈ 100–300 the rounding noise is a few 1e-6 of
 * the logits' scale. The tolerance is therefore relative: 1e-5 × max(1, largest |logit|). Any real fold error
 * (a wrong layer, the batch instead of the running statistics, a transposed scale) moves logits by far more.
 * Shared by the CLI and the wizard so both say the same thing.
 */
import type { ModelComparison, SplitName } from './compare.js';
import { SPLIT_NAMES } from './compare.js';

/** Relative tolerance on |Δlogit|, in units of the logits' scale. */
export const FOLD_RELATIVE_TOLERANCE = 1e-5;

export interface FoldVerdict {
  /** Whether every split's max |Δlogit| is within `tolerance` (a NaN or ∞ difference never is). */
  pass: boolean;
  /** The absolute tolerance used: FOLD_RELATIVE_TOLERANCE × max(1, largest |logit|). */
  tolerance: number;
  /** The largest max |Δlogit| over the splits, and the split it came from. */
  worst: { split: SplitName; maxAbsLogitDiff: number };
}

export function foldVerdict(comparison: Pick<ModelComparison, 'maxAbsLogitDiff' | 'maxAbsLogit'>): FoldVerdict {
  const tolerance = FOLD_RELATIVE_TOLERANCE * Math.max(1, comparison.maxAbsLogit);
  let worst: FoldVerdict['worst'] = { split: 'train', maxAbsLogitDiff: comparison.maxAbsLogitDiff.train };
  for (const split of SPLIT_NAMES) {
    const d = comparison.maxAbsLogitDiff[split];
    if (!(d <= worst.maxAbsLogitDiff)) worst = { split, maxAbsLogitDiff: d };
  }
  // Written as "not within" so that NaN fails.
  const pass = SPLIT_NAMES.every((s) => comparison.maxAbsLogitDiff[s] <= tolerance);
  return { pass, tolerance, worst };
}
