/**
 * Turns an engine `Histogram` (fixed bins over the tensor's own [min, max]) into chart points on a linear or a
 * log10 x-axis. Pure: unit-tested.
 *
 * A log axis cannot show zero or negative values, and activations/gradients are signed, so on a log axis the
 * bins are folded onto |x|: one series for the positive bins and one for the negative bins (whose symmetry is
 * itself informative); a bin centred exactly on 0 cannot be placed and is reported in `zeroCount`.
 * y is the fraction of finite values in the bin (comparable across layers of different sizes).
 */
import type { Histogram } from '../../../electron/engine/inspect/histogram.js';

export type AxisScale = 'linear' | 'log';

export interface HistogramPoint {
  x: number;
  y: number;
}

export interface HistogramSeries {
  /** Linear axis: every bin by its centre. Log axis: bins with a positive centre. */
  positive: HistogramPoint[];
  /** Log axis only: bins with a negative centre, at |centre|. Empty on a linear axis. */
  negative: HistogramPoint[];
  /** Log axis only: values in a bin centred exactly on 0 (not drawable on a log axis). */
  zeroCount: number;
}

export function binCentre(h: Histogram, i: number): number {
  return h.min + (i + 0.5) * h.binWidth;
}

export function histogramSeries(h: Histogram, scale: AxisScale): HistogramSeries {
  const total = h.total > 0 ? h.total : 1;
  const positive: HistogramPoint[] = [];
  const negative: HistogramPoint[] = [];
  let zeroCount = 0;
  h.counts.forEach((count, i) => {
    const x = binCentre(h, i);
    const y = count / total;
    if (scale === 'linear') positive.push({ x, y });
    else if (x > 0) positive.push({ x, y });
    else if (x < 0) negative.push({ x: -x, y });
    else zeroCount += count;
  });
  negative.reverse(); // ascending |x|, as a line on the axis expects
  return { positive, negative, zeroCount };
}
