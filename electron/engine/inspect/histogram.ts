/**
 * Fixed-bin histograms of a tensor's values for the inspectors.
 *
 * The range is the tensor's own finite [min, max], stored with the counts so the renderer can draw the bins
 * on a linear or log axis and label them without recomputing anything. Bins are left-closed [lo, lo + w) and
 * the last one also holds `max`, so every finite value lands in exactly one bin and the counts are exact.
 */

/**
 * Bin count. Odd on purpose: an all-equal tensor (every activation exactly 0, say) gets a bin *centred* on its
 * value instead of straddling the boundary between two bins.
 */
export const HISTOGRAM_BINS = 61;

export interface Histogram {
  /** Left edge of the first bin. */
  min: number;
  /** Right edge of the last bin. */
  max: number;
  /** (max − min) / counts.length; always > 0. */
  binWidth: number;
  /** Exact number of finite values per bin (plain array so it survives JSON and IPC unchanged). */
  counts: number[];
  /** Finite values counted, i.e. the sum of `counts`. */
  total: number;
  /** Values left out of the bins because they are not finite. */
  nan: number;
  posInf: number;
  negInf: number;
}

/**
 * Half-width of the range drawn around a tensor whose finite values are all equal: half the value's
 * magnitude, or ±1 around 0 (the natural scale of tanh outputs and a readable axis for an all-zero gradient).
 */
function degenerateHalfWidth(value: number): number {
  return value === 0 ? 1 : Math.abs(value) * 0.5;
}

export function histogram(data: ArrayLike<number>, bins: number = HISTOGRAM_BINS): Histogram {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`histogram: bin count ${bins} must be a positive integer`);
  let lo = Infinity;
  let hi = -Infinity;
  let nan = 0;
  let posInf = 0;
  let negInf = 0;
  const n = data.length;
  for (let i = 0; i < n; i++) {
    const v = data[i];
    if (v !== v) nan++;
    else if (v === Infinity) posInf++;
    else if (v === -Infinity) negInf++;
    else {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const counts = new Array<number>(bins).fill(0);
  const total = n - nan - posInf - negInf;
  if (total === 0) {
    // Empty (or entirely non-finite): an empty histogram over the default range around 0.
    const half = degenerateHalfWidth(0);
    return { min: -half, max: half, binWidth: (2 * half) / bins, counts, total, nan, posInf, negInf };
  }
  if (lo === hi) {
    // All equal: a symmetric range around the value, every count in the middle bin (no 0/0 bin width).
    const half = degenerateHalfWidth(lo);
    counts[(bins - 1) >> 1] = total;
    return { min: lo - half, max: lo + half, binWidth: (2 * half) / bins, counts, total, nan, posInf, negInf };
  }
  const binWidth = (hi - lo) / bins;
  const scale = bins / (hi - lo);
  const last = bins - 1;
  for (let i = 0; i < n; i++) {
    const v = data[i];
    if (v !== v || v === Infinity || v === -Infinity) continue;
    let b = Math.floor((v - lo) * scale);
    // The multiply can round across an edge; settle on the bin whose [edge(b), edge(b+1)) — as `binEdge`
    // computes the edges — really contains v, so a value exactly on an edge goes to the bin it opens.
    if (b > last) b = last;
    else if (b < last && v >= lo + (b + 1) * binWidth) b++;
    if (b > 0 && v < lo + b * binWidth) b--;
    counts[b]++;
  }
  return { min: lo, max: hi, binWidth, counts, total, nan, posInf, negInf };
}

/** Left edge of bin `i` (bin i covers [edge(i), edge(i + 1))). */
export function binEdge(h: Histogram, i: number): number {
  return h.min + i * h.binWidth;
}
