/**
 * The Runs table's sorting, the overlay's colours and which runs the model pickers offer. Pure: unit-tested in
 * test/renderer/runTable.test.ts.
 */
import type { RunSummary } from '../../../electron/shared/contract.js';

export type RunColumn = 'name' | 'preset' | 'dataset' | 'date' | 'status' | 'parameters' | 'steps' | 'train' | 'dev' | 'test' | 'backend';

/**
 * Whether a run saved a trained model (what Fold, Sample and Backprop open): completed, or stopped after training.
 * A run stopped while it waited in the worker queue is `stopped` too, but it never trained: no result, no model.
 */
export function hasSavedModel(r: RunSummary): boolean {
  return (r.status === 'completed' || r.status === 'stopped') && r.loss !== null;
}

/** The value a column sorts by; null (unknown, e.g. a loss of a running run) always sorts last. */
function cell(r: RunSummary, column: RunColumn): string | number | null {
  switch (column) {
    // The name the user gave, or the run's id (which starts with its UTC time, so unnamed runs sort by date).
    case 'name': return r.name;
    case 'preset': return r.preset ?? 'custom';
    case 'dataset': return r.datasetName;
    case 'date': return Date.parse(r.createdAt);
    case 'status': return r.status;
    case 'parameters': return r.parameterCount;
    case 'steps': return r.steps;
    case 'train': return r.loss?.train ?? null;
    case 'dev': return r.loss?.val ?? null;
    case 'test': return r.loss?.test ?? null;
    case 'backend': return r.backend;
  }
}

/** A sorted copy; ties keep the list's order (Array.prototype.sort is stable), nulls last in both directions. */
export function sortRuns(list: readonly RunSummary[], column: RunColumn, descending: boolean): RunSummary[] {
  return [...list].sort((a, b) => {
    const x = cell(a, column);
    const y = cell(b, column);
    if (x === null || y === null || (typeof x === 'number' && Number.isNaN(x)) || (typeof y === 'number' && Number.isNaN(y))) {
      const xn = x === null || Number.isNaN(x as number);
      const yn = y === null || Number.isNaN(y as number);
      return xn === yn ? 0 : xn ? 1 : -1;
    }
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
    return descending ? -order : order;
  });
}

/** Ten colours that stay distinguishable side by side (Tableau 10). */
export const RUN_COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/**
 * Gives each overlaid run a colour slot that it keeps while it stays ticked, whatever is ticked or unticked
 * around it: a newly ticked run takes the lowest free slot. Beyond ten runs slots wrap (colours repeat).
 */
export function assignColorSlots(previous: ReadonlyMap<string, number>, ticked: readonly string[]): Map<string, number> {
  const next = new Map<string, number>();
  for (const id of ticked) {
    const slot = previous.get(id);
    if (slot !== undefined) next.set(id, slot);
  }
  const used = new Set(next.values());
  let free = 0;
  for (const id of ticked) {
    if (next.has(id)) continue;
    while (used.has(free)) free++;
    next.set(id, free);
    used.add(free);
  }
  return next;
}

export function slotColor(slot: number): string {
  return RUN_COLORS[slot % RUN_COLORS.length];
}
