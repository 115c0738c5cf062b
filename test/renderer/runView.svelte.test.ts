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
