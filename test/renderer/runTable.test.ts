import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../electron/shared/contract.js';
import { assignColorSlots, hasSavedModel, RUN_COLORS, slotColor, sortRuns } from '../../renderer/src/lib/runTable.js';

function run(id: string, over: Partial<RunSummary>): RunSummary {
  return {
    id, name: id, note: '', preset: 'bn3-fold', createdAt: '2026-11-30T08:00:00Z', status: 'completed', steps: 100, totalSteps: 100, lastLoss: 2,
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

  it('sorts by the name the user gave (numbers inside names in numeric order), ids standing in for unnamed runs', () => {
    const named = [
      run('20261130T090000Z-kaiming-a1b2', {}),
      run('20261130T080000Z-bn3-fold-c3d4', { name: 'lr 10' }),
      run('20261130T070000Z-bn3-fold-e5f6', { name: 'lr 2' }),
      run('20261130T060000Z-bn3-fold-g7h8', { name: 'Baseline 10' }),
      run('20261130T050000Z-bn3-fold-i9j0', { name: 'baseline 9' }),
    ];
    expect(sortRuns(named, 'name', false).map((r) => r.name)).toEqual(['20261130T090000Z-kaiming-a1b2', 'baseline 9', 'Baseline 10', 'lr 2', 'lr 10']);
    expect(sortRuns(named, 'name', true).map((r) => r.name)[0]).toBe('lr 10');
  });

  it('leaves the input untouched', () => {
    sortRuns(list, 'name', true);
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

describe('hasSavedModel', () => {
  it('offers completed runs and runs stopped after training, not a run stopped while it waited in the queue', () => {
    expect(hasSavedModel(run('done', {}))).toBe(true);
    expect(hasSavedModel(run('stopped-mid-run', { status: 'stopped', steps: 40 }))).toBe(true);
    expect(hasSavedModel(run('stopped-queued', { status: 'stopped', steps: 0, loss: null, lastLoss: null }))).toBe(false);
    expect(hasSavedModel(run('training', { status: 'running', loss: null }))).toBe(false);
    expect(hasSavedModel(run('failed', { status: 'failed', loss: null }))).toBe(false);
  });
});
