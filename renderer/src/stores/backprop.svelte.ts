/**
 * Backprop by hand: what to check (a run at its final parameters, or a preset at initialisation), the table the
 * back end computed in a job process, and the row whose values are shown side by side.
 */
import type { ApiErrorInfo, BackpropTable } from '../../../electron/shared/contract.js';
import { lab, toErrorInfo } from '../lib/api.js';

export type BackpropSource = 'preset' | 'run';

class BackpropStore {
  source = $state<BackpropSource>('preset');
  /** The lecture's network for this exercise, with its non-standard initialisation. */
  presetId = $state('backprop-ninja');
  runId = $state<string | null>(null);
  table = $state.raw<BackpropTable | null>(null);
  /** Name of the row shown side by side. */
  selected = $state<string | null>(null);
  error = $state.raw<ApiErrorInfo | null>(null);
  busy = $state(false);

  readonly ready = $derived(this.source === 'preset' ? this.presetId !== '' : this.runId !== null);
  readonly selectedRow = $derived(this.table?.rows.find((r) => r.name === this.selected) ?? null);

  async check(): Promise<void> {
    if (!this.ready || this.busy) return;
    const request = this.source === 'run' ? { runId: this.runId! } : { presetId: this.presetId };
    this.busy = true;
    this.error = null;
    try {
      const table = await lab.backprop.check(request);
      this.table = table;
      if (!table.rows.some((r) => r.name === this.selected)) this.selected = null;
    } catch (e) {
      this.error = toErrorInfo(e);
    } finally {
      this.busy = false;
    }
  }

  select(name: string): void {
    this.selected = this.selected === name ? null : name;
  }
}

export const backprop = new BackpropStore();
