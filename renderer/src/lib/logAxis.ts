/**
 * A log axis that suits a loss curve. uPlot's own log range snaps outward to whole steps of the magnitude (a loss
 * from 2.1 to 3.3 gets the axis 2–10, the curve squeezed into its bottom fifth) and its ticks sit at 1…9 × 10^k (one
 * or two labels on such a range). Here the range is the data's, padded by 5% of its span in log space, and the
 * ticks are nice linear values (…, 2.2, 2.4, …) while the range is under a decade, 1-2-5 × 10^k across decades.
 *
 * Pure: unit-tested in test/renderer/logAxis.test.ts.
 */

/** The axis range for data from `min` to `max` (both > 0); [1, 10] when there is no such data. */
export function logRange(min: number | null, max: number | null): [number, number] {
  if (min === null || max === null || !(min > 0) || !(max > 0) || !Number.isFinite(min) || !Number.isFinite(max)) return [1, 10];
  const lo = Math.log10(Math.min(min, max));
  const hi = Math.log10(Math.max(min, max));
  // A flat line still gets a band around it (±0.01 decade ≈ ±2.3% of the value).
  const pad = Math.max(0.05 * (hi - lo), 0.01);
  return [10 ** (lo - pad), 10 ** (hi + pad)];
}

/** Tick values inside [min, max] on a log axis: about `target` of them under a decade, 1-2-5 × 10^k beyond. */
export function logSplits(min: number, max: number, target = 5): number[] {
  if (!(min > 0) || !(max > min) || !Number.isFinite(max)) return [];
  if (max / min < 10) return linearSplits(min, max, target);
  const decades = Math.log10(max / min);
  // Over many decades, 2 and 5 would crowd the axis: powers of ten only (every k-th when there are very many).
  const mantissas = decades > 4 ? [1] : [1, 2, 5];
  const every = Math.max(1, Math.ceil(decades / 12));
  const out: number[] = [];
  for (let k = Math.floor(Math.log10(min)); k <= Math.ceil(Math.log10(max)); k++) {
    if (k % every !== 0) continue;
    for (const m of mantissas) {
      const v = clean(m * 10 ** k);
      if (v >= min && v <= max) out.push(v);
    }
  }
  return out;
}

/** Round multiples of a 1-2-5 step inside [min, max]: the step whose count of ticks is closest to `target`. */
export function linearSplits(min: number, max: number, target = 5): number[] {
  const magnitude = 10 ** Math.floor(Math.log10((max - min) / Math.max(1, target)));
  const count = (step: number) => Math.floor(max / step) - Math.ceil(min / step) + 1;
  let step = magnitude;
  for (const m of [2, 5, 10]) if (Math.abs(count(m * magnitude) - target) <= Math.abs(count(step) - target)) step = m * magnitude;
  const out: number[] = [];
  for (let i = Math.ceil(min / step); i * step <= max * (1 + 1e-12); i++) out.push(clean(i * step));
  return out;
}

/** Drops floating-point noise (0.30000000000000004 → 0.3). */
function clean(v: number): number {
  return +v.toPrecision(12);
}
