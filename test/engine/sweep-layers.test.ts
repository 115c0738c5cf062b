/**
 * The Sweep view's per-layer summaries (sweep/layerSummary.ts) from real run folders: deep-tanh-gain trained for
 * a few hundred steps at gains 0.5 and 3 on the fused backend. The summary must be exactly what the Inspect view
 * reads back for the same run (the final snapshot's activations; the diagnosis's window average of W{l}'s
 * update:data ratio), and the numbers must tell the lecture's story (gain 3 saturates, 0.5 does not).
 */
import { appendFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ratioHistory, recentUpdateRatios, UPDATE_RATIO_WINDOW } from '../../electron/engine/inspect/updateRatio.js';
import { findPreset } from '../../electron/engine/model/presets.js';
import { executeRun } from '../../electron/engine/run/executeRun.js';
import { forEachJsonLine } from '../../electron/engine/run/jsonLines.js';
import { METRICS_FILE, readStoredRun, SNAPSHOTS_FILE } from '../../electron/engine/run/runFolder.js';
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

  it('reads only the files\' ends, yet matches a pass over every line: 2 MB of ratios, a 600 kB snapshot line, a torn tail', async () => {
    const runDir = path.join(dir, 'synthetic');
    mkdirSync(runDir);
    const params = ['C', 'W1', 'b1', 'W2', 'b2'];
    let state = 1;
    const next = () => ((state = (Math.imul(state, 48271) + 11) >>> 0) / 2 ** 32) * 2 - 4;
    const metrics: string[] = [];
    for (let from = 0; from < 20_000; from += 100) {
      metrics.push(JSON.stringify({ kind: 'loss', fromStep: from, losses: Array.from({ length: 100 }, () => 2.5) }));
      metrics.push(JSON.stringify({ kind: 'ratios', fromStep: from, params, ratios: Array.from({ length: 100 }, (_, k) => (from + k === 19_990 ? params.map(() => null) : params.map(() => next()))) }));
    }
    writeFileSync(path.join(runDir, METRICS_FILE), metrics.join('\n') + '\n{"kind":"ratios","fromStep":20000,"par');
    const big = { step: 19_999, lr: 0.1, activations: [1, 2].map((layer) => ({ layer, name: `tanh${layer}`, mean: 0, std: 0.5 + layer / 10, saturatedPct: layer * 3, zeroFraction: 0, maxAbs: 1, histogram: { edges: [], counts: Array.from({ length: 160_000 }, () => 7) } })), layerGradients: [], params: [] };
    const small = { ...big, step: 10_000, activations: big.activations.map((a) => ({ ...a, std: 9, histogram: { edges: [], counts: [] } })) };
    writeFileSync(path.join(runDir, SNAPSHOTS_FILE), `${JSON.stringify(small)}\n${JSON.stringify(big)}\n{"step": 20000, "activ`);
    expect(statSync(path.join(runDir, METRICS_FILE)).size).toBeGreaterThan(2_000_000);
    expect(JSON.stringify(big).length).toBeGreaterThan(600_000);

    // The same figures the slow way: every line, every ratio row.
    const all = new RecentRatios();
    await forEachJsonLine(path.join(runDir, METRICS_FILE), (v) => {
      const line = v as { kind: string; params: string[]; ratios: (number | null)[][] };
      if (line.kind === 'ratios') all.add(line.params, line.ratios);
    });
    const summary = (await readRunLayerSummary(runDir))!;
    expect(summary.step).toBe(19_999);
    expect(summary.layers.map((l) => [l.name, l.saturation, l.std])).toEqual([['tanh1', 3, 0.6], ['tanh2', 6, 0.7]]);
    expect(summary.layers.map((l) => l.updateRatioLog10)).toEqual([all.means().get('W1'), all.means().get('W2')]);
    // …and the last 100 defined rows by hand (the row of nulls at step 19,990 is not one of them).
    const rows = metrics.filter((l) => l.includes('"ratios"')).flatMap((l) => JSON.parse(l).ratios as (number | null)[][]).filter((r) => r[0] !== null);
    const w1 = rows.slice(-100).map((r) => r[1]!);
    expect(summary.layers[0].updateRatioLog10).toBeCloseTo(w1.reduce((a, b) => a + b, 0) / 100, 12);
  });

  it('RecentRatios: columns by name, rows of nulls skipped, only the last window counted', () => {
    const r = new RecentRatios(2);
    r.add(['W1', 'b1'], [[-3, null], [null, null], [-2, -4]]);
    r.add(['b1', 'W1'], [[-1, -5]]);
    expect(r.means()).toEqual(new Map([['W1', -3.5], ['b1', -2.5]]));
    expect(new RecentRatios().means()).toEqual(new Map());
  });
});
