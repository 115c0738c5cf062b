/**
 * uPlot draws columnar data: one x column shared by every series, and per series a y column of the same length
 * with `null` where that series has no value. The charts' lines do not share their x values (a loss curve's
 * bucket means sit at each group's first step and its smoothed line at the group's last step; evaluations at
 * their own steps; overlaid runs have their own bucket widths), so the lines are aligned on the union of their x
 * values. Drawn lines span the gaps (`spanGaps`), marker-only series simply have no marker there.
 *
 * Pure: unit-tested in test/renderer/alignedData.test.ts.
 */
import type { Point } from './bucketedSeries.js';

/** [x, y of line 0, y of line 1, …], as uPlot's `AlignedData`. */
export type AlignedColumns = [number[], ...(number | null)[][]];

/**
 * Aligns `lines` on the sorted union of their x values. A y that is not a finite number becomes a gap (null), and
 * so does a point whose x is not finite (it has no place on the axis). Two points of one line at the same x: the
 * later one wins. Lines need not be sorted.
 */
export function alignPoints(lines: readonly (readonly Point[])[]): AlignedColumns {
  let total = 0;
  for (const line of lines) total += line.length;
  const all = new Float64Array(total);
  let n = 0;
  for (const line of lines) for (const p of line) if (Number.isFinite(p.x)) all[n++] = p.x;
  const sorted = all.subarray(0, n).sort();
  const xs: number[] = [];
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) xs.push(sorted[i]);

  const columns: AlignedColumns = [xs];
  for (const line of lines) {
    const ys: (number | null)[] = new Array<number | null>(xs.length).fill(null);
    for (const p of line) {
      if (!Number.isFinite(p.x)) continue;
      ys[indexOf(xs, p.x)] = Number.isFinite(p.y) ? p.y : null;
    }
    columns.push(ys);
  }
  return columns;
}

/** The index of `x` in the sorted, duplicate-free `xs` (which holds it). */
function indexOf(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
