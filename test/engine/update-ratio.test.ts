/**
 * The update:data history as production assembles it: a real run (executeRun → train → updateRatios on the
 * fused backend, with its kernel moments) writes its ratios to metrics.jsonl; reading the run back
 * (readStoredRun → ratioHistory) gives the history the diagnosis averages (recentUpdateRatios). Checked against
 * the ratios the run emitted while it trained, and against a hand-written window average.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../electron/engine/inspect/diagnosis.js';
import { ratioHistory, recentUpdateRatios, UPDATE_RATIO_WINDOW } from '../../electron/engine/inspect/updateRatio.js';
import { findPreset } from '../../electron/engine/model/presets.js';
import { executeRun } from '../../electron/engine/run/executeRun.js';
import { readStoredRun } from '../../electron/engine/run/runFolder.js';
import type { UpdateRatioChunk } from '../../electron/engine/train/types.js';
import { smallWordsFile, tempDir } from '../helpers/fixtures.js';

/** Mean of the non-null values of `rows[lo..hi)` in column j (undefined when there are none). */
function handAverage(rows: (number | null)[][], lo: number, hi: number, j: number): number | undefined {
  const vals = rows.slice(Math.max(0, lo), hi).map((r) => r[j]).filter((v): v is number => v !== null);
  return vals.length === 0 ? undefined : vals.reduce((a, b) => a + b, 0) / vals.length;
}

describe('update:data history: from a real run to the diagnosis', () => {
  it('bn3-fold on the fused backend: stored history = emitted ratios; the window average is the last 100 rows up to the step', async () => {
    const dir = tempDir();
    const words = smallWordsFile(dir);
    const config = structuredClone(findPreset('bn3-fold')!.config);
    config.train.steps = 260;
    config.train.evalEvery = 0;
    config.train.inspectEvery = 120;
    const emitted: UpdateRatioChunk[] = [];
    const runDir = path.join(dir, 'run');
    await executeRun({
      runDir, runId: 'r', config, dataset: { kind: 'file', path: words }, backend: 'fused',
      onEvent: (e) => e.type === 'progress' && e.ratios && emitted.push(e.ratios),
    });
    const rows = emitted.flatMap((c) => c.ratios);
    expect(rows).toHaveLength(260);

    const stored = await readStoredRun(runDir);
    const history = ratioHistory(stored.ratios!);
    expect(history.names).toEqual(['C', 'W1', 'gamma1', 'beta1', 'W2', 'gamma2', 'beta2', 'W3', 'gamma3', 'beta3']);
    expect(history.steps).toEqual(Array.from({ length: 260 }, (_, s) => s));
    history.names.forEach((_, j) => expect(history.values[j]).toEqual(rows.map((r) => r[j])));

    expect(stored.snapshots.map((s) => s.step)).toEqual([0, 120, 240, 259]);
    for (const snapshot of stored.snapshots) {
      const avg = recentUpdateRatios(history, snapshot.step);
      history.names.forEach((name, j) => expect(avg.get(name), `${name} at ${snapshot.step}`).toBeCloseTo(handAverage(rows, snapshot.step + 1 - UPDATE_RATIO_WINDOW, snapshot.step + 1, j)!, 12));
    }
    // The diagnosis judges the 2-D tensors by that average, not by the snapshot's single step.
    const last = stored.snapshots[2];
    const d = diagnose(last, history);
    const avg = recentUpdateRatios(history, last.step);
    for (const u of [...d.flags.tinyUpdates, ...d.flags.hugeUpdates]) expect(u.log10).toBe(avg.get(u.name));
    const judged = ['C', 'W1', 'W2', 'W3'].map((n) => avg.get(n)!);
    expect(d.flags.tinyUpdates.length + d.flags.hugeUpdates.length).toBe(judged.filter((r) => r < -4 || r > -2).length);

    // A chunk lost in a crash leaves a hole in the stored rows (readStoredRun places rows by step): those steps
    // are missing from the history and the window is the last 100 rows present.
    const holedRows = (await readStoredRun(runDir)).ratios!;
    for (let s = 150; s < 180; s++) holedRows.rows[s] = holedRows.rows[s].map(() => null);
    const holed = ratioHistory(holedRows);
    const kept = rows.map((r, s) => ({ r, s })).filter(({ s }) => s < 150 || s >= 180);
    expect(holed.steps).toEqual(kept.map((k) => k.s));
    const upTo = kept.filter((k) => k.s <= 240).map((k) => k.r);
    const avgHoled = recentUpdateRatios(holed, 240);
    holed.names.forEach((name, j) => expect(avgHoled.get(name), name).toBeCloseTo(handAverage(upTo, upTo.length - UPDATE_RATIO_WINDOW, upTo.length, j)!, 12));
  });

  it('ratioHistory keeps nulls, skips holes and null rows, places bucketed rows at their first step, and is JSON-safe', () => {
    const rows: (number | null)[][] = [[-3, null], [null, null], [-2.5, -4], [null, null], [null, null], [null, -1]];
    const h = ratioHistory({ params: ['W1', 'b1'], every: 1, rows });
    expect(h).toEqual({ names: ['W1', 'b1'], steps: [0, 2, 5], values: [[-3, -2.5, null], [null, -4, -1]] });
    // A long run's rows are averages over buckets of `every` steps.
    expect(ratioHistory({ params: ['W1', 'b1'], every: 4, rows }).steps).toEqual([0, 8, 20]);
    expect(JSON.parse(JSON.stringify(h))).toEqual(h);
    // the window ends at the step asked for; a parameter with no defined ratio has no average
    expect(recentUpdateRatios(h, 2)).toEqual(new Map([['W1', -2.75], ['b1', -4]]));
    expect(recentUpdateRatios({ names: ['x'], steps: [0], values: [[null]] }, 0)).toEqual(new Map());
  });
});
