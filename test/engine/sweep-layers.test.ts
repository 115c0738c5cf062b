/**
 * The Sweep view's per-layer summaries (sweep/layerSummary.ts) from real run folders: deep-tanh-gain trained for
 * a few hundred steps at gains 0.5 and 3 on the fused backend. The summary must be exactly what the Inspect view
 * reads back for the same run (the final snapshot's activations; the diagnosis's window average of W{l}'s
 * update:data ratio), and the numbers must tell the lecture's story (gain 3 saturates, 0.5 does not).
 */
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ratioHistory, recentUpdateRatios, UPDATE_RATIO_WINDOW } from '../../electron/engine/inspect/updateRatio.js';
import { findPreset } from '../../electron/engine/model/presets.js';
import { executeRun } from '../../electron/engine/run/executeRun.js';
import { readStoredRun, SNAPSHOTS_FILE } from '../../electron/engine/run/runFolder.js';
import { setPath } from '../../electron/engine/model/configPath.js';
import { readRunLayerSummary, RecentRatios } from '../../electron/engine/sweep/layerSummary.js';
import type { UpdateRatioChunk } from '../../electron/engine/train/types.js';
import { smallWordsFile, tempDir } from '../helpers/fixtures.js';

const STEPS = 230;
const dir = tempDir();
const words = smallWordsFile(dir);
const emitted = new Map<number, UpdateRatioChunk[]>();

async function trainGain(gain: number, inspect = true): Promise<string> {
  let config = structuredClone(findPreset('deep-tanh-gain')!.config);
  config = setPath(config, 'model.hidden.*.weightInit.gain', gain);
  config.train.steps = STEPS;
  config.train.evalEvery = 0;
  config.train.inspectEvery = 100;
  const runDir = path.join(dir, `gain-${gain}-${inspect}`);
  const chunks: UpdateRatioChunk[] = [];
  await executeRun({
    runDir, runId: path.basename(runDir), config, dataset: { kind: 'file', path: words }, backend: 'fused', inspect,
    onEvent: (e) => e.type === 'progress' && e.ratios && chunks.push(e.ratios),
  });
  emitted.set(gain, chunks);
  return runDir;
}

let low: string;
let high: string;
beforeAll(async () => {
  low = await trainGain(0.5);
  high = await trainGain(3);
}, 60_000);

describe('per-layer summaries of a sweep run', () => {
  it('equal the final snapshot the Inspect view reads and the diagnosis\'s window average of W{l}', async () => {
    for (const runDir of [low, high]) {
      const summary = (await readRunLayerSummary(runDir))!;
      const stored = await readStoredRun(runDir);
      const final = stored.snapshots[stored.snapshots.length - 1];
      expect(stored.snapshots.map((s) => s.step)).toEqual([0, 100, 200, STEPS - 1]);
      expect(summary.step).toBe(STEPS - 1);
      const average = recentUpdateRatios(ratioHistory(stored.ratios!), final.step);
      expect(summary.layers.map((l) => l.name)).toEqual(['tanh1', 'tanh2', 'tanh3', 'tanh4', 'tanh5']);
      summary.layers.forEach((l, k) => {
        expect(l.layer).toBe(k + 1);
        expect(l.saturation).toBe(final.activations[k].saturatedPct);
        expect(l.std).toBe(final.activations[k].std);
        expect(l.updateRatioLog10).toBeCloseTo(average.get(`W${k + 1}`)!, 12);
      });
    }
  });

  it('tell the lecture\'s story: gain 3 saturates every layer, gain 0.5 none, and its activations shrink with depth', async () => {
    const a = (await readRunLayerSummary(low))!.layers;
    const b = (await readRunLayerSummary(high))!.layers;
    for (let k = 0; k < 5; k++) {
      expect(a[k].saturation).toBeLessThan(1);
      expect(b[k].saturation).toBeGreaterThan(20);
      expect(b[k].std).toBeGreaterThan(a[k].std);
      // The ratio is a log10: a few units below 0 for any learning run.
      expect(a[k].updateRatioLog10!).toBeLessThan(0);
      expect(a[k].updateRatioLog10!).toBeGreaterThan(-6);
    }
    expect(a[4].std).toBeLessThan(a[0].std);
  });

  it('averages the last 100 emitted ratio rows of W{l}, by hand', async () => {
    const summary = (await readRunLayerSummary(low))!;
    const chunks = emitted.get(0.5)!;
    const params = chunks[0].params;
    const rows = chunks.flatMap((c) => c.ratios);
    expect(rows).toHaveLength(STEPS);
    for (const l of summary.layers) {
      const j = params.indexOf(`W${l.layer}`);
      const window = rows.slice(-UPDATE_RATIO_WINDOW).map((r) => r[j]!);
      expect(l.updateRatioLog10).toBeCloseTo(window.reduce((s, v) => s + v, 0) / window.length, 12);
    }
  });

  it('skips a torn last snapshot line, and a run without snapshots has no summary', async () => {
    const before = (await readRunLayerSummary(high))!;
    appendFileSync(path.join(high, SNAPSHOTS_FILE), '{"step": 999, "activations": [{"lay');
    expect(await readRunLayerSummary(high)).toEqual(before);
    expect(await readRunLayerSummary(await trainGain(1, false))).toBeNull();
    expect(await readRunLayerSummary(path.join(dir, 'no-such-run'))).toBeNull();
  });

  it('RecentRatios: columns by name, rows of nulls skipped, only the last window counted', () => {
    const r = new RecentRatios(2);
    r.add(['W1', 'b1'], [[-3, null], [null, null], [-2, -4]]);
    r.add(['b1', 'W1'], [[-1, -5]]);
    expect(r.means()).toEqual(new Map([['W1', -3.5], ['b1', -2.5]]));
    expect(new RecentRatios().means()).toEqual(new Map());
  });
});
