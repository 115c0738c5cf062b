/**
 * The lecture's per-layer plots reduced to one row per hidden layer, so a whole sweep can be compared at once:
 * tanh saturation % (|h| > 0.97) and std of the layer's output at the run's latest inspector snapshot (the final
 * step of a completed run), and the layer's update:data ratio (log10 std(lr·grad) / std(W)) averaged over the
 * last steps — the figure the Inspect view's diagnosis compares with the lecture's −3.
 *
 * Read from the run folder in one streaming pass over each file, keeping only the last snapshot and the last
 * `UPDATE_RATIO_WINDOW` ratio rows, so a long run costs no more memory than a short one.
 */
import path from 'node:path';
import type { InspectionSnapshot } from '../inspect/snapshot.js';
import { UPDATE_RATIO_WINDOW } from '../inspect/updateRatio.js';
import { forEachJsonLine } from '../run/jsonLines.js';
import { METRICS_FILE, SNAPSHOTS_FILE, type MetricsLine } from '../run/runFolder.js';
import type { LayerSummary, RunLayerSummary } from './layerTypes.js';

export type { LayerSummary, RunLayerSummary };

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

/** A run folder's per-layer summary; null when it has no inspector snapshot (yet). */
export async function readRunLayerSummary(dir: string): Promise<RunLayerSummary | null> {
  const latest: { snapshot: InspectionSnapshot | null } = { snapshot: null };
  await forEachJsonLine(path.join(dir, SNAPSHOTS_FILE), (v) => {
    const s = v as InspectionSnapshot;
    if (Array.isArray(s?.activations) && (latest.snapshot === null || s.step >= latest.snapshot.step)) latest.snapshot = s;
  });
  if (latest.snapshot === null) return null;
  const ratios = new RecentRatios();
  await forEachJsonLine(path.join(dir, METRICS_FILE), (v) => {
    const line = v as MetricsLine;
    if (line?.kind === 'ratios' && Array.isArray(line.params) && Array.isArray(line.ratios)) ratios.add(line.params, line.ratios);
  });
  return summarizeLayers(latest.snapshot, ratios.means());
}
