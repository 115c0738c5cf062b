import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alignPoints } from '../../renderer/src/lib/alignedData.js';
import { BucketedSeries, groupBuckets, groupMeans, pickLast, smoothBuckets } from '../../renderer/src/lib/bucketedSeries.js';

describe('alignPoints (series to uPlot columns)', () => {
  it('aligns lines on the union of their steps, null where a line has no point', () => {
    const means = [
      { x: 0, y: 3 },
      { x: 4, y: 2.5 },
      { x: 8, y: 2.2 },
    ];
    const smoothed = [
      { x: 3, y: 2.9 },
      { x: 7, y: 2.6 },
      { x: 9, y: 2.4 },
    ];
    const evals = [{ x: 8, y: 2.3 }];
    expect(alignPoints([means, smoothed, evals])).toEqual([
      [0, 3, 4, 7, 8, 9],
      [3, null, 2.5, null, 2.2, null],
      [null, 2.9, null, 2.6, null, 2.4],
      [null, null, null, null, 2.3, null],
    ]);
  });

  it('turns a non-finite value into a gap, drops a point without a finite step, and takes the last of two at one step', () => {
    const line = [
      { x: 2, y: Number.NaN },
      { x: Number.POSITIVE_INFINITY, y: 1 },
      { x: 1, y: 5 },
      { x: 1, y: 6 },
      { x: 3, y: Number.NEGATIVE_INFINITY },
    ];
    expect(alignPoints([line, []])).toEqual([
      [1, 2, 3],
      [6, null, null],
      [null, null, null],
    ]);
    expect(alignPoints([])).toEqual([[]]);
  });

  it('keeps every point of every line, in step order, whatever the lines (property)', () => {
    const point = fc.record({ x: fc.integer({ min: -50, max: 50 }), y: fc.double({ noNaN: true, noDefaultInfinity: true }) });
    fc.assert(
      fc.property(fc.array(fc.uniqueArray(point, { selector: (p) => p.x, maxLength: 30 }), { maxLength: 5 }), (lines) => {
        const [xs, ...ys] = alignPoints(lines);
        expect([...xs].sort((a, b) => a - b)).toEqual(xs);
        expect(new Set(xs).size).toBe(xs.length);
        expect(new Set(xs)).toEqual(new Set(lines.flat().map((p) => p.x)));
        lines.forEach((line, i) => {
          expect(ys[i]).toHaveLength(xs.length);
          const back = xs.flatMap((x, j) => (ys[i][j] === null ? [] : [{ x, y: ys[i][j] }]));
          expect(back).toEqual([...line].sort((a, b) => a.x - b.x));
        });
      }),
      { numRuns: 300 },
    );
  });

  it('gives the loss chart its columns: means at each group start, smoothed at each group end, one row per step used', () => {
    const s = new BucketedSeries({ maxBuckets: 64 });
    s.append(0, Array.from({ length: 100 }, (_, i) => 3 - i / 100));
    const groups = groupBuckets(s, 10);
    const means = groupMeans(s, groups);
    const smoothed = pickLast(smoothBuckets(s, 0.9), groups);
    const [xs, m, sm] = alignPoints([means, smoothed]);
    // 100 steps grouped into 16-step points (7 of them, the limit being 10): a group's first and last steps differ,
    // so every point gets its own row.
    expect(xs).toHaveLength(2 * means.length);
    expect(m.filter((v) => v !== null)).toEqual(means.map((p) => p.y));
    expect(sm.filter((v) => v !== null)).toEqual(smoothed.map((p) => p.y));
    expect(xs[xs.length - 1]).toBe(99);
  });
});
