/**
 * The Inspect view decides whether to draw the update:data chart from `RunView.hasRatios`. The series itself is
 * not reactive, so this flag must change whichever arrives first: a snapshot or the first ratios (the bug: with
 * the snapshot first the panel said "No update:data ratios recorded." forever). Runs the store's runes for real.
 */
import { flushSync } from 'svelte';
import { describe, expect, it, vi } from 'vitest';
import type { InspectionSnapshot, RunSummary, RunUpdate } from '../../electron/shared/contract.js';

vi.mock('../../renderer/src/lib/api.js', () => ({ lab: {} }));
const { RunView } = await import('../../renderer/src/stores/runView.svelte.js');

const summary = { id: 'r1', status: 'running', parameterCount: 10 } as unknown as RunSummary;
const snapshot = { step: 0, lr: 0.1, params: [], activations: [], layerGradients: [] } as unknown as InspectionSnapshot;
const snapshotUpdate: RunUpdate = { runId: 'r1', snapshots: [snapshot] } as unknown as RunUpdate;
const ratiosUpdate: RunUpdate = { runId: 'r1', ratios: { fromStep: 0, params: ['W1', 'b2'], ratios: [[-3, -2]] } } as unknown as RunUpdate;

/** What a view's `{#if run.hasRatios}` would render after each update, observed through an effect. */
function watch(updates: RunUpdate[]): boolean[] {
  const view = new RunView(summary, true);
  const seen: boolean[] = [];
  const stop = $effect.root(() => {
    $effect(() => {
      if (view.snapshots.length) seen.push(view.hasRatios);
    });
  });
  for (const u of updates) {
    view.applyUpdate(u);
    flushSync();
  }
  stop();
  return seen;
}

describe('RunView.hasRatios', () => {
  it('turns on when the ratios come after the first snapshot', () => {
    expect(watch([snapshotUpdate, ratiosUpdate])).toEqual([false, true]);
  });

  it('is already on when the ratios come first', () => {
    expect(watch([ratiosUpdate, snapshotUpdate])).toEqual([true]);
  });
});

describe('RunView.startWithoutHistory (a live run reopened while it still waits in the queue)', () => {
  const loss = (fromStep: number, losses: number[]) => ({ runId: 'r1', loss: { fromStep, losses } }) as unknown as RunUpdate;

  it('applies the updates that came before the view, then those queued while its history was asked for, once each', () => {
    const view = new RunView(summary, false);
    // Queued while `runs.get` was in flight (the view is not loaded yet): nothing applied.
    view.applyUpdate(loss(2, [3.1, 3.0]));
    expect(view.series.losses).toEqual([]);
    view.startWithoutHistory([loss(0, [3.3, 3.2])]);
    expect(view.loaded).toBe(true);
    expect(view.series.lossFrom).toBe(0);
    expect(view.series.losses).toEqual([3.3, 3.2, 3.1, 3.0]);
    // Later updates go straight in; a chunk seen already is not counted twice.
    view.applyUpdate(loss(2, [3.1, 3.0]));
    view.applyUpdate(loss(4, [2.9]));
    expect(view.series.losses).toEqual([3.3, 3.2, 3.1, 3.0, 2.9]);
  });
});
