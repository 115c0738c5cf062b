/**
 * Reading a run's history back in bounded memory, however long the run: metrics.jsonl is streamed line by
 * line (no string ever holds the whole file, so a file beyond V8's ~512 MB string limit still reads), and the
 * series are averaged in power-of-two buckets beyond a fixed number of points.
 */
import { appendFileSync, mkdirSync, openSync, closeSync, writeFileSync, ftruncateSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RunManager } from '../../electron/app/runManager.js';
import { findPreset } from '../../electron/engine/model/presets.js';
import { forEachJsonLine } from '../../electron/engine/run/jsonLines.js';
import { readStoredRun, STORED_LOSS_POINTS, type RunRecord } from '../../electron/engine/run/runFolder.js';
import { StepSeries, ThinnedList } from '../../electron/engine/run/stepSeries.js';
import { tempDir } from '../helpers/fixtures.js';

/** Bucket means the slow, obvious way: the smallest power-of-two width that fits n steps in maxPoints. */
function expectedBuckets(values: (number | null)[], maxPoints: number) {
  let every = 1;
  while (Math.ceil(values.length / every) > maxPoints) every *= 2;
  const out: (number | null)[] = [];
  for (let start = 0; start < values.length; start += every) {
    const defined = values.slice(start, start + every).filter((v): v is number => v !== null);
    out.push(defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : null);
  }
  return { every, values: out };
}

describe('StepSeries', () => {
  it('keeps every step up to maxPoints, then averages pairs exactly', () => {
    const s = new StepSeries(4);
    [1, 2, 3, 4].forEach((v, i) => s.add(i, v));
    expect(s.values()).toMatchObject({ every: 1, values: [1, 2, 3, 4], steps: 4, last: 4 });
    s.add(4, 10);
    expect(s.values()).toMatchObject({ every: 2, values: [1.5, 3.5, 10], steps: 5, last: 10 });
    s.add(4, 99); // a resent step is not counted twice
    s.add(9, 5); // a gap (lost chunk) stays a hole
    expect(s.values()).toMatchObject({ every: 4, values: [2.5, 10, 5], steps: 10 });
  });
  it('matches the obvious bucket means for any length, width and holes, within maxPoints (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 64 }),
        fc.array(fc.option(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { nil: null }), { maxLength: 2000 }),
        (maxPoints, values) => {
          const s = new StepSeries(maxPoints);
          values.forEach((v, i) => s.add(i, v));
          const got = s.values();
          const want = expectedBuckets(values, maxPoints);
          expect(got.values.length).toBeLessThanOrEqual(maxPoints);
          expect(got.every).toBe(want.every);
          expect(got.values.length).toBe(want.values.length);
          got.values.forEach((v, k) => (want.values[k] === null ? expect(v).toBeNull() : expect(v).toBeCloseTo(want.values[k]!, 9)));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('ThinnedList', () => {
  it('keeps at most max (+ the latest) items, evenly spaced', () => {
    const t = new ThinnedList<number>(100);
    for (let i = 0; i < 10_007; i++) t.push(i);
    const items = t.items();
    expect(items.length).toBeLessThanOrEqual(101);
    expect(items[0]).toBe(0);
    expect(items[items.length - 1]).toBe(10_006);
    const gaps = new Set(items.slice(1, -1).map((v, i) => v - items[i]));
    expect(gaps).toEqual(new Set([128]));
  });
});

describe('forEachJsonLine', () => {
  const dir = tempDir('json-lines-');
  it('splits on newline bytes across chunk boundaries (multi-byte characters too) and skips a torn last line', async () => {
    const file = path.join(dir, 'a.jsonl');
    const long = 'é'.repeat(700_000); // 1.4 MB: crosses the 1 MiB read chunk mid-character
    writeFileSync(file, `{"a":1}\n\n{"s":"${long}"}\r\n{"b":2}\n{"torn":`);
    const seen: unknown[] = [];
    const stats = await forEachJsonLine(file, (v) => seen.push(v));
    expect(seen).toEqual([{ a: 1 }, { s: long }, { b: 2 }]);
    expect(stats).toMatchObject({ lines: 3, skipped: 1 });
  });
  it('skips (and counts) a line longer than the limit without assembling it; a missing file is empty', async () => {
    const file = path.join(dir, 'b.jsonl');
    writeFileSync(file, `{"a":1}\n"${'x'.repeat(5000)}"\n{"b":2}\n`);
    const seen: unknown[] = [];
    expect(await forEachJsonLine(file, (v) => seen.push(v), 1000)).toMatchObject({ lines: 2, skipped: 1 });
    expect(seen).toEqual([{ a: 1 }, { b: 2 }]);
    expect(await forEachJsonLine(path.join(dir, 'none.jsonl'), () => {})).toMatchObject({ lines: 0, skipped: 0 });
  });
});

function writeRunJson(runDir: string, steps: number) {
  const config = structuredClone(findPreset('zero-init')!.config);
  config.train.steps = steps;
  const record: RunRecord = {
    format: 'makemore-lab-run',
    version: 1,
    id: path.basename(runDir),
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    status: 'completed',
    preset: 'zero-init',
    config,
    dataset: { ref: { kind: 'builtin' }, source: { name: 'x', sha256: '0'.repeat(64) } as never },
    vocab: ['.', 'a'],
    backend: null,
    checkpointStep: steps,
    result: null,
    error: null,
  };
  mkdirSync(runDir, { recursive: true });
  writeFileSync(path.join(runDir, 'run.json'), JSON.stringify(record));
}

/** A deterministic loss for step s. */
const lossAt = (s: number) => 2 + Math.sin(s / 1000);

describe('readStoredRun on long runs', () => {
  const root = tempDir('run-history-');
  it('a 1,000,000-step run comes back in at most 262,144 exact bucket means (and the ratios likewise)', async () => {
    const runDir = path.join(root, 'long');
    writeRunJson(runDir, 1_000_000);
    const fd = openSync(path.join(runDir, 'metrics.jsonl'), 'w');
    const chunk = 5000;
    for (let from = 0; from < 1_000_000; from += chunk) {
      const losses = Array.from({ length: chunk }, (_, k) => lossAt(from + k));
      let text = JSON.stringify({ kind: 'loss', fromStep: from, losses }) + '\n';
      if (from % 100_000 === 0) text += JSON.stringify({ kind: 'ratios', fromStep: from, params: ['C', 'W1'], ratios: losses.map((l) => [-l, null]) }) + '\n';
      writeSync(fd, text);
    }
    closeSync(fd);
    const stored = await readStoredRun(runDir);
    expect(stored.losses.every).toBe(4); // 1M / 262,144 = 3.8 → 4
    expect(stored.losses.values.length).toBe(250_000);
    expect(stored.losses.values.length).toBeLessThanOrEqual(STORED_LOSS_POINTS);
    for (const k of [0, 1234, 249_999]) {
      const want = (lossAt(4 * k) + lossAt(4 * k + 1) + lossAt(4 * k + 2) + lossAt(4 * k + 3)) / 4;
      expect(stored.losses.values[k]).toBeCloseTo(want, 12);
    }
    expect(stored.losses.last).toBe(lossAt(999_999));
    expect(stored.ratios!.params).toEqual(['C', 'W1']);
    expect(stored.ratios!.rows.length).toBeLessThanOrEqual(1 << 16);
    expect(stored.skippedLines).toBe(0);

    const runs = new RunManager({ runsRoot: root, launch: () => { throw new Error('no training here'); }, emitUpdate() {}, emitChanged() {} });
    const detail = await runs.get('long');
    expect(detail.summary.steps).toBe(1_000_000);
    expect(detail.losses.every).toBe(4);
    expect(detail.losses.losses).toHaveLength(250_000);
    expect(detail.ratios!.every).toBe(stored.ratios!.every);
  }, 60_000);
  it('a metrics file larger than V8\'s string limit (~512 MB) is read, not reported as empty', async () => {
    const runDir = path.join(root, 'huge');
    writeRunJson(runDir, 2000);
    const file = path.join(runDir, 'metrics.jsonl');
    writeFileSync(file, JSON.stringify({ kind: 'loss', fromStep: 0, losses: Array.from({ length: 1000 }, (_, k) => lossAt(k)) }) + '\n');
    // 600 MB of a sparse hole (NUL bytes, no newline): costs no disk, but is one more line than any string can hold.
    const fd = openSync(file, 'r+');
    ftruncateSync(fd, 600 * 1024 * 1024);
    closeSync(fd);
    appendFileSync(file, '\n' + JSON.stringify({ kind: 'loss', fromStep: 1000, losses: Array.from({ length: 1000 }, (_, k) => lossAt(1000 + k)) }) + '\n');
    expect(statSync(file).size).toBeGreaterThan(512 * 1024 * 1024);
    const stored = await readStoredRun(runDir);
    expect(stored.losses.steps).toBe(2000);
    expect(stored.losses.values[1500]).toBe(lossAt(1500));
    expect(stored.skippedLines).toBe(1); // the hole, skipped without ever being assembled
    expect(stored.metricsBytes).toBeGreaterThan(512 * 1024 * 1024);
  }, 60_000);
});
