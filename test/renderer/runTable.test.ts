import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../electron/shared/contract.js';
import { assignColorSlots, RUN_COLORS, slotColor, sortRuns } from '../../renderer/src/lib/runTable.js';

function run(id: string, over: Partial<RunSummary>): RunSummary {
  return {
    id, preset: 'bn3-fold', createdAt: '2026-11-30T08:00:00Z', status: 'completed', steps: 100, totalSteps: 100, lastLoss: 2,
    loss: { train: 2, val: 2.1, test: 2.2 }, backend: 'fused', datasetName: 'names.txt', parameterCount: 100, hasBatchNorm: true, error: null,
    ...over,
  };
}

describe('sortRuns', () => {
  const list = [
    run('a', { loss: { train: 2.3, val: 2.4, test: 2.5 }, createdAt: '2026-11-30T09:00:00Z', parameterCount: 11897 }),
    run('b', { loss: null, status: 'running', createdAt: '2026-11-30T07:00:00Z', parameterCount: 16424 }),
    run('c', { loss: { train: 2.0, val: 2.1, test: 2.2 }, createdAt: '2026-11-30T08:00:00Z', parameterCount: 9 }),
  ];

  it('sorts by dev loss either way, unknown losses last both ways', () => {
    expect(sortRuns(list, 'dev', false).map((r) => r.id)).toEqual(['c', 'a', 'b']);
    expect(sortRuns(list, 'dev', true).map((r) => r.id)).toEqual(['a', 'c', 'b']);
  });

  it('sorts dates and numbers as numbers, not text', () => {
    expect(sortRuns(list, 'date', false).map((r) => r.id)).toEqual(['b', 'c', 'a']);
    expect(sortRuns(list, 'parameters', false).map((r) => r.id)).toEqual(['c', 'a', 'b']);
  });

  it('leaves the input untouched', () => {
    sortRuns(list, 'id', true);
    expect(list.map((r) => r.id)).toEqual(['a', 'b', 'c']);
  });
});

describe('assignColorSlots', () => {
  it('keeps a run\'s colour when others are ticked or unticked, reusing freed slots', () => {
    let slots = assignColorSlots(new Map(), ['a', 'b', 'c']);
    expect([...slots]).toEqual([['a', 0], ['b', 1], ['c', 2]]);
    slots = assignColorSlots(slots, ['a', 'c']); // b unticked: a and c keep theirs
    expect([...slots]).toEqual([['a', 0], ['c', 2]]);
    slots = assignColorSlots(slots, ['a', 'c', 'd', 'e']); // d takes the freed slot 1, e the next free
    expect(Object.fromEntries(slots)).toEqual({ a: 0, c: 2, d: 1, e: 3 });
  });

  it('gives ten runs ten different colours', () => {
    const ids = Array.from({ length: 10 }, (_, i) => `r${i}`);
    const colours = new Set([...assignColorSlots(new Map(), ids).values()].map(slotColor));
    expect(colours.size).toBe(RUN_COLORS.length);
  });
});
