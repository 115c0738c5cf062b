/**
 * The Sweep view's per-layer plots: one metric of the runs' per-layer summaries (computed by the back end from
 * each run folder, engine/sweep/layerSummary.ts) arranged as one line per hidden layer across the grid points,
 * and the axis range to draw them in.
 */
import type { RunLayerSummary } from '../../../electron/shared/sweepTypes.js';

export type LayerMetric = 'saturation' | 'std' | 'updateRatioLog10';

export const LAYER_METRICS: readonly { id: LayerMetric; label: string; digits: number }[] = [
  { id: 'saturation', label: 'tanh saturation % (|h| > 0.97)', digits: 1 },
  { id: 'std', label: 'activation std', digits: 3 },
  { id: 'updateRatioLog10', label: 'update:data log10 (W of the layer, last 100 steps)', digits: 2 },
];

export interface LayerLine {
  layer: number;
  name: string;
  /** One value per grid point, in grid order; null where the run has no summary (yet). */
  values: (number | null)[];
}

/** Every hidden layer any run has, each with its values of `metric` at every grid point. */
export function layerLines(points: readonly (RunLayerSummary | null)[], metric: LayerMetric): LayerLine[] {
  const names = new Map<number, string>();
  for (const p of points) for (const l of p?.layers ?? []) if (!names.has(l.layer)) names.set(l.layer, l.name);
  return [...names.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([layer, name]) => ({
      layer,
      name,
      values: points.map((p) => p?.layers.find((l) => l.layer === layer)?.[metric] ?? null),
    }));
}

/**
 * The value axis: saturation and std start at 0 (saturation tops out at 100); the log ratio spans its values.
 * Padded so no point sits on the frame; a single value gets a range of ±0.5 around it.
 */
export function metricRange(lines: readonly LayerLine[], metric: LayerMetric): [number, number] {
  const values = lines.flatMap((l) => l.values).filter((v): v is number => v !== null && Number.isFinite(v));
  if (values.length === 0) return metric === 'saturation' ? [0, 100] : [0, 1];
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (metric !== 'updateRatioLog10') lo = 0;
  if (hi - lo < 1e-9) {
    hi += 0.5;
    if (metric === 'updateRatioLog10') lo -= 0.5;
  }
  const pad = (hi - lo) * 0.05;
  hi += pad;
  if (metric === 'updateRatioLog10') lo -= pad;
  if (metric === 'saturation') hi = Math.min(hi, 100);
  return [lo, hi];
}
