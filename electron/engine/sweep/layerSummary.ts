/**
 * The lecture's per-layer plots reduced to one row per hidden layer, so a whole sweep can be compared at once:
 * tanh saturation % (|h| > 0.97) and std of the layer's output at the run's latest inspector snapshot (the final
 * step of a completed run), and the layer's update:data ratio (log10 std(lr·grad) / std(W)) averaged over the
 * last steps — the figure the Inspect view's diagnosis compares with the lecture's −3.
 *
 * Read from the ends of the run folder's files (the last snapshot, the last `UPDATE_RATIO_WINDOW` ratio rows), so
 * a long run costs no more time or memory than a short one.
 */
import path from 'node:path';
import type { InspectionSnapshot } from '../inspect/snapshot.js';
import { UPDATE_RATIO_WINDOW } from '../inspect/updateRatio.js';
import { lastJsonLines } from '../run/jsonLines.js';
import { METRICS_FILE, SNAPSHOTS_FILE, type MetricsLine } from '../run/runFolder.js';
import type { RunLayerSummary } from './layerTypes.js';

export type { RunLayerSummary };

/** Each hidden layer's row, from a snapshot and the recent mean update:data ratio per parameter name. */
export function summarizeLayers(snapshot: InspectionSnapshot, recentRatios: ReadonlyMap<string, number>): RunLayerSummary {
  return {
    step: snapshot.step,
    layers: snapshot.activations.map((a) => ({
      layer: a.layer,
      name: a.name,
      saturation: a.saturatedPct,
      std: a.std,
      updateRatioLog10: recentRatios.get(`W${a.layer}`) ?? null,
    })),
  };
}

/**
 * Mean of each parameter's defined ratios over the last `window` rows that hold any value (a row of nulls is
 * a chunk lost in a crash and is skipped, as the diagnosis does).
 */
export class RecentRatios {
  private params: string[] = [];
  private rows: (number | null)[][] = [];

  constructor(private readonly window = UPDATE_RATIO_WINDOW) {}

  add(params: readonly string[], rows: readonly (readonly (number | null)[])[]): void {
    if (this.params.length === 0) this.params = [...params];
    for (const row of rows) {
      if (!row || row.every((v) => v === null)) continue;
      // Columns are looked up by name: a chunk's params are the same list every time, but need not be.
      this.rows.push(this.params.map((name) => row[params.indexOf(name)] ?? null));
      // Trimmed in batches so a long run is not one array shift per step.
      if (this.rows.length >= 2 * this.window) this.rows = this.rows.slice(-this.window);
    }
  }

  means(): Map<string, number> {
    const recent = this.rows.slice(-this.window);
    const out = new Map<string, number>();
    this.params.forEach((name, p) => {
      let sum = 0;
      let n = 0;
      for (const row of recent) {
        const v = row[p];
        if (v !== null && Number.isFinite(v)) {
          sum += v;
          n++;
        }
      }
      if (n > 0) out.set(name, sum / n);
    });
    return out;
  }
}

const isSnapshot = (v: unknown): v is InspectionSnapshot => Array.isArray((v as InspectionSnapshot | null)?.activations);
const isRatioLine = (v: unknown): v is MetricsLine & { kind: 'ratios' } => {
  const line = v as MetricsLine | null;
  return line?.kind === 'ratios' && Array.isArray(line.params) && Array.isArray(line.ratios);
};
const definedRows = (values: readonly unknown[]) =>
  values.filter(isRatioLine).reduce((n, line) => n + line.ratios.filter((row) => row?.some((v) => v !== null)).length, 0);

/**
 * A run folder's per-layer summary; null when it has no inspector snapshot (yet). Only the ends of its files are
 * read (the last snapshot, the last ratio rows), so a 200,000-step run costs no more than a short one.
 */
export async function readRunLayerSummary(dir: string): Promise<RunLayerSummary | null> {
  const snapshots = (await lastJsonLines(path.join(dir, SNAPSHOTS_FILE), (values) => values.some(isSnapshot))).filter(isSnapshot);
  if (snapshots.length === 0) return null;
  const latest = snapshots.reduce((a, b) => (b.step >= a.step ? b : a));
  const ratios = new RecentRatios();
  const tail = await lastJsonLines(path.join(dir, METRICS_FILE), (values) => definedRows(values) >= UPDATE_RATIO_WINDOW);
  for (const line of tail.filter(isRatioLine)) ratios.add(line.params, line.ratios);
  return summarizeLayers(latest, ratios.means());
}
