import { describe, expect, it } from 'vitest';
import { mergeByStep, RunSeries } from '../../renderer/src/lib/runSeries.js';

describe('RunSeries', () => {
  it('appends loss chunks in step order, skipping resent steps and bridging gaps with NaN', () => {
    const r = new RunSeries();
    r.applyLoss({ fromStep: 0, losses: [3.3, 3.1] });
    r.applyLoss({ fromStep: 1, losses: [3.1, 3.0] }); // step 1 resent
    r.applyLoss({ fromStep: 5, losses: [2.5] }); // steps 3, 4 lost
    expect(r.losses).toEqual([3.3, 3.1, 3.0, Number.NaN, Number.NaN, 2.5]);
    expect(r.loss.nextStep).toBe(6);
    expect(r.loss.means().map((p) => p.x)).toEqual([0, 1, 2, 5]);
    expect(r.loss.meanPoint(0).y).toBeCloseTo(Math.log10(3.3), 12);
  });

  it("places a long run's bucketed history (every = 4) at each bucket's first step; live chunks then go to the chart", () => {
    const r = new RunSeries();
    r.applyLoss({ fromStep: 0, every: 4, losses: [3, 2.5, null as unknown as number, 2] }); // bucket 2: a hole
    expect(r.lossEvery).toBe(4);
    expect(r.losses).toEqual([3, 2.5, Number.NaN, 2]);
    expect(r.loss.means().map((p) => p.x)).toEqual([0, 4, 12]);
    r.applyLoss({ fromStep: 16, losses: [1.9, 1.8] });
    expect(r.loss.nextStep).toBe(18);
    expect(r.losses).toHaveLength(4);
    r.applyRatios({ fromStep: 0, every: 4, params: ['C'], ratios: [[-3], [-3.5]] });
    expect(r.ratios.get('C')!.means().map((p) => p.x)).toEqual([0, 4]);
  });

  it('splits row-major update:data chunks into one series per parameter', () => {
    const r = new RunSeries();
    r.applyRatios({ fromStep: 10, params: ['C', 'W1', 'b2'], ratios: [[-3, null, -2.5], [-3.2, -4, -2.6]] });
    r.applyRatios({ fromStep: 12, params: ['C', 'W1', 'b2'], ratios: [[-3.1, -4.1, -2.7]] });
    expect([...r.ratios.keys()]).toEqual(['C', 'W1', 'b2']);
    expect(r.ratios.get('C')!.means()).toEqual([
      { x: 10, y: -3 },
      { x: 11, y: -3.2 },
      { x: 12, y: -3.1 },
    ]);
    // A null ratio (undefined: std(w) = 0) is left out, not drawn as 0.
    expect(r.ratios.get('W1')!.means().map((p) => p.x)).toEqual([11, 12]);
  });

  it('keeps one evaluation per step, sorted', () => {
    const r = new RunSeries();
    r.applyEvals([{ step: 10, train: 2.5, val: 2.6 }]);
    r.applyEvals([{ step: 0, train: 3.3, val: 3.3 }, { step: 10, train: 2.4, val: 2.5 }]);
    expect(r.evals).toEqual([
      { step: 0, train: 3.3, val: 3.3 },
      { step: 10, train: 2.4, val: 2.5 },
    ]);
  });
});

describe('mergeByStep', () => {
  it('returns the same array when nothing is incoming', () => {
    const a = [{ step: 1 }];
    expect(mergeByStep(a, [])).toBe(a);
  });
});
